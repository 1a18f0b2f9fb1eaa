"""How the payers answer: submission and payment dates, allowed amounts, patient share, denials.

A claim is sent a few days after the visit (a planted late submission goes after the payer's timely
filing limit) and paid on the payer's weekly payment day after its adjudication time. Claims whose
payment date falls after the as-of date are still pending; self-pay claims are never sent.

Lines are priced at the payer's contract (:class:`medbill.pricing.contracts.Contract`: a percent
of the charge master's Medicare-like reference amount, lesser of billed); the contractual
difference is CO-45. Medicare applies the yearly Part B
deductible (PR-1) and 20 % coinsurance (PR-2) to everything but preventive care and lab tests, then
the 2 % sequestration (CO-253); commercial plans take a copay (PR-3) on the visit and deductible and
coinsurance on procedures; Medicaid leaves the patient nothing. Deductibles accumulate per patient
and calendar year in date-of-service order.

Denials carry the CARC/RARC of what went wrong: a planted defect (see
:mod:`medbill.synth.defects`), an eligibility lapse (CO-27) or a test the payer's coverage policy
does not support (CO-50). Every line balances: charge - paid - adjustments = 0.
"""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal

import numpy as np
import pandas as pd

from medbill.pricing.contracts import Contract
from medbill.synth.defects import DEFECTS, DENIALS

ELIGIBILITY_DENIAL_RATE = 0.015
PAYER_DENIALS: dict[str, tuple[str, str, str]] = {
    "eligibility": ("CO", "27", "N30"),
    "medical_necessity": ("CO", "50", "N115"),
}
SEQUESTRATION = 0.02
NO_SHARE_CATEGORIES = ("preventive", "vaccine")
LATE_DAYS = (5, 60)  # how far past the timely filing limit a late claim goes


@dataclasses.dataclass
class Claims:
    """Per-claim inputs."""

    claim_id: np.ndarray
    payer: np.ndarray  # index into the payers table
    patient: np.ndarray
    service_day: np.ndarray  # datetime64[D]
    primary_care: np.ndarray  # bool: a primary care visit (copay level)
    defect: np.ndarray  # index into DEFECTS


@dataclasses.dataclass
class ClaimLines:
    """Per-line inputs, grouped by claim in line order."""

    claim: np.ndarray
    line_number: np.ndarray
    code: np.ndarray  # charge-master index
    units: np.ndarray
    charge: np.ndarray
    bundled: np.ndarray  # bool: the line that lost its NCCI modifier
    procedure: np.ndarray  # code text
    modifier: np.ndarray  # modifier1 text ("" when none)


def _weekday(days: np.ndarray) -> np.ndarray:
    """Monday = 0 (1970-01-01 was a Thursday)."""
    return (days.astype("datetime64[D]").astype(np.int64) + 3) % 7


def _filing_days(payers: pd.DataFrame) -> np.ndarray:
    """Timely filing limit per payer in days (0 where there is none: self-pay)."""
    return pd.to_numeric(payers["timely_filing_days"], errors="coerce").fillna(0).astype(int).to_numpy()


def submission_days(
    rng: np.random.Generator, c: Claims, payers: pd.DataFrame, end: date, late: np.ndarray
) -> np.ndarray:
    """Date each claim is first sent (NaT: self-pay, or not yet sent by ``end``)."""
    n = len(c.claim_id)
    lag = rng.geometric(0.35, size=n) + np.where(rng.random(n) < 0.04, rng.integers(7, 46, size=n), 0)
    filing = _filing_days(payers)[c.payer]
    lag = np.where(late, filing + rng.integers(LATE_DAYS[0], LATE_DAYS[1] + 1, size=n), lag)
    sent = c.service_day + lag.astype("timedelta64[D]")
    selfpay = payers["kind"].to_numpy()[c.payer] == "selfpay"
    return np.where(selfpay | (sent > np.datetime64(end, "D")), np.datetime64("NaT"), sent)


