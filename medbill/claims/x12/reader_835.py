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
from collections.abc import Iterator
from datetime import date
from typing import Any

import pandas as pd

from medbill.claims.tables import coerce_table
from medbill.claims.x12 import values
from medbill.claims.x12.envelope import checked_segments
from medbill.claims.x12.tokenizer import Segment, Source
from medbill.exceptions import X12Error

GROUP_CODES = frozenset({"CO", "PR", "OA", "PI", "CR"})


_cents = values.cents
_number = values.number


def _date(seg: Segment, index: int) -> date | None:
    return values.ccyymmdd(seg, index) if seg.get(index) else None


@dataclasses.dataclass
class Payment:
    """One 835 transaction (ST/SE): the payment (BPR/TRN), payer and payee, PLB adjustments."""

    payment_id: str = ""
    payer_id: str = ""
    payer_name: str = ""
    payee_npi: str = ""
    payee_tax_id: str = ""
    payee_name: str = ""
    payment_date: date | None = None
    method: str = ""
    amount_cents: int = 0
    plb: list[tuple[str, str, str, int]] = dataclasses.field(
        default_factory=list
    )  # provider, reason, reference, cents
    claim_paid_cents: int = 0
    claims: int = 0
    segment_number: int = 0
    transaction_control: str = ""
    seq: int = 0


@dataclasses.dataclass
class ClaimPayment:
    """One CLP loop with its service lines, adjustments and remarks."""

    payment: Payment
    seq: int
    claim_id: str
    status_code: str
    charge_cents: int
    paid_cents: int
    patient_cents: int
    payer_claim_control: str
    filing_indicator: str
    segment_number: int
    service_date: date | None = None
    lines: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    adjustments: list[tuple[int | None, str, str, int, float | None]] = dataclasses.field(
        default_factory=list
    )
    remarks: list[tuple[int | None, str]] = dataclasses.field(default_factory=list)

    @property
    def adjustment_cents(self) -> int:
        return sum(a[3] for a in self.adjustments)

    @property
    def balanced(self) -> bool:
        return self.charge_cents - self.paid_cents - self.adjustment_cents == 0


