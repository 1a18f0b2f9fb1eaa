"""The one rule for "the release in effect on date D", and the shape of the reference-data floor."""

from __future__ import annotations

import ast
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from medbill.exceptions import InvalidDate, UnknownCode
from medbill.refdata import carc, coverage, rarc
from medbill.refdata.store import Provenance

ROOT = Path(__file__).resolve().parents[2]


def rel(name: str, start: date | None, end: date | None) -> Provenance:
    return Provenance("hcpcs", name, start, end, "test", "0" * 64, 0)


Q1 = rel("2026-JAN", date(2026, 1, 1), date(2026, 3, 31))
Q2 = rel("2026-APR", date(2026, 4, 1), date(2026, 6, 30))
APRIL_UPDATE = rel("FY2026-APR", date(2026, 4, 1), date(2026, 9, 30))  # starts later inside FY2026
FY = rel("FY2026", date(2025, 10, 1), date(2026, 9, 30))


@pytest.mark.parametrize(
    ("releases", "day", "expected"),
    [
        ([Q1, Q2], date(2026, 3, 31), "2026-JAN"),  # last day of Q1
        ([Q1, Q2], date(2026, 4, 1), "2026-APR"),  # first day of Q2
        ([Q1, Q2], date(2025, 12, 31), None),  # before every release: none, not the earliest
        ([Q1, Q2], date(2026, 7, 1), None),  # after every release: none, not the latest
        ([FY, APRIL_UPDATE], date(2026, 5, 1), "FY2026-APR"),  # the release that starts later wins
        ([APRIL_UPDATE, FY], date(2026, 5, 1), "FY2026-APR"),  # whatever the order they are listed in
        ([FY, APRIL_UPDATE], date(2026, 3, 1), "FY2026"),
        ([rel("own", None, None)], date(1900, 1, 1), "own"),  # undated tables cover every date
    ],
)
def test_in_effect_boundaries_and_precedence(releases, day, expected) -> None:
    found = coverage.in_effect(releases, day)
    assert (found.release if found else None) == expected
    which = coverage.in_effect_many(releases, np.array([day], dtype="datetime64[ns]"))
    assert ([releases[i].release for i in which if i >= 0] or [None]) == [expected]


def test_same_start_later_listed_wins() -> None:
    # An imported release listed after an embedded one of the same dates answers.
    embedded, imported = (
        rel("FY2026", FY.effective_from, FY.effective_to),
        rel("FY2026", FY.effective_from, FY.effective_to),
    )
    assert coverage.in_effect([embedded, imported], date(2026, 1, 1)) is imported
    assert coverage.in_effect_many(
        [embedded, imported], np.array(["2026-01-01"], dtype="datetime64[ns]")
    ).tolist() == [1]


@given(st.lists(st.dates(date(2025, 1, 1), date(2027, 12, 31)), min_size=1, max_size=40))
def test_vectorised_rule_matches_scalar(days: list[date]) -> None:
    releases = [FY, Q1, Q2, APRIL_UPDATE]
    which = coverage.in_effect_many(releases, np.array(days, dtype="datetime64[ns]"))
    for day, i in zip(days, which, strict=True):
        found = coverage.in_effect(releases, day)
        assert (releases[i] if i >= 0 else None) is found


def test_nat_is_never_covered() -> None:
    assert coverage.in_effect_many([FY], np.array(["NaT"], dtype="datetime64[ns]")).tolist() == [-1]


def test_coverage_answers_from_the_nearest_release_and_says_so() -> None:
    cov = coverage.coverage("hcpcs", [Q1, Q2], date(2026, 12, 1))
    assert (cov.covered, cov.release.release) == (False, "2026-APR")  # the latest before the date
    assert "No HCPCS Level II release covers 2026-12-01" in cov.message and "Run `medbill data" in cov.message
    early = coverage.coverage("hcpcs", [Q1, Q2], date(2020, 1, 1))
    assert (early.covered, early.release.release) == (False, "2026-JAN")  # nothing before: the earliest
    with pytest.raises(coverage.NotCovered) as info:
        coverage.require("hcpcs", [Q1, Q2], date(2026, 12, 1))
    assert info.value.system == "hcpcs" and info.value.on == date(2026, 12, 1) and info.value.fix


