"""The follow-up worklist: every claim that needs work, one row each, most urgent first.

A claim is on the list (``category``) when, as of ``as_of``:

- ``denied``: its latest adjudication paid nothing and carries an adjustment the action table marks
  as work (a denial, not a contractual write-off or the patient's cost sharing);
- ``partly denied``: it paid something and still carries such an adjustment;
- ``underpaid``: a paid line's allowed amount is below the expected allowed (the lines table's
  ``expected_allowed`` column when present, else the payer's median allowed per unit for the same
  procedure and first modifier over at least :data:`MIN_PEERS` paid lines) by more than
  :data:`UNDERPAID_TOLERANCE` (a share of the expected amount, at least one dollar);
- ``no response``: sent more than ``no_response_days`` ago with no remittance;
- ``not sent``: not yet sent and the scrubber found an error on it (given ``findings``).

The latest adjudication is the claim's remittance(s) with the latest received date: a claim denied
and later paid on resubmission is not on the list. The row's reason is its largest worked
adjustment (CARC with its text, the group code, the RARC), its next action and why come from the
action table (:mod:`medbill.followup.actions`), and its deadline from the payer: the appeal window
(``payers.appeal_days`` from the remittance, default :data:`DEFAULT_APPEAL_DAYS` by payer kind) or
the timely filing limit (``payers.timely_filing_days`` from the date of service). ``payer_rules``
overrides either per payer.

Each row names its payer (``payer``, from the practice's payers table) and its provider
(``provider`` and ``provider_npi``: the rendering provider, else the billing provider, named from the
providers table); an identifier those tables lack is shown as it is.

Priority: 1 when the deadline is 14 days away or less, 2 within 30 days, 3 later, 4 no deadline,
5 deadline passed; inside a priority the largest amount at stake first, then the fewest days left.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from medbill.analytics.labels import payer_of, provider_of
from medbill.analytics.tables import as_tables
from medbill.followup.actions import resolve, routine_keys
from medbill.refdata import carc, rarc

WORKLIST_COLUMNS = [
    "priority", "claim_id", "patient_id", "payer_id", "payer", "provider", "provider_npi", "category",
    "service_date", "submitted_date",
    "remit_date", "reason", "group", "carc", "rarc", "reason_text", "action", "why", "attach", "amount_at_stake",
    "deadline_kind", "deadline", "days_left", "finding",
]  # fmt: skip
DEFAULT_APPEAL_DAYS = {"medicare": 120, "medicaid": 90, "commercial": 180}
DEFAULT_NO_RESPONSE_DAYS = 45
UNDERPAID_TOLERANCE = 0.02
UNDERPAID_ATTACH = "the contract's fee schedule for the service and the remittance"
MIN_PEERS = 3
PRIORITY_BANDS = ((14, 1), (30, 2))  # days left at most -> priority; later deadlines are 3

# What a row that no adjustment explains is about.
CATEGORY_TEXT = {
    "underpaid": "Allowed less than the expected amount for this payer and service",
    "no response": "No remittance yet for a claim that was sent",
    "not sent": "Held back: the scrubber found an error before sending",
}
# Rows that no adjustment decides: (action, deadline kind, why).
NON_REMIT_ACTIONS: dict[str, tuple[str, str, str]] = {
    "underpaid": (
        "appeal with records",
        "appeal",
        "Allowed below the expected amount for this payer and service: check the contract and "
        "appeal the underpayment with the fee schedule.",
    ),
    "no response": (
        "check claim status",
        "timely_filing",
        "Sent with no answer yet: ask the payer for the claim's status (276/277 or the portal); "
        "resubmit before the filing limit if the payer never received it.",
    ),
    "not sent": (
        "correct and resubmit",
        "timely_filing",
        "The scrubber found an error before the claim went out: fix it and send the claim.",
    ),
}


def worklist(
    data: Any,
    *,
    as_of: Any,
    findings: pd.DataFrame | None = None,
    no_response_days: int = DEFAULT_NO_RESPONSE_DAYS,
    payer_rules: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The worklist (columns :data:`WORKLIST_COLUMNS`) of ``data`` (ClaimsData, Tables or a claims
    folder) as of ``as_of``. ``findings`` are scrub findings (``medbill.edits.scrub(...).findings``):
    they add the ``not sent`` rows and, on every row, the error finding that predicted the trouble.
    ``payer_rules`` has ``payer_id`` and ``timely_filing_days`` and/or ``appeal_days``."""
    if as_of is None:
        raise ValueError("worklist needs as_of: the date the deadlines and days are counted to")
    if int(no_response_days) < 1:
        raise ValueError(f"no_response_days must be a positive number of days, got {no_response_days!r}")
    cutoff = pd.Timestamp(as_of).normalize()
    t = as_tables(data)
    claims = _claims(t, cutoff)
    latest = _latest_adjudication(t, cutoff)
    rows = pd.concat(
        [
            _denials(t, latest),
            _underpaid(t, latest),
            _no_response(claims, latest, cutoff, int(no_response_days)),
            _not_sent(claims, findings),
        ],
        ignore_index=True,
    )
    # one row per claim: a denial outranks an underpayment on the same claim
    rows = rows.drop_duplicates("claim_id", keep="first")
    rows = rows.merge(claims, on="claim_id", how="left")
    return _finish(rows, t, _payer_limits(t, payer_rules), findings, cutoff)


