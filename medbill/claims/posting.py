"""Posting: match a remittance (835 or the synthetic ``remit_*`` tables) to the submitted claims.

``post(remittance, claims_data)`` returns one row per submitted line of every remitted claim (per
CLP loop: a reversal and its correction are posted separately) plus one row per remitted line that
matches no submitted line, so every input line is accounted for.

Lines are matched inside their claim, in this order (``match`` column):

1. ``line number``: the payer echoed the line item control number the 837P sent (REF*6R: the
   line's ``control_number``, else its own ``line_number``) and the procedure code agrees (a payer
   that echoes a control number with another code falls through to the rules below);
2. ``exact``: procedure code, modifiers and date of service;
3. ``modifier dropped``: procedure code and date, the remitted modifiers a subset of the submitted
   ones (payers often drop informational modifiers);
4. ``claim level``: the payer sent no service lines; the claim's status and reasons apply to each line;
5. ``none`` (submitted line with no remitted line) / ``not submitted`` (remitted line with no
   submitted line): status ``not found``.

Status: ``paid`` (paid > 0, nothing left to the patient or other payers), ``partially paid``
(paid > 0 with patient responsibility or other adjustments), ``adjusted`` (nothing paid, the patient
owes; or a reversal), ``denied`` (nothing paid and nothing owed by the patient), ``not found``.
Allowed is AMT*B6 when sent, else paid + patient responsibility.

``post_patient_payments(claims_data)`` applies the ``patient_payments`` table to the patient's share
of each line (see its docstring).
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pandas as pd

from medbill.claims.tables import MODIFIER_COLUMNS, ClaimsData, ClaimTables
from medbill.exceptions import ImportFailed, MedbillError

COLUMNS = [
    "payment_id", "claim_id", "claim_seq", "status_code", "line_number", "line_index", "procedure_code", "modifiers",
    "service_date", "charge", "remit_charge", "paid", "allowed", "contractual_adjustment", "patient_responsibility",
    "other_adjustment", "status", "match", "reasons", "reason_descriptions", "remarks",
]  # fmt: skip


def _remit_tables(remittance: Any) -> dict[str, pd.DataFrame]:
    if hasattr(remittance, "tables") and isinstance(remittance.tables, dict):
        return remittance.tables
    if isinstance(remittance, ClaimsData):
        tables = dict(remittance.items())
        if "remit_claims" not in tables or "remit_lines" not in tables:
            raise MedbillError("the ClaimsData holds no remit_claims/remit_lines tables to post")
        return tables
    raise MedbillError(
        f"cannot post a {type(remittance).__name__}; give a Remittance (read_835) or a ClaimsData with remit_* tables"
    )


def _keys(tables: dict[str, pd.DataFrame]) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Remit tables with claim_seq / line_index keys (derived when the source did not number them)."""
    claims = tables["remit_claims"].copy()
    lines = tables["remit_lines"].copy()
    adjustments = tables.get(
        "remit_adjustments",
        pd.DataFrame(columns=["payment_id", "claim_id", "line_number", "group", "reason", "amount"]),
    ).copy()
    remarks = tables.get(
        "remit_remarks", pd.DataFrame(columns=["payment_id", "claim_id", "line_number", "code"])
    ).copy()
    if "claim_seq" not in claims.columns or claims["claim_seq"].isna().all():
        claims["claim_seq"] = np.arange(1, len(claims) + 1)
        seq = claims.set_index(["payment_id", "claim_id"])["claim_seq"]
        if seq.index.duplicated().any():
            raise MedbillError(
                "remit_claims repeats a (payment_id, claim_id) pair and has no claim_seq to tell them apart"
            )
        for frame in (lines, adjustments, remarks):
            frame["claim_seq"] = (
                pd.MultiIndex.from_frame(frame[["payment_id", "claim_id"]]).map(seq)
                if len(frame)
                else pd.Series(dtype="Int64")
            )
    for frame in (lines, adjustments, remarks):
        if "line_index" not in frame.columns:
            frame["line_index"] = frame["line_number"]
    return claims, lines, adjustments, remarks


def _modifier_key(frame: pd.DataFrame, columns: list[str]) -> pd.Series:
    """Modifiers as one order-free key ("25,59"): sorted per row, empties first and stripped."""
    mods = np.sort(frame[columns].astype(object).fillna("").to_numpy(dtype="U2"), axis=1)
    joined = pd.Series(mods[:, 0], index=frame.index, dtype=object)
    for i in range(1, mods.shape[1]):
        joined = joined + "," + mods[:, i]
    return joined.str.lstrip(",")