class _Parser:
    def __init__(self) -> None:
        self.component = ":"
        self.payment: Payment | None = None
        self.claim: ClaimPayment | None = None
        self.line: dict[str, Any] | None = None
        self.seq = 0
        self.n1 = ""
        self.payments: list[Payment] = []

    def run(self, source: Source) -> Iterator[ClaimPayment]:
        handlers = {
            "ISA": self._isa,
            "ST": self._st,
            "BPR": self._bpr,
            "TRN": self._trn,
            "N1": self._n1,
            "REF": self._ref,
            "CLP": self._clp,
            "CAS": self._cas,
            "SVC": self._svc,
            "DTM": self._dtm,
            "AMT": self._amt,
            "LQ": self._lq,
            "MOA": self._moa,
            "MIA": self._mia,
            "PLB": self._plb,
            "LX": self._lx,
        }
        for seg in checked_segments(source, ("835",)):
            sid = seg.elements[0]
            if sid in ("CLP", "SE", "PLB", "LX") and self.claim is not None:
                yield self.claim
                self.claim, self.line = None, None
            handler = handlers.get(sid)
            if handler is not None:
                handler(seg)
            elif sid == "SE" and self.payment is not None:
                self.payments.append(self.payment)
                self.payment = None

    def _isa(self, seg: Segment) -> None:
        self.component = seg.get(16)[:1] or ":"

    def _st(self, seg: Segment) -> None:
        self.payment = Payment(
            segment_number=seg.number, transaction_control=seg.get(2), seq=len(self.payments) + 1
        )
        self.n1 = ""

    def _need_payment(self, seg: Segment) -> Payment:
        if self.payment is None:
            raise X12Error(
                f"{seg.id} outside an 835 transaction", segment_number=seg.number, position=seg.position
            )
        return self.payment

    def _bpr(self, seg: Segment) -> None:
        payment = self._need_payment(seg)
        amount = _cents(seg, 2, required=True)
        payment.amount_cents = -amount if seg.get(3) == "D" else amount
        payment.method = seg.get(4)
        payment.payment_date = _date(seg, 16)

    def _trn(self, seg: Segment) -> None:
        payment = self._need_payment(seg)
        if not payment.payment_id:
            payment.payment_id = seg.get(2)
            payment.payer_id = payment.payer_id or seg.get(3)

    def _n1(self, seg: Segment) -> None:
        payment = self._need_payment(seg)
        self.n1 = seg.get(1)
        if self.n1 == "PR":
            payment.payer_name = seg.get(2)
            if seg.get(4):
                payment.payer_id = seg.get(4)
        elif self.n1 == "PE":
            payment.payee_name = seg.get(2)
            if seg.get(3) == "XX":
                payment.payee_npi = seg.get(4)
            elif seg.get(3) == "FI":
                payment.payee_tax_id = seg.get(4)

    def _lx(self, seg: Segment) -> None:
        self.n1 = ""

    def _ref(self, seg: Segment) -> None:
        qualifier, value = seg.get(1), seg.get(2)
        if self.line is not None:
            if qualifier == "6R":
                self.line["line_control"] = value
                self.line["line_number"] = int(value) if value.isdigit() and len(value) < 10 else None
        elif self.claim is None and self.payment is not None:
            if qualifier == "2U" and self.n1 == "PR":
                self.payment.payer_id = value
            elif qualifier == "TJ" and self.n1 == "PE" and not self.payment.payee_tax_id:
                self.payment.payee_tax_id = value

    def _clp(self, seg: Segment) -> None:
        payment = self._need_payment(seg)
        self.seq += 1
        self.claim = ClaimPayment(
            payment=payment,
            seq=self.seq,
            claim_id=seg.get(1),
            status_code=seg.get(2),
            charge_cents=_cents(seg, 3, required=True),
            paid_cents=_cents(seg, 4, required=True),
            patient_cents=_cents(seg, 5),
            payer_claim_control=seg.get(7),
            filing_indicator=seg.get(6),
            segment_number=seg.number,
        )
        payment.claim_paid_cents += self.claim.paid_cents
        payment.claims += 1
        self.line = None

    def _cas(self, seg: Segment) -> None:
        if self.claim is None:
            raise X12Error(
                "CAS outside a claim payment (CLP)", segment_number=seg.number, position=seg.position
            )
        group = seg.get(1)
        if group not in GROUP_CODES:
            raise X12Error(
                f"CAS01 {group!r} is not a group code (CO, PR, OA, PI, CR)",
                segment_number=seg.number,
                position=seg.position,
            )
        line_index = self.line["line_index"] if self.line is not None else None
        for start in range(2, 20, 3):  # up to six reason/amount/quantity triplets
            reason = seg.get(start)
            if not reason:
                continue
            cents = _cents(seg, start + 1, required=True)
            self.claim.adjustments.append((line_index, group, reason, cents, _number(seg, start + 2)))
            if self.line is not None:
                self.line["adjustment_cents"] += cents

    def _svc(self, seg: Segment) -> None:
        if self.claim is None:
            raise X12Error(
                "SVC outside a claim payment (CLP)", segment_number=seg.number, position=seg.position
            )
        procedure = seg.get(1).split(self.component)
        submitted = seg.get(6).split(self.component) if seg.get(6) else []
        units = _number(seg, 5)
        self.line = {
            "line_index": len(self.claim.lines) + 1,
            "line_number": None,
            "line_control": None,
            "qualifier": procedure[0],
            "procedure_code": procedure[1] if len(procedure) > 1 else "",
            "modifiers": [m for m in procedure[2:6] if m],
            "submitted_procedure_code": submitted[1] if len(submitted) > 1 else None,
            "submitted_modifiers": [m for m in submitted[2:6] if m],
            "charge_cents": _cents(seg, 2, required=True),
            "paid_cents": _cents(seg, 3, required=True),
            "units": 1.0 if units is None else units,
            "allowed_cents": None,
            "service_date": None,
            "adjustment_cents": 0,
            "segment_number": seg.number,
        }
        self.claim.lines.append(self.line)

    def _dtm(self, seg: Segment) -> None:
        qualifier = seg.get(1)
        if self.line is not None and qualifier in ("472", "150"):
            self.line["service_date"] = _date(seg, 2)
        elif self.claim is not None and self.line is None and qualifier == "232":
            self.claim.service_date = _date(seg, 2)

    def _amt(self, seg: Segment) -> None:
        if self.line is not None and seg.get(1) == "B6":
            self.line["allowed_cents"] = _cents(seg, 2, required=True)

    def _lq(self, seg: Segment) -> None:
        if self.claim is not None and self.line is not None and seg.get(1) == "HE":
            self.claim.remarks.append((self.line["line_index"], seg.get(2)))

    def _moa(self, seg: Segment) -> None:
        if self.claim is not None:
            self.claim.remarks.extend((None, code) for code in seg.elements[3:8] if code)

    def _mia(self, seg: Segment) -> None:
        if self.claim is not None:
            codes = [seg.get(5), *seg.elements[20:24]]
            self.claim.remarks.extend((None, code) for code in codes if code)

    def _plb(self, seg: Segment) -> None:
        payment = self._need_payment(seg)
        for start in range(3, 15, 2):  # up to six adjustment identifier / amount pairs
            if not seg.get(start):
                continue
            reason, _, reference = seg.get(start).partition(self.component)
            payment.plb.append((seg.get(1), reason, reference, _cents(seg, start + 1, required=True)))