def latest_late_service_day(payers: pd.DataFrame, payer: np.ndarray, end: date) -> np.ndarray:
    """The last service day whose late submission still falls on or before ``end``."""
    filing = _filing_days(payers)[payer]
    return np.datetime64(end, "D") - (filing + LATE_DAYS[1]).astype("timedelta64[D]")


def payment_days(rng: np.random.Generator, c: Claims, payers: pd.DataFrame, sent: np.ndarray) -> np.ndarray:
    """Adjudication time, then the payer's next weekly payment day."""
    lo = payers["adjudication_days_min"].astype(float).to_numpy()[c.payer]
    mean = payers["adjudication_days_mean"].astype(float).to_numpy()[c.payer]
    wait = lo + rng.exponential(np.maximum(mean - lo, 0.1))
    decided = sent + np.round(wait).astype(np.int64).astype("timedelta64[D]")
    weekday = payers["payment_weekday"].astype(int).to_numpy()[c.payer]
    return decided + ((weekday - _weekday(decided)) % 7).astype("timedelta64[D]")


def contracts(payers: pd.DataFrame) -> dict[str, Contract]:
    """Each payer's contract: a percent of the Medicare-like reference amounts, lesser of billed."""
    return {
        row.payer_id: Contract(str(row.name), percent_of_medicare=Decimal(str(row.contract_percent)))
        for row in payers.itertuples(index=False)
    }


def contract_allowed(
    payers: pd.DataFrame,
    payer: np.ndarray,
    procedure: np.ndarray,
    modifier: np.ndarray,
    units: np.ndarray,
    charge: np.ndarray,
    reference: np.ndarray,
) -> np.ndarray:
    """Allowed amount per line under its payer's contract (:mod:`medbill.pricing.contracts`); the
    charge master's reference amount per unit stands in for the Medicare fee schedule."""
    allowed = np.zeros(len(payer))
    for index, contract in enumerate(contracts(payers).values()):  # one vectorised call per payer
        mine = payer == index
        if not mine.any():
            continue
        lines = pd.DataFrame(
            {
                "procedure_code": procedure[mine],
                "modifier1": modifier[mine],
                "units": units[mine],
                "charge": charge[mine],
            }
        )
        medicare = pd.DataFrame(
            {"allowed_cents": np.round(reference[mine] * units[mine] * 100).astype(np.int64)}
        )
        allowed[mine] = contract.expected_allowed(lines, medicare)["expected_allowed"].to_numpy(dtype=float)
    return allowed


