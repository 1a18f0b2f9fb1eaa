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
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from medbill.claims.tables import MODIFIER_COLUMNS, ClaimsData
from medbill.exceptions import MedbillError

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
