"""HCPCS Level II: import of the real CMS 2020 file, continuation lines, validity by date, errors."""

from __future__ import annotations

import argparse
import json
import zipfile
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from medbill.cli import data
from medbill.exceptions import DataNotAvailable, ImportFailed, InvalidFormat, InvalidLength, UnknownCode
from medbill.refdata import hcpcs, procedures, store
from medbill.refdata.coverage import CoverageWarning, NotCovered

ZIP = "cms/hcpcs/2020/2020-Alpha-Numeric-HCPCS-File.zip"


@pytest.fixture
def release_2020(shared_data) -> hcpcs.HcpcsRelease:
    hcpcs.import_release(shared_data(ZIP))  # a no-op after the first test of the session
    return hcpcs.release("2020")


def test_counts_match_the_file(release_2020: hcpcs.HcpcsRelease) -> None:
    # CMS's own count for the 2020 annual file: 6,710 codes and 369 modifiers.
    kinds = release_2020.table["kind"].value_counts()
    assert kinds["procedure"] == 6710
    assert kinds["modifier"] == 369
    prov = release_2020.provenance
    assert prov.rows == 7079 and prov.effective_from == date(2020, 1, 1)
    assert prov.source.startswith("2020-Alpha-Numeric-HCPCS-File.zip") and "public domain" in prov.licence


@pytest.mark.parametrize(
    ("code", "text"),
    [
        # five physical lines (one first line + four continuation lines) joined in sequence order
        (
            "A5514",
            "For diabetics only, multiple density insert, made by direct carving with cam technology "
            "from a rectified cad model created from a digitized scan of the patient, total contact with "
            "patient's foot, including arch, base layer minimum of 3/16 inch material of shore a 35 "
            "durometer (or higher), includes arch filler and other shaping material, custom fabricated, each",
        ),
        # two lines: first line ends mid-sentence
        (
            "G0438",
            "Annual wellness visit; includes a personalized prevention plan of service (pps), initial visit",
        ),
        # a modifier whose text continues on a record-id 8 line
        ("AT", "Acute treatment (this modifier should be used when reporting service 98940, 98941, 98942)"),
        # a single-line code
        ("J1100", "Injection, dexamethasone sodium phosphate, 1 mg"),
    ],
)
def test_long_descriptions_join_continuation_lines(release_2020, code: str, text: str) -> None:
    assert release_2020.get(code).long_description == text


def test_every_long_description_is_at_least_its_first_line(release_2020, shared_data) -> None:
    # Oracle: the raw first lines; a joined text is never shorter and always starts with it.
    with zipfile.ZipFile(shared_data(ZIP)) as zf:
        raw = zf.read("HCPC2020_ANWEB_w_disclaimer.txt").decode("cp1252").splitlines()
    # runs of blanks are collapsed to one in the joined text
    firsts = {line[:5].strip(): " ".join(line[11:91].split()) for line in raw if len(line) == 320}
    assert len(firsts) == 7079
    table = release_2020.table
    for code, first in firsts.items():
        assert table.at[code, "long_description"].startswith(first), code


@pytest.mark.parametrize(
    ("code", "on", "valid", "covered"),
    [
        ("A4226", date(2020, 1, 1), True, True),  # added 2020-01-01: first day of the release's quarter
        ("A4226", date(2020, 3, 31), True, True),  # last day the January 2020 file covers
        ("A4226", date(2020, 4, 1), False, False),  # the April update's quarter: not covered, not answered
        ("A4226", date(2019, 12, 31), False, False),  # before the release: not covered
        ("A4466", date(2020, 2, 1), False, True),  # terminated 2016-12-31: in the file, not active
        ("J1100", "2020-02-01", True, True),  # added 1982; a date as text is accepted
        ("J1100", date(2016, 6, 1), False, False),  # the 2020 file never answers for 2016
        ("Z9999", date(2020, 2, 1), False, True),  # not a Level II letter
        ("A0000", date(2020, 2, 1), False, True),  # well-formed, not in the file
    ],
)
def test_validity_by_date_of_service(release_2020, code: str, on, valid: bool, covered: bool) -> None:
    assert hcpcs.is_valid_on(code, on) is valid
    assert hcpcs.coverage_on(on).covered is covered


def test_a_date_outside_the_release_is_answered_with_a_warning(release_2020) -> None:
    # The 2020 file does not say "valid for billing on 2026-12-01": it says it does not cover it.
    with pytest.raises(NotCovered, match=r"Run `medbill data (fetch|import) hcpcs"):
        hcpcs.for_date(date(2026, 12, 1))
    rec = hcpcs.lookup_record("J1100", on=date(2026, 12, 1)).to_dict()
    assert (rec["covered"], rec["valid_on_date"], rec["release"]) == (False, None, "2020")
    assert "No HCPCS Level II release covers 2026-12-01" in rec["coverage_message"]
    with pytest.warns(CoverageWarning):
        assert hcpcs.get("J1100", on=date(2026, 12, 1)).code == "J1100"


