"""X12 835 (005010X221A1) streaming parser: one :class:`ClaimPayment` at a time, no DataFrame.

``iter_835(source)`` yields the CLP loops with their lines, adjustments and remarks as they are read
(memory stays flat whatever the file size); ``summarise_835(source)`` builds the shape of
``medbill x12 read --json`` while streaming. Amounts are integer cents, so balancing is exact.
This module does not import pandas: a summary costs no more than reading the file.
:mod:`medbill.claims.x12.reader_835` turns the same stream into the remittance tables.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import date
from typing import Any

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
        elements = seg.elements
        for start in range(2, min(len(elements), 20), 3):  # up to six reason/amount/quantity triplets
            reason = elements[start]
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
