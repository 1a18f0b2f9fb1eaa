"""Issue 16: the scrubber applies every note the tabular writes, where it writes it.

Cases are real codes of the embedded FY2026 tabular; the claims are the clean claim of
tests/edits/conftest.py with its diagnoses replaced.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest

from medbill.edits import scrub
from medbill.refdata import icd10cm
from medbill.teach.checker import _excludes1

DOS = "2026-07-15"


def _dx_claims(mk, dx_lists: list[list[str]]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One claim per list of diagnoses, each with one line pointing at all of them."""
    claims, lines = [], []
    for i, dx in enumerate(dx_lists):
        cid = f"C{i}"
        claims.append(mk.claim(claim_id=cid, **{f"dx{n + 1}": c for n, c in enumerate(dx)}))
        lines.append(mk.line(claim_id=cid, dx_pointers="ABCD"[: len(dx)]))
    return mk.tables(claims, lines)


def _block_and_chapter_pairs() -> list[tuple[str, str, str]]:
    """(code, excluded code, owner) for every Excludes1 note written on a section or chapter: the first
    billable code under the owner and the first billable code the note names outside it."""
    rel = icd10cm.release("FY2026")
    table = rel.table
    billable = table[table["billable"]].sort_index()
    notes = rel.notes_table
    notes = notes[
        (notes["kind"] == "excludes1")
        & notes["code"].isin(table.index[table["kind"].isin(["block", "chapter"])])
    ]
    pairs = []
    for owner, refs in zip(notes["code"], notes["refs"], strict=True):
        inside = (billable["block"] == owner) | (billable["chapter"] == owner)
        under, outside = billable.index[inside], billable.index[~inside]
        for ref in refs:
            named = outside[outside.str.startswith(ref)]
            if len(under) and len(named):
                pairs.append((under[0], named[0], owner))
    return list(dict.fromkeys(pairs))


def test_excludes1_on_a_section_applies_to_its_codes(mk) -> None:
    # A15-A19 (tuberculosis) excludes congenital tuberculosis (P37.0)
    result = scrub(*_dx_claims(mk, [["A15.0", "P37.0"]]), rules=["ICD-EXCLUDES1"], as_of=mk.AS_OF)
    found = result.findings
    assert len(found) == 1 and found["severity"].item() == "error"
    assert found["value"].item() == "P37.0" and found["field"].item() == "dx2"
    assert found["message"].item().startswith("A15.0 has an Excludes1 note for P37.0 (on section A15-A19:")
    assert "I.A.12.a" in found["message"].item() and "query the provider" in found["message"].item()


def test_every_section_and_chapter_excludes1_pair_is_found_by_scrubber_and_checker(mk) -> None:
    pairs = _block_and_chapter_pairs()
    assert len(pairs) > 100
    result = scrub(*_dx_claims(mk, [[a, b] for a, b, _ in pairs]), rules=["ICD-EXCLUDES1"], as_of=mk.AS_OF)
    flagged = set(result.findings["claim_id"])
    missed = [p for i, p in enumerate(pairs) if f"C{i}" not in flagged]
    assert not missed, missed[:5]
    rel = icd10cm.release("FY2026")
    assert all(_excludes1(rel, [a, b], allowed=set()) for a, b, _ in pairs)  # the teaching checker agrees


def test_excludes1_messages_are_dotted_and_keep_the_exception(mk) -> None:
    result = scrub(*_dx_claims(mk, [["J45.909", "J69.8"]]), rules=["ICD-EXCLUDES1"], as_of=mk.AS_OF)
    message = result.findings["message"].item()
    assert message.startswith("J45.909 has an Excludes1 note for J69.8 (on J45: detergent asthma (J69.8))")
    assert "J45909" not in message and "J698" not in message
    assert result.findings["value"].item() == "J69.8"


def test_teaching_feedback_does_not_teach_never_together() -> None:
    from medbill.teach import check

    feedback = " ".join(check("end-01", ["E11.42", "E10.9"]).feedback)
    assert "unrelated" in feedback and "not reported together." not in feedback


