"""Denials: the initial denial rate over time and what was denied, why, by whom, for whom.

A denied claim is one denied by its first remittance (see :mod:`medbill.analytics.facts`). The
reasons are that remittance's non-contractual, non-patient adjustments (CO/OA/PI with their CARC);
a denial sent as status 4 with no adjustment is listed with reason ``(none given)``.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from medbill.analytics.facts import adjustment_kind, claim_facts, dated_remits
from medbill.analytics.tables import as_tables

BY_COLUMNS = ("group", "reason", "payer_id", "procedure_code", "rendering_npi")


def denial_rate_by_month(data: Any) -> pd.DataFrame:
    """Adjudicated claims, first-pass denials and their rate per month of first adjudication."""
    facts = claim_facts(data)
    facts = facts[facts["adjudicated"]]
    month = facts["first_remit_date"].dt.to_period("M").astype(str).rename("month")
    out = facts.groupby(month).agg(adjudicated=("claim_id", "size"), denied=("denied_first_pass", "sum"))
    out["denial_rate"] = out["denied"] / out["adjudicated"]
    return out.reset_index()


def denial_lines(data: Any) -> pd.DataFrame:
    """One row per reason on each first-pass-denied claim: claim, payer, provider, line, procedure,
    group, reason and amount. Every denied claim appears at least once."""
    t = as_tables(data)
    facts = claim_facts(t)
    denied = facts[facts["denied_first_pass"]]
    rc, adj = dated_remits(t, None)
    first_payment = (
        rc.sort_values(["received_date", "payment_id"], kind="stable")
        .groupby("claim_id")["payment_id"]
        .first()
    )
    adj = adj[adj["claim_id"].isin(denied["claim_id"])]
    adj = adj[adj["payment_id"].eq(adj["claim_id"].map(first_payment))]
    adj = adj[adjustment_kind(adj).eq("other")]
    cols = ["claim_id", "line_number", "group", "reason", "amount"]
    reasons = denied[["claim_id"]].merge(adj[cols], on="claim_id", how="left")
    reasons["group"] = reasons["group"].fillna("(none given)")
    reasons["reason"] = reasons["reason"].fillna("(none given)")
    base = denied[["claim_id", "payer_id", "rendering_npi", "service_date", "charge", "first_status"]]
    rows = base.merge(reasons, on="claim_id", how="left")
    procedures = t.lines[["claim_id", "line_number", "procedure_code"]]
    rows = rows.merge(procedures, on=["claim_id", "line_number"], how="left")
    # A claim-level reason applies to the whole claim: name its first line's procedure.
    first_proc = t.lines.sort_values("line_number").groupby("claim_id")["procedure_code"].first()
    rows["procedure_code"] = rows["procedure_code"].fillna(rows["claim_id"].map(first_proc))
    rows["amount"] = rows["amount"].fillna(rows["charge"].where(rows["reason"].eq("(none given)")))
    return rows


def denials_by(data: Any, by: str) -> pd.DataFrame:
    """Denied claims and denied amounts grouped by ``by`` (one of :data:`BY_COLUMNS`), largest first."""
    if by not in BY_COLUMNS:
        raise ValueError(f"denials can be grouped by {', '.join(BY_COLUMNS)}, got {by!r}")
    rows = denial_lines(data)
    key = rows[by].fillna("(none)")
    out = rows.groupby(key).agg(claims=("claim_id", "nunique"), amount=("amount", "sum"))
    return out.sort_values(["claims", "amount"], ascending=False).reset_index()


def scrubber_catch(data: Any, findings: pd.DataFrame) -> pd.DataFrame:
    """Each first-pass-denied claim with the scrubber rules that flagged it before submission
    (empty when none did) and whether an error-level rule would have stopped it."""
    facts = claim_facts(data)
    denied = facts.loc[facts["denied_first_pass"], ["claim_id", "payer_id", "rendering_npi", "charge"]]
    flagged = findings[findings["claim_id"].isin(denied["claim_id"])]
    rules = flagged.groupby("claim_id")["rule_id"].agg(lambda r: ", ".join(sorted(set(map(str, r)))))
    errors = flagged["severity"].astype("string").str.lower().eq("error").fillna(False)
    out = denied.copy()
    out["scrubber_rules"] = out["claim_id"].map(rules).fillna("")
    out["caught_by_error"] = out["claim_id"].isin(flagged.loc[errors, "claim_id"])
    return out.reset_index(drop=True)


def denial_remarks(data: Any) -> pd.DataFrame:
    """Remark codes (RARC) the payers sent with first-pass denials: per code, the denied claims and
    lines carrying it, most frequent first."""
    t = as_tables(data)
    facts = claim_facts(t)
    denied = facts.loc[facts["denied_first_pass"], "claim_id"]
    remarks = t.remit_remarks[t.remit_remarks["claim_id"].isin(denied)]
    out = remarks.groupby(remarks["code"].fillna("(none)")).agg(
        claims=("claim_id", "nunique"), lines=("claim_id", "size")
    )
    return out.sort_values(["claims", "lines"], ascending=False).reset_index()
