"""X12 835 (005010X221A1) remittance reader and balancing.

``read_835(source)`` streams the segments (text, bytes, path or file object) and returns a
:class:`Remittance` whose ``.tables`` hold the ``remit_*`` tables of ``docs/tables.md``;
``iter_835(source)`` yields one :class:`ClaimPayment` at a time with flat memory for huge files.

Keys beyond the contract: ``claim_seq`` numbers the CLP loops of one read (a payment may carry a
reversal and its correction under the same claim id), ``line_index`` numbers the SVC loops inside a
claim (the submitted ``line_number`` comes from REF*6R only when the payer echoes it). Amounts are
summed in integer cents, so balancing is exact:

- line: SVC02 charge - SVC03 paid - sum of line CAS = 0
- claim: CLP03 charge - CLP04 paid - sum of claim and line CAS = 0
- transaction: BPR02 total = sum of CLP04 - sum of PLB amounts
"""

from __future__ import annotations

import dataclasses
import os
from typing import Any

import pandas as pd

from medbill.claims.tables import coerce_table
from medbill.claims.x12.parser_835 import (
    GROUP_CODES,
    ClaimPayment,
    Payment,
    iter_835,
    summarise_835,
)
from medbill.claims.x12.parser_835 import _Parser as _Parser
from medbill.claims.x12.tokenizer import Source
from medbill.exceptions import X12Error

__all__ = ["GROUP_CODES", "ClaimPayment", "Payment", "Remittance", "iter_835", "read_835", "summarise_835"]


def _dollars(cents: int | None) -> float | None:
    return None if cents is None else cents / 100


