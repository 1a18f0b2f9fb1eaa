"""Accounts receivable as of a date: what each claim still owes and who owes it."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from medbill.claims.posting import post_patient_payments
from medbill.claims.tables import ClaimsData

# CO adjustments that close the balance for good; every other CO reason is a denial still worked.
CONTRACTUAL_REASONS = ("45", "253")
AR_COLUMNS = (
    "claim_id", "payer_id", "service_date", "submitted_date", "status", "charge", "paid", "contractual",
    "denied", "patient_responsibility", "patient_paid", "insurance_balance", "patient_balance", "days_outstanding",
)  # fmt: skip


def _isin(values: pd.Series, allowed: pd.Series) -> pd.Series:
    """``values.isin(allowed)`` through object arrays (hash based; Arrow strings' isin is slow)."""
    as_object = pd.Series(values.to_numpy(dtype=object), index=values.index, dtype=object)
    return as_object.isin(pd.Series(allowed.to_numpy(dtype=object), dtype=object))


def ar_state(data: ClaimsData, as_of: date) -> pd.DataFrame:
    """One row per claim: ``status`` (selfpay, unbilled, pending, denied, partial, paid), amounts
    paid, written off by contract, denied and owed by the patient, what the patient paid towards it
    (:func:`medbill.claims.posting.post_patient_payments`), the open insurance and patient balances,
    and days since the date of service. Remittances received and patient payments made after
    ``as_of`` are ignored.
    """
    lines = data.lines
    claims = data.claims[["claim_id", "payer_id", "submitted_date"]].copy()
    per_claim = lines.groupby("claim_id", sort=False).agg(
        charge=("charge", "sum"), service_date=("service_date", "min")
    )
    claims = claims.join(per_claim, on="claim_id")
    cutoff = pd.Timestamp(as_of)
    empty = pd.DataFrame({"claim_id": pd.Series(dtype="string")})
    rc = data.remit_claims if data.remit_claims is not None else empty
    rc = rc[rc["received_date"] <= cutoff] if "received_date" in rc else rc
    adj = data.remit_adjustments
    if adj is None:
        adj = pd.DataFrame(columns=["claim_id", "group", "reason", "amount"])
    adj = adj[_isin(adj["claim_id"], rc["claim_id"])]
    contractual = adj["group"].eq("CO") & _isin(adj["reason"], pd.Series(CONTRACTUAL_REASONS))
    denied = _isin(adj["group"], pd.Series(["CO", "OA", "PI"])) & ~contractual
    sums = (
        pd.DataFrame(
            {
                "claim_id": adj["claim_id"],
                "contractual": adj["amount"].where(contractual, 0.0),
                "denied": adj["amount"].where(denied, 0.0),
                "patient": adj["amount"].where(adj["group"].eq("PR"), 0.0),
            }
        )
        .groupby("claim_id", sort=False)
        .sum()
    )
    paid = rc.groupby("claim_id", sort=False)["paid"].sum() if len(rc) else pd.Series(dtype=float)
    out = claims.join(sums, on="claim_id").join(paid.rename("paid"), on="claim_id")
    for col in ("contractual", "denied", "patient", "paid"):
        out[col] = out[col].fillna(0.0).round(2)

    payer_kind = (
        data.payers.set_index("payer_id")["kind"] if data.payers is not None else pd.Series(dtype=str)
    )
    selfpay = out["payer_id"].map(payer_kind).eq("selfpay").to_numpy()
    remitted = _isin(out["claim_id"], rc["claim_id"]).to_numpy()
    unbilled = out["submitted_date"].isna().to_numpy()
    has_denial = out["denied"].to_numpy() > 0
    all_denied = has_denial & (out["paid"].to_numpy() == 0) & (out["patient"].to_numpy() == 0)
    status = np.select(
        [selfpay, unbilled, ~remitted, all_denied, has_denial],
        ["selfpay", "unbilled", "pending", "denied", "partial"],
        "paid",
    )
    charge = out["charge"].to_numpy()
    insurance_balance = np.where(selfpay, 0.0, np.where(remitted, out["denied"].to_numpy(), charge))
    patient_paid = (
        post_patient_payments(data, as_of=as_of)
        .lines.groupby("claim_id", sort=False)["patient_paid"]
        .sum()
        .reindex(out["claim_id"])
        .fillna(0.0)
        .to_numpy()
    )
    patient_balance = np.where(selfpay, charge, out["patient"].to_numpy()) - patient_paid
    result = pd.DataFrame(
        {
            "claim_id": out["claim_id"],
            "payer_id": out["payer_id"],
            "service_date": out["service_date"],
            "submitted_date": out["submitted_date"],
            "status": status,
            "charge": charge,
            "paid": out["paid"],
            "contractual": out["contractual"],
            "denied": out["denied"],
            "patient_responsibility": out["patient"],
            "patient_paid": np.round(patient_paid, 2),
            "insurance_balance": np.round(insurance_balance, 2),
            "patient_balance": np.round(patient_balance, 2),
            "days_outstanding": (cutoff - out["service_date"]).dt.days.astype("Int64"),
        }
    )
    return result[list(AR_COLUMNS)].reset_index(drop=True)