def post(remittance: Any, claims_data: ClaimsData) -> pd.DataFrame:
    """Post ``remittance`` (a Remittance, or ClaimsData with remit_* tables) against ``claims_data``."""
    claims, lines, adjustments, remarks = _keys(_remit_tables(remittance))
    submitted = claims_data.lines[claims_data.lines["claim_id"].isin(claims["claim_id"])].copy()
    submitted["modifiers"] = _modifier_key(submitted, list(MODIFIER_COLUMNS))
    submitted["service_day"] = submitted["service_date"].dt.normalize()
    # one copy of a submitted claim's lines per CLP loop that remits it
    expanded = submitted.merge(claims[["claim_id", "claim_seq", "payment_id", "status_code"]], on="claim_id")
    expanded["sub_row"] = np.arange(len(expanded))

    remit = lines.copy()
    code = remit.get("submitted_procedure_code", pd.Series(pd.NA, index=remit.index)).fillna(
        remit["procedure_code"]
    )
    remit["match_code"] = code.astype("string")
    remit["remit_modifiers"] = _modifier_key(remit, list(MODIFIER_COLUMNS))
    remit["service_day"] = pd.to_datetime(remit["service_date"]).dt.normalize()
    remit["remit_row"] = np.arange(len(remit))

    pairs = _match(expanded, remit)
    matched = expanded.merge(pairs, on="sub_row", how="left")
    remit_cols = remit.set_index("remit_row")
    for column, source in (
        ("remit_charge", "charge"),
        ("paid", "paid"),
        ("allowed_sent", "allowed"),
        ("line_index", "line_index"),
    ):
        matched[column] = matched["remit_row"].map(remit_cols[source])
    amounts = _adjustment_sums(adjustments)
    line_key = pd.MultiIndex.from_frame(matched[["claim_seq", "line_index"]].astype("Int64"))
    for column in ("CO", "PR", "OTHER"):
        matched[column] = line_key.map(amounts[column]) if len(matched) else pd.Series(dtype="float64")
    codes = _reason_text(adjustments)
    matched["reasons"] = line_key.map(codes["reasons"]) if len(matched) else pd.Series(dtype="string")
    matched["reason_descriptions"] = (
        line_key.map(codes["descriptions"]) if len(matched) else pd.Series(dtype="string")
    )
    remark_text = _remark_text(remarks)
    matched["remarks"] = line_key.map(remark_text) if len(matched) else pd.Series(dtype="string")

    # claims remitted without service lines: the claim-level outcome applies to every line
    lineless = ~matched["claim_seq"].isin(remit["claim_seq"])
    if lineless.any():
        claim_key = pd.MultiIndex.from_arrays(
            [
                matched.loc[lineless, "claim_seq"].astype("Int64"),
                pd.array([pd.NA] * int(lineless.sum()), dtype="Int64"),
            ]
        )
        matched.loc[lineless, "match"] = "claim level"
        matched.loc[lineless, "reasons"] = claim_key.map(codes["reasons"])
        matched.loc[lineless, "reason_descriptions"] = claim_key.map(codes["descriptions"])
        matched.loc[lineless, "remarks"] = claim_key.map(remark_text)
    matched["match"] = matched["match"].fillna("none")

    unmatched = remit[~remit["remit_row"].isin(pairs["remit_row"])]
    extra = pd.DataFrame(
        {
            "payment_id": unmatched["payment_id"],
            "claim_id": unmatched["claim_id"],
            "claim_seq": unmatched["claim_seq"],
            "status_code": unmatched["claim_seq"].map(claims.set_index("claim_seq")["status_code"]),
            "line_number": unmatched["line_number"],
            "line_index": unmatched["line_index"],
            "procedure_code": unmatched["procedure_code"],
            "modifiers": unmatched["remit_modifiers"],
            "service_date": unmatched["service_date"],
            "remit_charge": unmatched["charge"],
            "paid": unmatched["paid"],
            "allowed_sent": unmatched["allowed"],
            "match": "not submitted",
        }
    )
    if len(extra):
        key = pd.MultiIndex.from_frame(extra[["claim_seq", "line_index"]].astype("Int64"))
        for column in ("CO", "PR", "OTHER"):
            extra[column] = key.map(amounts[column])
        extra["reasons"] = key.map(codes["reasons"])
        extra["reason_descriptions"] = key.map(codes["descriptions"])
        extra["remarks"] = key.map(remark_text)
    out = pd.concat([matched, extra], ignore_index=True) if len(extra) else matched
    return _finish(out)