def _isin(values: pd.Series, allowed: set) -> pd.Series:
    """``values.isin(allowed)`` through object arrays (hash based; Arrow strings' isin is slow)."""
    found = pd.Series(values.to_numpy(dtype=object), index=values.index, dtype=object).isin(list(allowed))
    return found.fillna(False).astype(bool)


def _claims(t: Any, cutoff: pd.Timestamp) -> pd.DataFrame:
    first_line = t.lines.groupby("claim_id")["service_date"].min().rename("service_date")
    charge = t.lines.groupby("claim_id")["charge"].sum().rename("charge")
    claims = t.claims[["claim_id", "patient_id", "payer_id", "submitted_date"]].assign(
        provider_npi=t.claims["rendering_npi"].fillna(t.claims["billing_npi"]).astype("string")
    )
    claims = claims.join(first_line, on="claim_id")
    claims = claims.join(charge, on="claim_id")
    claims = claims[claims["service_date"].le(cutoff).fillna(False)]
    kinds = t.payers.drop_duplicates("payer_id").set_index("payer_id")["kind"]
    return claims[~claims["payer_id"].map(kinds).eq("selfpay").fillna(False)]


def _latest_adjudication(t: Any, cutoff: pd.Timestamp) -> pd.DataFrame:
    """The remit_claims rows received on or before ``cutoff`` on each claim's latest received date."""
    rc = t.remit_claims
    rc = rc[rc["received_date"].le(cutoff).fillna(False)]
    last = rc.groupby("claim_id")["received_date"].transform("max")
    return rc[rc["received_date"].eq(last)][
        ["payment_id", "claim_id", "status_code", "paid", "received_date"]
    ]


