"""ICD-10-CM suggestions for SNOMED CT / text Conditions: each mechanism on a case it exists for."""

from __future__ import annotations

import importlib
from datetime import date

import pandas as pd
import pytest

from medbill.refdata import icd10cm

suggest_module = importlib.import_module("medbill.ingest.fhir.suggest")
# A Synthea date no release covers: suggestions come from the nearest release, FY2025, which has no
# tabular notes of its own (its search borrows the FY2026 terms of unchanged codes).
OLD = date(2011, 5, 2)


def _top(display: str, on: date = OLD) -> list[dict]:
    rows, _note = suggest_module._ranked(display, ("icd10cm",), on)
    return rows


@pytest.mark.parametrize(
    ("display", "accepted", "within"),
    [
        ("Stroke", "I63.9", 1),  # inclusion term "Stroke NOS" (FY2026 tabular, code unchanged in FY2025)
        ("Stress (finding)", "Z73.3", 1),  # "not elsewhere classified" does not count against the title
        ("Sepsis (disorder)", "A41.9", 1),  # "unspecified organism" is the default, not an extra word
        ("Seizure disorder", "G40.909", 1),  # inclusion term "Seizure disorder NOS"
        ("Streptococcal sore throat (disorder)", "J02.0", 1),  # inclusion term
        ("Hypertriglyceridemia (disorder)", "E78.1", 3),  # near spelling: "hyperglyceridemia"
        ("Muscle pain (finding)", "M79.10", 1),  # ICD-10-CM's wording: myalgia
        ("History of renal transplant (situation)", "Z94.0", 5),  # renal read as kidney
        ("Escherichia coli urinary tract infection", "N39.0", 2),  # the words left, searched alone
        ("Fracture of ankle", "S82.899A", 1),  # header S82.89 ("Fracture of ankle NOS") -> its default code
        ("Concussion with no loss of consciousness", "S06.0X0A", 1),  # initial before subsequent encounter
    ],
)
def test_accepted_code_is_suggested(display: str, accepted: str, within: int) -> None:
    codes = [r["code"] for r in _top(display)]
    assert accepted in codes[:within], codes


def test_condition_suggestions_are_billable_codes() -> None:
    # headers found through their terms are replaced by a billable code under them
    rows = _top("Pathological fracture due to osteoporosis (disorder)")
    assert rows and all(r["billable"] is True for r in rows)
    assert "M80.00XA" in [r["code"] for r in rows]


@pytest.mark.parametrize(
    ("header", "default"),
    [
        ("E11", "E11.9"),  # "without complications" after E11.8 "with unspecified complications"
        ("I21", "I21.9"),  # "Acute myocardial infarction, unspecified"
        ("S82.89", "S82.899A"),  # unspecified lower leg, then the initial encounter
        ("A15", "A15.9"),  # "Respiratory tuberculosis unspecified"
        ("E11.9", "E11.9"),  # a billable code is its own default
    ],
)
def test_default_code_under_a_header(header: str, default: str) -> None:
    rel = icd10cm.release(icd10cm.coverage_on(OLD).release.release)
    assert suggest_module.default_code(rel, header).display == default


@pytest.mark.parametrize(
    ("text", "variant", "read"),
    [
        ("Muscle pain", "myalgia", "muscle pain read as myalgia"),
        ("History of renal transplant", "History of kidney transplant", "renal read as kidney"),
        ("Fever", "", ""),  # nothing to reword
        ("Adrenal insufficiency", "", ""),  # whole words only: "adrenal" is not "renal"
    ],
)
def test_reworded(text: str, variant: str, read: str) -> None:
    assert suggest_module.reworded(text) == (variant, read)


def test_sources_say_how_a_suggestion_was_found() -> None:
    sources = {r["code"]: r["source"] for r in _top("Escherichia coli urinary tract infection")}
    assert sources["N39.0"] == "medbill search (words left: urinary tract)"
    sources = {r["code"]: r["source"] for r in _top("Muscle pain")}
    assert sources["M79.10"].startswith("medbill search (muscle pain read as myalgia)")


def test_suggest_frame_keeps_one_row_per_code_and_rank() -> None:
    findings = pd.DataFrame(
        {
            "finding_id": ["f1", "f2"],
            "kind": ["condition", "condition"],
            "system": ["http://snomed.info/sct", ""],
            "code": ["16114001", ""],
            "display": ["Fracture of ankle", "Muscle pain"],
            "icd10cm_given": ["", ""],
            "date": ["2011-05-02", "2025-03-01"],
        }
    )
    out = suggest_module.suggest(findings)
    for _fid, part in out.groupby("finding_id"):
        assert part["code"].is_unique and part["rank"].tolist() == list(range(1, len(part) + 1))
    assert set(out["finding_id"]) == {"f1", "f2"}