@dataclasses.dataclass
class Remittance:
    """An 835 read into tables. ``tables`` holds remit_payments, remit_claims, remit_lines,
    remit_adjustments, remit_remarks (docs/tables.md) and remit_plb (provider-level adjustments)."""

    tables: dict[str, pd.DataFrame]
    source_file: str = ""

    @classmethod
    def from_x12(cls, source: Source) -> Remittance:
        """Read an 835 from text, bytes, a path or a file object."""
        return read_835(source)

    @property
    def payments(self) -> pd.DataFrame:
        return self.tables["remit_payments"]

    @property
    def claims(self) -> pd.DataFrame:
        return self.tables["remit_claims"]

    @property
    def lines(self) -> pd.DataFrame:
        return self.tables["remit_lines"]

    @property
    def adjustments(self) -> pd.DataFrame:
        return self.tables["remit_adjustments"]

    @property
    def remarks(self) -> pd.DataFrame:
        return self.tables["remit_remarks"]

    @property
    def total_paid(self) -> float:
        """Sum of BPR02 over the payments read."""
        return round(float(self.payments["amount"].sum()), 2)

    def balance(self) -> pd.DataFrame:
        """One row per line, claim and transaction: level, payment_id, claim_id, claim_seq, line_index,
        expected, actual, difference, balanced. ``difference`` is exact to the cent."""
        adjustments = self.adjustments
        lines = self.lines
        claims = self.claims
        line_adj = (
            adjustments.dropna(subset=["line_index"])
            .groupby(["claim_seq", "line_index"])["amount"]
            .sum()
            .rename("adjusted")
        )
        line_rows = lines.join(line_adj, on=["claim_seq", "line_index"]).fillna({"adjusted": 0.0})
        line_report = pd.DataFrame(
            {
                "level": "line",
                "payment_id": line_rows["payment_id"],
                "claim_id": line_rows["claim_id"],
                "claim_seq": line_rows["claim_seq"],
                "line_index": line_rows["line_index"],
                "expected": line_rows["charge"],
                "actual": line_rows["paid"] + line_rows["adjusted"],
            }
        )
        claim_adj = adjustments.groupby("claim_seq")["amount"].sum().rename("adjusted")
        claim_rows = claims.join(claim_adj, on="claim_seq").fillna({"adjusted": 0.0})
        claim_report = pd.DataFrame(
            {
                "level": "claim",
                "payment_id": claim_rows["payment_id"],
                "claim_id": claim_rows["claim_id"],
                "claim_seq": claim_rows["claim_seq"],
                "line_index": pd.NA,
                "expected": claim_rows["charge"],
                "actual": claim_rows["paid"] + claim_rows["adjusted"],
            }
        )
        paid = claims.groupby("payment_seq")["paid"].sum()
        payments = self.payments
        transaction_report = pd.DataFrame(
            {
                "level": "transaction",
                "payment_id": payments["payment_id"],
                "claim_id": pd.NA,
                "claim_seq": pd.NA,
                "line_index": pd.NA,
                "expected": payments["amount"],
                "actual": payments["payment_seq"].map(paid).fillna(0.0) - payments["plb_amount"],
            }
        )
        report = pd.concat([transaction_report, claim_report, line_report], ignore_index=True)
        report["difference"] = ((report["expected"] - report["actual"]) * 100).round().astype("int64") / 100
        report["balanced"] = report["difference"] == 0
        return report.astype({"claim_seq": "Int64", "line_index": "Int64"})

    def imbalances(self) -> pd.DataFrame:
        """The rows of :meth:`balance` that do not balance (empty when everything balances)."""
        report = self.balance()
        return report[~report["balanced"]].reset_index(drop=True)

    @property
    def is_balanced(self) -> bool:
        return bool(self.balance()["balanced"].all())

    def claim_summaries(self) -> list[dict[str, Any]]:
        """Per claim: claim_id, status, charge, paid, patient_responsibility, adjustments, balanced
        (amounts as two-decimal strings; the shape of ``medbill x12 read --json``)."""
        claim_balanced = self.balance().query("level == 'claim'").set_index("claim_seq")["balanced"]
        adjustments = self.adjustments.sort_values("claim_seq", kind="stable")
        # one pass over plain lists, sliced per claim: no per-claim DataFrame
        seqs = adjustments["claim_seq"].to_numpy(dtype="int64")
        records = list(
            zip(
                adjustments["group"].tolist(),
                adjustments["reason"].tolist(),
                [f"{a:.2f}" for a in adjustments["amount"].tolist()],
                _none_for_na(adjustments["line_number"]),
                _none_for_na(adjustments["line_index"]),
                strict=True,
            )
        )
        keys = ("group", "reason", "amount", "line_number", "line_index")
        claims = self.claims
        out = []
        for row in zip(
            claims["payment_id"].tolist(),
            claims["claim_id"].tolist(),
            claims["status_code"].tolist(),
            claims["charge"].tolist(),
            claims["paid"].tolist(),
            claims["patient_responsibility"].tolist(),
            claims["claim_seq"].tolist(),
            strict=True,
        ):
            payment_id, claim_id, status, charge, paid, patient, seq = row
            first, last = seqs.searchsorted(seq), seqs.searchsorted(seq, side="right")
            out.append(
                {
                    "payment_id": payment_id,
                    "claim_id": claim_id,
                    "status": status,
                    "charge": f"{charge:.2f}",
                    "paid": f"{paid:.2f}",
                    "patient_responsibility": f"{patient:.2f}",
                    "adjustments": [dict(zip(keys, r, strict=True)) for r in records[first:last]],
                    "balanced": bool(claim_balanced.get(seq, False)),
                }
            )
        return out


def _none_for_na(values: pd.Series) -> list[Any]:
    return [None if v is pd.NA else int(v) for v in values.astype("Int64").tolist()]


def read_835(source: Source) -> Remittance:
    """Read an 835 into a :class:`Remittance` (raises X12Error with segment number and byte offset)."""
    frames, source_file = remit_frames(source)
    return Remittance(tables=type_remit_frames(frames), source_file=source_file)


REMIT_FRAMES = ("remit_payments", "remit_claims", "remit_lines", "remit_adjustments", "remit_remarks")


