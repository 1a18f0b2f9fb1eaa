"""One row per claim with everything the KPIs, aging and denial views need.

Rules (shared by every view so the numbers agree):

- A claim's *service date* is its earliest line's; its *charge* the sum of its lines' charges.
- Remittance rows (``remit_claims``) are ordered by received date; the first one is the *initial
  adjudication*. A claim is *denied on first pass* when that row has status 4 (denied) or pays nothing
  while leaving nothing to the patient.
- Adjustments are summed by group. CO adjustments with a contractual CARC (:data:`CONTRACTUAL_CARCS`)
  are *contractual*; other CO, OA and PI adjustments are *other* (denials, bundling, timely filing);
  PR moves the amount to the patient.
- The *insurance A/R balance* is charge − payer payments − all adjustments (PR included, because the
  patient's share has left insurance A/R). Reversals (status 22) carry negative amounts and net out.
  Credit balances stay negative rather than being hidden.
- With ``as_of``, only claims serviced on or before it and remittances received on or before it count.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from medbill.analytics.tables import as_tables

# CARCs that express the payer's contracted rate rather than a denial: 45 (charge exceeds fee
# schedule / contracted amount), 253 (sequestration), 59 (multiple/concurrent procedure rules),
# 94 (processed in excess of charges), 131 (claim-specific negotiated discount).
CONTRACTUAL_CARCS: frozenset[str] = frozenset({"45", "253", "59", "94", "131"})

DENIED_STATUS = "4"
REVERSAL_STATUS = "22"


def dated_remits(t: Any, as_of: pd.Timestamp | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Remit claim rows with a received date, and adjustments with the date of their remittance."""
    rc = t.remit_claims.copy()
    paid_on = t.remit_payments.drop_duplicates("payment_id").set_index("payment_id")["payment_date"]
    rc["received_date"] = rc["received_date"].fillna(
        pd.Series(paid_on.reindex(rc["payment_id"]).to_numpy(), index=rc.index)
    )
    adj = t.remit_adjustments[["payment_id", "claim_id", "line_number", "group", "reason", "amount"]].merge(
        rc[["payment_id", "claim_id", "received_date"]].drop_duplicates(["payment_id", "claim_id"]),
        on=["payment_id", "claim_id"],
        how="left",
    )
    if as_of is not None:
        rc = rc[rc["received_date"].le(as_of).fillna(False)]
        adj = adj[adj["received_date"].le(as_of).fillna(False)]
    return rc, adj


def adjustment_kind(adj: pd.DataFrame) -> pd.Series:
    """``contractual`` / ``patient`` / ``other`` for each adjustment row (see the module rules)."""
    kind = np.where(
        adj["group"].eq("PR").fillna(False),
        "patient",
        np.where(
            (adj["group"].eq("CO") & adj["reason"].isin(CONTRACTUAL_CARCS)).fillna(False),
            "contractual",
            "other",
        ),
    )
    return pd.Series(kind, index=adj.index, dtype="string")


def claim_facts(data: Any, as_of: str | pd.Timestamp | None = None) -> pd.DataFrame:
    """One row per claim (every claim of ``data.claims``, none dropped) with charges, remittance
    outcome, adjustments and the insurance A/R balance. See the module docstring for the rules."""
    t = as_tables(data)
    cutoff = pd.Timestamp(as_of) if as_of is not None else None
    key = ("claim_facts", cutoff)
    if key not in t.cache:
        t.cache[key] = _claim_facts(t, cutoff)
    return t.cache[key].copy()


def _claim_facts(t: Any, cutoff: pd.Timestamp | None) -> pd.DataFrame:
    lines = t.lines.groupby("claim_id").agg(
        service_date=("service_date", "min"), charge=("charge", "sum"), lines=("line_number", "size")
    )
    keep = [
        "claim_id",
        "patient_id",
        "payer_id",
        "billing_npi",
        "rendering_npi",
        "place_of_service",
        "submitted_date",
    ]
    facts = t.claims[keep].merge(lines, left_on="claim_id", right_index=True, how="left")
    facts["charge"] = facts["charge"].fillna(0.0)
    facts["lines"] = facts["lines"].fillna(0).astype("int64")
    if cutoff is not None:
        facts = facts[facts["service_date"].le(cutoff).fillna(False)]

    rc, adj = dated_remits(t, cutoff)
    rc = rc.sort_values(["received_date", "payment_id"], kind="stable")
    first = rc.groupby("claim_id").first()
    facts = facts.merge(
        first[["received_date", "status_code", "paid", "patient_responsibility"]].rename(
            columns={
                "received_date": "first_remit_date",
                "status_code": "first_status",
                "paid": "first_paid",
                "patient_responsibility": "first_patient_responsibility",
            }
        ),
        left_on="claim_id",
        right_index=True,
        how="left",
    )
    per_claim = rc.groupby("claim_id").agg(
        paid=("paid", "sum"),
        remits=("payment_id", "size"),
        last_remit_date=("received_date", "max"),
    )
    per_claim["reversed"] = rc["status_code"].eq(REVERSAL_STATUS).groupby(rc["claim_id"]).any()
    per_claim["first_payment_date"] = rc[rc["paid"].gt(0)].groupby("claim_id")["received_date"].min()
    facts = facts.merge(per_claim, left_on="claim_id", right_index=True, how="left")

    adj = adj.assign(kind=adjustment_kind(adj))
    sums = adj.pivot_table(index="claim_id", columns="kind", values="amount", aggfunc="sum", observed=True)
    sums = sums.reindex(columns=["contractual", "other", "patient"]).add_suffix("_adjustment")
    facts = facts.merge(sums, left_on="claim_id", right_index=True, how="left")

    money = ["paid", "contractual_adjustment", "other_adjustment", "patient_adjustment"]
    facts[money] = facts[money].fillna(0.0)
    facts["remits"] = facts["remits"].fillna(0).astype("int64")
    facts["reversed"] = facts["reversed"].astype("boolean").fillna(False).astype(bool)
    facts["adjudicated"] = facts["first_remit_date"].notna()
    facts["denied_first_pass"] = facts["adjudicated"] & (
        facts["first_status"].eq(DENIED_STATUS).fillna(False)
        | (facts["first_paid"].le(0) & facts["first_patient_responsibility"].fillna(0).le(0)).fillna(False)
    )
    facts["balance"] = (
        facts["charge"]
        - facts["paid"]
        - facts["contractual_adjustment"]
        - facts["other_adjustment"]
        - facts["patient_adjustment"]
    ).round(2)
    activity = facts[["service_date", "submitted_date", "last_remit_date"]]
    facts["last_activity_date"] = activity.max(axis=1)
    return facts.reset_index(drop=True)


def default_as_of(data: Any) -> pd.Timestamp:
    """The latest date in the data (service, submission or remittance): "today" for the data set."""
    t = as_tables(data)
    candidates = [
        t.lines["service_date"].max(),
        t.claims["submitted_date"].max(),
        t.remit_claims["received_date"].max(),
        t.remit_payments["payment_date"].max(),
    ]
    found = [c for c in candidates if pd.notna(c)]
    if not found:
        raise ValueError("the claims tables hold no dates; pass as_of explicitly")
    return max(found).normalize()
