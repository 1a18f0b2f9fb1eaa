"""X12 837P (005010X222A1) reader: interchange text -> :class:`~medbill.claims.models.Claim` objects.

Reads what the models carry (loops 2000A-2000C, 2300, 2310A-C, 2400, 2410, 2420A) and skips loops
the models do not hold (pay-to, other payers of COB loops 2320-2330, line adjudication 2430,
ambulance and DME detail). Envelope counts and segment ids are checked on the way
(:mod:`medbill.claims.x12.envelope`); a claim the models refuse raises X12Error at its CLM segment.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from medbill.claims.models import (
    DX_LETTERS,
    Address,
    Claim,
    Patient,
    Payer,
    Provider,
    ServiceFacility,
    ServiceLine,
    Subscriber,
    lenient_check_digits,
)
from medbill.claims.x12.envelope import checked_segments
from medbill.claims.x12.tokenizer import Segment, Source
from medbill.exceptions import CodeError, X12Error

_DX_QUALIFIERS = {"ABK": "ICD10", "ABF": "ICD10", "BK": "ICD9", "BF": "ICD9"}


def _date(seg: Segment, text: str) -> date:
    try:
        return date(int(text[:4]), int(text[4:6]), int(text[6:8]))
    except ValueError:
        raise X12Error(
            f"{seg.id}: {text!r} is not a CCYYMMDD date", segment_number=seg.number, position=seg.position
        ) from None


class _Entity(dict):
    """Fields of one NM1 loop collected until the claim is complete."""


def _person(entity: _Entity) -> Patient:
    return Patient(
        last_name=entity.get("last"),
        first_name=entity.get("first", ""),
        middle_name=entity.get("middle", ""),
        birth_date=entity.get("birth_date"),
        sex=entity.get("sex") or "U",
        address=entity.get("address"),
    )


def _provider(entity: _Entity) -> Provider:
    return Provider(
        npi=entity.get("npi", ""),
        last_name=entity.get("last"),
        entity_type=entity.get("kind", "2"),
        first_name=entity.get("first", ""),
        taxonomy=entity.get("taxonomy", ""),
        tax_id=entity.get("tax_id", ""),
        tax_id_type=entity.get("tax_id_type", "EI"),
        address=entity.get("address"),
    )


class _Reader:
    def __init__(self) -> None:
        self.component = ":"
        self.billing: _Entity = _Entity()
        self.subscriber: _Entity = _Entity()
        self.payer: _Entity = _Entity()
        self.patient: _Entity | None = None
        self.sbr: dict[str, str] = {}
        self.claim: dict[str, Any] | None = None
        self.line: dict[str, Any] | None = None
        self.current: _Entity | None = None  # the NM1 loop that N3/N4/REF/PRV/DMG attach to
        self.skipping = False  # inside loops the models do not hold (COB 2320/2330, 2430)

    def run(self, source: Source) -> Iterator[Claim]:
        with lenient_check_digits():
            yield from self._run(source)

    def _run(self, source: Source) -> Iterator[Claim]:
        for seg in checked_segments(source, ("837",)):
            handler = getattr(self, f"_{seg.id}", None)
            if seg.id in ("SE", "HL", "CLM") and self.claim is not None:
                yield self._finish_claim()
            if handler is not None:
                handler(seg)

    # envelope
    def _ISA(self, seg: Segment) -> None:
        self.component = seg.get(16)[:1] or ":"

    def _ST(self, seg: Segment) -> None:
        if seg.get(3) and not seg.get(3).startswith("005010X222"):
            raise X12Error(
                f"ST03 {seg.get(3)!r} is not an 837P (005010X222A1); institutional and dental claims are not read",
                segment_number=seg.number,
                position=seg.position,
            )
        self.current = None

    def _HL(self, seg: Segment) -> None:
        level = seg.get(3)
        self.current, self.skipping = None, False
        if level == "20":
            self.billing = _Entity(hl=seg)
            self.current = self.billing
        elif level == "22":
            self.subscriber, self.payer, self.patient, self.sbr = _Entity(), _Entity(), None, {}
        elif level == "23":
            self.patient = _Entity()
        else:
            raise X12Error(
                f"HL03 {level!r} is not an 837P hierarchy level (20, 22, 23)",
                segment_number=seg.number,
                position=seg.position,
            )

    def _SBR(self, seg: Segment) -> None:
        if self.claim is not None:  # 2320: another payer of a COB claim
            self.skipping = True
            return
        self.sbr = {
            "responsibility": seg.get(1),
            "self": seg.get(2),
            "group": seg.get(3),
            "filing": seg.get(9),
        }

    def _PAT(self, seg: Segment) -> None:
        if self.patient is not None:
            self.patient["relationship"] = seg.get(1)

    def _NM1(self, seg: Segment) -> None:
        if self.skipping:
            return
        code = seg.get(1)
        entity = _Entity(kind=seg.get(2), last=seg.get(3), first=seg.get(4), middle=seg.get(5))
        ident = seg.get(9)
        if seg.get(8) == "XX":
            entity["npi"] = ident
        target: _Entity | None = None
        if code == "85":
            self.billing.update(entity)
            target = self.billing
        elif code == "IL":
            self.subscriber.update(entity, member_id=ident)
            target = self.subscriber
        elif code == "PR":
            self.payer.update(entity, payer_id=ident)
            target = self.payer
        elif code == "QC" and self.patient is not None:
            self.patient.update(entity)
            target = self.patient
        elif self.claim is not None and code in ("DN", "82", "77"):
            if self.line is not None:
                if code == "82":
                    self.line["rendering"] = target = entity
            else:
                self.claim[code] = target = entity
        self.current = target

    def _N3(self, seg: Segment) -> None:
        if self.current is not None and not self.skipping:
            self.current["n3"] = (seg.get(1), seg.get(2))

    def _N4(self, seg: Segment) -> None:
        if self.current is not None and not self.skipping and "n3" in self.current:
            line1, line2 = self.current.pop("n3")
            self.current["address"] = self._build(
                seg, Address, line1, seg.get(1), seg.get(2), seg.get(3), line2
            )

    def _DMG(self, seg: Segment) -> None:
        if self.current is not None and not self.skipping and seg.get(1) == "D8":
            self.current["birth_date"] = _date(seg, seg.get(2))
            self.current["sex"] = seg.get(3)

    def _PRV(self, seg: Segment) -> None:
        if seg.get(1) == "BI":
            self.billing["taxonomy"] = seg.get(3)
        elif seg.get(1) == "PE" and self.current is not None:
            self.current["taxonomy"] = seg.get(3)

    def _REF(self, seg: Segment) -> None:
        if self.skipping:
            return
        qualifier, value = seg.get(1), seg.get(2)
        if self.current is self.billing and qualifier in ("EI", "SY") and self.claim is None:
            self.billing.update(tax_id=value, tax_id_type=qualifier)
        elif self.line is not None:
            if qualifier == "6R":
                self.line["control"] = value
        elif self.claim is not None:
            if qualifier == "G1":
                self.claim["prior_authorization"] = value
            elif qualifier == "F8":
                self.claim["original_claim_ref"] = value

    def _CLM(self, seg: Segment) -> None:
        pos, _, frequency = [*seg.get(5).split(self.component), "", "", ""][:3]
        related = seg.get(11).split(self.component) if seg.get(11) else []
        self.claim = {
            "seg": seg,
            "claim_id": seg.get(1),
            "charge": seg.get(2),
            "place_of_service": pos,
            "frequency": frequency or "1",
            "provider_signature": seg.get(6) != "N",
            "assignment": seg.get(7) or "A",
            "benefits_assigned": seg.get(8) == "Y",
            "release_of_information": seg.get(9) or "Y",
            "accident_code": related[0] if related else "",
            "accident_state": related[3] if len(related) > 3 else "",
            "diagnoses": [],
            "lines": [],
        }
        self.current, self.line, self.skipping = None, None, False

    def _DTP(self, seg: Segment) -> None:
        if self.claim is None or self.skipping:
            return
        qualifier, form, value = seg.get(1), seg.get(2), seg.get(3)
        if self.line is not None:
            if qualifier == "472":
                start, _, end = value.partition("-")
                self.line["from"] = _date(seg, start)
                self.line["to"] = _date(seg, end) if form == "RD8" and end else None
        elif qualifier == "431":
            self.claim["onset_date"] = _date(seg, value)
        elif qualifier == "439":
            self.claim["accident_date"] = _date(seg, value)

    def _HI(self, seg: Segment) -> None:
        if self.claim is None:
            return
        for element in seg.elements[1:]:
            qualifier, _, code = element.partition(self.component)
            code = code.split(self.component)[0]
            if qualifier in _DX_QUALIFIERS:
                self.claim["diagnoses"].append(code)
                self.claim["dx_code_set"] = _DX_QUALIFIERS[qualifier]

    def _LX(self, seg: Segment) -> None:
        if self.claim is None:
            raise X12Error("LX before any CLM", segment_number=seg.number, position=seg.position)
        self.line = {"seg": seg}
        self.claim["lines"].append(self.line)
        self.current, self.skipping = None, False

    def _SV1(self, seg: Segment) -> None:
        if self.line is None:
            return
        procedure = seg.get(1).split(self.component)
        pointers = [p for p in seg.get(7).split(self.component) if p]
        letters = ""
        for pointer in pointers:
            if not pointer.isdigit() or not 1 <= int(pointer) <= 12:
                raise X12Error(
                    f"SV107 pointer {pointer!r} is not 1-12", segment_number=seg.number, position=seg.position
                )
            letters += DX_LETTERS[int(pointer) - 1]
        self.line.update(
            procedure=procedure[1] if len(procedure) > 1 else "",
            modifiers=tuple(m for m in procedure[2:6] if m),
            charge=seg.get(2),
            unit_code=seg.get(3) or "UN",
            units=seg.get(4) or "1",
            pos=seg.get(5),
            pointers=letters,
        )

    def _LIN(self, seg: Segment) -> None:
        if self.line is not None and seg.get(2) == "N4":
            self.line["ndc"] = seg.get(3)

    def _SVD(self, seg: Segment) -> None:
        self.skipping = True  # 2430 line adjudication from a prior payer

    def _build(self, seg: Segment, factory: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return factory(*args, **kwargs)
        except CodeError as exc:
            raise X12Error(f"{seg.id}: {exc}", segment_number=seg.number, position=seg.position) from None

    def _finish_claim(self) -> Claim:
        claim, self.claim, self.line = self.claim, None, None
        assert claim is not None
        seg: Segment = claim.pop("seg")
        built = self._build(seg, self._make_claim, claim)
        try:
            total = Decimal(claim["charge"] or "0").quantize(Decimal("0.01"))
        except InvalidOperation:
            total = None
        if total != built.charge:
            raise X12Error(
                f"CLM02 total {claim['charge']!r} is not the sum of the line charges ({built.charge})",
                segment_number=seg.number,
                position=seg.position,
            )
        return built

    def _make_claim(self, claim: dict[str, Any]) -> Claim:
        payer = Payer(
            payer_id=self.payer.get("payer_id"),
            name=self.payer.get("last"),
            claim_filing_indicator=self.sbr.get("filing") or "CI",
            address=self.payer.get("address"),
        )
        holder = _person(self.subscriber) if self.patient is not None else None
        subscriber = Subscriber(
            member_id=self.subscriber.get("member_id"),
            payer=payer,
            relationship=self.patient.get("relationship", "") if self.patient is not None else "18",
            group_number=self.sbr.get("group", ""),
            person=holder,
            payer_responsibility=self.sbr.get("responsibility") or "P",
        )
        patient = _person(self.patient if self.patient is not None else self.subscriber)
        facility = claim.get("77")
        lines = []
        for line in claim["lines"]:
            rendering = line.get("rendering")
            lines.append(
                self._build(
                    line["seg"],
                    ServiceLine,
                    procedure_code=line.get("procedure"),
                    charge=line.get("charge"),
                    service_date=line.get("from"),
                    service_date_to=line.get("to"),
                    units=line.get("units"),
                    unit_code=line.get("unit_code"),
                    modifiers=line.get("modifiers", ()),
                    dx_pointers=line.get("pointers") or "A",
                    place_of_service=line.get("pos", ""),
                    ndc=line.get("ndc", ""),
                    rendering_provider=_provider(rendering) if rendering else None,
                )
            )
        return Claim(
            claim_id=claim["claim_id"],
            patient=patient,
            subscriber=subscriber,
            billing_provider=_provider(self.billing),
            rendering_provider=_provider(claim["82"]) if "82" in claim else None,
            referring_provider=_provider(claim["DN"]) if "DN" in claim else None,
            service_facility=ServiceFacility(
                facility.get("last"), facility.get("address"), facility.get("npi", "")
            )
            if facility
            else None,
            place_of_service=claim["place_of_service"],
            diagnoses=tuple(claim["diagnoses"]),
            lines=tuple(lines),
            frequency=claim["frequency"],
            original_claim_ref=claim.get("original_claim_ref", ""),
            prior_authorization=claim.get("prior_authorization", ""),
            onset_date=claim.get("onset_date"),
            accident_code=claim["accident_code"],
            accident_state=claim["accident_state"],
            accident_date=claim.get("accident_date"),
            provider_signature=claim["provider_signature"],
            assignment=claim["assignment"],
            benefits_assigned=claim["benefits_assigned"],
            release_of_information=claim["release_of_information"],
            dx_code_set=claim.get("dx_code_set", "ICD10"),
        )


def iter_837p(source: Source) -> Iterator[Claim]:
    """Stream the claims of an 837P (text, bytes, path or file object)."""
    return _Reader().run(source)


def read_837p(source: Source) -> list[Claim]:
    """Every claim of an 837P, in file order. Raises X12Error with segment number and byte offset."""
    return list(iter_837p(source))
