"""Payer comparison: per procedure, which payer allows and pays the most, how fast, how often it denies.

Works on remittance lines joined to their claim's payer. A line's *allowed* amount is the 835's
AMT*B6 when sent, otherwise paid + the line's patient responsibility. A line is *denied* when it pays
nothing and carries a non-contractual, non-patient adjustment. Days to pay run from the claim's
submission to the remittance.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from medbill.analytics.facts import adjustment_kind, claim_facts, dated_remits
from medbill.analytics.tables import as_tables


def remit_line_facts(data: Any) -> pd.DataFrame:
    """One row per remittance line (reversals excluded) with payer, allowed, paid, denied, days_to_pay."""
    t = as_tables(data)
    rc, adj = dated_remits(t, None)
    rc = rc[rc["status_code"].ne("22").fillna(True)]
    wanted = ["payment_id", "claim_id", "line_number", "procedure_code", "charge", "paid", "allowed", "units"]
    lines = t.remit_lines[wanted].merge(
        rc[["payment_id", "claim_id", "received_date", "status_code"]].drop_duplicates(
            ["payment_id", "claim_id"]
        ),
        on=["payment_id", "claim_id"],
    )
    lines = lines.merge(t.claims[["claim_id", "payer_id", "submitted_date"]], on="claim_id", how="left")
    keys = ["payment_id", "claim_id", "line_number"]
    adj = adj.assign(kind=adjustment_kind(adj))
    per_line = adj.pivot_table(index=keys, columns="kind", values="amount", aggfunc="sum", observed=True)
    per_line = per_line.reindex(columns=["patient", "other"]).fillna(0.0).reset_index()
    per_line["line_number"] = per_line["line_number"].astype("Int64")
    lines = lines.merge(per_line, on=keys, how="left")
    lines[["patient", "other"]] = lines[["patient", "other"]].fillna(0.0)
    lines["denied"] = lines["paid"].le(0) & (
        lines["other"].gt(0) | lines["status_code"].eq("4").fillna(False)
    )
    # Allowed, paid and days to pay describe paid lines; a denied line counts only in the denial rate.
    settled = ~lines["denied"]
    lines["allowed"] = lines["allowed"].fillna(lines["paid"] + lines["patient"]).where(settled)
    lines["paid_amount"] = lines["paid"].where(settled)
    lines["days_to_pay"] = (lines["received_date"] - lines["submitted_date"]).dt.days.where(settled)
    return lines


def payer_procedure_comparison(data: Any, min_lines: int = 1) -> pd.DataFrame:
    """Per procedure and payer: lines, denial rate, and over the paid (not denied) lines the mean
    allowed, mean paid and median days to pay; ``rank_paid`` is 1 for the payer paying the most."""
    lines = remit_line_facts(data)
    out = lines.groupby(["procedure_code", "payer_id"]).agg(
        lines=("claim_id", "size"),
        mean_allowed=("allowed", "mean"),
        mean_paid=("paid_amount", "mean"),
        median_days_to_pay=("days_to_pay", "median"),
        denial_rate=("denied", "mean"),
    )
    out = out[out["lines"].ge(min_lines)].reset_index()
    out["rank_paid"] = (
        out.groupby("procedure_code")["mean_paid"].rank(ascending=False, method="min").astype("Int64")
    )
    return out.sort_values(["procedure_code", "rank_paid", "payer_id"]).round(2).reset_index(drop=True)


def payer_summary(data: Any) -> pd.DataFrame:
    """Per payer: claims, charges, payments, gross collection rate, first-pass denial rate and median
    days from submission to first payment."""
    facts = claim_facts(data)
    facts["days_to_pay"] = (facts["first_payment_date"] - facts["submitted_date"]).dt.days
    adjudicated = facts[facts["adjudicated"]]
    out = facts.groupby(facts["payer_id"].fillna("(none)")).agg(
        claims=("claim_id", "size"),
        charge=("charge", "sum"),
        paid=("paid", "sum"),
        insurance_balance=("insurance_balance", "sum"),
        patient_balance=("patient_balance", "sum"),
    )
    grouped = adjudicated.groupby(adjudicated["payer_id"].fillna("(none)"))
    out["adjudicated"] = grouped.size()
    out["adjudicated"] = out["adjudicated"].fillna(0).astype(int)
    out["gross_collection_rate"] = grouped["paid"].sum() / grouped["charge"].sum()
    out["initial_denial_rate"] = grouped["denied_first_pass"].mean()
    out["median_days_to_pay"] = grouped["days_to_pay"].median()
    names = as_tables(data).payers.drop_duplicates("payer_id").set_index("payer_id")["name"]
    out.insert(0, "payer_name", out.index.map(names))
    return out.round(4).reset_index()
