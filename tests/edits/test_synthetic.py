"""Realistic claims from the synthetic practice: planted defects (its ``truth`` table) are the oracle."""

from __future__ import annotations

import pytest

from medbill.edits import scrub

synth = pytest.importorskip("medbill.synth")

# planted defect -> the rule that must catch it on that claim
CAUGHT_BY = {
    "missing_7th_character": "ICD-7TH",  # S93.401 sent for S93.401A
    "nonbillable_dx": "ICD-HEADER",  # E11 sent for E11.9
    "bad_dx_pointer": "DX-POINTER",  # a pointer at an empty diagnosis slot
    "missing_member_id": "REQUIRED",  # member id left empty
    "late_submission": "TIMELY-FILING",  # sent after the payer's limit (payers table)
}


@pytest.fixture(scope="module")
def practice():
    return synth.generate(lines=1500, seed=3)  # this seed and size plant every defect below


@pytest.fixture(scope="module")
def result(practice):
    return scrub(practice, as_of=synth.DEFAULT_END)


def test_every_line_has_a_status(practice, result):
    assert len(result.line_status) == len(practice.lines)
    assert len(result.claim_status) == len(practice.claims)


@pytest.mark.parametrize("defect", sorted(CAUGHT_BY))
def test_planted_defects_are_found(practice, result, defect):
    truth = practice.truth
    planted = set(truth.loc[truth["defect"] == defect, "claim_id"])
    assert planted, f"the fixture's seed planted no {defect}: choose another seed"
    rule_id = CAUGHT_BY[defect]
    flagged = set(result.findings.loc[result.findings["rule_id"] == rule_id, "claim_id"])
    assert planted <= flagged, f"{defect}: missed {sorted(planted - flagged)[:5]}"


def test_clean_claims_have_no_coding_errors(practice, result):
    truth = practice.truth
    clean = set(truth.loc[truth["defect"] == "none", "claim_id"])
    coding = result.findings[
        result.findings["rule_id"].isin(["ICD-7TH", "ICD-HEADER", "ICD-INVALID", "DX-POINTER"])
    ]
    wrongly = set(coding["claim_id"]) & clean
    assert not wrongly, coding[coding["claim_id"].isin(wrongly)].head().to_dict("records")


def test_one_claim_model_matches_the_batch(practice, result):
    from medbill.claims.models import Claim

    # a claim with a planted coding defect, scrubbed alone as a Claim model
    truth = practice.truth
    claim_id = truth.loc[truth["defect"] == "missing_7th_character", "claim_id"].iloc[0]
    alone = scrub(
        Claim.from_tables(practice, claim_id), as_of=synth.DEFAULT_END, rules=["validity", "modifiers"]
    )
    batch = result.findings[
        (result.findings["claim_id"] == claim_id) & result.findings["rule_id"].isin(alone.rules["id"])
    ]
    assert sorted(alone.findings["rule_id"]) == sorted(batch["rule_id"]) and "ICD-7TH" in set(
        batch["rule_id"]
    )
