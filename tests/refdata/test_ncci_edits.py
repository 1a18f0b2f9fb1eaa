"""The compact PTP form the scrubber holds (ncci.edits): the same edits as ncci.load's table, fewer bytes."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from medbill.exceptions import DataNotAvailable
from medbill.refdata import _tablefiles, code_numbers, ncci, store

HEADER = "column1\tcolumn2\tprior_1996\teffective\tdeletion\tmodifier\trationale\n"
# Rows of a v32.1 file (2026-04-01 to 2026-06-30); the comment says whether the edit can apply then.
ROWS = [
    "36000\t10021\t\t20090101\t*\t1\tStandards of medical / surgical practice",  # open-ended
    "10021\t76942\t*\t19960101\t20260401\t0\tCPT Manual or CMS manual coding instruction",  # deleted in it
    "10021\t36000\t\t20090101\t*\t1\tStandards of medical / surgical practice",  # open-ended
    "10021\t36001\t\t20090101\t20260331\t1\tStandards of medical / surgical practice",  # deleted before
    "10021\t36002\t\t20260630\t*\t0\tMutually exclusive procedures",  # effective on its last day
    "10021\t36003\t\t20260701\t*\t1\tMutually exclusive procedures",  # effective after it
    "10021\t36004\t\t20090101\t*\t9\tMutually exclusive procedures",  # indicator 9: never applied
    "0001U\t0030U\t\t20180701\t*\t1\t",  # no rationale
]
LIVE = [0, 1, 2, 4, 7]


def _install(folder, rows, name="ccipra-v321r0-f1.txt"):
    path = folder / name
    path.write_text(HEADER + "\n".join(rows) + "\n")
    return ncci.import_release(path)


def test_edits_are_loads_rows_that_can_apply_in_the_quarter(fresh_home, tmp_path):
    _install(tmp_path, ROWS)
    ((prov, table),) = ncci.load("practitioner")
    (edits,) = ncci.edits("practitioner")
    assert edits.provenance == prov
    # load's rows that can apply, ordered by column 1 code (stable: the file's order within a code)
    live = table.iloc[LIVE].drop(columns="prior_1996")
    expected = live.iloc[np.argsort(live["column1"].to_numpy(), kind="stable")].reset_index(drop=True)
    got = edits.table(np.arange(len(edits)))
    for frame in (got, expected):
        frame[["effective", "deletion"]] = frame[["effective", "deletion"]].astype("datetime64[us]")
    pd.testing.assert_frame_equal(got, expected, check_dtype=False)
    assert got["column2"].tolist() == ["0030U", "76942", "36000", "36002", "10021"]


def test_edits_of_the_shared_cms_excerpt_match_load(fresh_home, shared_data):
    # The real v32.2 excerpt: most rows are edits deleted years ago, and some are indicator 9.
    prov = ncci.import_release(shared_data("cms/ncci/ptp_practitioner_v322r0_f1_excerpt.tsv"))
    ((_, table),) = ncci.load("practitioner")
    (edits,) = ncci.edits("practitioner")
    start = pd.Timestamp(prov.effective_from)
    end = pd.Timestamp(prov.effective_to)
    can_apply = (
        table["modifier_indicator"].ne(9)
        & table["effective"].le(end)
        & (table["deletion"].isna() | table["deletion"].ge(start))
    )
    assert 0 < len(edits) == can_apply.sum() < len(table)
    got = edits.table(np.arange(len(edits)))
    pairs = set(zip(got["column1"], got["column2"], strict=True))
    assert pairs == set(zip(table.loc[can_apply, "column1"], table.loc[can_apply, "column2"], strict=True))


def test_an_edit_costs_under_20_bytes(fresh_home, tmp_path):
    rng = np.random.default_rng(1)
    codes = code_numbers.codes(rng.integers(0, code_numbers.COUNT, 2 * 5000))
    why = ["Mutually exclusive procedures", "Standards of medical / surgical practice"]
    rows = [
        f"{a}\t{b}\t\t20200101\t*\t{i % 2}\t{why[i % 2]}"
        for i, (a, b) in enumerate(zip(codes[:5000], codes[5000:], strict=True))
    ]
    _install(tmp_path, rows)
    (edits,) = ncci.edits("practitioner")
    assert len(edits) == 5000
    assert edits.nbytes < 20 * len(edits)  # load's table: about 80 bytes a row, before pandas' overhead


def test_rows_finds_edits_between_two_given_codes(fresh_home, tmp_path):
    _install(tmp_path, ROWS)
    (edits,) = ncci.edits("practitioner")
    pairs = edits.table(np.arange(len(edits)))[["column1", "column2"]]

    def between(*codes):
        rows = edits.rows(code_numbers.numbers(codes))
        assert (np.diff(rows) > 0).all()  # ascending, each once
        return sorted(map(tuple, pairs.iloc[rows].to_numpy().tolist()))

    assert between("10021", "36000") == [("10021", "36000"), ("36000", "10021")]
    assert between("10021", "76942", "99213", "junk!") == [("10021", "76942")]
    assert between("10021") == []  # one code of a pair is not enough
    assert between("36001", "10021") == []  # deleted before the quarter: left out
    assert between() == []


def test_edits_does_not_keep_loads_table(fresh_home, tmp_path):
    prov = _install(tmp_path, ROWS[:3])
    _tablefiles._memo.clear()
    ncci.edits("practitioner")
    assert not [key for key in _tablefiles._memo if key[0] == ncci.SYSTEM]
    assert prov.release == "practitioner-v321r0-f1"


def test_the_parts_of_a_quarter_are_one_release_in_file_order(fresh_home, tmp_path):
    # Two files of one quarter repeat a pair with different dates: both edits are kept, f1's first.
    _install(tmp_path, ["10021\t36000\t\t20090101\t20260415\t1\tfirst part"], "ccipra-v321r0-f1.txt")
    _install(tmp_path, ["10021\t36000\t\t20260416\t*\t0\tsecond part"], "ccipra-v321r0-f2.txt")
    (edits,) = ncci.edits("practitioner")
    assert edits.provenance.release == "practitioner-v321r0"
    assert edits.table(np.arange(2))["rationale"].tolist() == ["first part", "second part"]


def test_a_missing_table_file_says_how_to_fix_it(fresh_home, tmp_path):
    # rows no other test installs, so no earlier read of the same release answers from memory
    prov = _install(tmp_path, ["0002U\t0003U\t\t20200101\t*\t1\tmissing-file test"])
    (store.release_dir(prov.system, prov.release) / _tablefiles.TABLE).unlink()
    with pytest.raises(DataNotAvailable, match="medbill data import ncci"):
        ncci.edits("practitioner")


def test_edits_follow_the_release_dates(fresh_home, tmp_path):
    # the same file given another quarter keeps the edits that can apply in that quarter
    path = tmp_path / "ptp.txt"
    path.write_text(HEADER + "\n".join(ROWS) + "\n")
    ncci.import_release(path, effective=date(2026, 7, 1))
    (edits,) = ncci.edits("practitioner")
    got = edits.table(np.arange(len(edits)))
    assert sorted(got["column2"]) == ["0030U", "10021", "36000", "36002", "36003"]
