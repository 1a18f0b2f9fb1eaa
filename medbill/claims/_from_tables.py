"""Conversion between the claims tables (``ClaimsData``) and the claim models."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pandas as pd

from medbill.claims.models import (
    Address,
    Claim,
    KeptSegment,
    Patient,
    Payer,
    Provider,
    ServiceFacility,
    ServiceLine,
    Subscriber,
)
from medbill.claims.tables import DX_COLUMNS, MODIFIER_COLUMNS, ClaimsData
from medbill.exceptions import CodeError, ImportFailed, UnknownCode


def _records(frame: pd.DataFrame | None, key: str) -> dict[str, dict[str, Any]]:
    if frame is None:
        return {}
    clean = frame.astype(object).where(frame.notna(), None)
    return {row[key]: row for row in clean.to_dict("records") if row[key] is not None}


def _address(row: dict[str, Any], prefix: str = "") -> Address | None:
    if not row.get(f"{prefix}address1"):
        return None
    return Address(
        row[f"{prefix}address1"],
        row.get(f"{prefix}city"),
        row.get(f"{prefix}state"),
        row.get(f"{prefix}zip"),
        row.get(f"{prefix}address2") or "",
    )


def _kept_from_json(text: Any, where: str) -> tuple[KeptSegment, ...]:
    """``x12_kept``: a JSON list of [loop, segment] pairs (see docs/tables.md)."""
    if not text:
        return ()
    try:
        pairs = json.loads(text)
        return tuple(KeptSegment(loop, segment) for loop, segment in pairs)
    except (ValueError, TypeError) as exc:
        raise ImportFailed(
            f"{where}: x12_kept {str(text)[:60]!r} is not a JSON list of [loop, segment] pairs ({exc})"
        ) from None


def _reasons_from_json(text: Any, where: str) -> tuple[str, ...]:
    """``x12_not_carried``: a JSON list of the reasons a claim read from X12 cannot be sent back."""
    if not text:
        return ()
    try:
        reasons = json.loads(text)
        if not isinstance(reasons, list) or not all(isinstance(r, str) for r in reasons):
            raise TypeError("not a list of text")
    except (ValueError, TypeError) as exc:
        raise ImportFailed(
            f"{where}: x12_not_carried {str(text)[:60]!r} is not a JSON list ({exc})"
        ) from None
    return tuple(reasons)


def _kept_to_json(kept: tuple[KeptSegment, ...]) -> str | None:
    return json.dumps([[k.loop, k.text] for k in kept]) if kept else None


class _Index:
    """The side tables of a ClaimsData keyed for lookups while building claims."""

    def __init__(self, data: ClaimsData) -> None:
        self.patients = _records(data.patients, "patient_id")
        self.providers = _records(data.providers, "npi")
        self.payers = _records(data.payers, "payer_id")
        lines = data.lines.sort_values(["claim_id", "line_number"], kind="stable")
        clean = lines.astype(object).where(lines.notna(), None)
        self.lines: dict[str, list[dict[str, Any]]] = {}
        for row in clean.to_dict("records"):
            self.lines.setdefault(row["claim_id"], []).append(row)

    def _get(self, table: dict[str, dict[str, Any]], name: str, key: Any, claim_id: str) -> dict[str, Any]:
        if key is None:
            raise ImportFailed(f"claim {claim_id}: no {name} key given")
        row = table.get(key)
        if row is None:
            raise UnknownCode(f"claim {claim_id}: {name} {key!r} is not in the {name}s table")
        return row

    def person(self, key: Any, claim_id: str, fallback: dict[str, Any] | None = None) -> Patient:
        row = self._get(self.patients, "patient", key, claim_id)
        fallback = fallback or {}
        return Patient(
            last_name=row.get("last_name"),
            first_name=row.get("first_name") or "",
            middle_name=row.get("middle_name") or "",
            birth_date=row.get("birth_date") or fallback.get("patient_birth_date"),
            sex=row.get("sex") or fallback.get("patient_sex"),
            address=_address(row),
            patient_id=key,
        )

    def provider(self, npi: Any, claim_id: str) -> Provider:
        row = self._get(self.providers, "provider", npi, claim_id)
        return Provider(
            npi=npi,
            last_name=row.get("last_name"),
            entity_type=row.get("entity_type") or ("1" if row.get("first_name") else "2"),
            first_name=row.get("first_name") or "",
            taxonomy=row.get("taxonomy") or "",
            tax_id=row.get("tax_id") or "",
            tax_id_type=row.get("tax_id_type") or "EI",
            address=_address(row),
            phone=row.get("phone") or "",
            specialty=row.get("specialty") or "",
            middle_name=row.get("middle_name") or "",
        )

    def payer(self, payer_id: Any, claim_id: str) -> Payer:
        row = self._get(self.payers, "payer", payer_id, claim_id)
        days = row.get("timely_filing_days")
        return Payer(
            payer_id=payer_id,
            name=row.get("name"),
            claim_filing_indicator=row.get("claim_filing_indicator") or "CI",
            address=_address(row),
            kind=row.get("kind") or "",
            timely_filing_days=int(days) if days is not None else None,
            id_qualifier=row.get("id_qualifier") or "PI",
        )

    def claim(self, row: dict[str, Any]) -> Claim:
        claim_id = row["claim_id"]
        try:
            return self._claim(row, claim_id)
        except CodeError as exc:
            if str(exc).startswith(f"claim {claim_id}:"):
                raise
            raise type(exc)(f"claim {claim_id}: {exc}") from None

    def _claim(self, row: dict[str, Any], claim_id: str) -> Claim:
        relationship = row.get("subscriber_relationship") or "18"
        person = None if relationship == "18" else self.person(row.get("subscriber_id"), claim_id)
        subscriber = Subscriber(
            member_id=row.get("member_id"),
            payer=self.payer(row.get("payer_id"), claim_id),
            relationship=relationship,
            group_number=row.get("group_number") or "",
            group_name=row.get("group_name") or "",
            payer_responsibility=row.get("payer_responsibility") or "P",
            insurance_type=row.get("insurance_type") or "",
            person=person,
        )
        billing_npi = row.get("billing_npi")
        rendering = row.get("rendering_npi")
        referring = row.get("referring_npi")
        facility = None
        if row.get("facility_npi"):
            site = self._get(self.providers, "provider", row["facility_npi"], claim_id)
            facility = ServiceFacility(site.get("last_name"), _address(site), row["facility_npi"])
        diagnoses = [row.get(c) for c in DX_COLUMNS]
        used = [c for c in diagnoses if c]
        if diagnoses[: len(used)] != used:
            raise ImportFailed(
                f"claim {claim_id}: diagnoses dx1..dx12 have a gap; pointers A-L need them consecutive"
            )
        lines = self.lines.get(claim_id)
        if not lines:
            raise ImportFailed(f"claim {claim_id}: has no rows in the lines table")
        return Claim(
            claim_id=claim_id,
            patient=self.person(row.get("patient_id"), claim_id, row),
            subscriber=subscriber,
            billing_provider=self.provider(billing_npi, claim_id),
            rendering_provider=self.provider(rendering, claim_id)
            if rendering and rendering != billing_npi
            else None,
            referring_provider=self.provider(referring, claim_id) if referring else _named_referrer(row),
            service_facility=facility,
            place_of_service=row.get("place_of_service"),
            diagnoses=tuple(used),
            lines=tuple(self.line(line, row, position) for position, line in enumerate(lines, 1)),
            frequency=row.get("claim_frequency") or "1",
            original_claim_ref=row.get("original_claim_ref") or "",
            prior_authorization=row.get("prior_authorization") or "",
            onset_date=row.get("onset_date"),
            accident_code=row.get("accident_code") or "",
            accident_state=row.get("accident_state") or "",
            accident_date=row.get("accident_date"),
            submitted_date=row.get("submitted_date"),
            dx_code_set=row.get("dx_code_set") or "ICD10",
            provider_signature=row.get("provider_signature") != "N",
            assignment=row.get("assignment") or "A",
            benefits_assigned=row.get("benefits_assigned") != "N",
            release_of_information=row.get("release_of_information") or "Y",
            patient_signature_source=row.get("patient_signature_source") or "",
            pay_to_address=_address(row, "pay_to_"),
            kept=_kept_from_json(row.get("x12_kept"), f"claim {claim_id}"),
            not_carried=_reasons_from_json(row.get("x12_not_carried"), f"claim {claim_id}"),
        )

    def line(self, line: dict[str, Any], claim_row: dict[str, Any], position: int) -> ServiceLine:
        # The line's own number goes out as its control number (REF*6R) whenever the claim's 1..n
        # renumbering would change it, so the 835 posts back to this row.
        control = line.get("control_number") or ""
        number = line.get("line_number")
        if not control and number is not None and number != position:
            control = str(number)
        rendering = line.get("rendering_npi")
        claim_rendering = claim_row.get("rendering_npi") or claim_row.get("billing_npi")
        return ServiceLine(
            procedure_code=line.get("procedure_code"),
            charge=line.get("charge"),
            service_date=line.get("service_date"),
            service_date_to=line.get("service_date_to"),
            units=line.get("units") if line.get("units") is not None else 1,
            unit_code=line.get("unit_code") or "UN",
            modifiers=tuple(line[c] for c in MODIFIER_COLUMNS if line.get(c)),
            dx_pointers=line.get("dx_pointers") or "A",
            place_of_service=line.get("place_of_service")
            if line.get("place_of_service") != claim_row.get("place_of_service")
            else "",
            ndc=line.get("ndc") or "",
            ndc_quantity=line.get("ndc_quantity"),
            ndc_unit=line.get("ndc_unit") or "",
            emergency=line.get("emergency") == "Y",
            description=line.get("description") or "",
            control_number=control,
            rendering_provider=self.provider(rendering, claim_row["claim_id"])
            if rendering and rendering != claim_rendering
            else None,
            kept=_kept_from_json(line.get("x12_kept"), f"claim {claim_row['claim_id']} line {number}"),
        )


def _named_referrer(row: dict[str, Any]) -> Provider | None:
    """A referring provider without an NPI (valid in 5010; its REF*1G/G2 rides in ``x12_kept``)."""
    if not row.get("referring_last_name"):
        return None
    return Provider(
        npi="",
        last_name=row["referring_last_name"],
        entity_type="1",
        first_name=row.get("referring_first_name") or "",
        middle_name=row.get("referring_middle_name") or "",
    )


def claim_from_tables(data: ClaimsData, claim_id: str) -> Claim:
    rows = data.claims[data.claims["claim_id"] == claim_id]
    if rows.empty:
        raise UnknownCode(f"claim {claim_id!r} is not in the claims table")
    if len(rows) > 1:
        raise ImportFailed(
            f"claim {claim_id!r} appears {len(rows)} times in the claims table; claim_id must be unique"
        )
    sub = ClaimsData(
        claims=rows,
        lines=data.lines[data.lines["claim_id"] == claim_id],
        patients=data.patients,
        providers=data.providers,
        payers=data.payers,
    )
    return all_claims_from_tables(sub)[0]


def _checked_index(data: ClaimsData) -> _Index:
    duplicated = data.claims["claim_id"].duplicated()
    if duplicated.any():
        raise ImportFailed(
            f"claim_id {data.claims['claim_id'][duplicated].iloc[0]!r} is not unique in the claims table"
        )
    known = set(data.claims["claim_id"].dropna())
    orphans = data.lines.loc[~data.lines["claim_id"].isin(known), "claim_id"]
    if len(orphans):
        raise ImportFailed(f"{len(orphans)} line(s) belong to no claim, e.g. claim_id {orphans.iloc[0]!r}")
    return _Index(data)


def _claim_rows(data: ClaimsData) -> list[dict[str, Any]]:
    return data.claims.astype(object).where(data.claims.notna(), None).to_dict("records")


def all_claims_from_tables(data: ClaimsData) -> list[Claim]:
    index = _checked_index(data)
    return [index.claim(row) for row in _claim_rows(data)]


def build_claims(data: ClaimsData) -> tuple[list[Claim], pd.DataFrame]:
    """Valid claims, and one row (claim_id, kind, error) per claim refused; every claim is in one or the
    other. ``kind`` is ``self-pay`` (payer kind ``selfpay``: not sent to a payer) or ``invalid``.
    """
    index = _checked_index(data)
    claims: list[Claim] = []
    rejected: list[tuple[str, str, str]] = []
    for row in _claim_rows(data):
        payer = index.payers.get(row.get("payer_id")) or {}
        if payer.get("kind") == "selfpay":
            message = (
                f"claim {row['claim_id']}: self-pay (payer {row.get('payer_id')}) is not billed on an 837P"
            )
            rejected.append((row["claim_id"], "self-pay", message))
            continue
        try:
            claims.append(index.claim(row))
        except (CodeError, ImportFailed) as exc:
            rejected.append((row["claim_id"], "invalid", str(exc)))
    return claims, pd.DataFrame(rejected, columns=["claim_id", "kind", "error"])


def _patient_key(person: Patient) -> str:
    if person.patient_id:
        return person.patient_id
    basis = f"{person.last_name}|{person.first_name}|{person.birth_date}|{person.sex}"
    return "P" + hashlib.sha1(basis.encode()).hexdigest()[:10].upper()


def _address_columns(address: Address | None) -> dict[str, Any]:
    if address is None:
        return {}
    return {
        "address1": address.line1,
        "address2": address.line2 or None,
        "city": address.city,
        "state": address.state,
        "zip": address.zip,
    }


def _opt(value: Any) -> Any:
    return value if value not in ("", None) else None


def tables_from_claims(claims: list[Claim]) -> ClaimsData:
    claim_rows, line_rows = [], []
    patients: dict[str, dict[str, Any]] = {}
    providers: dict[str, dict[str, Any]] = {}
    payers: dict[str, dict[str, Any]] = {}

    def add_person(person: Patient) -> str:
        key = _patient_key(person)
        patients.setdefault(
            key,
            {
                "patient_id": key,
                "last_name": person.last_name,
                "first_name": _opt(person.first_name),
                "middle_name": _opt(person.middle_name),
                "birth_date": person.birth_date,
                "sex": person.sex,
                **_address_columns(person.address),
            },
        )
        return key

    def add_provider(provider: Provider | None, owner: str) -> str | None:
        if provider is None:
            return None
        if not provider.npi:
            raise ImportFailed(
                f"claim {owner}: provider {provider.last_name!r} has no NPI, the providers table key"
            )
        providers.setdefault(
            provider.npi,
            {
                "npi": provider.npi,
                "entity_type": provider.entity_type,
                "last_name": provider.last_name,
                "first_name": _opt(provider.first_name),
                "taxonomy": _opt(provider.taxonomy),
                "tax_id": _opt(provider.tax_id),
                "tax_id_type": provider.tax_id_type if provider.tax_id else None,
                "phone": _opt(provider.phone),
                "specialty": _opt(provider.specialty),
                "middle_name": _opt(provider.middle_name),
                **_address_columns(provider.address),
            },
        )
        return provider.npi

    for claim in claims:
        payer = claim.subscriber.payer
        payers.setdefault(
            payer.payer_id,
            {
                "payer_id": payer.payer_id,
                "name": payer.name,
                "kind": _opt(payer.kind),
                "claim_filing_indicator": payer.claim_filing_indicator,
                "timely_filing_days": payer.timely_filing_days,
                "id_qualifier": payer.id_qualifier,
                **_address_columns(payer.address),
            },
        )
        facility_npi = None
        if claim.service_facility is not None:
            site = claim.service_facility
            facility_npi = add_provider(
                Provider(npi=site.npi, last_name=site.name, address=site.address), claim.claim_id
            )
        billing = add_provider(claim.billing_provider, claim.claim_id)
        rendering = add_provider(claim.rendering, claim.claim_id)
        claim_rows.append(
            {
                "claim_id": claim.claim_id,
                "patient_id": add_person(claim.patient),
                "patient_birth_date": claim.patient.birth_date,
                "patient_sex": claim.patient.sex,
                "payer_id": payer.payer_id,
                "member_id": claim.subscriber.member_id,
                "group_number": _opt(claim.subscriber.group_number),
                "subscriber_relationship": claim.subscriber.relationship,
                "subscriber_id": add_person(claim.subscriber.person) if claim.subscriber.person else None,
                "billing_npi": billing,
                "rendering_npi": rendering,
                **_referring_columns(claim, add_provider),
                "facility_npi": facility_npi,
                "place_of_service": claim.place_of_service,
                "claim_frequency": claim.frequency,
                "original_claim_ref": _opt(claim.original_claim_ref),
                "prior_authorization": _opt(claim.prior_authorization),
                "onset_date": claim.onset_date,
                "accident_code": _opt(claim.accident_code),
                "accident_state": _opt(claim.accident_state),
                "accident_date": claim.accident_date,
                "submitted_date": claim.submitted_date,
                **dict(zip(DX_COLUMNS, claim.diagnoses, strict=False)),
                "dx_code_set": claim.dx_code_set if claim.dx_code_set != "ICD10" else None,
                "provider_signature": "Y" if claim.provider_signature else "N",
                "assignment": claim.assignment,
                "benefits_assigned": "Y" if claim.benefits_assigned else "N",
                "release_of_information": claim.release_of_information,
                "payer_responsibility": claim.subscriber.payer_responsibility,
                "group_name": _opt(claim.subscriber.group_name),
                "insurance_type": _opt(claim.subscriber.insurance_type),
                "patient_signature_source": _opt(claim.patient_signature_source),
                **{f"pay_to_{k}": v for k, v in _address_columns(claim.pay_to_address).items()},
                "x12_kept": _kept_to_json(claim.kept),
                "x12_not_carried": json.dumps(list(claim.not_carried)) if claim.not_carried else None,
            }
        )
        for line in claim.lines:
            line_rows.append(
                {
                    "claim_id": claim.claim_id,
                    "line_number": line.line_number,
                    "service_date": line.service_date,
                    "service_date_to": line.service_date_to,
                    "procedure_code": line.procedure_code,
                    **dict(zip(MODIFIER_COLUMNS, line.modifiers, strict=False)),
                    "units": float(line.units),
                    "unit_code": line.unit_code,
                    "charge": float(line.charge),
                    "dx_pointers": line.dx_pointers,
                    "ndc": _opt(line.ndc),
                    "place_of_service": line.place_of_service or claim.place_of_service,
                    "rendering_npi": add_provider(line.rendering_provider, claim.claim_id) or rendering,
                    "control_number": _opt(line.control_number),
                    "ndc_quantity": float(line.ndc_quantity) if line.ndc_quantity is not None else None,
                    "ndc_unit": _opt(line.ndc_unit),
                    "emergency": "Y" if line.emergency else None,
                    "description": _opt(line.description),
                    "x12_kept": _kept_to_json(line.kept),
                }
            )

    return ClaimsData(
        claims=_frame(claim_rows, "claim_id"),
        lines=_frame(line_rows, "claim_id", "line_number", "procedure_code", "charge"),
        patients=_frame(list(patients.values()), "patient_id"),
        providers=_frame(list(providers.values()), "npi"),
        payers=_frame(list(payers.values()), "payer_id"),
    )


def _referring_columns(claim: Claim, add_provider: Any) -> dict[str, Any]:
    referrer = claim.referring_provider
    if referrer is not None and not referrer.npi and referrer.entity_type == "1":
        return {
            "referring_last_name": referrer.last_name,
            "referring_first_name": _opt(referrer.first_name),
            "referring_middle_name": _opt(referrer.middle_name),
        }
    return {"referring_npi": add_provider(referrer, claim.claim_id)}


def _frame(rows: list[dict[str, Any]], *required: str) -> pd.DataFrame:
    return pd.DataFrame(rows) if rows else pd.DataFrame(columns=list(required))