def test_rule_table_explains_the_exception() -> None:
    from medbill.edits import rules

    row = rules().set_index("id").loc["ICD-EXCLUDES1"]
    assert row["severity"] == "error"
    assert "I.A.12.a" in row["reference"] and "unrelated" in row["explanation"]
    assert "query the provider" in row["explanation"]


@pytest.mark.parametrize(
    ("dx", "rule_id", "expected"),
    [
        # a header: the example is the unspecified code, dotted
        (["J18"], "ICD-HEADER", "J18 is a header, not a billable code, for example J18.9"),
        (["E11"], "ICD-HEADER", "E11 is a header, not a billable code, for example E11.9"),
        (["R10.1"], "ICD-HEADER", "R10.1 is a header, not a billable code, for example R10.10"),
        (["E11.99"], "ICD-INVALID", "E11.99 is not an ICD-10-CM code in FY2026"),
        (["S52.521"], "ICD-7TH", "S52.521 needs a 7th character"),
        (["T07D"], "ICD-PLACEHOLDER", "T07.D is missing X placeholders; the code is T07.XXXD"),
        (["F02.80", "G30.9"], "ICD-MANIFESTATION", "F02.80 is a manifestation code"),
    ],
)
def test_messages_print_codes_dotted(mk, dx, rule_id, expected) -> None:
    result = scrub(*_dx_claims(mk, [dx]), rules=[rule_id], as_of=mk.AS_OF)
    assert result.findings["message"].str.startswith(expected).any(), result.findings["message"].tolist()


def test_use_additional_notes_join_cleanly(mk) -> None:
    result = scrub(*_dx_claims(mk, [["E11.65"]]), rules=["ICD-USE-ADDITIONAL"], as_of=mk.AS_OF)
    message = result.findings["message"].item()
    assert message.startswith("E11.65: ")
    assert ":;" not in message and "using:" not in message.replace("using: ", "using ")
    assert "Z79.4" in message and "note on E11" in message


@pytest.mark.parametrize(
    ("dx", "what"),
    [
        (["V43.52XA", "S52.521A"], "external cause"),  # car occupant injured: V code first
        (["Y92.009", "S52.521A"], "external cause"),  # place of occurrence first
        (["Z68.41", "E66.01"], "body mass index"),  # BMI before the obesity it qualifies
        (["Z3A.20", "O99.011"], "weeks-of-gestation"),  # weeks of gestation before the pregnancy code
        (["B96.20", "N39.0"], "infectious agent"),  # E. coli before the urinary tract infection
    ],
)
def test_codes_that_may_not_be_first_listed(mk, dx: list[str], what: str) -> None:
    found = scrub(*_dx_claims(mk, [dx, dx[::-1]]), rules=["ICD-NOT-FIRST"], as_of=mk.AS_OF).findings
    assert found["claim_id"].tolist() == ["C0"]  # first-listed only; second place is where it belongs
    assert what in found["message"].item() and "Guidelines I." in found["message"].item()
    assert found["value"].item() == dx[0] and found["severity"].item() == "error"


def test_mce_unacceptable_principal_is_a_warning_and_leaves_never_first_codes_to_the_error(
    mk, reference_data
) -> None:
    # the shared MCE list is v37 (fiscal year 2020): date the claims in it
    claims, lines = _dx_claims(mk, [["Z00.00"], ["B96.20", "N39.0"]])
    claims["submitted_date"], lines["service_date"] = "2020-01-20", "2020-01-15"
    found = scrub(claims, lines, rules=["MCE-PRINCIPAL"], as_of=mk.AS_OF).findings
    assert found["value"].tolist() == ["Z00.00"] and found["severity"].tolist() == ["warning"]
    # B96.20 is on the MCE list too, but ICD-NOT-FIRST reports it (an error), once