def test_terminated_record_fields(release_2020) -> None:
    gd = release_2020.get("GD")  # modifier deleted at the end of 2019 (action D)
    assert gd.kind == "modifier" and gd.terminated == date(2019, 12, 31) and gd.action == "D"
    assert not gd.in_effect(date(2020, 1, 1))


@pytest.mark.parametrize("modifier", ["LT", "RT", "GA", "GY", "GZ", "KX", "QW", "TC", "XE", "XS", "FA", "T9"])
def test_modifiers_present(release_2020, modifier: str) -> None:
    assert modifier in release_2020.modifiers.index


def test_vectorised_validity_matches_scalar(release_2020) -> None:
    codes = pd.Series(["A4466", "A4466", "A4226", "J1100", "A0000", "J1100"], index=list("abcdef"))
    dates = pd.Series(
        ["2020-03-31", "2020-04-01", "2020-01-01", "2020-02-02", "2020-01-01", None], index=codes.index
    )
    got = hcpcs.valid_on_many(codes, dates)
    assert got.index.equals(codes.index)
    assert got.tolist() == [False, False, True, True, False, False]
    scalar = [hcpcs.is_valid_on(c, d) if pd.notna(d) else False for c, d in zip(codes, dates, strict=True)]
    assert got.tolist() == scalar
    assert hcpcs.covered_many(dates).tolist() == [True, False, True, True, True, False]
    mixed = procedures.is_valid_on_many(codes, dates)
    assert mixed.tolist() == got.tolist()
    assert procedures.checked_on_many(codes, dates).tolist() == [True, False, True, True, True, False]


def test_lookup_record_and_search(release_2020) -> None:
    rec = hcpcs.lookup_record("j1100").to_dict()
    assert rec["system"] == "hcpcs" and rec["code"] == "J1100" and rec["billable"] is True
    assert rec["release"] == "2020" and "2020-Alpha-Numeric-HCPCS-File.zip" in rec["source"]
    hits = hcpcs.search("dexamethasone injection", limit=5)
    assert "J1100" in [h.code for h in hits]
    assert all(0 <= h.score <= 1 for h in hits)
    assert [(-h.score, h.code) for h in hits] == sorted((-h.score, h.code) for h in hits)
    with pytest.raises(UnknownCode):
        hcpcs.lookup("A0000")


def test_reimport_is_a_noop(release_2020, shared_data) -> None:
    manifest = store.release_dir("hcpcs", "2020") / "manifest.json"
    before = manifest.stat().st_mtime_ns
    again = hcpcs.import_release(shared_data(ZIP))
    assert again == release_2020.provenance
    assert manifest.stat().st_mtime_ns == before


def test_plain_text_file_imports_the_same(fresh_home, shared_data, tmp_path) -> None:
    with zipfile.ZipFile(shared_data(ZIP)) as zf:
        text = tmp_path / "HCPC2020_ANWEB_w_disclaimer.txt"
        text.write_bytes(zf.read("HCPC2020_ANWEB_w_disclaimer.txt"))
    prov = hcpcs.import_release(text)
    assert prov.release == "2020" and prov.rows == 7079 and prov.source == text.name


def _corrupt_zip(tmp_path: Path, src: Path) -> Path:
    bad = tmp_path / "truncated.zip"
    bad.write_bytes(src.read_bytes()[:50_000])
    return bad