def _match(expanded: pd.DataFrame, remit: pd.DataFrame) -> pd.DataFrame:
    """(sub_row, remit_row, match) pairs, one-to-one, by the rules of the module docstring."""
    found: list[pd.DataFrame] = []
    used_sub: set[int] = set()
    used_remit: set[int] = set()

    def take(
        left: pd.DataFrame, right: pd.DataFrame, on: list[str], label: str, subset: bool = False
    ) -> None:
        left = left[~left["sub_row"].isin(used_sub)].dropna(subset=on)
        right = right[~right["remit_row"].isin(used_remit)].dropna(subset=on)
        if left.empty or right.empty:
            return
        if (
            not subset
        ):  # pair duplicates in order: the n-th identical submitted line with the n-th remitted one
            left = left.assign(_n=left.groupby(on).cumcount())
            right = right.assign(_n=right.groupby(on).cumcount())
            on = [*on, "_n"]
        pairs = left.merge(right, on=on)
        if subset:
            keep = [
                set(filter(None, r.split(","))) <= set(filter(None, s.split(",")))
                for r, s in zip(pairs["remit_modifiers"], pairs["modifiers"], strict=True)
            ]  # a handful of unmatched candidate pairs, not the batch
            pairs = (
                pairs.loc[np.array(keep, dtype=bool)].drop_duplicates("sub_row").drop_duplicates("remit_row")
            )
        found.append(pairs[["sub_row", "remit_row"]].assign(match=label))
        used_sub.update(pairs["sub_row"])
        used_remit.update(pairs["remit_row"])

    sub = expanded.assign(
        match_code=expanded["procedure_code"].astype("string"), line_key=_sent_control(expanded)
    )
    rem = remit.assign(line_key=_echoed_control(remit))
    take(sub, rem, ["claim_seq", "line_key", "match_code"], "line number")
    take(
        sub,
        rem.assign(modifiers=rem["remit_modifiers"]),
        ["claim_seq", "match_code", "modifiers", "service_day"],
        "exact",
    )
    take(sub, rem, ["claim_seq", "match_code", "service_day"], "modifier dropped", subset=True)
    if not found:
        return pd.DataFrame(
            {
                "sub_row": pd.Series(dtype="int64"),
                "remit_row": pd.Series(dtype="int64"),
                "match": pd.Series(dtype="string"),
            }
        )
    return pd.concat(found, ignore_index=True)


def _sent_control(lines: pd.DataFrame) -> pd.Series:
    """What the 837P writer sent as REF*6R for each submitted line (see ``medbill.claims._from_tables``)."""
    number = lines["line_number"].astype("Int64").astype("string")
    if "control_number" not in lines.columns:
        return number
    return lines["control_number"].astype("string").fillna(number)


def _echoed_control(remit: pd.DataFrame) -> pd.Series:
    """REF*6R as the payer echoed it (835 ``line_control``), else the remitted ``line_number``."""
    number = remit["line_number"].astype("Int64").astype("string")
    if "line_control" not in remit.columns:
        return number
    return remit["line_control"].astype("string").str.strip().fillna(number)


def _adjustment_sums(adjustments: pd.DataFrame) -> pd.DataFrame:
    group = adjustments["group"].where(adjustments["group"].isin(["CO", "PR"]), "OTHER")
    frame = adjustments.assign(
        kind=group,
        claim_seq=adjustments["claim_seq"].astype("Int64"),
        line_index=adjustments["line_index"].astype("Int64"),
    )
    table = frame.pivot_table(
        index=["claim_seq", "line_index"], columns="kind", values="amount", aggfunc="sum", dropna=False
    )
    table = table.reindex(columns=["CO", "PR", "OTHER"])
    table.index = pd.MultiIndex.from_arrays(
        [table.index.get_level_values(0).astype("Int64"), table.index.get_level_values(1).astype("Int64")]
    )
    return table.fillna(0.0)