def type_remit_frames(frames: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """The frames of :func:`remit_frames` (or their concatenation over many files) typed per
    docs/tables.md, the sequence keys as ``Int64``; ``remit_plb`` passes through."""
    tables = dict(frames)
    for name in REMIT_FRAMES:
        frame = coerce_table(name, frames[name])
        for column in ("claim_seq", "line_index", "payment_seq"):
            if column in frame.columns:
                frame[column] = frame[column].astype("Int64")
        tables[name] = frame
    return tables


def remit_frames(source: Source) -> tuple[dict[str, pd.DataFrame], str]:
    """The remittance tables of one 835 as read, untyped, and the source file name.

    ``read_835`` types them at once; ``medbill.ingest.remits.load_835_folder`` concatenates many
    files' frames and types the result once."""
    parser = _Parser()
    claims_rows: list[tuple] = []
    line_rows: list[tuple] = []
    adjustment_rows: list[tuple] = []
    remark_rows: list[tuple] = []
    for claim in parser.run(source):
        payment = claim.payment
        pid = payment.payment_id
        claims_rows.append(
            (
                pid, claim.claim_id, claim.status_code, claim.charge_cents / 100, claim.paid_cents / 100,
                claim.patient_cents / 100, claim.payer_claim_control, payment.payment_date, claim.seq, claim.filing_indicator,
                payment.seq,
            )
        )  # fmt: skip
        numbers: dict[int, int | None] = {}
        for line in claim.lines:
            mods = line["modifiers"] + [None] * (4 - len(line["modifiers"]))
            numbers[line["line_index"]] = line["line_number"]
            submitted = line["submitted_modifiers"]
            line_rows.append(
                (
                    pid, claim.claim_id, line["line_number"], line["procedure_code"], *mods[:4],
                    line["charge_cents"] / 100, line["paid_cents"] / 100, _dollars(line["allowed_cents"]), line["units"],
                    line["service_date"] or claim.service_date, claim.seq, line["line_index"], line["line_control"],
                    line["qualifier"], line["submitted_procedure_code"], ":".join(submitted) or None,
                )
            )  # fmt: skip
        for line_index, group, reason, cents, quantity in claim.adjustments:
            number = numbers.get(line_index) if line_index is not None else None
            adjustment_rows.append(
                (pid, claim.claim_id, number, group, reason, cents / 100, quantity, claim.seq, line_index)
            )
        for line_index, code in claim.remarks:
            number = numbers.get(line_index) if line_index is not None else None
            remark_rows.append((pid, claim.claim_id, number, code, claim.seq, line_index))
    source_file = os.fspath(source) if isinstance(source, (os.PathLike,)) else ""
    if (
        isinstance(source, str)
        and len(source) < 4096
        and not source.lstrip("\ufeff \r\n\t").startswith("ISA")
    ):
        source_file = source
    if not parser.payments:
        raise X12Error("no complete 835 transaction (ST ... SE) in the input")
    payments = pd.DataFrame(
        [
            (
                p.payment_id, p.payer_id, p.payer_name, p.payee_npi, p.payment_date, p.method, p.amount_cents / 100,
                sum(x[3] for x in p.plb) / 100, os.path.basename(source_file), p.payee_name, p.payee_tax_id, p.transaction_control,
                p.seq,
            )
            for p in parser.payments
        ],
        columns=[
            "payment_id", "payer_id", "payer_name", "payee_npi", "payment_date", "method", "amount", "plb_amount",
            "source_file", "payee_name", "payee_tax_id", "transaction_control", "payment_seq",
        ],
    )  # fmt: skip
    plb = pd.DataFrame(
        [
            (p.payment_id, provider, reason, reference, cents / 100)
            for p in parser.payments
            for provider, reason, reference, cents in p.plb
        ],
        columns=["payment_id", "provider_id", "reason", "reference", "amount"],
    )
    tables = {
        "remit_payments": payments,
        "remit_claims": pd.DataFrame(
            claims_rows,
            columns=[
                "payment_id", "claim_id", "status_code", "charge", "paid", "patient_responsibility",
                "payer_claim_control", "received_date", "claim_seq", "filing_indicator", "payment_seq",
            ],
        ),
        "remit_lines": pd.DataFrame(
            line_rows,
            columns=[
                "payment_id", "claim_id", "line_number", "procedure_code", "modifier1", "modifier2", "modifier3",
                "modifier4", "charge", "paid", "allowed", "units", "service_date", "claim_seq", "line_index",
                "line_control", "qualifier", "submitted_procedure_code", "submitted_modifiers",
            ],
        ),
        "remit_adjustments": pd.DataFrame(
            adjustment_rows,
            columns=["payment_id", "claim_id", "line_number", "group", "reason", "amount", "quantity", "claim_seq", "line_index"],
        ),
        "remit_remarks": pd.DataFrame(
            remark_rows, columns=["payment_id", "claim_id", "line_number", "code", "claim_seq", "line_index"]
        ),
        "remit_plb": plb,
    }  # fmt: skip
    return tables, source_file
