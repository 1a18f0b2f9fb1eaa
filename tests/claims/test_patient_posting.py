"""Patient payments applied to the patient's share, line by line (claims.posting.post_patient_payments)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from medbill.claims.posting import post_patient_payments
from medbill.claims.tables import ClaimsData, read_claims_dir
from medbill.exceptions import ImportFailed

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample"


def _practice(payments: list[tuple]) -> ClaimsData:
    """Patient P1: claim A (2 lines, insured, PR 30 + 20, remitted 2026-02-10) and claim B (self-pay,
    charge 100, seen 2026-03-01); patient P2: claim C (insured, PR 15, remitted 2026-04-01)."""
    claims = pd.DataFrame(
        {"claim_id": ["A", "B", "C"], "patient_id": ["P1", "P1", "P2"], "payer_id": ["COM", "SELF", "COM"]}
    )
    lines = pd.DataFrame(
        {
            "claim_id": ["A", "A", "B", "C"],
            "line_number": [1, 2, 1, 1],
            "service_date": ["2026-01-15", "2026-01-15", "2026-03-01", "2026-03-05"],
            "procedure_code": ["99213", "36415", "99203", "99212"],
            "charge": [150.0, 40.0, 100.0, 90.0],
        }
    )
    payers = pd.DataFrame({"payer_id": ["COM", "SELF"], "kind": ["commercial", "selfpay"]})
    remit_claims = pd.DataFrame(
        {"payment_id": ["T1", "T2"], "claim_id": ["A", "C"], "received_date": ["2026-02-10", "2026-04-01"]}
    )
    remit_adjustments = pd.DataFrame(
        {
            "payment_id": ["T1", "T1", "T1", "T2"],
            "claim_id": ["A", "A", "A", "C"],
            "line_number": [1, 1, 2, 1],
            "group": ["CO", "PR", "PR", "PR"],
            "reason": ["45", "3", "1", "3"],
            "amount": [40.0, 30.0, 20.0, 15.0],
        }
    )
    patient_payments = pd.DataFrame(
        payments, columns=["payment_id", "patient_id", "payment_date", "amount", "claim_id"]
    )
    return ClaimsData(
        claims=claims,
        lines=lines,
        payers=payers,
        remit_claims=remit_claims,
        remit_adjustments=remit_adjustments,
        patient_payments=patient_payments,
    )


def _paid(posting) -> dict[tuple[str, int], float]:
    rows = posting.lines
    return {
        (c, int(n)): p
        for c, n, p in zip(rows["claim_id"], rows["line_number"], rows["patient_paid"], strict=True)
    }


@pytest.mark.parametrize(
    ("payments", "paid", "credit"),
    [
        # a payment naming claim A pays line 1 in full, then line 2 in part
        ([("R1", "P1", "2026-02-20", 40.0, "A")], {("A", 1): 30.0, ("A", 2): 10.0, ("B", 1): 0.0}, {}),
        # an overpayment of claim A moves to the account and pays the oldest open line (B)
        ([("R1", "P1", "2026-02-20", 70.0, "A")], {("A", 1): 30.0, ("A", 2): 20.0, ("B", 1): 20.0}, {}),
        # an unapplied payment pays oldest first (A1, A2, then B); the rest is a credit
        (
            [("R1", "P1", "2026-03-20", 160.0, None)],
            {("A", 1): 30.0, ("A", 2): 20.0, ("B", 1): 100.0},
            {"P1": 10.0},
        ),
        # a patient's payments never pay another patient's claim
        ([("R1", "P2", "2026-04-20", 20.0, "C")], {("C", 1): 15.0, ("A", 1): 0.0}, {"P2": 5.0}),
    ],
)
def test_payments_are_applied_line_by_line(payments, paid, credit) -> None:
    posting = post_patient_payments(_practice(payments))
    got = _paid(posting)
    assert {key: got[key] for key in paid} == paid
    assert dict(zip(posting.credits["patient_id"], posting.credits["credit"], strict=True)) == credit
    lines = posting.lines
    assert (lines["patient_balance"] == lines["patient_share"] - lines["patient_paid"]).all()


def test_shares_and_billed_dates() -> None:
    lines = post_patient_payments(_practice([])).lines.set_index(["claim_id", "line_number"])
    # insured: the PR adjustments of the line; self-pay: the whole charge from the visit on
    assert lines.loc[("A", 1), "patient_share"] == 30.0
    assert lines.loc[("B", 1), "patient_share"] == 100.0
    assert lines.loc[("A", 2), "billed_to_patient"] == pd.Timestamp("2026-02-10")
    assert lines.loc[("B", 1), "billed_to_patient"] == pd.Timestamp("2026-03-01")


def test_as_of_leaves_out_later_payments_and_remittances() -> None:
    data = _practice([("R1", "P1", "2026-02-20", 40.0, "A"), ("R2", "P2", "2026-04-20", 15.0, "C")])
    lines = post_patient_payments(data, as_of="2026-03-15").lines.set_index(["claim_id", "line_number"])
    assert lines.loc[("C", 1), "patient_share"] == 0.0  # remitted 2026-04-01
    assert lines["patient_paid"].sum() == 40.0
    assert lines.loc[("B", 1), "patient_share"] == 100.0


@pytest.mark.parametrize(
    "payment",
    [
        ("R1", "P2", "2026-02-20", 10.0, "A"),  # claim A is P1's
        ("R1", "P1", "2026-02-20", 10.0, "ZZZ"),  # no such claim
        ("R1", None, "2026-02-20", 10.0, None),  # nobody paid it
        ("R1", "P1", "2026-02-20", None, "A"),  # no amount
    ],
)
def test_a_payment_naming_the_wrong_claim_is_refused(payment) -> None:
    with pytest.raises(ImportFailed, match="R1"):
        post_patient_payments(_practice([payment]))


def test_every_cent_of_the_sample_is_applied_or_on_account() -> None:
    data = read_claims_dir(SAMPLE)
    posting = post_patient_payments(data)
    paid = round(posting.lines["patient_paid"].sum() + posting.credits["credit"].sum(), 2)
    assert paid == round(data.patient_payments["amount"].sum(), 2)
    assert (posting.lines["patient_paid"] <= posting.lines["patient_share"].clip(lower=0) + 1e-9).all()
    assert len(posting.lines) == len(data.lines)


def test_sample_has_every_kind_of_payer_behaviour() -> None:
    data = read_claims_dir(SAMPLE)
    payments = data.patient_payments.merge(
        data.lines.groupby("claim_id", as_index=False)["service_date"].min(), on="claim_id", how="left"
    )
    at_visit = payments["payment_date"].eq(payments["service_date"])
    assert at_visit.any() and (~at_visit).any()
    assert payments["claim_id"].isna().any()  # some arrive unapplied
    owing = post_patient_payments(data).lines.groupby("patient_id")[["patient_share", "patient_paid"]].sum()
    never = owing[(owing["patient_share"] > 0) & (owing["patient_paid"] == 0)]
    assert len(never) > 10  # some patients never pay