def iter_835(source: Source) -> Iterator[ClaimPayment]:
    """Stream the claim payments of an 835 (memory stays flat whatever the file size)."""
    return _Parser().run(source)


def summarise_835(source: Source) -> dict[str, Any]:
    """The shape of ``medbill x12 read --json`` for an 835, built while streaming (no DataFrame):
    payments, every claim with its adjustments, the claim's balance, and whether every line, claim
    and transaction balances (the rules of :meth:`Remittance.balance`, in exact cents)."""
    parser = _Parser()
    claims: list[dict[str, Any]] = []
    balanced = True
    for claim in parser.run(source):
        numbers = {line["line_index"]: line["line_number"] for line in claim.lines}
        claim_ok = claim.balanced
        balanced = (
            balanced
            and claim_ok
            and all(
                line["charge_cents"] - line["paid_cents"] - line["adjustment_cents"] == 0
                for line in claim.lines
            )
        )
        claims.append(
            {
                "payment_id": claim.payment.payment_id,
                "claim_id": claim.claim_id,
                "status": claim.status_code,
                "charge": _money(claim.charge_cents),
                "paid": _money(claim.paid_cents),
                "patient_responsibility": _money(claim.patient_cents),
                "adjustments": [
                    {
                        "group": group,
                        "reason": reason,
                        "amount": _money(cents),
                        "line_number": numbers.get(index) if index is not None else None,
                        "line_index": index,
                    }
                    for index, group, reason, cents, _quantity in claim.adjustments
                ],
                "balanced": claim_ok,
            }
        )
    if not parser.payments:
        raise X12Error("no complete 835 transaction (ST ... SE) in the input")
    payments = []
    for payment in parser.payments:
        plb = sum(x[3] for x in payment.plb)
        balanced = balanced and payment.amount_cents == payment.claim_paid_cents - plb
        payments.append(
            {
                "payment_id": payment.payment_id,
                "amount": _money(payment.amount_cents),
                "method": payment.method,
                "payer": payment.payer_name,
            }
        )
    total = sum(payment.amount_cents for payment in parser.payments)
    return {
        "transaction": "835",
        "total_paid": _money(total),
        "payments": payments,
        "balanced": balanced,
        "claims": claims,
    }


def _money(cents: int) -> str:
    """Cents as a two-decimal string ("-12.30")."""
    sign = "-" if cents < 0 else ""
    whole, part = divmod(abs(cents), 100)
    return f"{sign}{whole}.{part:02d}"


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