def _truncated_text(tmp_path: Path, src: Path) -> Path:
    with zipfile.ZipFile(src) as zf:
        data = zf.read("HCPC2020_ANWEB_w_disclaimer.txt")
    bad = tmp_path / "HCPC2020_ANWEB_cut.txt"
    bad.write_bytes(data[: len(data) // 2 - 100])  # cut in the middle of a record
    return bad


def _wrong_file(tmp_path: Path, src: Path) -> Path:
    bad = tmp_path / "nucc.csv"
    bad.write_text("Code,Grouping\n193200000X,Group\n")
    return bad


def _zip_without_anweb(tmp_path: Path, src: Path) -> Path:
    bad = tmp_path / "other.zip"
    with zipfile.ZipFile(bad, "w") as zf:
        zf.writestr("README.txt", "nothing here")
    return bad


@pytest.mark.parametrize(
    ("make", "says"),
    [
        (_corrupt_zip, "not a readable zip"),  # truncated download
        (_truncated_text, "truncated"),  # text cut mid-record
        (_wrong_file, "holds no HCPCS records"),  # another system's file
        (_zip_without_anweb, "without an ANWEB text file"),  # a zip of something else
    ],
)
def test_bad_files_fail_naming_the_file(fresh_home, shared_data, tmp_path, make, says) -> None:
    bad = make(tmp_path, shared_data(ZIP))
    with pytest.raises(ImportFailed, match=says) as err:
        hcpcs.import_release(bad)
    assert bad.name in str(err.value) and "Expected" in str(err.value)
    assert store.installed("hcpcs") == []


def test_failed_import_leaves_installed_release_untouched(release_2020, shared_data, tmp_path) -> None:
    before = store.installed("hcpcs")
    manifest = store.release_dir("hcpcs", "2020") / "manifest.json"
    stamp = manifest.stat().st_mtime_ns
    for make in (_corrupt_zip, _truncated_text):
        with pytest.raises(ImportFailed):
            hcpcs.import_release(make(tmp_path, shared_data(ZIP)))
    assert store.installed("hcpcs") == before and manifest.stat().st_mtime_ns == stamp
    assert hcpcs.lookup("J1100").release == "2020"


def test_missing_file_fails_cleanly(fresh_home, tmp_path) -> None:
    with pytest.raises(ImportFailed, match="Cannot read"):
        hcpcs.import_release(tmp_path / "nope.zip")


def test_nothing_imported_says_how_to_import(fresh_home) -> None:
    with pytest.raises(DataNotAvailable, match="medbill data import hcpcs"):
        hcpcs.lookup("J1100")
    hits = hcpcs.search_hits("dexamethasone", 5)  # medbill's labels answer until a release is imported
    assert [(h.code, h.matched) for h in hits] == [("J1100", "medbill label")]
    assert hcpcs.is_valid("J1100")  # format needs no data


def test_cli_data_import(fresh_home, shared_data, capsys) -> None:
    # Only the ``data`` command group is built: the others are not needed to run it.
    parser = argparse.ArgumentParser(prog="medbill")
    data.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["data", "import", "hcpcs", str(shared_data(ZIP)), "--json"])
    assert args.func(args) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["system"] == "hcpcs" and out["release"] == "2020" and out["rows"] == 7079
    with pytest.raises(ImportFailed, match=r"missing\.zip"):
        args = parser.parse_args(["data", "import", "hcpcs", str(fresh_home / "missing.zip")])
        args.func(args)


@pytest.mark.parametrize(
    ("raw", "error"),
    [
        ("J110", InvalidLength),  # four characters
        ("J11000", InvalidLength),  # six characters
        ("W1100", InvalidFormat),  # W is not a Level II letter
        ("99213", InvalidFormat),  # CPT, not Level II
        ("J11O0", InvalidFormat),  # letter O for zero
    ],
)
def test_format_errors(raw: str, error: type[Exception]) -> None:
    with pytest.raises(error):
        hcpcs.validate(raw)


def test_compact_and_format() -> None:
    assert hcpcs.compact(" j1100 ") == "J1100"
    assert hcpcs.format("g0438") == "G0438"


@pytest.mark.parametrize("junk", [None, "", 0, 3.5, b"J1100", "J" * 100_000, "J١١٠٠", "\x00", ["J1100"]])
def test_robustness_sweep(junk: object) -> None:
    assert hcpcs.is_valid(junk) is False
    with pytest.raises(InvalidFormat):
        hcpcs.validate(junk)


def _edited_release(shared_data, tmp_path, name: str, code: str, terminated: str) -> Path:
    """The 2020 text saved under another release name, with one code's termination date set."""
    with zipfile.ZipFile(shared_data(ZIP)) as zf:
        lines = zf.read("HCPC2020_ANWEB_w_disclaimer.txt").decode("cp1252").split("\r\n")
    for i, line in enumerate(lines):
        if line.startswith(code) and len(line) == 320:
            lines[i] = line[:284] + terminated + line[292:]  # termination date: bytes 285-292
    path = tmp_path / name
    path.write_bytes("\r\n".join(lines).encode("cp1252"))
    return path


def test_the_release_in_effect_answers_each_date(fresh_home, shared_data, tmp_path) -> None:
    hcpcs.import_release(shared_data(ZIP))
    later = hcpcs.import_release(
        _edited_release(shared_data, tmp_path, "HCPC2021_APR_ANWEB.txt", "J1100", "20210630")
    )
    assert later.release == "2021-APR" and later.effective_from == date(2021, 4, 1)
    assert [p.release for p in hcpcs.releases()] == ["2020", "2021-APR"]
    assert later.effective_to == date(2021, 6, 30)
    assert hcpcs.for_date(date(2020, 3, 31)).name == "2020"
    assert hcpcs.for_date(date(2021, 4, 1)).name == "2021-APR"
    for uncovered in (date(2021, 3, 31), date(2019, 1, 1), date(2021, 7, 1)):  # no release is stretched
        with pytest.raises(NotCovered):
            hcpcs.for_date(uncovered)
    # J1100 ends 2021-06-30 in the later release only
    assert hcpcs.is_valid_on("J1100", date(2021, 6, 30)) is True
    assert hcpcs.is_valid_on("J1100", date(2020, 3, 31)) is True
    codes = pd.Series(["J1100"] * 4)
    dates = pd.Series(["2020-03-31", "2021-03-31", "2021-06-30", "2021-07-01"])
    assert hcpcs.valid_on_many(codes, dates).tolist() == [True, False, True, False]
    assert hcpcs.covered_many(dates).tolist() == [True, False, True, False]
    assert hcpcs.latest().name == "2021-APR" and hcpcs.release("2020").get("J1100").terminated is None