def _denials(t: Any, latest: pd.DataFrame) -> pd.DataFrame:
    keys = latest[["payment_id", "claim_id"]].drop_duplicates()
    adj = t.remit_adjustments.merge(keys, on=["payment_id", "claim_id"])
    # contractual write-offs and cost sharing are most rows and never work: leave them out early
    pair = (
        adj["group"].astype("string").str.strip().str.upper()
        + "-"
        + adj["reason"].astype("string").str.strip()
    )
    adj = adj[~_isin(pair, {f"{g}-{c}" for g, c in routine_keys()})]
    if adj.empty:
        return pd.DataFrame(columns=["claim_id", "category"])
    remarks = t.remit_remarks[["payment_id", "claim_id", "line_number", "code"]]
    adj = adj.reset_index(drop=True).assign(adjustment=lambda f: np.arange(len(f)))
    paired = adj.merge(remarks, on=["payment_id", "claim_id", "line_number"], how="left")
    paired = pd.concat([paired, adj.assign(code=pd.NA)], ignore_index=True)  # the RARC-free key too
    resolved = resolve(paired["group"], paired["reason"], paired["code"])
    paired = pd.concat([paired, resolved], axis=1)
    paired = paired.sort_values(["adjustment", "specificity"], ascending=[True, False], kind="stable")
    chosen = paired.drop_duplicates("adjustment")
    chosen = chosen.assign(rarc=chosen["code"].where(chosen["specificity"].eq(3)))
    # a remark that keyed no row still belongs to the line: show the first one
    first_remark = remarks.drop_duplicates(["payment_id", "claim_id", "line_number"])
    chosen = chosen.merge(
        first_remark.rename(columns={"code": "line_remark"}),
        on=["payment_id", "claim_id", "line_number"],
        how="left",
    )
    chosen["rarc"] = chosen["rarc"].fillna(chosen["line_remark"])
    worked = chosen[chosen["work"] & chosen["amount"].gt(0)]
    if worked.empty:
        return pd.DataFrame(columns=["claim_id", "category"])
    at_stake = worked.groupby("claim_id")["amount"].sum().rename("amount_at_stake")
    top = worked.sort_values(["claim_id", "amount"], ascending=[True, False], kind="stable")
    top = top.drop_duplicates("claim_id").join(at_stake, on="claim_id")
    paid = latest.groupby("claim_id")["paid"].sum()
    received = latest.groupby("claim_id")["received_date"].max()
    return pd.DataFrame(
        {
            "claim_id": top["claim_id"].to_numpy(),
            "category": np.where(top["claim_id"].map(paid).gt(0), "partly denied", "denied"),
            "group": top["group"].to_numpy(),
            "carc": top["reason"].to_numpy(),
            "rarc": top["rarc"].to_numpy(),
            "action": top["action"].to_numpy(),
            "why": top["why"].to_numpy(),
            "attach": top["attach"].replace("", None).to_numpy(),
            "deadline_kind": top["deadline_kind"].to_numpy(),
            "amount_at_stake": top["amount_at_stake"].round(2).to_numpy(),
            "remit_date": top["claim_id"].map(received).to_numpy(),
        }
    )


def _underpaid(t: Any, latest: pd.DataFrame) -> pd.DataFrame:
    lines = t.remit_lines.merge(
        latest[["payment_id", "claim_id", "received_date"]], on=["payment_id", "claim_id"]
    )
    lines = lines[lines["allowed"].gt(0).fillna(False) & lines["units"].gt(0).fillna(False)]
    if lines.empty:
        return pd.DataFrame(columns=["claim_id", "category"])
    payer = t.claims.drop_duplicates("claim_id").set_index("claim_id")["payer_id"]
    lines = lines.assign(payer_id=lines["claim_id"].map(payer), per_unit=lines["allowed"] / lines["units"])
    submitted = t.lines
    if "expected_allowed" in submitted.columns:
        expected = lines.merge(
            submitted[["claim_id", "line_number", "expected_allowed"]],
            on=["claim_id", "line_number"],
            how="left",
        )["expected_allowed"].astype("float64")
    else:
        expected = pd.Series(np.nan, index=lines.index)
    peers = lines.groupby(["payer_id", "procedure_code", lines["modifier1"].fillna("")])["per_unit"]
    usual = peers.transform("median").where(peers.transform("size").ge(MIN_PEERS)) * lines["units"]
    expected = pd.Series(expected.to_numpy(), index=lines.index).fillna(usual)
    short = (expected - lines["allowed"]).round(2)
    under = short.gt(np.maximum(1.0, expected * UNDERPAID_TOLERANCE)).fillna(False)
    found = lines[under].assign(short=short[under])
    if found.empty:
        return pd.DataFrame(columns=["claim_id", "category"])
    per_claim = found.groupby("claim_id", as_index=False).agg(
        amount_at_stake=("short", "sum"), remit_date=("received_date", "max")
    )
    action, deadline_kind, why = NON_REMIT_ACTIONS["underpaid"]
    return per_claim.assign(
        category="underpaid", action=action, why=why, deadline_kind=deadline_kind, attach=UNDERPAID_ATTACH,
        amount_at_stake=per_claim["amount_at_stake"].round(2),
    )  # fmt: skip


