"""How patients pay their share: some at the visit, some after a statement or two, some never.

Each patient has a habit drawn once: *prompt* (pays in full soon after the first statement),
*slow* (pays after the second statement, sometimes only half) or *never*. At the visit the front
desk collects the copay of a commercial plan's office visit and a self-pay patient's charge, each
with a chance that depends on the habit. Statements go out on the first of each month for every
share the payers' remittances (or a self-pay visit) left open. About one statement payment in ten
arrives without a claim to apply it to (a check with no stub): it is recorded unapplied.

The draws come from their own random stream (``seed``, :data:`STREAM`), so adding patient payments
leaves every other table of a seed as it was.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from medbill.claims.posting import post_patient_payments
from medbill.claims.tables import ClaimsData
from medbill.exceptions import MedbillError

STREAM = 23  # the random stream of patient payments, beside the generator's own
HABITS = ("prompt", "slow", "never")
HABIT_SHARES = (0.55, 0.25, 0.20)
PAYS_AT_VISIT = np.array([0.85, 0.6, 0.25])  # chance to pay the copay or self-pay charge at the desk
SLOW_PAYS_HALF = 0.35
UNAPPLIED_SHARE = 0.10
VISIT_METHODS = (("card", "cash", "check"), (0.65, 0.2, 0.15))
MAIL_METHODS = (("card", "check"), (0.6, 0.4))


def _first_of_next_month(days: np.ndarray) -> np.ndarray:
    return (days.astype("datetime64[M]") + 1).astype("datetime64[D]")


def patient_payments(
    seed: int,
    data: ClaimsData,
    payers: pd.DataFrame,
    primary_care: np.ndarray,
    has_visit: np.ndarray,
    end: date,
) -> pd.DataFrame:
    """The ``patient_payments`` table (docs/tables.md) for ``data``'s claims, made on or before ``end``.

    ``payers`` is the generator's payer table (with ``copay_primary`` / ``copay_specialist``);
    ``primary_care`` and ``has_visit`` (an office visit line) are per claim, in ``data.claims`` order.
    """
    rng = np.random.default_rng([seed, STREAM])
    if data.patients is None:
        raise MedbillError("patient payments need the patients table of the claims data")
    last_day = np.datetime64(end, "D")
    patient_ids = data.patients["patient_id"].to_numpy(dtype=object)
    habit = rng.choice(len(HABITS), size=len(patient_ids), p=HABIT_SHARES)
    claims = data.claims
    n = len(claims)
    patient = pd.Index(patient_ids).get_indexer(claims["patient_id"].to_numpy(dtype=object))
    claim_habit = habit[patient]

    posted = post_patient_payments(data, as_of=pd.Timestamp(last_day)).lines
    per_claim = posted.groupby("claim_id", sort=False).agg(
        share=("patient_share", "sum"), billed=("billed_to_patient", "min"), service=("service_date", "min")
    )
    per_claim = per_claim.reindex(claims["claim_id"].to_numpy())
    share = np.round(per_claim["share"].fillna(0.0).to_numpy() * 100).astype(np.int64)
    service_day = per_claim["service"].to_numpy().astype("datetime64[D]")
    billed = per_claim["billed"].to_numpy().astype("datetime64[D]")

    # At the desk: a commercial office visit's copay, a self-pay visit's charge.
    payer_row = pd.Index(payers["payer_id"]).get_indexer(claims["payer_id"].to_numpy(dtype=object))
    kind = payers["kind"].to_numpy(dtype=object)[payer_row]
    copay = np.where(
        primary_care,
        payers["copay_primary"].astype(float).to_numpy()[payer_row],
        payers["copay_specialist"].astype(float).to_numpy()[payer_row],
    )
    charge = data.lines.groupby("claim_id", sort=False)["charge"].sum().reindex(claims["claim_id"]).to_numpy()
    expected = np.where(kind == "selfpay", charge, np.where((kind == "commercial") & has_visit, copay, 0.0))
    at_visit = (expected > 0) & (rng.random(n) < PAYS_AT_VISIT[claim_habit])
    visit_cents = np.where(at_visit, np.round(expected * 100), 0).astype(np.int64)

    # After statements: what the desk did not collect, once the share is known.
    left = np.maximum(share - visit_cents, 0)
    statement1 = _first_of_next_month(np.where(np.isnat(billed), service_day, billed))
    wait = rng.integers(3, 26, size=n).astype("timedelta64[D]")
    slow = claim_habit == HABITS.index("slow")
    paid_on = (
        np.where(slow, (statement1.astype("datetime64[M]") + 1).astype("datetime64[D]"), statement1) + wait
    )
    half = slow & (rng.random(n) < SLOW_PAYS_HALF)
    mail_cents = np.where(half, left // 2, left)
    by_mail = (left > 0) & ~np.isnat(billed) & (claim_habit != HABITS.index("never")) & (paid_on <= last_day)
    unapplied = rng.random(n) < UNAPPLIED_SHARE

    ids = claims["claim_id"].to_numpy(dtype=object)
    visit = pd.DataFrame(
        {
            "patient_id": patient_ids[patient[at_visit]],
            "payment_date": service_day[at_visit],
            "amount": visit_cents[at_visit] / 100,
            "method": rng.choice(VISIT_METHODS[0], size=int(at_visit.sum()), p=VISIT_METHODS[1]),
            "claim_id": ids[at_visit],
        }
    )
    mail = pd.DataFrame(
        {
            "patient_id": patient_ids[patient[by_mail]],
            "payment_date": paid_on[by_mail],
            "amount": mail_cents[by_mail] / 100,
            "method": rng.choice(MAIL_METHODS[0], size=int(by_mail.sum()), p=MAIL_METHODS[1]),
            "claim_id": np.where(unapplied[by_mail], None, ids[by_mail]),
        }
    )
    out = pd.concat([visit, mail], ignore_index=True)
    out = out[(out["amount"] > 0) & (out["payment_date"] <= last_day)]
    out = out.sort_values(["payment_date", "patient_id"], kind="stable", ignore_index=True)
    out.insert(0, "payment_id", pd.Series(np.arange(1, len(out) + 1)).astype(str).str.zfill(7).radd("PP"))
    out["payment_date"] = out["payment_date"].astype("datetime64[ns]")
    return out
