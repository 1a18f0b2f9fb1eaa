"""NUCC taxonomy import and lookup; EIN/SSN formats."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from medbill.exceptions import DataNotAvailable, ImportFailed, InvalidFormat, InvalidLength, UnknownCode
from medbill.refdata import catalog, store, taxonomy, tin

NUCC = "nucc/nucc_taxonomy_251.csv"


def test_import_and_lookup(fresh_home, shared_data) -> None:
    path = shared_data(NUCC)
    oracle = pd.read_csv(path, dtype=str, keep_default_na=False).set_index("Code")
    prov = taxonomy.import_release(path)
    assert prov.release == "25.1" and prov.rows == len(oracle) == 883
    for code in ["207Q00000X", "208D00000X", "363L00000X", "261QU0200X"]:  # FM, GP, NP, urgent care
        found = taxonomy.lookup(code.lower())
        assert found.display_name == oracle.at[code, "Display Name"]
        assert found.classification == oracle.at[code, "Classification"]
    rec = taxonomy.lookup_record("207Q00000X").to_dict()
    assert (
        rec["system"] == "taxonomy" and rec["release"] == "25.1" and "nucc_taxonomy_251.csv" in rec["source"]
    )
    with pytest.raises(UnknownCode):
        taxonomy.lookup("999999999X")
    manifest = store.release_dir("taxonomy", "25.1") / "manifest.json"
    before = manifest.stat().st_mtime_ns
    assert taxonomy.import_release(path) == prov  # same file again: no-op
    assert manifest.stat().st_mtime_ns == before


@pytest.mark.parametrize(
    ("content", "says"),
    [
        ("HCPCS,MOD,DESCRIPTION\n99213,,x\n", "lacks columns"),  # another system's file
        ("Code,Grouping,Classification,Specialization,Display Name\n12345,G,C,S,D\n", "not a taxonomy code"),
        ("Code,Grouping,Classification,Specialization,Display Name\n", "lacks columns"),  # no rows
    ],
)
def test_wrong_file_fails_and_keeps_installed(
    fresh_home, shared_data, tmp_path, content: str, says: str
) -> None:
    prov = taxonomy.import_release(shared_data(NUCC))
    bad = tmp_path / "bad_taxonomy.csv"
    bad.write_text(content)
    with pytest.raises(ImportFailed, match=says) as err:
        taxonomy.import_release(bad)
    assert "bad_taxonomy.csv" in str(err.value)
    assert store.installed("taxonomy") == [prov]


# What NUCC states: the January publication (YY.0) is effective April 1, the July one (YY.1) October 1.
NUCC_EFFECTIVE = {
    "25.0": (date(2025, 4, 1), date(2025, 9, 30)),
    "25.1": (date(2025, 10, 1), date(2026, 3, 31)),
    "26.0": (date(2026, 4, 1), date(2026, 9, 30)),
    "26.1": (date(2026, 10, 1), date(2027, 3, 31)),
}


@pytest.mark.parametrize("release", sorted(NUCC_EFFECTIVE))
def test_catalog_and_import_use_the_dates_nucc_states(release: str) -> None:
    assert taxonomy.release_dates(release) == NUCC_EFFECTIVE[release]
    [entry] = catalog.find("taxonomy", release)
    assert (entry.effective_from, entry.effective_to) == NUCC_EFFECTIVE[release]


def test_imported_release_carries_nucc_dates(fresh_home, shared_data) -> None:
    prov = taxonomy.import_release(shared_data(NUCC))
    assert (prov.effective_from, prov.effective_to) == NUCC_EFFECTIVE["25.1"]


@pytest.mark.parametrize("release", ["25.2", "2025", "", "v25.1"])  # no third version; not a version
def test_release_dates_refuses_other_versions(release: str) -> None:
    with pytest.raises(InvalidFormat, match=r"YY\.0 or YY\.1"):
        taxonomy.release_dates(release)


def test_nothing_imported(fresh_home) -> None:
    with pytest.raises(DataNotAvailable, match="medbill data import taxonomy"):
        taxonomy.lookup("207Q00000X")
    assert taxonomy.is_valid("207Q00000X")


@pytest.mark.parametrize(
    ("number", "ok", "shown"),
    [
        ("12-3456789", True, "12-3456789"),  # a campus prefix
        ("123456789", True, "12-3456789"),  # without the dash
        ("07-3456789", False, None),  # 07 is not an IRS prefix
        ("00-0000000", False, None),  # 00 is never assigned
    ],
)
def test_ein(number: str, ok: bool, shown: str | None) -> None:
    assert tin.ein_is_valid(number) is ok
    if ok:
        assert tin.format_ein(number) == shown


@pytest.mark.parametrize(
    ("number", "ok"),
    [
        ("123-45-6789", True),  # ordinary
        ("000-12-3456", False),  # area 000
        ("666-12-3456", False),  # area 666
        ("912-34-5678", False),  # area 900-999
        ("123-00-4567", False),  # group 00
        ("123-45-0000", False),  # serial 0000
    ],
)
def test_ssn(number: str, ok: bool) -> None:
    assert tin.ssn_is_valid(number) is ok


def test_ein_many() -> None:
    got = tin.ein_is_valid_many(pd.Series(["12-3456789", None, 123456789, "07-1234567"]))
    assert got.tolist() == [True, False, False, False]


@pytest.mark.parametrize("junk", [None, "", 0, 1.5, b"123456789", "1" * 100_000, "١٢٣٤٥٦٧٨٩", "\x00"])
def test_robustness_sweep(junk: object) -> None:
    assert taxonomy.is_valid(junk) is False
    assert tin.ein_is_valid(junk) is False
    assert tin.ssn_is_valid(junk) is False
    for validate in (taxonomy.validate, tin.ein_validate, tin.ssn_validate):
        with pytest.raises((InvalidFormat, InvalidLength)):
            validate(junk)
