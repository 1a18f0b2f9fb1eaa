"""ICD-10-CM from the CDC order file: an order file written from the embedded FY2026 release imports
back to the same codes, titles, flags and hierarchy; a synthetic FY2027 adds a code; notes are
borrowed from the newest tabular XML and say so."""

from __future__ import annotations

import hashlib
import json
import shutil
import zipfile
from datetime import date
from pathlib import Path

import pytest

from medbill.cli import main
from medbill.exceptions import ImportFailed
from medbill.refdata import catalog, fetch, icd10cm, store
from medbill.refdata.icd10cm import _sources, order_file
from medbill.refdata.icd10cm._model import CATEGORY
from medbill.refdata.icd10cm.importer import import_release

NEW_ROWS = [("U08", False, "Synthetic test category"), ("U080", True, "Synthetic test condition")]


def order_line(number: int, code: str, billable: bool, title: str) -> str:
    return f"{number:05d} {code:<7} {int(billable)} {title[:60]:<60} {title}"


@pytest.fixture(scope="module")
def fy2026_rows(_session_home: Path) -> list[tuple[str, bool, str]]:
    """(code, billable, title) of every category, subcategory and code of the embedded FY2026, in order."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MEDBILL_HOME", str(_session_home))
        embedded = _sources._embedded_fy2026().load()
    return [
        (code, bool(embedded._billable_flags[row]), embedded._title(row))
        for row, code in enumerate(embedded.codes)
        if embedded._kinds[row] >= CATEGORY
    ]


@pytest.fixture
def home(fresh_home: Path, _session_home: Path, fy2026_rows: list) -> Path:
    """An empty MEDBILL_HOME holding the session's compiled caches (``fy2026_rows`` made FY2026's)."""
    shutil.copytree(_session_home / "cache", fresh_home / "cache", dirs_exist_ok=True)
    return fresh_home


def write_order(path: Path, rows: list[tuple[str, bool, str]]) -> Path:
    lines = [order_line(i, *row) for i, row in enumerate(rows, start=1)]
    path.write_text("\n".join(lines) + "\n", encoding="latin-1")
    return path


def fy2027_rows(fy2026_rows: list[tuple[str, bool, str]]) -> list[tuple[str, bool, str]]:
    at = next(i for i, row in enumerate(fy2026_rows) if row[0] > "U08")
    return fy2026_rows[:at] + NEW_ROWS + fy2026_rows[at:]


def test_fy2026_order_file_agrees_code_by_code_with_the_embedded_release(home, tmp_path, fy2026_rows):
    assert len(fy2026_rows) == 98_186  # CDC's row count for icd10cm-order-2026.txt
    embedded = _sources._embedded_fy2026().load()
    prov = import_release(write_order(tmp_path / "icd10cm-order-2026.txt", fy2026_rows))
    assert (prov.release, prov.effective_from, prov.effective_to) == (
        "FY2026",
        date(2025, 10, 1),
        date(2026, 9, 30),
    )
    assert prov.rows == 74_719
    imported = icd10cm.release("FY2026")
    assert imported.provenance.sha256 == prov.sha256  # the import replaced the embedded release
    fields = ("title", "billable", "kind", "parent", "chapter", "block", "requires_7th")
    for code, _, _ in fy2026_rows:
        ours, theirs = imported._code(imported._find(code)), embedded._code(embedded._find(code))
        assert [getattr(ours, f) for f in fields] == [getattr(theirs, f) for f in fields], code
    assert imported.billable_codes == embedded.billable_codes
    assert imported.notes("E11.9") == embedded.notes("E11.9")


def test_fy2027_zip_adds_a_code_and_marks_borrowed_notes(home, tmp_path, fy2026_rows, capsys):
    order = write_order(tmp_path / "icd10cm-order-2027.txt", fy2027_rows(fy2026_rows))
    archive = tmp_path / "icd10cm-code-descriptions-2027.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(order, f"icd10cm-code-descriptions-2027/{order.name}")
        zf.writestr(
            "icd10cm-code-descriptions-2027/icd10cm-codes-2027.txt", "U080    Synthetic test condition\n"
        )
        zf.writestr("icd10cm-code-descriptions-2027/icd10cm-order-addenda-2027.txt", "")
    prov = import_release(archive)
    assert prov.release == "FY2027" and prov.rows == 74_719 + 1
    assert prov.source.endswith("icd10cm-order-2027.txt")
    fy2027 = icd10cm.release("FY2027")
    new = fy2027.lookup("U08.0")
    assert (new.billable, new.parent, new.block, new.chapter) == (True, "U08", "U00-U49", "22")
    notes = fy2027.notes("E11.9")
    assert notes and {n.release for n in notes} == {"FY2026"}

    assert main(["codes", "lookup", "E11.9", "--on", "2026-12-01", "--notes", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["release"] == "FY2027" and {n["release"] for n in out["notes"]} == {"FY2026"}
    assert main(["codes", "lookup", "E11.9", "--on", "2026-12-01", "--notes"]) == 0
    assert "notes taken from release FY2026" in capsys.readouterr().out


def test_fetch_icd10cm_from_a_mirror_installs_the_order_file(home, tmp_path, fy2026_rows, monkeypatch):
    order = write_order(tmp_path / "icd10cm-order-2027.txt", fy2027_rows(fy2026_rows))
    url = "https://ftp.cdc.gov/pub/Health_Statistics/NCHS/Publications/ICD10CM/2027/icd10cm-code-descriptions-2027.zip"
    archive = tmp_path / "mirror" / fetch.mirror_location(url, ".")
    archive.parent.mkdir(parents=True)
    with zipfile.ZipFile(archive, "w") as zf:
        zf.write(order, f"icd10cm-code-descriptions-2027/{order.name}")
    [real] = [e for e in catalog.find("icd10cm", "FY2027") if e.install]
    test_entry = catalog.Entry(
        **{
            **real.__dict__,
            "bytes": archive.stat().st_size,
            "sha256": store.file_sha256(archive),
            "members": {order.name: hashlib.sha256(order.read_bytes()).hexdigest()},
        }
    )
    monkeypatch.setattr(catalog, "entries_all", lambda: [test_entry])
    assert (
        main(
            [
                "data",
                "fetch",
                "icd10cm",
                "--on",
                "2026-12-01",
                "--mirror",
                str(tmp_path / "mirror"),
                "--no-progress",
            ]
        )
        == 0
    )
    assert icd10cm.for_date(date(2026, 12, 1)).provenance.rows == 74_720


@pytest.mark.parametrize(
    ("line", "why"),
    [
        ("00001 A00     0 Cholera", "too short"),
        ("0000x A00     0 " + "Cholera".ljust(60) + " Cholera", "order number not digits"),
        ("00001 A00     2 " + "Cholera".ljust(60) + " Cholera", "billable flag not 0/1"),
        ("00001 a.00    0 " + "Cholera".ljust(60) + " Cholera", "code with a dot"),
    ],
)
def test_a_bad_row_is_refused_naming_the_line(home, tmp_path, line, why):
    path = tmp_path / "icd10cm-order-2027.txt"
    path.write_text(order_line(1, "A00", False, "Cholera") + "\n" + line + "\n")
    with pytest.raises(ImportFailed, match="line 2 is not an ICD-10-CM order file row"):
        import_release(path)
    assert store.installed("icd10cm") == []


def test_a_code_before_its_category_is_refused(home, tmp_path):
    path = write_order(tmp_path / "icd10cm-order-2027.txt", [("A000", True, "Cholera due to Vibrio")])
    with pytest.raises(ImportFailed, match="A000 comes before"):
        import_release(path)


@pytest.mark.parametrize(
    ("name", "year"),
    [
        ("icd10cm-order-2027.txt", 2027),  # the CDC name since FY2024
        ("icd10cm_order_2025.txt", 2025),  # older underscore names
        ("icd10cm-order-Jan-2021.txt", 2021),  # an update named by month
        ("x.zip:icd10cm-code-descriptions-2027/icd10cm-order-2027.txt", 2027),  # a zip member
    ],
)
def test_year_of(name, year):
    assert order_file.year_of(name) == year


def test_a_name_without_a_year_is_refused(home, tmp_path):
    path = write_order(tmp_path / "my-order.txt", [("A00", False, "Cholera")])
    with pytest.raises(ImportFailed, match="fiscal year is not in the file name"):
        import_release(path)