def _no_response(claims: pd.DataFrame, latest: pd.DataFrame, cutoff: pd.Timestamp, days: int) -> pd.DataFrame:
    waiting = claims[
        claims["submitted_date"].notna()
        & ~_isin(claims["claim_id"], set(latest["claim_id"]))
        & (cutoff - claims["submitted_date"]).dt.days.gt(days)
    ]
    action, deadline_kind, why = NON_REMIT_ACTIONS["no response"]
    return pd.DataFrame(
        {
            "claim_id": waiting["claim_id"].to_numpy(),
            "category": "no response",
            "action": action,
            "why": why,
            "deadline_kind": deadline_kind,
            "amount_at_stake": waiting["charge"].to_numpy(),
        }
    )


def _not_sent(claims: pd.DataFrame, findings: pd.DataFrame | None) -> pd.DataFrame:
    if findings is None or findings.empty:
        return pd.DataFrame(columns=["claim_id", "category"])
    errors = findings.loc[
        findings["severity"].astype("string").str.lower().eq("error").fillna(False), "claim_id"
    ]
    unsent = claims[claims["submitted_date"].isna() & _isin(claims["claim_id"], set(errors))]
    action, deadline_kind, why = NON_REMIT_ACTIONS["not sent"]
    return pd.DataFrame(
        {
            "claim_id": unsent["claim_id"].to_numpy(),
            "category": "not sent",
            "action": action,
            "why": why,
            "deadline_kind": deadline_kind,
            "amount_at_stake": unsent["charge"].to_numpy(),
        }
    )


def _payer_limits(t: Any, payer_rules: pd.DataFrame | None) -> pd.DataFrame:
    """Per payer: timely_filing_days and appeal_days (payers table, defaults, then ``payer_rules``)."""
    payers = t.payers.drop_duplicates("payer_id").set_index("payer_id")
    limits = pd.DataFrame(index=payers.index)
    for column in ("timely_filing_days", "appeal_days"):
        values = payers[column] if column in payers.columns else pd.Series(np.nan, index=payers.index)
        limits[column] = pd.to_numeric(values, errors="coerce").astype("float64")
    limits["appeal_days"] = limits["appeal_days"].fillna(
        payers["kind"].map(DEFAULT_APPEAL_DAYS).astype("float64")
    )
    if payer_rules is not None:
        if "payer_id" not in payer_rules.columns:
            raise ValueError(
                "payer_rules needs a payer_id column (and timely_filing_days and/or appeal_days)"
            )
        rules = payer_rules.astype({"payer_id": "string"}).set_index("payer_id")
        for column in ("timely_filing_days", "appeal_days"):
            if column in rules.columns:
                override = pd.to_numeric(rules[column], errors="coerce").dropna()
                limits = limits.reindex(limits.index.union(override.index))
                limits.loc[override.index, column] = override
    return limits


