"""FHIR R4 ``Claim`` export through ``fhir.resources`` (optional extra: ``pip install medbill[fhir]``).

``to_fhir(claim)`` returns a ``fhir.resources.R4B.claim.Claim`` (the R4 line of the library; the Claim
resource is unchanged between R4 and R4B) with the patient, billing provider, payer and coverage as
contained resources, so the JSON stands alone. ``to_fhir_json(claim)`` gives its JSON text. The
library validates the resource when it is built.
"""

from __future__ import annotations

from typing import Any

from medbill.claims.models import DX_LETTERS, Address, Claim, Patient, Provider

NPI_SYSTEM = "http://hl7.org/fhir/sid/us-npi"
ICD10CM_SYSTEM = "http://hl7.org/fhir/sid/icd-10-cm"
ICD9CM_SYSTEM = "http://hl7.org/fhir/sid/icd-9-cm"
CPT_SYSTEM = "http://www.ama-assn.org/go/cpt"
HCPCS_SYSTEM = "urn:oid:2.16.840.1.113883.6.285"
POS_SYSTEM = "https://www.cms.gov/Medicare/Coding/place-of-service-codes/Place_of_Service_Code_Set"
_GENDER = {"F": "female", "M": "male", "U": "unknown"}


def _import_claim_class() -> Any:
    try:
        from fhir.resources.R4B.claim import Claim as FhirClaim
    except ImportError as exc:
        raise ImportError(
            "FHIR export needs the optional 'fhir.resources' package (version 8 or later): "
            "pip install 'medbill[fhir]'"
        ) from exc
    return FhirClaim


def _address(address: Address | None) -> list[dict[str, Any]]:
    if address is None:
        return []
    lines = [address.line1] + ([address.line2] if address.line2 else [])
    return [
        {
            "line": lines,
            "city": address.city,
            "state": address.state,
            "postalCode": address.zip,
            "country": "US",
        }
    ]


def _human(person: Patient | Provider) -> list[dict[str, Any]]:
    name: dict[str, Any] = {"family": person.last_name}
    given = [n for n in (person.first_name, getattr(person, "middle_name", "")) if n]
    if given:
        name["given"] = given
    return [name]


def _provider_resource(provider: Provider, ident: str) -> dict[str, Any]:
    identifier = [{"system": NPI_SYSTEM, "value": provider.npi}] if provider.npi else []
    if provider.entity_type == "1":
        return {
            "resourceType": "Practitioner",
            "id": ident,
            "identifier": identifier,
            "name": _human(provider),
            "address": _address(provider.address),
        }
    return {
        "resourceType": "Organization",
        "id": ident,
        "identifier": identifier,
        "name": provider.last_name,
        "address": _address(provider.address),
    }


def _procedure_system(code: str) -> str:
    return HCPCS_SYSTEM if code[:1].isalpha() else CPT_SYSTEM