@pytest.mark.parametrize("eye_exam", ["92002", "92004", "92012", "92014"])
def test_modifier_25_belongs_on_eye_exams(mk, eye_exam: str) -> None:
    lines = [mk.line(procedure_code=eye_exam, modifier1="25"), mk.line(line_number=2, procedure_code="67028")]
    claims, _ = mk.tables()
    result = scrub(claims, pd.DataFrame(lines), rules=["MOD-25-EM", "MOD-25-NOPROC"], as_of=mk.AS_OF)
    assert result.findings.empty, result.findings["message"].tolist()
    alone = scrub(claims, pd.DataFrame(lines[:1]), rules=["MOD-25-NOPROC"], as_of=mk.AS_OF)
    assert alone.findings["rule_id"].tolist() == [
        "MOD-25-NOPROC"
    ]  # an eye exam is E/M: no procedure, 25 unneeded


@pytest.mark.parametrize(
    ("line", "rule_id", "says"),
    [
        ({"units": 1_000_000_000}, "AMOUNT-IMPLAUSIBLE", "units 1,000,000,000 is above 99,999"),
        ({"units": float("inf")}, "AMOUNT-LIMIT", "units inf is not a finite number"),
        ({"units": 1e10}, "AMOUNT-LIMIT", "is 10,000,000,000 or more"),
        ({"charge": 1e15}, "AMOUNT-LIMIT", "is 10,000,000,000 or more"),
        ({"charge": float("inf")}, "AMOUNT-LIMIT", "charge inf is not a finite number"),
        ({"charge": float("-inf")}, "AMOUNT-LIMIT", "not a finite number"),
        ({"charge": 25_000_000.0}, "AMOUNT-IMPLAUSIBLE", "charge 25,000,000.00 is above"),
    ],
)
def test_units_and_charges_an_837p_cannot_carry_or_nobody_bills(mk, line, rule_id, says) -> None:
    claims, _ = mk.tables()
    result = scrub(
        claims, pd.DataFrame([mk.line(**line)]), rules=["AMOUNT-LIMIT", "AMOUNT-IMPLAUSIBLE"], as_of=mk.AS_OF
    )
    assert result.findings["rule_id"].tolist() == [rule_id], result.findings.to_dict("records")
    assert says in result.findings["message"].item()


def test_claim_total_beyond_the_837p_limit(mk) -> None:
    claims, _ = mk.tables()
    lines = pd.DataFrame([mk.line(line_number=n, charge=9e9) for n in (1, 2)])
    found = scrub(claims, lines, rules=["AMOUNT-LIMIT"], as_of=mk.AS_OF).findings
    assert found["message"].str.contains("total charge").tolist() == [True]


def test_the_amount_limit_is_the_claim_models_limit() -> None:
    from decimal import Decimal

    from medbill.claims.models import _decimal
    from medbill.edits.rules.integrity import X12_AMOUNT_LIMIT
    from medbill.exceptions import InvalidFormat

    assert _decimal("units", Decimal(str(X12_AMOUNT_LIMIT)) - Decimal("0.01")) < Decimal(
        str(X12_AMOUNT_LIMIT)
    )
    with pytest.raises(InvalidFormat):
        _decimal("units", Decimal(str(X12_AMOUNT_LIMIT)))


def test_list_rules_needs_no_claims_dir(capsys) -> None:
    from medbill.cli import main

    assert main(["scrub", "--list-rules", "--json"]) == 0
    ids = {r["id"] for r in json.loads(capsys.readouterr().out)}
    assert {"ICD-NOT-FIRST", "AMOUNT-LIMIT", "ICD-EXCLUDES1"} <= ids
    assert main(["scrub"]) == 2  # without --list-rules the folder is still required
    assert "CLAIMS_DIR" in capsys.readouterr().err


def test_readme_lists_every_rule() -> None:
    import re
    from pathlib import Path

    from medbill.edits import rules

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    table = readme[readme.index("| rule | checks |") :].split("\n\n", 1)[0]
    listed = set(
        re.findall(r"`([A-Z0-9]+(?:-[A-Z0-9]+)*)`", " ".join(r.split("|")[1] for r in table.splitlines()[2:]))
    )
    assert listed == set(rules()["id"])