def _join_by_key(claim_seq: pd.Series, line_index: pd.Series, text: pd.Series, sep: str = ", ") -> pd.Series:
    """``text`` joined per (claim_seq, line_index) key, in input order, without a Python loop per group."""
    keys = pd.DataFrame(
        {"c": claim_seq.astype("Int64").to_numpy(), "l": line_index.astype("Int64").to_numpy()}
    )
    if keys.empty:
        return pd.Series(
            dtype=object, index=pd.MultiIndex.from_arrays([pd.array([], "Int64"), pd.array([], "Int64")])
        )
    order = np.lexsort(
        (np.arange(len(keys)), keys["l"].fillna(-1).to_numpy(), keys["c"].fillna(-1).to_numpy())
    )
    keys = keys.iloc[order].reset_index(drop=True)
    values = (sep + text.astype(object).fillna("").iloc[order]).to_numpy(dtype=object)
    starts = np.flatnonzero(~keys.duplicated().to_numpy())
    joined = np.add.reduceat(values, starts) if len(values) else values
    index = pd.MultiIndex.from_arrays([keys["c"].iloc[starts].to_numpy(), keys["l"].iloc[starts].to_numpy()])
    return pd.Series([j[len(sep) :] for j in joined], index=index, dtype=object)


def _reason_text(adjustments: pd.DataFrame) -> pd.DataFrame:
    code = adjustments["group"].astype("string") + "-" + adjustments["reason"].astype("string")
    try:
        from medbill.refdata import carc

        description = carc.describe_many(adjustments["group"], adjustments["reason"]).fillna(
            code + ": (reason code not in the CARC table)"
        )
    except ImportError:  # the CARC table is optional reference data
        description = code
    return pd.DataFrame(
        {
            "reasons": _join_by_key(adjustments["claim_seq"], adjustments["line_index"], code),
            "descriptions": _join_by_key(
                adjustments["claim_seq"], adjustments["line_index"], description, "; "
            ),
        }
    )


def _remark_text(remarks: pd.DataFrame) -> pd.Series:
    return _join_by_key(remarks["claim_seq"], remarks["line_index"], remarks["code"])


def _finish(out: pd.DataFrame) -> pd.DataFrame:
    for column in ("CO", "PR", "OTHER"):
        out[column] = out[column].fillna(0.0)
    out["contractual_adjustment"] = out["CO"]
    out["patient_responsibility"] = out["PR"]
    out["other_adjustment"] = out["OTHER"]
    out["allowed"] = out["allowed_sent"].fillna(out["paid"] + out["PR"])
    paid = out["paid"].fillna(0.0)
    reversal = out["status_code"].astype("string") == "22"
    status = np.select(
        [
            out["match"].isin(["none", "not submitted"]),
            out["match"] == "claim level",
            reversal | ((paid == 0) & (out["PR"] > 0)),
            paid == 0,
            (out["PR"] > 0) | (out["OTHER"] > 0),
        ],
        ["not found", "claim level", "adjusted", "denied", "partially paid"],
        default="paid",
    )
    claim_level = status == "claim level"
    denied_claim = out["status_code"].astype("string") == "4"
    status = np.where(claim_level, np.where(denied_claim, "denied", "adjusted"), status)
    out["status"] = pd.Series(status, index=out.index, dtype="string")
    out.loc[
        claim_level,
        ["paid", "allowed", "contractual_adjustment", "patient_responsibility", "other_adjustment"],
    ] = np.nan
    result = out.reindex(columns=COLUMNS)
    return result.astype({"claim_seq": "Int64", "line_index": "Int64", "line_number": "Int64"}).reset_index(
        drop=True
    )


PATIENT_LINE_COLUMNS = [
    "claim_id", "line_number", "patient_id", "payer_id", "service_date", "procedure_code", "charge", "selfpay",
    "patient_share", "billed_to_patient", "applied_to_claim", "applied_from_account", "patient_paid",
    "patient_balance",
]  # fmt: skip


@dataclasses.dataclass(frozen=True)
class PatientPosting:
    """Patient payments applied to the claim lines.

    ``lines``: one row per claim line (columns :data:`PATIENT_LINE_COLUMNS`; money in dollars).
    ``credits``: one row per patient whose payments exceed what they owe (``patient_id``, ``credit``):
    money on account, to refund or to apply to the next visit.
    """

    lines: pd.DataFrame
    credits: pd.DataFrame


