"""Patient statements and patient A/R: what each service cost, who paid what, what the patient owes.

Per claim line, on a statement date (everything received or paid after it is left out):

- ``charged``: the line's charge;
- ``insurance_paid``: the payers' payments on the line (a claim's payment not carried by its
  service lines counts on its first line);
- ``insurance_adjusted``: the payers' CO, OA, PI and CR adjustments (contractual write-offs and
  denials: never billed to the patient);
- ``patient_share``, ``patient_paid``: from :func:`medbill.claims.posting.post_patient_payments`
  (PR adjustments, or the charge for self-pay; payments applied line by line);
- ``insurance_pending``: what is still with the payer (charged less the three amounts above);
- ``owed_now``: the patient's share less what they paid, aged from the day the share became known.

So ``charged = insurance_paid + insurance_adjusted + insurance_pending + patient_share`` on every
line, to the cent, and the patient's payments are either on a line or in their account's credit.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from medbill.analytics.aging import DEFAULT_EDGES, bucket_labels
from medbill.analytics.facts import dated_remits
from medbill.analytics.tables import as_tables
from medbill.claims.posting import post_patient_payments

LINE_COLUMNS = [
    "patient_id", "claim_id", "line_number", "service_date", "procedure_code", "payer_id", "charged",
    "insurance_paid", "insurance_adjusted", "insurance_pending", "patient_share", "patient_paid", "owed_now",
    "billed_to_patient", "age_days", "bucket",
]  # fmt: skip
MONEY = [
    "charged",
    "insurance_paid",
    "insurance_adjusted",
    "insurance_pending",
    "patient_share",
    "patient_paid",
]
INCLUDE = ("open", "all")


def _cents(values: pd.Series) -> pd.Series:
    return (values.astype("float64").fillna(0.0) * 100).round().astype(np.int64)


def _per_line(frame: pd.DataFrame, lines: pd.DataFrame, value: str) -> np.ndarray:
    """Cents of ``frame[value]`` summed per claim line; rows with no line number (claim level) go
    to the claim's first line."""
    first = lines.drop_duplicates("claim_id").set_index("claim_id")["line_number"]
    keyed = frame.assign(
        line_number=frame["line_number"].astype("Int64").fillna(frame["claim_id"].map(first)).astype("Int64"),
        cents=_cents(frame[value]),
    )
    sums = keyed.groupby(["claim_id", "line_number"], as_index=False)["cents"].sum()
    at = lines[["claim_id", "line_number"]].merge(sums, on=["claim_id", "line_number"], how="left")
    return at["cents"].fillna(0).to_numpy(dtype=np.int64)


def statement_lines(
    data: Any, *, statement_date: Any, include: str = "open", edges: Sequence[int] = DEFAULT_EDGES
) -> pd.DataFrame:
    """One row per claim line (columns :data:`LINE_COLUMNS`) serviced on or before
    ``statement_date``: ``include="open"`` keeps the claims with something still owed by the
    patient or pending with a payer, ``"all"`` every claim. See the module docstring."""
    if include not in INCLUDE:
        raise ValueError(f"include must be one of {', '.join(INCLUDE)}, got {include!r}")
    cutoff = pd.Timestamp(statement_date).normalize()
    t = as_tables(data)
    posting = post_patient_payments(t, as_of=cutoff)
    lines = posting.lines
    lines = lines[lines["service_date"].le(cutoff).fillna(False)].reset_index(drop=True)
    keys = lines[["claim_id", "line_number"]].astype({"line_number": "Int64"})

    rc, adj = dated_remits(t, cutoff)
    remit_lines = t.remit_lines[t.remit_lines["payment_id"].isin(rc["payment_id"])]
    remit_lines = remit_lines.merge(
        rc[["payment_id", "claim_id"]].drop_duplicates(), on=["payment_id", "claim_id"]
    )
    line_paid = remit_lines.groupby("claim_id")["paid"].sum()
    # a claim's payment its service lines do not carry (an 835 without SVC loops) sits at claim level
    residual = (
        rc.groupby("claim_id")["paid"].sum() - line_paid.reindex(rc["claim_id"].unique()).fillna(0.0)
    ).round(2)
    residual = residual[residual.ne(0)]
    paid_rows = pd.concat(
        [
            remit_lines[["claim_id", "line_number", "paid"]],
            pd.DataFrame({"claim_id": residual.index, "line_number": pd.NA, "paid": residual.to_numpy()}),
        ],
        ignore_index=True,
    )
    insurance_paid = _per_line(paid_rows, keys, "paid")
    payer_adj = adj[~adj["group"].eq("PR").fillna(False)]
    insurance_adjusted = _per_line(payer_adj, keys, "amount")
    share = _cents(lines["patient_share"]).to_numpy()
    paid = _cents(lines["patient_paid"]).to_numpy()
    charged = _cents(lines["charge"]).to_numpy()
    pending = np.where(lines["selfpay"].to_numpy(), 0, charged - insurance_paid - insurance_adjusted - share)

    out = pd.DataFrame(
        {
            "patient_id": lines["patient_id"],
            "claim_id": lines["claim_id"],
            "line_number": keys["line_number"],
            "service_date": lines["service_date"],
            "procedure_code": lines["procedure_code"],
            "payer_id": lines["payer_id"],
            "charged": charged / 100,
            "insurance_paid": insurance_paid / 100,
            "insurance_adjusted": insurance_adjusted / 100,
            "insurance_pending": pending / 100,
            "patient_share": share / 100,
            "patient_paid": paid / 100,
            "owed_now": (share - paid) / 100,
            "billed_to_patient": lines["billed_to_patient"],
        }
    )
    out["age_days"] = (cutoff - out["billed_to_patient"]).dt.days.astype("Int64")
    bins = [-np.inf, *edges, np.inf]
    out["bucket"] = pd.cut(out["age_days"].astype("float64"), bins=bins, labels=bucket_labels(edges))
    if include == "open":
        open_claims = out.loc[out["owed_now"].ne(0) | out["insurance_pending"].ne(0), "claim_id"]
        out = out[out["claim_id"].isin(set(open_claims))]
    out = out.sort_values(["patient_id", "service_date", "claim_id", "line_number"], kind="stable")
    return out[LINE_COLUMNS].reset_index(drop=True)