def to_fhir(claim: Claim) -> Any:
    """The claim as a validated FHIR R4 ``Claim`` resource (``fhir.resources.R4B.claim.Claim``)."""
    fhir_claim = _import_claim_class()
    dx_system = ICD10CM_SYSTEM if claim.dx_code_set == "ICD10" else ICD9CM_SYSTEM
    payer = claim.subscriber.payer
    contained = [
        {
            "resourceType": "Patient",
            "id": "patient",
            "name": _human(claim.patient),
            "gender": _GENDER[claim.patient.sex],
            "birthDate": claim.patient.birth_date.isoformat() if claim.patient.birth_date else None,
            "address": _address(claim.patient.address),
        },
        _provider_resource(claim.billing_provider, "billing"),
        {
            "resourceType": "Organization",
            "id": "payer",
            "identifier": [{"value": payer.payer_id}],
            "name": payer.name,
        },
        {
            "resourceType": "Coverage",
            "id": "coverage",
            "status": "active",
            "subscriberId": claim.subscriber.member_id,
            "beneficiary": {"reference": "#patient"},
            "relationship": {"coding": [{"code": "self" if claim.is_self else "other"}]},
            "payor": [{"reference": "#payer"}],
        },
    ]
    if claim.rendering_provider is not None:
        contained.append(_provider_resource(claim.rendering_provider, "rendering"))
    items = []
    for line in claim.lines:
        item: dict[str, Any] = {
            "sequence": line.line_number,
            "diagnosisSequence": [DX_LETTERS.index(p) + 1 for p in line.dx_pointers],
            "productOrService": {
                "coding": [{"system": _procedure_system(line.procedure_code), "code": line.procedure_code}]
            },
            "locationCodeableConcept": {
                "coding": [{"system": POS_SYSTEM, "code": line.place_of_service or claim.place_of_service}]
            },
            "quantity": {"value": float(line.units)},
            "net": {"value": float(line.charge), "currency": "USD"},
        }
        if line.modifiers:
            item["modifier"] = [{"coding": [{"code": m}]} for m in line.modifiers]
        if line.service_date_to != line.service_date:
            item["servicedPeriod"] = {
                "start": line.service_date.isoformat(),
                "end": (line.service_date_to or line.service_date).isoformat(),
            }
        else:
            item["servicedDate"] = line.service_date.isoformat()
        items.append(item)
    resource: dict[str, Any] = {
        "resourceType": "Claim",
        "id": claim.claim_id.replace(" ", "-")[:64]
        if all(c.isalnum() or c in "-." for c in claim.claim_id)
        else None,
        "identifier": [{"system": "urn:medbill:claim-id", "value": claim.claim_id}],
        "contained": contained,
        "status": "active" if claim.frequency != "8" else "cancelled",
        "type": {
            "coding": [{"system": "http://terminology.hl7.org/CodeSystem/claim-type", "code": "professional"}]
        },
        "use": "claim",
        "patient": {"reference": "#patient"},
        "created": (claim.submitted_date or max(line.service_date for line in claim.lines)).isoformat(),
        "provider": {"reference": "#billing"},
        "priority": {
            "coding": [{"system": "http://terminology.hl7.org/CodeSystem/processpriority", "code": "normal"}]
        },
        "insurance": [{"sequence": 1, "focal": True, "coverage": {"reference": "#coverage"}}],
        "diagnosis": [
            {"sequence": i, "diagnosisCodeableConcept": {"coding": [{"system": dx_system, "code": code}]}}
            for i, code in enumerate(claim.diagnoses, 1)
        ],
        "item": items,
        "total": {"value": float(claim.charge), "currency": "USD"},
    }
    if claim.rendering_provider is not None:
        resource["careTeam"] = [
            {
                "sequence": 1,
                "provider": {"reference": "#rendering"},
                "role": {"coding": [{"code": "primary"}]},
            }
        ]
    if claim.prior_authorization:
        resource["insurance"][0]["preAuthRef"] = [claim.prior_authorization]
    if claim.referring_provider is not None and claim.referring_provider.npi:
        resource["referral"] = {
            "identifier": {"system": NPI_SYSTEM, "value": claim.referring_provider.npi},
            "display": claim.referring_provider.last_name,
        }
    return fhir_claim.model_validate(_drop_empty(resource))


def to_fhir_json(claim: Claim, indent: int | None = 2) -> str:
    """The FHIR R4 ``Claim`` JSON text of ``claim``."""
    return to_fhir(claim).model_dump_json(indent=indent, exclude_none=True)


def _drop_empty(value: Any) -> Any:
    """FHIR forbids empty strings, lists and objects: remove them (and None) recursively."""
    if isinstance(value, dict):
        cleaned = {k: _drop_empty(v) for k, v in value.items()}
        return {k: v for k, v in cleaned.items() if v not in (None, "", [], {})}
    if isinstance(value, list):
        cleaned_list = [_drop_empty(v) for v in value]
        return [v for v in cleaned_list if v not in (None, "", [], {})]
    return value