def post_patient_payments(claims_data: ClaimTables, *, as_of: Any = None) -> PatientPosting:
    """Apply ``patient_payments`` to the patient's share of every claim line, line by line.

    The patient's share of a line is its PR adjustments (claim-level PR counts on the claim's first
    line; reversals net out), or the whole charge when the claim's payer is self-pay (``kind``
    ``selfpay``) or the claim has no payer. ``billed_to_patient`` is the date the share became
    known: the first remittance that moved money to the patient, the service date for self-pay.

    A payment naming a claim pays that claim's lines in line order, each up to its share; what it
    pays beyond the claim's share, and every payment naming no claim, goes on the patient's account
    and pays their open lines oldest first (service date, claim, line). What is left is the
    patient's credit. With ``as_of``, only remittances received and payments made on or before it
    count. Every cent paid is either applied or in ``credits``.
    """
    cutoff = pd.Timestamp(as_of) if as_of is not None else None
    lines = _patient_shares(claims_data, cutoff)
    payments = _patient_payments(claims_data, lines, cutoff)

    share = lines["share_cents"].to_numpy()
    owed = np.maximum(share, 0)
    # Integer codes for claims and patients: the allocation runs on numpy arrays. Lines are sorted by
    # claim id, so claim codes follow claim id order.
    claim, claim_ids = pd.factorize(lines["claim_id"].to_numpy(dtype=object))
    people = np.concatenate(
        [lines["patient_id"].fillna("").to_numpy(dtype=object), payments["patient_id"].to_numpy(dtype=object)]
    )
    person, person_ids = pd.factorize(people)
    patient, payer = person[: len(lines)], person[len(lines) :]
    n_claims, n_people = int(claim.max()) + 1 if len(claim) else 0, len(person_ids)
    named = payments["claim_id"].notna().to_numpy()
    paid_claim = pd.Index(claim_ids).get_indexer(payments["claim_id"].to_numpy(dtype=object))
    cents = payments["cents"].to_numpy(dtype=np.int64)
    # 1. payments naming a claim, down that claim's lines in line order
    claim_paid = _sum_by(paid_claim[named], cents[named], n_claims)
    applied_claim = np.clip(claim_paid[claim] - _before_in_group(claim, owed), 0, owed)
    excess = claim_paid - _sum_by(claim, applied_claim, n_claims)
    # 2. the patient's account (unapplied payments and excess), oldest open line first
    claim_owner = np.zeros(n_claims, dtype=np.int64)
    claim_owner[claim] = patient
    pool = _sum_by(payer[~named], cents[~named], n_people) + _sum_by(claim_owner, excess, n_people)
    remaining = owed - applied_claim
    day = lines["service_date"].to_numpy(dtype="datetime64[ns]").astype(np.int64)
    order = np.lexsort((lines["line_number"].fillna(0).to_numpy(dtype=np.int64), claim, day, patient))
    rem_sorted = remaining[order]
    applied_account = np.zeros(len(lines), dtype=np.int64)
    applied_account[order] = np.clip(
        pool[patient[order]] - _before_in_group(patient[order], rem_sorted), 0, rem_sorted
    )
    credit = pool - _sum_by(patient, applied_account, n_people)
    keep = credit != 0

    out = lines.copy()
    out["patient_share"] = share / 100
    out["applied_to_claim"] = applied_claim / 100
    out["applied_from_account"] = applied_account / 100
    out["patient_paid"] = (applied_claim + applied_account) / 100
    out["patient_balance"] = (share - applied_claim - applied_account) / 100
    credits = pd.DataFrame(
        {"patient_id": pd.array(person_ids[keep], dtype="string"), "credit": credit[keep] / 100}
    ).sort_values("patient_id", kind="stable")
    return PatientPosting(out[PATIENT_LINE_COLUMNS].reset_index(drop=True), credits.reset_index(drop=True))


def _sum_by(groups: np.ndarray, values: np.ndarray, size: int) -> np.ndarray:
    """Integer sums of ``values`` per group code 0..size-1."""
    return np.bincount(groups, weights=values, minlength=size).round().astype(np.int64)


def _before_in_group(groups: np.ndarray, values: np.ndarray) -> np.ndarray:
    """For rows sorted so each group's rows are contiguous: the sum of the group's earlier rows."""
    total = np.cumsum(values) - values
    starts = np.flatnonzero(np.r_[True, groups[1:] != groups[:-1]]) if len(groups) else groups
    offset = np.repeat(total[starts], np.diff(np.r_[starts, len(groups)]))
    return total - offset


def _cents(values: pd.Series) -> np.ndarray:
    return np.round(values.astype("float64").fillna(0.0).to_numpy() * 100).astype(np.int64)