def adjudicate(
    rng: np.random.Generator,
    c: Claims,
    ln: ClaimLines,
    payers: pd.DataFrame,
    cm_reference: np.ndarray,
    cm_category: np.ndarray,
    cm_necessity: np.ndarray,
    sent: np.ndarray,
    end: date,
) -> dict[str, pd.DataFrame]:
    """The remittance tables (docs/tables.md) for every claim paid or denied by ``end``."""
    n = len(c.claim_id)
    pay_day = payment_days(rng, c, payers, sent)
    remitted = ~np.isnat(sent) & (pay_day <= np.datetime64(end, "D"))
    eligibility = remitted & (c.defect == 0) & (rng.random(n) < ELIGIBILITY_DENIAL_RATE)

    # The denial each claim gets as a whole (-1: none), as an index into a reason table.
    reasons = [*(DENIALS[d] for d in DEFECTS[1:]), *PAYER_DENIALS.values()]
    reason_group = np.array([r[0] for r in reasons], dtype=object)
    reason_carc = np.array([r[1] for r in reasons], dtype=object)
    reason_rarc = np.array([r[2] for r in reasons], dtype=object)
    ncci = DEFECTS.index("ncci_missing_modifier") - 1
    eligibility_reason = len(DEFECTS) - 1
    necessity_reason = eligibility_reason + 1
    claim_reason = np.where(c.defect > 0, c.defect - 1, -1)
    claim_reason = np.where(claim_reason == ncci, -1, claim_reason)
    claim_reason = np.where(eligibility, eligibility_reason, claim_reason)

    keep = remitted[ln.claim]
    claim = ln.claim[keep]
    code, units, charge = ln.code[keep], ln.units[keep], ln.charge[keep]
    line_reason = claim_reason[claim]
    line_reason = np.where((line_reason < 0) & ln.bundled[keep], ncci, line_reason)
    necessity = rng.random(len(claim)) < cm_necessity[code]
    line_reason = np.where((line_reason < 0) & necessity, necessity_reason, line_reason)
    denied = line_reason >= 0

    payer = c.payer[claim]
    kind = payers["kind"].to_numpy()[payer]
    allowed = contract_allowed(
        payers, payer, ln.procedure[keep], ln.modifier[keep], units, charge, cm_reference[code]
    )
    allowed = np.where(denied, 0.0, allowed)

    category = cm_category[code]
    no_share = np.isin(category, NO_SHARE_CATEGORIES) | (kind == "medicaid")
    is_em = np.isin(category, ["em_new", "em_established"])
    copay_line = (kind == "commercial") & is_em & ~denied
    cost_shared = ~denied & ~no_share & ~copay_line & ~((kind == "medicare") & (category == "lab"))

    deductible = payers["deductible"].astype(float).to_numpy()[payer]
    year = c.service_day[claim].astype("datetime64[Y]")
    key = (c.patient[claim].astype(np.int64) * 4_096 + payer) * 10_000 + year.astype(np.int64)
    counted = np.where(cost_shared, allowed, 0.0)
    before = pd.Series(counted).groupby(key).cumsum().to_numpy() - counted
    # Spending before the window counts too: by the window's first day, part of the panel has
    # already met that year's deductible.
    first_year = c.service_day.min().astype("datetime64[Y]")
    elapsed = (c.service_day.min() - first_year.astype("datetime64[D]")).astype(np.int64) / 365.0
    met_before = np.minimum(1.0, rng.random(int(c.patient.max()) + 1) * 1.5 * elapsed)
    before = before + np.where(year == first_year, deductible * met_before[c.patient[claim]], 0.0)
    pr1 = np.where(cost_shared, np.clip(deductible - before, 0.0, counted), 0.0)
    pr1 = np.round(pr1, 2)
    coins = payers["coinsurance"].astype(float).to_numpy()[payer]
    pr2 = np.where(cost_shared, np.round((allowed - pr1) * coins, 2), 0.0)
    copay_amount = np.where(
        c.primary_care[claim],
        payers["copay_primary"].astype(float).to_numpy()[payer],
        payers["copay_specialist"].astype(float).to_numpy()[payer],
    )
    pr3 = np.where(copay_line, np.minimum(copay_amount, allowed), 0.0)
    co253 = np.where((kind == "medicare") & ~denied, np.round((allowed - pr1 - pr2) * SEQUESTRATION, 2), 0.0)
    paid = np.round(allowed - pr1 - pr2 - pr3 - co253, 2)
    co45 = np.round(charge - allowed, 2)
    co45 = np.where(denied, 0.0, co45)
    denial_amount = np.where(denied, charge, 0.0)

    payer_ids = payers["payer_id"].to_numpy(dtype=object)
    payment_id = _payment_ids(payer_ids, c.payer, pay_day)
    line_payment = payment_id[claim]
    claim_ids = c.claim_id[claim]
    line_number = ln.line_number[keep]

    # Adjustments: one row per non-zero amount, in a fixed order per line.
    parts = [
        ("CO", "45", co45),
        ("PR", "1", pr1),
        ("PR", "2", pr2),
        ("PR", "3", pr3),
        ("CO", "253", co253),
    ]
    frames = []
    for rank, (group, carc, amount) in enumerate(parts):
        m = amount > 0
        frames.append(
            (rank, m, np.full(m.sum(), group, dtype=object), np.full(m.sum(), carc, dtype=object), amount[m])
        )
    m = denied
    frames.append(
        (len(parts), m, reason_group[line_reason[m]], reason_carc[line_reason[m]], denial_amount[m])
    )
    row_line = np.concatenate([np.flatnonzero(f[1]) for f in frames])
    row_rank = np.concatenate([np.full(f[1].sum(), f[0]) for f in frames])
    order = np.lexsort((row_rank, row_line))
    row_line = row_line[order]
    adjustments = pd.DataFrame(
        {
            "payment_id": line_payment[row_line],
            "claim_id": claim_ids[row_line],
            "line_number": line_number[row_line],
            "group": np.concatenate([f[2] for f in frames])[order],
            "reason": np.concatenate([f[3] for f in frames])[order],
            "amount": np.concatenate([f[4] for f in frames])[order],
            "quantity": np.nan,
        }
    )
    with_remark = denied & (reason_rarc[np.maximum(line_reason, 0)] != "")
    remarks = pd.DataFrame(
        {
            "payment_id": line_payment[with_remark],
            "claim_id": claim_ids[with_remark],
            "line_number": line_number[with_remark],
            "code": reason_rarc[line_reason[with_remark]],
        }
    )
    lines = pd.DataFrame(
        {
            "payment_id": line_payment,
            "claim_id": claim_ids,
            "line_number": line_number,
            "procedure_code": ln.procedure[keep],
            "modifier1": ln.modifier[keep],
            "modifier2": "",
            "modifier3": "",
            "modifier4": "",
            "charge": charge,
            "paid": paid,
            "allowed": allowed,
            "units": units.astype(float),
            "service_date": c.service_day[claim],
        }
    )

    # Claim level: sums of the lines.
    rc = np.flatnonzero(remitted)
    sums = pd.DataFrame(
        {"claim": claim, "charge": charge, "paid": paid, "pr": pr1 + pr2 + pr3, "denied": denied}
    )
    totals = sums.groupby("claim", sort=True).agg(
        charge=("charge", "sum"), paid=("paid", "sum"), pr=("pr", "sum"), all_denied=("denied", "all")
    )
    totals = totals.reindex(rc)
    remit_claims = pd.DataFrame(
        {
            "payment_id": payment_id[rc],
            "claim_id": c.claim_id[rc],
            "status_code": np.where(totals["all_denied"].to_numpy(dtype=bool), "4", "1"),
            "charge": totals["charge"].round(2).to_numpy(),
            "paid": totals["paid"].round(2).to_numpy(),
            "patient_responsibility": totals["pr"].round(2).to_numpy(),
            "payer_claim_control": pd.Series(rc + 1).astype(str).str.zfill(11).radd("2").to_numpy(),
            "received_date": pay_day[rc],
            "_payer": c.payer[rc],
        }
    )
    payments = (
        remit_claims.groupby("payment_id", sort=True)
        .agg(payer=("_payer", "first"), payment_date=("received_date", "first"), amount=("paid", "sum"))
        .reset_index()
    )
    method = payers["method"].to_numpy(dtype=object)[payments["payer"].to_numpy()]
    payments = pd.DataFrame(
        {
            "payment_id": payments["payment_id"],
            "payer_id": payer_ids[payments["payer"].to_numpy()],
            "payer_name": payers["name"].to_numpy(dtype=object)[payments["payer"].to_numpy()],
            "payee_npi": "",
            "payment_date": payments["payment_date"],
            "method": np.where(payments["amount"].round(2) > 0, method, "NON"),
            "amount": payments["amount"].round(2),
            "plb_amount": 0.0,
            "source_file": "",
        }
    ).sort_values(["payment_date", "payment_id"], kind="stable", ignore_index=True)
    return {
        "remit_payments": payments,
        "remit_claims": remit_claims.drop(columns="_payer"),
        "remit_lines": lines,
        "remit_adjustments": adjustments,
        "remit_remarks": remarks,
    }


def _payment_ids(payer_ids: np.ndarray, payer: np.ndarray, pay_day: np.ndarray) -> np.ndarray:
    """Trace number of a payer's payment run on a day: payer id + YYYYMMDD (formatted once per run)."""
    day = pay_day.astype("datetime64[D]")
    key = payer.astype(np.int64) * 1_000_000 + np.where(np.isnat(day), 0, day.astype(np.int64))
    _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    text = np.char.replace(np.datetime_as_string(day[first], unit="D"), "-", "").astype(object)
    ids = (payer_ids[payer[first]] + text).astype(object)
    return np.where(np.isnat(day), "", ids[inverse.ravel()])
