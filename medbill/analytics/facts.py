"""One row per claim with everything the KPIs, aging and denial views need.

Rules (shared by every view so the numbers agree):

- A claim's *service date* is its earliest line's; its *charge* the sum of its lines' charges.
- Remittance rows (``remit_claims``) are ordered by received date; the first one is the *initial
  adjudication*. A claim is *denied on first pass* when that row has status 4 (denied) or pays nothing
  while leaving nothing to the patient.
- Adjustments are summed by group. CO adjustments with a contractual CARC (:data:`CONTRACTUAL_CARCS`)
  are *contractual*; other CO, OA and PI adjustments are *other* (denials, bundling, timely filing);
  PR moves the amount to the patient.
- The *open balance* (``balance``) is charge − payer payments − all adjustments (PR included, because
  the patient's share has left the payer's side). Reversals (status 22) carry negative amounts and net
  out. Credit balances stay negative rather than being hidden.
- A/R is split by who owes it. *Insurance A/R* (``insurance_balance``) is the open balance of claims
  billed to a payer; a self-pay claim (payer kind ``selfpay``) is never insurance A/R. *Patient A/R*
  (``patient_balance``) is the patient's share the payers assigned (PR adjustments) plus the open
  balance of self-pay claims, less the patient payments posting applied to the claim
  (``patient_paid``, from the ``patient_payments`` table when the folder has one).
- With ``as_of``, only claims serviced on or before it and remittances received on or before it count.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from medbill.analytics.rollup import Rollup, aggregate, in_input_order
from medbill.analytics.tables import Partitioned, Tables, as_tables
from medbill.claims.tables import SOURCE_ROW

# CARCs that express the payer's contracted rate rather than a denial: 45 (charge exceeds fee
# schedule / contracted amount), 253 (sequestration), 59 (multiple/concurrent procedure rules),
# 94 (processed in excess of charges), 131 (claim-specific negotiated discount).
CONTRACTUAL_CARCS: frozenset[str] = frozenset({"45", "253", "59", "94", "131"})

DENIED_STATUS = "4"
# What became of a claim's charge, in dollars: the money columns the summary and KPIs carry.
SETTLEMENT_COLUMNS = (
    "paid",
    "contractual_adjustment",
    "other_adjustment",
    "patient_adjustment",
    "insurance_balance",
    "patient_balance",
)
SELF_PAY_KINDS: frozenset[str] = frozenset({"selfpay", "self-pay", "self_pay"})
REVERSAL_STATUS = "22"


def dated_remits(t: Any, as_of: pd.Timestamp | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Remit claim rows with a received date (the payment's date when the row has none), and the
    adjustments; with ``as_of``, only what was received on or before it."""
    rc = t.remit_claims.copy()
    missing = rc["received_date"].isna()
    if missing.any():
        paid_on = t.remit_payments.drop_duplicates("payment_id").set_index("payment_id")["payment_date"]
        rc.loc[missing, "received_date"] = paid_on.reindex(rc.loc[missing, "payment_id"]).to_numpy()
    adj = t.remit_adjustments[["payment_id", "claim_id", "line_number", "group", "reason", "amount"]]
    if as_of is not None:
        rc = rc[rc["received_date"].le(as_of).fillna(False)]
        # An adjustment arrives with its remittance: keep those of the payments still in view.
        adj = adj[adj["payment_id"].isin(rc["payment_id"].unique()).fillna(False)]
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
    """One row per claim (every claim_id of ``data.claims``, once) with charges, remittance outcome,
    adjustments and the insurance A/R balance. See the module docstring for the rules; rows that
    attach to no claim are listed by :func:`medbill.analytics.accounting.excluded_rows`."""
    cutoff = pd.Timestamp(as_of) if as_of is not None else None
    if isinstance(data, Partitioned):
        return aggregate(data, CLAIM_FACTS, cutoff)
    t = as_tables(data)
    key = ("claim_facts", cutoff)
    if key not in t.cache:
        t.cache[key] = _claim_facts(t, cutoff)
    return t.cache[key].copy()


def _per_claim(positions: np.ndarray, values: pd.Series, how: str, n: int) -> pd.Series:
    """``values`` aggregated (``how``) by claim position, as a Series over positions 0..n-1.

    Grouping on integer positions rather than claim id text keeps this fast at millions of rows.
    """
    known = positions >= 0
    grouped = pd.Series(values.to_numpy()[known]).groupby(positions[known]).agg(how)
    return grouped.reindex(np.arange(n))


def claim_positions(claim_ids: pd.Series | pa.Array, keys: pd.Series) -> np.ndarray:
    """Each key's row in ``claim_ids`` (-1 when absent), hashed by Arrow without converting to
    Python objects (several times faster than a pandas merge on text keys at a million rows)."""
    ids = claim_ids if isinstance(claim_ids, pa.Array) else pa.array(claim_ids, type=pa.string())
    found = pc.index_in(pa.array(keys, type=pa.string()), value_set=ids)
    return found.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)