def _patient_shares(data: ClaimTables, cutoff: pd.Timestamp | None) -> pd.DataFrame:
    """Claim lines with the patient's share in cents (``share_cents``) and ``billed_to_patient``."""
    claims = data.claims[["claim_id", "patient_id", "payer_id"]]
    lines = data.lines[["claim_id", "line_number", "service_date", "procedure_code", "charge"]].merge(
        claims, on="claim_id", how="left"
    )
    lines = lines.sort_values(["claim_id", "line_number"], kind="stable", ignore_index=True)
    kinds = data.payers.set_index("payer_id")["kind"] if data.payers is not None else pd.Series(dtype=str)
    lines["selfpay"] = lines["payer_id"].map(kinds).eq("selfpay").fillna(False) | lines["payer_id"].isna()
    adjustments = data.remit_adjustments
    pr = pd.DataFrame({"claim_id": [], "line_number": [], "amount": [], "received_date": []})
    if adjustments is not None and data.remit_claims is not None:
        pr = adjustments.loc[
            adjustments["group"].eq("PR").fillna(False), ["payment_id", "claim_id", "line_number", "amount"]
        ]
        received = data.remit_claims.drop_duplicates(["payment_id", "claim_id"])
        pr = pr.merge(
            received[["payment_id", "claim_id", "received_date"]], on=["payment_id", "claim_id"], how="left"
        )
        if cutoff is not None:
            pr = pr[pr["received_date"].le(cutoff).fillna(False)]
        first_line = lines.drop_duplicates("claim_id").set_index("claim_id")["line_number"]
        pr = pr.assign(line_number=pr["line_number"].fillna(pr["claim_id"].map(first_line)))
    pr = pr.assign(
        claim_id=pr["claim_id"].astype("string"),
        line_number=pr["line_number"].astype("Int64"),
        cents=_cents(pr["amount"]),
        received_date=pd.to_datetime(pr["received_date"]).where(pr["amount"].gt(0).fillna(False)),
    )
    per_line = pr.groupby(["claim_id", "line_number"], as_index=False).agg(
        cents=("cents", "sum"), billed=("received_date", "min")
    )
    found = lines[["claim_id", "line_number"]].astype({"claim_id": "string", "line_number": "Int64"})
    found = found.merge(per_line, on=["claim_id", "line_number"], how="left")
    selfpay = lines["selfpay"].to_numpy()
    if cutoff is not None:
        selfpay = selfpay & lines["service_date"].le(cutoff).fillna(False).to_numpy()
    lines["share_cents"] = np.where(
        selfpay, _cents(lines["charge"]), found["cents"].fillna(0).to_numpy(np.int64)
    )
    remitted = pd.Series(found["billed"].to_numpy(dtype="datetime64[ns]"), index=lines.index)
    lines["billed_to_patient"] = lines["service_date"].where(selfpay, remitted)
    return lines


def _patient_payments(data: ClaimTables, lines: pd.DataFrame, cutoff: pd.Timestamp | None) -> pd.DataFrame:
    """The payments in cents; a payment naming a claim of another patient or no known claim is refused."""
    payments = data.patient_payments
    if payments is None:
        return pd.DataFrame(
            {
                "patient_id": pd.Series(dtype=object),
                "claim_id": pd.Series(dtype=object),
                "cents": pd.Series(dtype=np.int64),
            }
        )
    incomplete = payments[payments[["patient_id", "payment_date", "amount"]].isna().any(axis=1)]
    if len(incomplete):
        raise ImportFailed(
            f"patient payment {incomplete['payment_id'].iloc[0]} lacks its patient_id, payment_date or amount "
            f"({len(incomplete)} such rows); every payment needs all three (docs/tables.md)"
        )
    if cutoff is not None:
        payments = payments[payments["payment_date"].le(cutoff).fillna(False)]
    owner = lines.drop_duplicates("claim_id").set_index("claim_id")["patient_id"]
    named = payments[payments["claim_id"].notna()]
    claim_owner = named["claim_id"].map(owner)
    wrong = claim_owner.isna() | claim_owner.ne(named["patient_id"]).fillna(True)
    if wrong.any():
        bad = named[wrong].iloc[0]
        raise ImportFailed(
            f"patient payment {bad['payment_id']} names claim {bad['claim_id']}, which is not a claim of "
            f"patient {bad['patient_id']} in the claims table; correct its claim_id or leave it empty (unapplied)"
        )
    return pd.DataFrame(
        {
            "patient_id": payments["patient_id"].astype(object),
            "claim_id": payments["claim_id"].astype(object),
            "cents": _cents(payments["amount"]),
        }
    )
