"""X12 837P (005010X222A1) reader: interchange text -> :class:`~medbill.claims.models.Claim` objects.

Follows the loops (2000A-2010AC billing provider, 2000B-2010BB subscriber, 2000C-2010CA patient, 2300
claim, 2310A-F claim providers, 2320-2330G prior payers, 2400 line, 2410 drug, 2420A-H line providers,
2430 line adjudication, 2440 forms). What the models carry is read into them; every other segment is
kept verbatim on the claim or line with its loop (:class:`~medbill.claims.models.KeptSegment`). Each
claim is then written back in memory and compared with what was read
(:mod:`medbill.claims.x12.fidelity`): whatever would not go back out is listed in
``Claim.not_carried``, and ``write_837p`` refuses that claim. Envelope counts, segment ids and the
implementation guide are checked on the way (:mod:`medbill.claims.x12.envelope`); a claim the models
refuse raises X12Error at its segment.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from medbill.claims.models import (
    DX_LETTERS,
    Address,
    Claim,
    KeptSegment,
    Patient,
    Payer,
    Provider,
    ServiceFacility,
    ServiceLine,
    Subscriber,
    lenient_check_digits,
)
from medbill.claims.x12 import values
from medbill.claims.x12.envelope import checked_segments
from medbill.claims.x12.fidelity import canonical, lost_segments
from medbill.claims.x12.tokenizer import Segment, Source
from medbill.exceptions import CodeError, X12Error

_DX_QUALIFIERS = {"ABK": "ICD10", "ABF": "ICD10", "BK": "ICD9", "BF": "ICD9"}


def _date(seg: Segment, text: str, index: int) -> date:
    return values.ccyymmdd(seg, index, text)


def _amount(seg: Segment, index: int) -> str:
    """Element ``index`` checked as an X12 R-type amount (the models then read it as a Decimal)."""
    text = seg.get(index)
    if text and not values.is_amount(text):
        raise X12Error(
            f"{seg.id}{index:02d} {values.amount_problem(text)}",
            segment_number=seg.number,
            position=values.element_position(seg, index),
        )
    return text


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
        middle_name=entity.get("middle", ""),
        taxonomy=entity.get("taxonomy", ""),
        tax_id=entity.get("tax_id", ""),
        tax_id_type=entity.get("tax_id_type", "EI"),
        address=entity.get("address"),
    )


# NM1 entity code -> loop, by the level the reader is at; an NM1 that is not here stays in its loop.
_NM1_LOOPS = {
    "billing": {"85": "2010AA", "87": "2010AB", "PE": "2010AC"},
    "subscriber": {"IL": "2010BA", "PR": "2010BB"},
    "patient": {"QC": "2010CA"},
    "claim": {"DN": "2310A", "P3": "2310A", "82": "2310B", "77": "2310C", "DQ": "2310D", "PW": "2310E", "45": "2310F"},
    "cob": {"IL": "2330A", "PR": "2330B", "DN": "2330C", "P3": "2330C", "82": "2330D", "77": "2330E", "DQ": "2330F", "85": "2330G"},
    "line": {"82": "2420A", "QB": "2420B", "77": "2420C", "DQ": "2420D", "DK": "2420E", "DN": "2420F", "P3": "2420F", "PW": "2420G", "45": "2420H"},
}  # fmt: skip
_ADDRESS_LOOPS = frozenset({"2010AA", "2010AB", "2010BA", "2010BB", "2010CA", "2310C"})
_MODELLED_NM1 = {"2010AA": "85", "2010AB": "87", "2010BA": "IL", "2010BB": "PR", "2010CA": "QC",
                 "2310A": "DN", "2310B": "82", "2310C": "77", "2420A": "82"}  # fmt: skip
_HEADER = frozenset({"ISA", "GS", "ST", "BHT", "SE", "GE", "IEA", "TA1"})


class _Reader:
    """Reads loop by loop; a segment no handler models is kept verbatim (``KeptSegment``) in its loop."""

    def __init__(self) -> None:
        self.component, self.repetition = ":", "^"
        self.level = ""  # "", billing, subscriber, patient, claim, cob, line
        self.loop = ""
        self.entities: dict[str, _Entity] = {}  # loop -> the NM1 entity read there
        self.sbr: dict[str, str] = {}
        self.relationship = ""
        self.claim: dict[str, Any] | None = None
        self.line: dict[str, Any] | None = None
        # the segments read, and those kept verbatim, at the current billing provider, subscriber, patient
        self.raw: dict[str, list[Segment]] = {"billing": [], "subscriber": [], "patient": []}
        self.kept: dict[str, list[KeptSegment]] = {"billing": [], "subscriber": [], "patient": []}
        self.unkeepable: list[str] = []  # segments that could not be kept, since the billing HL

    def run(self, source: Source) -> Iterator[Claim]:
        with lenient_check_digits():
            yield from self._run(source)

    def _run(self, source: Source) -> Iterator[Claim]:
        for seg in checked_segments(source, ("837",)):
            sid = seg.id
            if sid in ("SE", "HL", "CLM") and self.claim is not None:
                yield self._finish_claim()
            if sid in _HEADER:
                getattr(self, f"_{sid}", _ignore)(seg)
                continue
            if sid == "HL":
                self._HL(seg)
                continue
            if not self.level:  # 1000A/1000B submitter and receiver: the writer's arguments
                continue
            self._enter(seg)
            handler = getattr(self, f"_{sid}", None)
            if handler is None or not handler(seg):
                self._keep(seg)
            self._raw().append(seg)

    def _raw(self) -> list[Segment]:
        if self.claim is not None:
            return self.claim["raw"]
        return self.raw[self.level]

    def _keep(self, seg: Segment) -> None:
        text = canonical(seg, self.component, self.repetition)
        if text is None:
            self.unkeepable.append(
                f"segment {seg.number} ({seg.id}) holds a character medbill uses as a separator"
            )
            return
        kept = self._build(seg, KeptSegment, self.loop, text)
        if self.line is not None:
            self.line["kept"].append(kept)
        elif self.claim is not None:
            self.claim["kept"].append(kept)
        else:
            self.kept[self.level].append(kept)

    def _enter(self, seg: Segment) -> None:
        """Follow the loop structure: the segments that open a loop."""
        sid = seg.id
        if sid == "NM1":
            self.loop = _NM1_LOOPS.get(self.level, {}).get(seg.get(1), self.loop)
        elif sid == "CLM":
            self.level, self.loop = "claim", "2300"
        elif sid == "SBR" and self.level in ("claim", "cob"):
            self.level, self.loop = "cob", "2320"
        elif sid == "LX":
            self.level, self.loop = "line", "2400"
        elif sid == "LIN" and self.level == "line":
            self.loop = "2410"
        elif sid == "SVD" and self.level == "line":
            self.loop = "2430"
        elif sid == "LQ" and self.level == "line":
            self.loop = "2440"

    # envelope
    def _ISA(self, seg: Segment) -> None:
        self.component = seg.get(16)[:1] or ":"
        repetition = seg.get(11)
        self.repetition = repetition if repetition and repetition != "U" else "^"
        self.level = ""

    def _ST(self, seg: Segment) -> None:
        self.level = ""  # the envelope checker has verified the guide (ST03/GS08)

    def _HL(self, seg: Segment) -> None:
        level = seg.get(3)
        if level == "20":
            self.level, self.loop = "billing", "2000A"
            self.entities, self.unkeepable = {}, []
            self.raw = {"billing": [], "subscriber": [], "patient": []}
            self.kept = {"billing": [], "subscriber": [], "patient": []}
        elif level == "22":
            self.level, self.loop = "subscriber", "2000B"
            for loop in ("2010BA", "2010BB", "2010CA"):
                self.entities.pop(loop, None)
            self.sbr, self.relationship = {}, ""
            self.raw.update(subscriber=[], patient=[])
            self.kept.update(subscriber=[], patient=[])
        elif level == "23":
            self.level, self.loop = "patient", "2000C"
            self.entities.pop("2010CA", None)
            self.raw["patient"], self.kept["patient"] = [], []
        else:
            raise X12Error(
                f"HL03 {level!r} is not an 837P hierarchy level (20, 22, 23)",
                segment_number=seg.number,
                position=seg.position,
            )

    # modelled segments: each returns True when it consumed the segment
    def _SBR(self, seg: Segment) -> bool:
        if self.loop != "2000B":
            return False
        self.sbr = {
            "responsibility": seg.get(1),
            "relationship": seg.get(2),
            "group": seg.get(3),
            "group_name": seg.get(4),
            "insurance_type": seg.get(5),
            "filing": seg.get(9),
        }
        return True

    def _PAT(self, seg: Segment) -> bool:
        if self.loop != "2000C":
            return False
        self.relationship = seg.get(1)
        return True

    def _NM1(self, seg: Segment) -> bool:
        if _MODELLED_NM1.get(self.loop) != seg.get(1) or self.loop in self._entity_loops():
            return False
        entity = _Entity(kind=seg.get(2), last=seg.get(3), first=seg.get(4), middle=seg.get(5), segs=[seg])
        entity["npi" if seg.get(8) == "XX" else "ident"] = seg.get(9)
        entity["qualifier"] = seg.get(8)
        self._entity_loops()[self.loop] = entity
        return True

    def _entity_loops(self) -> dict[str, _Entity]:
        """The modelled entities read so far where the current loop belongs (billing provider to
        patient, the claim, or the line); a second NM1 of a loop is kept verbatim."""
        if self.line is not None:
            return self.line["entities"]
        if self.claim is not None:
            return self.claim["entities"]
        return self.entities

    def _current(self) -> _Entity | None:
        return self._entity_loops().get(self.loop)

    def _N3(self, seg: Segment) -> bool:
        entity = self._current()
        if self.loop not in _ADDRESS_LOOPS or entity is None or "n3" in entity or "address" in entity:
            return False
        entity["n3"] = (seg.get(1), seg.get(2))
        entity["segs"].append(seg)
        return True

    def _N4(self, seg: Segment) -> bool:
        entity = self._current()
        if entity is None or "n3" not in entity or len(seg.elements) > 4:
            return False
        line1, line2 = entity.pop("n3")
        if self.loop == "2010AB":  # a pay-to address medbill cannot model is kept as sent, not refused
            try:
                entity["address"] = Address(line1, seg.get(1), seg.get(2), seg.get(3), line2)
            except CodeError:
                del self._entity_loops()[self.loop]
                for earlier in entity["segs"]:
                    self._keep(earlier)
                return False
            return True
        entity["address"] = self._build(seg, Address, line1, seg.get(1), seg.get(2), seg.get(3), line2)
        return True

    def _DMG(self, seg: Segment) -> bool:
        entity = self._current()
        if self.loop not in ("2010BA", "2010CA") or entity is None or seg.get(1) != "D8":
            return False
        entity["birth_date"] = _date(seg, seg.get(2), 2)
        entity["sex"] = seg.get(3)
        return True

    def _PRV(self, seg: Segment) -> bool:
        if self.loop == "2000A" and seg.get(1) == "BI" and "2000A" not in self.entities:
            self.entities.setdefault("2000A", _Entity())["taxonomy"] = seg.get(3)
            return True
        entity = self._current()
        if self.loop in ("2310B", "2420A") and seg.get(1) == "PE" and entity is not None:
            entity["taxonomy"] = seg.get(3)
            return True
        return False

    def _REF(self, seg: Segment) -> bool:
        qualifier, value = seg.get(1), seg.get(2)
        if (
            self.loop == "2010AA"
            and qualifier in ("EI", "SY")
            and "tax_id" not in self.entities.get("2010AA", {})
        ):
            self.entities["2010AA"].update(tax_id=value, tax_id_type=qualifier)
            return True
        if self.loop == "2400" and qualifier == "6R" and "control" not in self.line:  # type: ignore[operator]
            self.line["control"] = value  # type: ignore[index]
            return True
        if self.loop == "2300" and qualifier in ("G1", "F8") and qualifier not in self.claim:  # type: ignore[operator]
            self.claim[qualifier] = value  # type: ignore[index]
            return True
        return False

    def _CLM(self, seg: Segment) -> bool:
        pos, _, frequency = [*seg.get(5).split(self.component), "", "", ""][:3]
        related = seg.get(11).split(self.component) if seg.get(11) else []
        self.claim = {
            "seg": seg,
            "claim_id": seg.get(1),
            "charge": _amount(seg, 2),
            "place_of_service": pos,
            "frequency": frequency or "1",
            "provider_signature": seg.get(6) != "N",
            "assignment": seg.get(7) or "A",
            "benefits_assigned": seg.get(8) == "Y",
            "release_of_information": seg.get(9) or "Y",
            "signature_source": seg.get(10),
            "accident_code": related[0] if related else "",
            "accident_state": related[3] if len(related) > 3 else "",
            "diagnoses": [],
            "lines": [],
            "kept": [],
            "raw": [],
            "entities": {},
            "unkeepable": [],
        }
        self.line = None
        return True

    def _DTP(self, seg: Segment) -> bool:
        qualifier, form, value = seg.get(1), seg.get(2), seg.get(3)
        if self.loop == "2400" and qualifier == "472" and "from" not in self.line:  # type: ignore[operator]
            start, _, end = value.partition("-")
            self.line["from"] = _date(seg, start, 3)  # type: ignore[index]
            self.line["to"] = _date(seg, end, 3) if form == "RD8" and end else None  # type: ignore[index]
            return True
        if (
            self.loop == "2300"
            and form == "D8"
            and qualifier in ("431", "439")
            and qualifier not in self.claim
        ):  # type: ignore[operator]
            self.claim[qualifier] = _date(seg, value, 3)  # type: ignore[index]
            return True
        return False

    def _HI(self, seg: Segment) -> bool:
        if self.loop != "2300" or self.claim["diagnoses"]:  # type: ignore[index]
            return False
        codes = [element.split(self.component) for element in seg.elements[1:]]
        if not codes or any(len(c) != 2 or c[0] not in _DX_QUALIFIERS for c in codes):
            return False  # not a diagnosis HI (or one carrying dates/amounts medbill does not model)
        self.claim["diagnoses"] = [code for _, code in codes]  # type: ignore[index]
        self.claim["dx_code_set"] = _DX_QUALIFIERS[codes[0][0]]  # type: ignore[index]
        return True

    def _LX(self, seg: Segment) -> bool:
        if self.claim is None:
            raise X12Error("LX before any CLM", segment_number=seg.number, position=seg.position)
        self.line = {"seg": seg, "kept": [], "entities": {}, "position": len(self.claim["lines"]) + 1}
        self.claim["lines"].append(self.line)
        return True

    def _SV1(self, seg: Segment) -> bool:
        if self.loop != "2400" or "procedure" in self.line:  # type: ignore[operator]
            return False
        procedure = seg.get(1).split(self.component)
        pointers = [p for p in seg.get(7).split(self.component) if p]
        letters = ""
        for pointer in pointers:
            if not pointer.isdigit() or not 1 <= int(pointer) <= 12:
                raise X12Error(
                    f"SV107 pointer {pointer!r} is not 1-12", segment_number=seg.number, position=seg.position
                )
            letters += DX_LETTERS[int(pointer) - 1]
        self.line.update(  # type: ignore[union-attr]
            procedure=procedure[1] if len(procedure) > 1 else "",
            modifiers=tuple(m for m in procedure[2:6] if m),
            description=procedure[6] if len(procedure) > 6 else "",
            charge=_amount(seg, 2),
            unit_code=seg.get(3) or "UN",
            units=_amount(seg, 4) or "1",
            pos=seg.get(5),
            pointers=letters,
            emergency=seg.get(9) == "Y",
        )
        return True

    def _LIN(self, seg: Segment) -> bool:
        if seg.get(2) != "N4" or "ndc" in self.line:  # type: ignore[operator]
            return False
        self.line["ndc"] = seg.get(3)  # type: ignore[index]
        return True

    def _CTP(self, seg: Segment) -> bool:
        if self.loop != "2410" or "ndc_quantity" in self.line:  # type: ignore[operator]
            return False
        self.line["ndc_quantity"] = _amount(seg, 4)  # type: ignore[index]
        self.line["ndc_unit"] = seg.get(5).split(self.component)[0]  # type: ignore[index]
        return True

    def _build(self, seg: Segment, factory: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return factory(*args, **kwargs)
        except CodeError as exc:
            raise X12Error(f"{seg.id}: {exc}", segment_number=seg.number, position=seg.position) from None

    def _finish_claim(self) -> Claim:
        claim, self.claim, self.line = self.claim, None, None
        assert claim is not None
        seg: Segment = claim["seg"]
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
        reasons = self._not_carried(built, claim)
        return dataclasses.replace(built, not_carried=reasons) if reasons else built

    def _not_carried(self, built: Claim, claim: dict[str, Any]) -> tuple[str, ...]:
        """What of the claim as read the writer would not send back (see ``fidelity``)."""
        from medbill.claims.x12.writer_837p import claim_segments

        read = [*self.raw["billing"], *self.raw["subscriber"], *self.raw["patient"], *claim["raw"]]
        texts = [text for seg in read if (text := canonical(seg, self.component, self.repetition))]
        lost = lost_segments(texts, claim_segments(built))
        return (*self.unkeepable, *claim["unkeepable"], *(f"{text} is not carried" for text in lost))

    def _make_claim(self, claim: dict[str, Any]) -> Claim:
        entities = self.entities
        payer_entity = entities.get("2010BB", _Entity())
        payer = Payer(
            payer_id=payer_entity.get("ident"),
            name=payer_entity.get("last"),
            claim_filing_indicator=self.sbr.get("filing") or "CI",
            address=payer_entity.get("address"),
            id_qualifier=payer_entity.get("qualifier") or "PI",
        )
        subscriber_entity = entities.get("2010BA", _Entity())
        patient_entity = entities.get("2010CA")
        holder = _person(subscriber_entity) if self.relationship else None
        subscriber = Subscriber(
            member_id=subscriber_entity.get("ident"),
            payer=payer,
            relationship=self.relationship or "18",
            group_number=self.sbr.get("group", ""),
            group_name=self.sbr.get("group_name", ""),
            insurance_type=self.sbr.get("insurance_type", ""),
            person=holder,
            payer_responsibility=self.sbr.get("responsibility") or "P",
        )
        patient = _person(patient_entity if self.relationship and patient_entity else subscriber_entity)
        billing = _Entity(entities.get("2010AA", {}), taxonomy=entities.get("2000A", {}).get("taxonomy", ""))
        pay_to = entities.get("2010AB")
        providers = claim["entities"]
        facility = providers.get("2310C")
        lines = [self._make_line(line) for line in claim["lines"]]
        return Claim(
            claim_id=claim["claim_id"],
            patient=patient,
            subscriber=subscriber,
            billing_provider=_provider(billing),
            rendering_provider=_provider(providers["2310B"]) if "2310B" in providers else None,
            referring_provider=_provider(providers["2310A"]) if "2310A" in providers else None,
            service_facility=ServiceFacility(
                facility.get("last"), facility.get("address"), facility.get("npi", "")
            )
            if facility
            else None,
            place_of_service=claim["place_of_service"],
            diagnoses=tuple(claim["diagnoses"]),
            lines=tuple(lines),
            frequency=claim["frequency"],
            original_claim_ref=claim.get("F8", ""),
            prior_authorization=claim.get("G1", ""),
            onset_date=claim.get("431"),
            accident_code=claim["accident_code"],
            accident_state=claim["accident_state"],
            accident_date=claim.get("439"),
            provider_signature=claim["provider_signature"],
            assignment=claim["assignment"],
            benefits_assigned=claim["benefits_assigned"],
            release_of_information=claim["release_of_information"],
            dx_code_set=claim.get("dx_code_set", "ICD10"),
            patient_signature_source=claim["signature_source"],
            pay_to_address=pay_to.get("address") if pay_to else None,
            kept=(*self.kept["billing"], *self.kept["subscriber"], *self.kept["patient"], *claim["kept"]),
        )

    def _make_line(self, line: dict[str, Any]) -> ServiceLine:
        rendering = line["entities"].get("2420A")
        control = line.get("control", "")
        return self._build(
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
            description=line.get("description", ""),
            ndc_quantity=line.get("ndc_quantity"),
            ndc_unit=line.get("ndc_unit", ""),
            emergency=line.get("emergency", False),
            # REF*6R equal to the line's position is what the writer sends by default
            control_number="" if control == str(line["position"]) else control,
            rendering_provider=_provider(rendering) if rendering else None,
            kept=tuple(line["kept"]),
        )


def _ignore(seg: Segment) -> None:
    """Envelope segments the reader does not need (the checker has verified them)."""


def iter_837p(source: Source) -> Iterator[Claim]:
    """Stream the claims of an 837P (text, bytes, path or file object)."""
    return _Reader().run(source)


def read_837p(source: Source) -> list[Claim]:
    """Every claim of an 837P, in file order. Raises X12Error with segment number and byte offset."""
    return list(iter_837p(source))
