"""``medbill x12 validate``: medbill's own structural and code checks of an 837P or 835.

Collects every problem instead of stopping at the first (except when the text cannot be split into
segments at all). Beyond the envelope (:mod:`medbill.claims.x12.envelope`) it checks what pyx12
lets through:

- 837P: NPI check digits (NM108 = XX), billing provider ZIP+4, ICD-10-CM diagnosis format, HI
  pointers of SV107, CLM02 = sum of SV102, HL parents, CCYYMMDD dates;
- 835: CAS group codes and CARC codes known to medbill, and balancing of every service line, claim
  and transaction (the same rules as :meth:`Remittance.balance`).
"""

from __future__ import annotations

from datetime import date

from medbill.claims.x12.envelope import EnvelopeChecker, Problem
from medbill.claims.x12.tokenizer import Segment, Source, iter_segments
from medbill.exceptions import CodeError, X12Error


def _valid_date(text: str) -> bool:
    try:
        date(int(text[:4]), int(text[4:6]), int(text[6:8]))
    except ValueError:
        return False
    return len(text) == 8


def _cents(text: str) -> int | None:
    try:
        return round(float(text or "0") * 100)
    except ValueError:
        return None


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
        self.paid_cents = 0
        self.plb_cents = 0
        self.clp: Segment | None = None
        self.clp_open = 0  # charge - paid - adjustments, claim level
        self.svc: Segment | None = None
        self.svc_open = 0

    def problem(self, seg: Segment, reason: str) -> None:
        self.problems.append(Problem(seg.number, seg.position, seg.id, reason))

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
            self.clm_total = _cents(seg.get(2)) or 0
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
            cents = _cents(seg.get(2))
            if cents is None:
                self.problem(seg, f"SV102 {seg.get(2)!r} is not an amount")
            else:
                self.line_total += cents
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
            value, form = (seg.get(3), seg.get(2)) if sid == "DTP" else (seg.get(2), seg.get(1))
            parts = value.split("-") if form == "RD8" else [value]
            if form in ("D8", "RD8") and not all(_valid_date(p) for p in parts):
                self.problem(seg, f"{value!r} is not a valid CCYYMMDD date")

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
            cents = _cents(seg.get(2))
            self.bpr_cents = -(cents or 0) if seg.get(3) == "D" else (cents or 0)
        elif sid == "CLP":
            self._close_svc()
            self._close_clp()
            self.clp = seg
            charge, paid = _cents(seg.get(3)), _cents(seg.get(4))
            if charge is None or paid is None:
                self.problem(seg, "CLP03/CLP04 must be amounts")
                charge, paid = charge or 0, paid or 0
            self.clp_open = charge - paid
            self.paid_cents += paid
        elif sid == "SVC":
            self._close_svc()
            charge, paid = _cents(seg.get(2)), _cents(seg.get(3))
            self.svc = seg
            self.svc_open = (charge or 0) - (paid or 0)
        elif sid == "CAS":
            self._cas(seg)
        elif sid == "LX" or sid == "PLB":
            self._close_svc()
            self._close_clp()
            if sid == "PLB":
                for start in range(4, 16, 2):
                    self.plb_cents += _cents(seg.get(start)) or 0

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
            cents = _cents(seg.get(start + 1)) or 0
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
    """Every problem medbill finds in an 837P or 835 (empty when clean), in segment order."""
    envelope = EnvelopeChecker()
    content = _Content()
    problems: list[Problem] = []
    try:
        for seg in iter_segments(source):
            problems.extend(envelope.feed(seg))
            content.feed(seg)
    except X12Error as exc:  # the text cannot be split further: report where and stop
        problems.append(Problem(exc.segment_number or 0, exc.position or 0, "", str(exc).split(" (at ")[0]))
        return sorted(problems + content.problems, key=lambda p: p.segment_number)
    problems.extend(envelope.finish())
    return sorted(problems + content.problems, key=lambda p: p.segment_number)