def _sum_per_claim(positions: np.ndarray, values: pd.Series, n: int) -> np.ndarray:
    known = positions >= 0
    return np.bincount(positions[known], weights=values.fillna(0.0).to_numpy()[known], minlength=n)


def _claim_facts(t: Tables, cutoff: pd.Timestamp | None) -> pd.DataFrame:
    keep = [
        "claim_id",
        "patient_id",
        "payer_id",
        "billing_npi",
        "rendering_npi",
        "place_of_service",
        "submitted_date",
    ]
    if SOURCE_ROW in t.claims.columns:  # a partition's claims: keep their input rows for the combine
        keep.append(SOURCE_ROW)
    # A claims row without a claim_id, or repeating one, is not a claim (analytics.accounting lists it).
    ids = t.claims["claim_id"]
    facts = t.claims.loc[(ids.notna() & ~ids.duplicated()).to_numpy(), keep].reset_index(drop=True)
    n = len(facts)
    ids = pa.array(facts["claim_id"], type=pa.string())
    # Rows whose claim_id is not in `claims` (orphans) get position -1 and belong to no claim.
    lp = claim_positions(ids, t.lines["claim_id"])
    facts["service_date"] = _per_claim(lp, t.lines["service_date"], "min", n).to_numpy()
    facts["charge"] = _sum_per_claim(lp, t.lines["charge"], n)
    facts["lines"] = np.bincount(lp[lp >= 0], minlength=n)

    rc, adj = dated_remits(t, cutoff)
    rc = rc.sort_values(["received_date", "payment_id"], kind="stable")
    rp = claim_positions(ids, rc["claim_id"])
    first = (rp >= 0) & ~pd.Series(rp).duplicated().to_numpy()
    rows, at = np.flatnonzero(first), pd.Index(rp[first])
    for source, target in [
        ("received_date", "first_remit_date"),
        ("status_code", "first_status"),
        ("paid", "first_paid"),
        ("patient_responsibility", "first_patient_responsibility"),
    ]:
        facts[target] = rc[source].iloc[rows].set_axis(at).reindex(facts.index)
    facts["paid"] = _sum_per_claim(rp, rc["paid"], n)
    facts["remits"] = np.bincount(rp[rp >= 0], minlength=n)
    facts["last_remit_date"] = _per_claim(rp, rc["received_date"], "max", n).to_numpy()
    facts["reversed"] = _sum_per_claim(rp, rc["status_code"].eq(REVERSAL_STATUS).astype(float), n) > 0
    paid_rows = rc["paid"].gt(0).fillna(False).to_numpy()
    facts["first_payment_date"] = _per_claim(
        np.where(paid_rows, rp, -1), rc["received_date"], "min", n
    ).to_numpy()

    ap = claim_positions(ids, adj["claim_id"])
    kind = adjustment_kind(adj).to_numpy()
    for k in ("contractual", "other", "patient"):
        facts[f"{k}_adjustment"] = _sum_per_claim(np.where(kind == k, ap, -1), adj["amount"], n)

    if cutoff is not None:
        facts = facts[facts["service_date"].le(cutoff).fillna(False)]
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
    facts["self_pay"] = self_pay(t, facts["payer_id"])
    facts["insurance_balance"] = facts["balance"].where(~facts["self_pay"], 0.0)
    # reindex, not map, and typed: with no payment (an empty partition) the result would stay text
    facts["patient_paid"] = (
        _patient_paid(t, cutoff).reindex(facts["claim_id"]).astype("float64").fillna(0.0).to_numpy()
    )
    facts["patient_balance"] = (
        facts["patient_adjustment"] + facts["balance"].where(facts["self_pay"], 0.0) - facts["patient_paid"]
    ).round(2)
    activity = facts[["service_date", "submitted_date", "last_remit_date"]]
    facts["last_activity_date"] = activity.max(axis=1)
    return facts.reset_index(drop=True)


# One row per claim of every partition, back in the claims' input order.
CLAIM_FACTS = Rollup(_claim_facts, in_input_order)


def _patient_paid(t: Any, cutoff: pd.Timestamp | None) -> pd.Series:
    """Patient payments applied to each claim by ``as_of`` (claim_id -> dollars; empty without a
    ``patient_payments`` table), as posting applies them line by line."""
    if getattr(t, "patient_payments", None) is None or t.patient_payments.empty:
        return pd.Series(dtype="float64")
    from medbill.claims.posting import post_patient_payments

    lines = post_patient_payments(t, as_of=cutoff).lines
    return lines.groupby("claim_id")["patient_paid"].sum()


def self_pay(t: Any, payer_ids: pd.Series) -> pd.Series:
    """True where ``payer_ids`` names a payer whose ``kind`` is self-pay (see :data:`SELF_PAY_KINDS`)."""
    payers = t.payers.drop_duplicates("payer_id").set_index("payer_id")["kind"]
    # reindex, not map: mapping through an empty payers table gives numbers, which isin refuses
    kinds = payers.astype("string").str.lower().str.replace(" ", "").reindex(payer_ids.to_numpy())
    return pd.Series(kinds.isin(SELF_PAY_KINDS).fillna(False).to_numpy(dtype=bool), index=payer_ids.index)


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
