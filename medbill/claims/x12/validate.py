"""``medbill x12 validate``: medbill's own structural and code checks of an 837P or 835.

Collects every problem instead of stopping at the first (except when the text cannot be split into
segments at all). Beyond the envelope (:mod:`medbill.claims.x12.envelope`) it checks what pyx12
lets through:

- 837P: NPI check digits (NM108 = XX), billing provider ZIP+4, ICD-10-CM diagnosis format, HI
  pointers of SV107, CLM02 = sum of SV102, HL parents, CCYYMMDD dates;
- 835: CAS group codes and CARC codes known to medbill (a CARC past its X12 stop date on the 835's
  payment date, BPR16, is a warning naming that date: it is still a CARC), and balancing of every
  service line, claim and transaction (the same rules as :meth:`Remittance.balance`).
"""

from __future__ import annotations

from datetime import date

from medbill.claims.x12 import values
from medbill.claims.x12.envelope import EnvelopeChecker, Problem
from medbill.claims.x12.tokenizer import Segment, Source, iter_segments
from medbill.exceptions import CodeError, X12Error


def _cents(text: str) -> int | None:
    """Cents of an R-type amount (0 when empty), None when ``text`` is not one."""
    if not text:
        return 0
    return round(float(text) * 100) if values.is_amount(text) else None


class _Content:
    """Per-transaction content checks; ``feed`` returns problems for one segment."""

    def __init__(self) -> None:
        self.component = ":"
        self.problems: list[Problem] = []
        self.reset()

    def reset(self) -> None:
        self.kind = ""
        self.hl_ids: set[str] = set()
        self.last_nm1 = ""
        # 837P claim in progress
        self.clm: Segment | None = None
        self.clm_total = 0
        self.line_total = 0
        self.dx_count = 0
        # 835 balancing in progress
        self.bpr: Segment | None = None
        self.bpr_cents = 0
        self.paid_on: date | None = None  # BPR16, for CARC stop dates
        self.paid_cents = 0
        self.plb_cents = 0
        self.clp: Segment | None = None
        self.clp_open = 0  # charge - paid - adjustments, claim level
        self.svc: Segment | None = None
        self.svc_open = 0

    def problem(self, seg: Segment, reason: str, severity: str = "error") -> None:
        self.problems.append(Problem(seg.number, seg.position, seg.id, reason, severity))

    def amount(self, seg: Segment, index: int) -> int:
        """Element ``index`` in cents; a value that is not an R-type amount is reported and counts 0."""
        cents = _cents(seg.get(index))
        if cents is None:
            self.problem(seg, f"{seg.id}{index:02d} {values.amount_problem(seg.get(index))}")
            return 0
        return cents

    def date(self, seg: Segment, index: int, text: str | None = None) -> None:
        value = seg.get(index) if text is None else text
        problem = values.date_problem(value) if value else None
        if problem:
            self.problem(seg, f"{seg.id}{index:02d} {problem}")

    def feed(self, seg: Segment) -> None:
        sid = seg.id
        if sid == "ISA":
            self.component = seg.get(16)[:1] or ":"
        elif sid == "ST":
            self.reset()
            self.kind = seg.get(1)
        elif sid == "SE":
            self._close_claim(seg)
            self._close_835(seg)
        elif self.kind == "837":
            self._837(seg)
        elif self.kind == "835":
            self._835(seg)

    # 837P -------------------------------------------------------------------------------------
    def _837(self, seg: Segment) -> None:
        sid = seg.id
        if sid == "HL":
            self._close_claim(seg)
            if seg.get(2) and seg.get(2) not in self.hl_ids:
                self.problem(seg, f"HL02 parent {seg.get(2)!r} is not an earlier HL01")
            self.hl_ids.add(seg.get(1))
        elif sid == "NM1":
            self.last_nm1 = seg.get(1)
            if seg.get(8) == "XX":
                self._npi(seg, seg.get(9))
        elif sid == "N4" and self.last_nm1 == "85":
            if not (seg.get(3).isdigit() and len(seg.get(3)) == 9):
                self.problem(seg, f"billing provider ZIP {seg.get(3)!r} must have 9 digits (ZIP+4)")
        elif sid == "CLM":
            self._close_claim(seg)
            self.clm = seg
            self.clm_total = self.amount(seg, 2)
            self.line_total, self.dx_count = 0, 0
        elif sid == "HI":
            from medbill.refdata import icd10cm

            for element in seg.elements[1:]:
                qualifier, _, code = element.partition(self.component)
                if qualifier in ("ABK", "ABF"):
                    self.dx_count += 1
                    try:
                        icd10cm.validate(code.split(self.component)[0])
                    except CodeError as exc:
                        self.problem(seg, f"diagnosis {code!r}: {exc}")
                elif qualifier in ("BK", "BF"):
                    self.dx_count += 1
        elif sid == "SV1":
            self.line_total += self.amount(seg, 2)
            self.amount(seg, 4)
            for pointer in filter(None, seg.get(7).split(self.component)):
                if (
                    not pointer.isdigit()
                    or not 1 <= int(pointer) <= max(self.dx_count, 1)
                    or int(pointer) > 12
                ):
                    self.problem(
                        seg,
                        f"diagnosis pointer {pointer!r} does not point at one of the {self.dx_count} diagnoses in HI",
                    )
        elif sid in ("DTP", "DMG"):
            index = 3 if sid == "DTP" else 2
            form = seg.get(index - 1)
            parts = seg.get(index).split("-") if form == "RD8" else [seg.get(index)]
            if form in ("D8", "RD8"):
                for part in parts:
                    self.date(seg, index, part)
        elif sid == "CTP":
            self.amount(seg, 4)

    def _npi(self, seg: Segment, value: str) -> None:
        from medbill.refdata import npi

        try:
            npi.validate(value)
        except CodeError as exc:
            self.problem(seg, f"NM109 NPI {value!r}: {exc}")

    def _close_claim(self, seg: Segment) -> None:
        if self.clm is not None and self.clm_total != self.line_total:
            self.problem(
                self.clm,
                f"CLM02 total {self.clm_total / 100:.2f} is not the sum of the SV102 line charges {self.line_total / 100:.2f}",
            )
        self.clm = None

    # 835 --------------------------------------------------------------------------------------
    def _835(self, seg: Segment) -> None:
        sid = seg.id
        if sid == "BPR":
            self.bpr = seg
            if not seg.get(2):
                self.problem(seg, "BPR02 amount is missing")
            cents = self.amount(seg, 2)
            self.bpr_cents = -cents if seg.get(3) == "D" else cents
            self.date(seg, 16)
            paid = seg.get(16)
            self.paid_on = (
                date(int(paid[:4]), int(paid[4:6]), int(paid[6:8]))
                if not values.date_problem(paid) and paid
                else None
            )
        elif sid == "CLP":
            self._close_svc()
            self._close_clp()
            self.clp = seg
            charge, paid = self.amount(seg, 3), self.amount(seg, 4)
            self.amount(seg, 5)
            self.clp_open = charge - paid
            self.paid_cents += paid
        elif sid == "SVC":
            self._close_svc()
            charge, paid = self.amount(seg, 2), self.amount(seg, 3)
            self.amount(seg, 5)
            self.svc = seg
            self.svc_open = charge - paid
        elif sid == "DTM":
            self.date(seg, 2)
        elif sid == "AMT":
            self.amount(seg, 2)
        elif sid == "CAS":
            self._cas(seg)
        elif sid == "LX" or sid == "PLB":
            self._close_svc()
            self._close_clp()
            if sid == "PLB":
                for start in range(4, 16, 2):
                    self.plb_cents += self.amount(seg, start)

    def _cas(self, seg: Segment) -> None:
        from medbill.refdata import carc

        if seg.get(1) not in carc.GROUP_CODES:
            self.problem(seg, f"CAS01 {seg.get(1)!r} is not a group code ({', '.join(carc.GROUP_CODES)})")
        for start in range(2, 20, 3):
            reason = seg.get(start)
            if not reason:
                continue
            if not carc.is_valid(reason):
                self.problem(seg, f"adjustment reason {reason!r} is not a known CARC")
            elif self.paid_on is not None and not carc.is_active(reason, self.paid_on):
                stop = carc.stop_date(reason)
                self.problem(
                    seg,
                    f"adjustment reason {reason} was deactivated by X12 after {stop} and this 835 is dated "
                    f"{self.paid_on}: acceptable only when reporting an earlier adjudication",
                    "warning",
                )
            cents = self.amount(seg, start + 1)
            if seg.get(start + 2):
                self.amount(seg, start + 2)
            self.clp_open -= cents
            if self.svc is not None:
                self.svc_open -= cents

    def _close_svc(self) -> None:
        if self.svc is not None and self.svc_open != 0:
            self.problem(
                self.svc,
                f"service line does not balance: charge - paid - adjustments = {self.svc_open / 100:.2f}",
            )
        self.svc = None

    def _close_clp(self) -> None:
        if self.clp is not None and self.clp_open != 0:
            self.problem(
                self.clp,
                f"claim {self.clp.get(1)} does not balance: charge - paid - adjustments = {self.clp_open / 100:.2f}",
            )
        self.clp = None

    def _close_835(self, seg: Segment) -> None:
        if self.kind != "835":
            return
        self._close_svc()
        self._close_clp()
        expected = self.paid_cents - self.plb_cents
        if self.bpr is not None and self.bpr_cents != expected:
            self.problem(
                self.bpr,
                f"BPR02 {self.bpr_cents / 100:.2f} is not the claim payments minus PLB ({expected / 100:.2f})",
            )