def _finish(
    rows: pd.DataFrame, t: Any, limits: pd.DataFrame, findings: pd.DataFrame | None, cutoff: pd.Timestamp
) -> pd.DataFrame:
    for column in WORKLIST_COLUMNS:
        if column not in rows.columns:
            rows[column] = pd.NA
    group = rows["group"].astype("string")
    code = rows["carc"].astype("string")
    rows["payer"] = payer_of(rows["payer_id"], t)
    rows["provider"] = provider_of(rows["provider_npi"], t)
    rows["reason"] = (group + "-" + code).fillna(rows["category"])
    carc_text = code.map(carc.table()["description"]).astype("string")
    rarc_text = rows["rarc"].astype("string").map(rarc.table().set_index("code")["summary"]).astype("string")
    reason_text = (carc_text.fillna("") + ("; " + rarc_text).fillna("")).str.strip("; ").replace("", pd.NA)
    rows["reason_text"] = reason_text.fillna(rows["category"].map(CATEGORY_TEXT)).astype("string")
    appeal = rows["remit_date"].astype("datetime64[ns]") + pd.to_timedelta(
        rows["payer_id"].map(limits["appeal_days"]), unit="D"
    )
    filing = rows["service_date"] + pd.to_timedelta(
        rows["payer_id"].map(limits["timely_filing_days"]), unit="D"
    )
    rows["deadline"] = np.where(
        rows["deadline_kind"].eq("appeal"),
        appeal,
        np.where(rows["deadline_kind"].eq("timely_filing"), filing, pd.NaT),
    ).astype("datetime64[ns]")
    rows["days_left"] = (rows["deadline"] - cutoff).dt.days.astype("Int64")
    rows["priority"] = _priority(rows["days_left"])
    if findings is not None and not findings.empty:
        errors = findings[findings["severity"].astype("string").str.lower().eq("error").fillna(False)]
        first = errors.drop_duplicates("claim_id").set_index("claim_id")
        rows["finding"] = rows["claim_id"].map(
            first["rule_id"].astype(str) + ": " + first["message"].astype(str)
        )
    rows = rows.sort_values(
        ["priority", "amount_at_stake", "days_left", "claim_id"],
        ascending=[True, False, True, True],
        kind="stable",
    )
    out = rows[WORKLIST_COLUMNS].reset_index(drop=True)
    return out.astype({"amount_at_stake": "float64", "priority": "int64"})


def _priority(days_left: pd.Series) -> np.ndarray:
    left = days_left.astype("float64").to_numpy()
    bands = [left <= limit for limit, _ in PRIORITY_BANDS]
    return np.select(
        [np.isnan(left), left < 0, *bands], [4, 5, *(p for _, p in PRIORITY_BANDS)], default=3
    ).astype(np.int64)


def worklist_findings(
    data: Any,
    *,
    as_of: Any,
    no_response_days: int = DEFAULT_NO_RESPONSE_DAYS,
    payer_rules: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Scrub findings (``medbill.edits.scrub``) for the claims a worklist can show: those it lists
    and those not yet sent. Pass them to :func:`worklist` as ``findings``."""
    from medbill.claims.tables import ClaimsData
    from medbill.edits import scrub

    t = as_tables(data)
    cutoff = pd.Timestamp(as_of).normalize()
    listed = worklist(t, as_of=cutoff, no_response_days=no_response_days, payer_rules=payer_rules)
    keep = set(listed["claim_id"]) | set(t.claims.loc[t.claims["submitted_date"].isna(), "claim_id"])
    subset = ClaimsData(
        claims=t.claims[t.claims["claim_id"].isin(keep)],
        lines=t.lines[t.lines["claim_id"].isin(keep)],
        payers=t.payers,
    )
    return scrub(subset, as_of=cutoff.date()).findings


def worklist_summary(rows: pd.DataFrame, by: str = "action") -> pd.DataFrame:
    """Per ``by`` value (``action``, ``category``, ``reason``, ``payer``, ``provider`` ...): claims,
    amount at stake and its share of the list's, claims due within 14 days and claims past their
    deadline; largest amount first."""
    if by not in rows.columns:
        raise ValueError(
            f"cannot summarise the worklist by {by!r}; use one of its columns: {', '.join(rows.columns)}"
        )
    keyed = rows.assign(
        key=rows[by].astype("string").fillna("(none)"),
        urgent=rows["priority"].eq(1),
        passed=rows["priority"].eq(5),
    )
    out = keyed.groupby("key").agg(
        claims=("claim_id", "size"),
        amount_at_stake=("amount_at_stake", "sum"),
        due_within_14_days=("urgent", "sum"),
        deadline_passed=("passed", "sum"),
    )
    out.index.name = by
    total = out["amount_at_stake"].sum()
    out.insert(2, "amount_share", out["amount_at_stake"] / total if total else 0.0)
    out = out.round({"amount_at_stake": 2, "amount_share": 4})
    return out.sort_values("amount_at_stake", ascending=False).reset_index()