def test_fix_command_names_the_catalog_release_when_known() -> None:
    assert coverage.fix_command("icd10cm", date(2026, 12, 1)) == "medbill data fetch icd10cm FY2027"
    assert coverage.fix_command("icd10cm", date(2030, 1, 1)).startswith("medbill data import icd10cm PATH")


def test_uncovered_dates_are_grouped_by_the_release_that_would_cover_them() -> None:
    days = np.array(["2026-10-01", "2026-12-31", "2026-05-01", "NaT", "2026-11-15"], dtype="datetime64[ns]")
    groups = coverage.uncovered_groups("icd10cm", [FY], days)
    reasons = {reason: mask.tolist() for mask, reason in groups}
    assert len(groups) == 2
    undated = next(r for r in reasons if r.startswith("No date of service"))
    assert reasons[undated] == [False, False, False, True, False]
    fy2027 = next(r for r in reasons if "FY2027" in r)
    assert reasons[fy2027] == [True, True, False, False, True]  # one reason for the three FY2027 dates
    assert "dates of service 2026-10-01 to 2027-09-30" in fy2027  # the dates FY2027 covers, not the batch's


def test_uncovered_labels_number_the_groups_reasons() -> None:
    days = np.array(
        ["2026-10-01", "2031-01-01", "2026-05-01", "NaT", "2026-11-15", "2031-02-01"], dtype="datetime64[ns]"
    )
    labels, reasons = coverage.uncovered_labels("icd10cm", [FY], days)
    # undated first, then one per fix in date order: FY2027's, then each 2031 date (no catalog release)
    assert labels.tolist() == [1, 2, -1, 0, 1, 3]
    groups = coverage.uncovered_groups("icd10cm", [FY], days)
    assert [(mask.tolist(), reason) for mask, reason in groups] == [
        ((labels == k).tolist(), reason) for k, reason in enumerate(reasons)
    ]
    assert "FY2027" in reasons[1] and "2031-01-01" in reasons[2] and "2031-02-01" in reasons[3]


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (date(2026, 1, 1), date(2026, 3, 31)),
        (date(2026, 2, 17), date(2026, 3, 31)),
        (date(2026, 12, 1), date(2026, 12, 31)),
        (date(2024, 4, 1), date(2024, 6, 30)),
    ],
)
def test_quarter_end(start: date, end: date) -> None:
    assert coverage.quarter_end(start) == end
    assert (coverage.quarter_end(start) + timedelta(days=1)).day == 1


@pytest.mark.parametrize("junk", [None, "", "2026-13-01", "x" * 1_000_000, 20260101, ["2026-01-01"]])
def test_dates_that_are_not_dates_are_refused_with_a_typed_error(junk) -> None:
    with pytest.raises(InvalidDate) as info:
        coverage.as_date(junk)
    assert len(str(info.value)) < 200  # a huge value is not echoed back whole


@pytest.mark.parametrize("module", [carc, rarc])
def test_verbs_agree_for_every_code_and_junk(module) -> None:
    # validate passes exactly when is_valid; get is None exactly when lookup raises.
    for code in [*module.table().index[:400], "999", "N999", "MA999", "A9", "", None, 5, "45 ", "n130"]:
        valid = module.is_valid(code)
        try:
            module.validate(code)
            validated = True
        except ValueError:
            validated = False
        assert validated == valid, code
        assert (module.get(code) is None) == (not valid), code
        if not valid:
            with pytest.raises((UnknownCode, ValueError)):
                module.lookup(code)


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def test_the_reference_data_floor_imports_nothing_above_it() -> None:
    above = (
        "medbill.claims",
        "medbill.edits",
        "medbill.pricing",
        "medbill.analytics",
        "medbill.reports",
        "medbill.widgets",
        "medbill.teach",
        "medbill.cli",
        "medbill.synth",
        "medbill.ingest",
    )
    for path in (ROOT / "medbill" / "refdata").rglob("*.py"):
        bad = {m for m in _imports(path) if m.startswith(above)}
        assert not bad, f"{path.relative_to(ROOT)} imports {bad}"


def test_no_module_is_reached_through_a_name_in_a_string() -> None:
    for folder in ("refdata", "edits", "pricing"):
        for path in (ROOT / "medbill" / folder).rglob("*.py"):
            assert "import_module(" not in path.read_text(), path.relative_to(ROOT)