def patient_statements(
    data: Any,
    *,
    statement_date: Any,
    patient_id: str | None = None,
    include: str = "open",
    edges: Sequence[int] = DEFAULT_EDGES,
) -> pd.DataFrame:
    """One statement per patient (or only ``patient_id``): name and address, the totals of their
    statement lines (:func:`statement_lines`), their account credit, ``amount_due`` (owed now less
    credit) and what they owe by age bucket (days since the share became known)."""
    t = as_tables(data)
    lines = statement_lines(t, statement_date=statement_date, include=include, edges=edges)
    credits = post_patient_payments(t, as_of=pd.Timestamp(statement_date)).credits.set_index("patient_id")[
        "credit"
    ]
    if patient_id:
        lines = lines[lines["patient_id"].eq(patient_id)]
        credits = credits[credits.index == patient_id]
    totals = lines.groupby("patient_id")[[*MONEY, "owed_now"]].sum()
    totals = totals.reindex(totals.index.union(credits.index), fill_value=0.0)
    totals["credit"] = credits.reindex(totals.index).fillna(0.0)
    totals["amount_due"] = totals["owed_now"] - totals["credit"]
    aged = lines.pivot_table(
        index="patient_id", columns="bucket", values="owed_now", aggfunc="sum", fill_value=0.0, observed=False
    )
    aged = aged.reindex(index=totals.index, columns=bucket_labels(edges), fill_value=0.0).fillna(0.0)
    aged.columns = aged.columns.astype(str)
    out = totals.join(aged).round(2).reset_index()
    people = _people(t)
    out = people.merge(out, on="patient_id", how="right")
    out.insert(1, "statement_date", pd.Timestamp(statement_date).normalize())
    return out.sort_values("patient_id", kind="stable", ignore_index=True)


def _people(t: Any) -> pd.DataFrame:
    patients = t.patients
    columns = ["first_name", "last_name", "address1", "city", "state", "zip"]
    frame = patients.reindex(columns=["patient_id", *columns]).drop_duplicates("patient_id")
    name = (frame["first_name"].fillna("") + " " + frame["last_name"].fillna("")).str.strip()
    address = (
        frame["address1"].fillna("")
        + ", "
        + frame["city"].fillna("")
        + ", "
        + frame["state"].fillna("")
        + " "
        + frame["zip"].fillna("").str[:5]
    ).str.strip(", ")
    return pd.DataFrame({"patient_id": frame["patient_id"], "name": name, "address": address})


def patient_payments(data: Any, *, patient_id: str, statement_date: Any) -> pd.DataFrame:
    """The payments ``patient_id`` made on or before ``statement_date``, oldest first."""
    payments = as_tables(data).patient_payments
    mine = payments[
        payments["patient_id"].eq(patient_id).fillna(False)
        & payments["payment_date"].le(pd.Timestamp(statement_date)).fillna(False)
    ]
    columns = ["payment_date", "payment_id", "method", "claim_id", "amount"]
    return mine.sort_values(["payment_date", "payment_id"], kind="stable")[columns].reset_index(drop=True)


def ar_by_responsibility(
    data: Any, *, as_of: Any = None, edges: Sequence[int] = DEFAULT_EDGES
) -> pd.DataFrame:
    """Insurance A/R and patient A/R side by side: open balance by age bucket (rows ``insurance``,
    ``patient``, ``total``). Insurance balances are aged from the date of service
    (:func:`medbill.analytics.aging.open_items`); patient balances from the day the share became
    known; self-pay claims count as patient A/R only; patient credits are not netted."""
    from medbill.analytics.aging import open_items
    from medbill.analytics.facts import default_as_of

    t = as_tables(data)
    cutoff = pd.Timestamp(as_of) if as_of is not None else default_as_of(t)
    labels = bucket_labels(edges)
    items = open_items(t, as_of=cutoff, edges=edges)
    selfpay = (
        items["payer_id"]
        .map(t.payers.drop_duplicates("payer_id").set_index("payer_id")["kind"])
        .eq("selfpay")
    )
    insurance = items[~selfpay.fillna(False)].groupby("bucket", observed=False)["balance"].sum()
    lines = statement_lines(t, statement_date=cutoff, include="open", edges=edges)
    patient = lines.groupby("bucket", observed=False)["owed_now"].sum()
    table = pd.DataFrame(
        [insurance.reindex(labels, fill_value=0.0), patient.reindex(labels, fill_value=0.0)],
        index=pd.Index(["insurance", "patient"], name="responsibility"),
    )
    table.columns = table.columns.astype(str)
    table.loc["total"] = table.sum()
    table["total"] = table.sum(axis=1)
    return table.round(2)