def validate(source: Source) -> list[Problem]:
    """Every problem medbill finds in an 837P or 835 (empty when clean), in segment order.

    Whatever ``read_837p`` / ``read_835`` would refuse is among the problems: after its own checks,
    ``validate`` runs the reader and reports its error when no problem names that segment already.
    """
    if hasattr(source, "read"):
        source = source.read()  # type: ignore[union-attr]  # read twice: the checks, then the reader
    envelope = EnvelopeChecker()
    content = _Content()
    problems: list[Problem] = []
    kinds: set[str] = set()
    try:
        for seg in iter_segments(source):
            problems.extend(envelope.feed(seg))
            content.feed(seg)
            if seg.id == "ST":
                kinds.add(seg.get(1))
    except X12Error as exc:  # the text cannot be split further: report where and stop
        problems.append(_from_error(exc))
        return sorted(problems + content.problems, key=lambda p: p.segment_number)
    problems.extend(envelope.finish())
    problems += content.problems
    reported = {p.segment_number for p in problems}
    for kind in kinds & {"835", "837"} if len(kinds) == 1 else ():
        error = _reader_error(kind, source)
        if error is not None and error.segment_number not in reported:
            problems.append(error)
    return sorted(problems, key=lambda p: p.segment_number)


def _from_error(exc: X12Error) -> Problem:
    return Problem(exc.segment_number or 0, exc.position or 0, "", str(exc).split(" (at ")[0])


def _reader_error(kind: str, source: Source) -> Problem | None:
    """The reader's refusal of ``source`` as a Problem, or None when it reads."""
    from medbill.claims.x12.reader_835 import iter_835
    from medbill.claims.x12.reader_837p import iter_837p

    try:
        for _ in (iter_837p if kind == "837" else iter_835)(source):
            pass
    except X12Error as exc:
        return _from_error(exc)
    return None
