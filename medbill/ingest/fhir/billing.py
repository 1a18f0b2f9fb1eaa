"""FHIR Claim and ExplanationOfBenefit -> medbill's claims and remittance tables (docs/tables.md).

What a code allows is carried; the rest is listed in ``claims_skipped``, one row per resource or
element, with the reason:

- a Claim becomes a ``claims`` row when it has a payer (a Coverage other than Synthea's
  ``NO_INSURANCE``), is not a pharmacy claim, and at least one item carries a CPT or HCPCS code, or a
  CVX code medbill's CVX table (``medbill/_data/cvx_to_cpt.csv``) maps to a vaccine product code (no
  administration line is invented). Each item becomes a ``lines`` row or a skipped row (SNOMED CT only, no charge).
  Diagnoses are carried when coded in ICD-10-CM, directly or on the Condition they reference.
- an ExplanationOfBenefit of a carried Claim becomes a payment (``remit_payments``, its id standing
  in for the trace number FHIR does not have), a ``remit_claims`` row and one ``remit_lines`` row per
  carried item, with the adjudication amounts as CAS-style adjustments: charge - allowed is CO-45,
  deductible PR-1, coinsurance PR-2, copay PR-3.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import pandas as pd

from medbill.claims.tables import DX_COLUMNS, MODIFIER_COLUMNS, SCHEMAS, ClaimsData
from medbill.ingest.fhir.reader import reference_id
from medbill.ingest.fhir.suggest import cvx_table

CLAIMS_SKIPPED_COLUMNS = ["source", "resource_type", "resource_id", "element", "code", "reason"]
CPT = "http://www.ama-assn.org/go/cpt"
HCPCS = ("https://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets", "urn:oid:2.16.840.1.113883.6.285")
CVX = "http://hl7.org/fhir/sid/cvx"
ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
US_NPI = "http://hl7.org/fhir/sid/us-npi|"
NO_PAYER = frozenset({"", "no_insurance", "no insurance", "self-pay", "selfpay"})
NAMES = {
    "http://snomed.info/sct": "SNOMED CT",
    "http://loinc.org": "LOINC",
    "http://www.nlm.nih.gov/research/umls/rxnorm": "RxNorm",
}
SHORT = {"http://snomed.info/sct": "snomed", CVX: "cvx", CPT: "cpt", ICD10CM: "icd10cm", HCPCS[0]: "hcpcs"}

# Adjudication category (HL7, CARIN Blue Button, CMS Blue Button variable) -> its role in a line.
ADJUDICATION = {
    "submitted": "charge",
    "line_sbmtd_chrg_amt": "charge",
    "eligible": "allowed",
    "line_alowd_chrg_amt": "allowed",
    "benefit": "paid",
    "paidtoprovider": "paid",
    "line_prvdr_pmt_amt": "paid",
    "deductible": "PR-1",
    "line_bene_ptb_ddctbl_amt": "PR-1",
    "coinsurance": "PR-2",
    "line_coinsrnc_amt": "PR-2",
    "copay": "PR-3",
}
_MODIFIER = re.compile(r"^[A-Z0-9]{2}$")


def carry(
    claims: list[tuple[str, dict[str, Any]]],
    eobs: list[tuple[str, dict[str, Any]]],
    patients: dict[str, dict[str, Any]],
    conditions: dict[str, str],
    npis: dict[str, str],
    performers: dict[str, tuple[str, str]],
) -> tuple[ClaimsData, pd.DataFrame]:
    """The claims and remittance tables, and the skipped rows.

    ``conditions``: Condition id -> its ICD-10-CM code ('' when it has none); ``npis``: Practitioner
    or Organization id -> NPI; ``performers``: Encounter id -> (NPI, name) of its first participant.
    """
    skipped: list[dict[str, Any]] = []
    cvx = cvx_table().assign(key=lambda t: t["cvx"].str.lstrip("0")).set_index("key")["product_code"]
    claim_rows: list[dict[str, Any]] = []
    line_rows: list[dict[str, Any]] = []
    payers: dict[str, str] = {}
    line_of_item: dict[tuple[str, int], int] = {}  # (claim id, item sequence) -> line number
    # Synthea puts the place of service on the EOB's items only.
    places = {reference_id(r.get("claim")): _place_of(r) for _, r in eobs}
    for where, r in claims:
        carried = _claim(where, r, patients, conditions, npis, performers, cvx, skipped)
        if carried is None:
            continue
        claim, lines, payer_name = carried
        claim["place_of_service"] = claim["place_of_service"] or places.get(claim["claim_id"])
        claim_rows.append(claim)
        line_rows += lines
        payers[claim["payer_id"]] = payer_name
        for line in lines:
            line_of_item[(claim["claim_id"], line.pop("_sequence"))] = line["line_number"]
    remits = _remittances(eobs, line_of_item, npis, cvx, skipped)
    used_patients = {c["patient_id"] for c in claim_rows}
    data = ClaimsData(
        claims=_frame("claims", claim_rows),
        lines=_frame("lines", line_rows),
        patients=_frame("patients", [_patient(patients[p]) for p in sorted(used_patients) if p in patients]),
        providers=_frame("providers", _providers(claim_rows, performers)),
        payers=_frame("payers", [_payer(pid, name) for pid, name in sorted(payers.items())]),
        **{name: _frame(name, rows) for name, rows in remits.items()},
    )
    return data, pd.DataFrame(skipped, columns=CLAIMS_SKIPPED_COLUMNS)


def as_object(value: Any) -> dict[str, Any]:
    """``value`` when it is a JSON object, else an empty one: a malformed element reads as absent."""
    return value if isinstance(value, dict) else {}


def objects(value: Any) -> list[dict[str, Any]]:
    """The JSON objects of ``value`` when it is an array, else none."""
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _plain_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _sequence(element: dict[str, Any]) -> int:
    number = element.get("sequence")
    return number if isinstance(number, int) else 0


def _frame(name: str, rows: list[dict[str, Any]]) -> pd.DataFrame:
    columns = list(SCHEMAS[name])
    extra = [c for c in (rows[0] if rows else {}) if c not in SCHEMAS[name]]
    return pd.DataFrame(rows, columns=[*columns, *extra])


def _skip(
    skipped: list[dict[str, Any]], where: str, r: dict[str, Any], element: str, code: str, reason: str
) -> None:
    skipped.append(
        {
            "source": where,
            "resource_type": r.get("resourceType", ""),
            "resource_id": r.get("id", ""),
            "element": element,
            "code": code,
            "reason": reason,
        }
    )


def _day(value: Any) -> str | None:
    return value[:10] if isinstance(value, str) and len(value) >= 10 else None


def _money(value: Any) -> float | None:
    amount = value.get("value") if isinstance(value, dict) else None
    return round(float(amount), 2) if isinstance(amount, (int, float)) else None


def npi_of(ref: Any, npis: dict[str, str]) -> str:
    """The NPI a reference names: a conditional ``...?identifier=http://hl7.org/fhir/sid/us-npi|N``, or
    the NPI identifier of the Practitioner/Organization it points to; '' otherwise."""
    text = str(ref.get("reference") or "") if isinstance(ref, dict) else ""
    if US_NPI in text:
        return text.rsplit("|", 1)[-1]
    return npis.get(reference_id(ref), "")


def payer_of(r: dict[str, Any]) -> tuple[str, str]:
    """(payer_id, name) of a Claim or ExplanationOfBenefit: its insurer, else its focal Coverage's
    payor (contained or by display); the payer's identifier when given, else its name."""
    contained = {c.get("id"): c for c in objects(r.get("contained"))}
    candidates = [r.get("insurer")]
    for ins in sorted(objects(r.get("insurance")), key=lambda i: not i.get("focal")):
        cov = as_object(ins.get("coverage"))
        local = contained.get(str(cov.get("reference", "")).lstrip("#"), {})
        candidates += [*objects(local.get("payor")), cov]
    for ref in candidates:
        if not isinstance(ref, dict):
            continue
        name = str(ref.get("display") or "").strip()
        ident = str(as_object(ref.get("identifier")).get("value") or "").strip()
        if name or ident:
            return ident or name, name or ident
    return "", ""


def procedure_code(concept: Any, cvx: pd.Series) -> tuple[str, str, str]:
    """(procedure code, source 'system|code', why not) of a productOrService: a CPT or HCPCS coding as
    is, a CVX code through medbill's CVX table; otherwise no code and the reason."""
    codings = objects(as_object(concept).get("coding"))
    for c in codings:
        if c.get("system") == CPT or c.get("system") in HCPCS:
            return (
                str(c.get("code", "")).strip().upper(),
                f"{SHORT.get(c['system'], 'hcpcs')}|{c.get('code')}",
                "",
            )
    for c in codings:
        if c.get("system") == CVX and str(c.get("code", "")).lstrip("0") in cvx.index:
            return cvx[str(c["code"]).lstrip("0")], f"cvx|{c['code']}", ""
    source = _shown(codings)
    if any(c.get("system") == CVX for c in codings):
        return "", source, "CVX code not in medbill's CVX table: no vaccine product code to carry"
    if not codings:
        return "", "", "no productOrService coding"
    systems = ", ".join(dict.fromkeys(NAMES.get(str(c.get("system")), str(c.get("system"))) for c in codings))
    return "", source, f"coded in {systems} only: no CPT/HCPCS code (code it from the worklist)"


def _shown(codings: list[dict[str, Any]]) -> str:
    """Codings as ``system|code`` (short system names), ``; ``-joined."""
    return "; ".join(
        f"{SHORT.get(c.get('system', ''), c.get('system', ''))}|{c.get('code', '')}" for c in codings
    )


def _claim(
    where: str,
    r: dict[str, Any],
    patients: dict[str, dict[str, Any]],
    conditions: dict[str, str],
    npis: dict[str, str],
    performers: dict[str, tuple[str, str]],
    cvx: pd.Series,
    skipped: list[dict[str, Any]],
) -> tuple[dict[str, Any], list[dict[str, Any]], str] | None:
    claim_type = next(iter(objects(as_object(r.get("type")).get("coding"))), {}).get("code", "")
    payer_id, payer_name = payer_of(r)
    if claim_type == "pharmacy":
        _skip(skipped, where, r, "", "", "pharmacy claim: the claims tables hold professional claims")
        return None
    if payer_name.lower() in NO_PAYER:
        _skip(skipped, where, r, "", "", f"no payer (coverage {payer_name or 'absent'}): nothing to bill")
        return None
    patient_id = reference_id(r.get("patient"))
    if patients and patient_id not in patients:  # with Patient resources in the export, it must resolve
        _skip(skipped, where, r, "", "", f"missing reference Patient/{patient_id}")
        return None
    claim_id = r.get("id", "")
    if not claim_id:
        _skip(skipped, where, r, "", "", "no id: a claim needs one")
        return None
    pending: list[dict[str, Any]] = []  # the element rows, listed only when the claim is carried
    dx, pointer = _diagnoses(where, r, conditions, pending)
    start = _day(as_object(r.get("billablePeriod")).get("start")) or _day(r.get("created"))
    items = sorted(objects(r.get("item")), key=_sequence)
    encounters = [reference_id(e) for i in items for e in objects(i.get("encounter"))]
    encounter_id = next(filter(None, encounters), "")
    lines: list[dict[str, Any]] = []
    not_carried: list[tuple[dict[str, Any], str, str]] = []
    for item in items:
        code, source, why = procedure_code(item.get("productOrService"), cvx)
        quantity = _money(item.get("quantity"))
        units = 1.0 if quantity is None else quantity
        charge = _money(item.get("net"))
        unit_price = _money(item.get("unitPrice"))
        if charge is None and unit_price is not None:
            charge = round(unit_price * units, 2)
        if not why and charge is None:
            why = "no charge (net or unitPrice)"
        if why:
            not_carried.append((item, source, why))
            continue
        modifiers = _modifiers(where, r, item, pending)
        pointers = "".join(
            pointer[s]
            for s in _plain_list(item.get("diagnosisSequence"))
            if isinstance(s, int) and s in pointer
        )
        if len(pointers) > 4:
            _skip(
                pending,
                where,
                r,
                f"item {item.get('sequence', '')}",
                pointers[4:],
                "beyond the 4 pointers a line holds",
            )
        served = as_object(item.get("servicedPeriod"))
        line = {
            "claim_id": claim_id,
            "line_number": len(lines) + 1,
            "service_date": _day(item.get("servicedDate")) or _day(served.get("start")) or start,
            "service_date_to": _day(served.get("end")),
            "procedure_code": code,
            **dict(zip(MODIFIER_COLUMNS, modifiers, strict=False)),
            "units": units,
            "charge": charge,
            "dx_pointers": pointers[:4],
            "place_of_service": _place(item),
            "source_code": source,
            "_sequence": _sequence(item),
        }
        lines.append(line)
    if not lines:
        codes = "; ".join(dict.fromkeys(s for _, s, _ in not_carried))
        why = "; ".join(dict.fromkeys(why for _, _, why in not_carried)) or "the claim has no item"
        _skip(skipped, where, r, "", codes, f"no item could be carried: {why}")
        return None
    for item, source, why in not_carried:
        _skip(skipped, where, r, f"item {item.get('sequence', '')}", source, why)
    skipped += pending
    patient = patients.get(patient_id, {})
    rendering, _ = performers.get(encounter_id, ("", ""))
    team = objects(r.get("careTeam"))
    rendering = next((n for n in (npi_of(t.get("provider"), npis) for t in team) if n), rendering)
    claim = {
        "claim_id": claim_id,
        "patient_id": patient_id,
        "patient_birth_date": _day(patient.get("birthDate")),
        "patient_sex": {"female": "F", "male": "M"}.get(str(patient.get("gender")), "U"),
        "payer_id": payer_id,
        "billing_npi": npi_of(r.get("provider"), npis),
        "rendering_npi": rendering,
        "place_of_service": next((ln["place_of_service"] for ln in lines if ln["place_of_service"]), None),
        "submitted_date": _day(r.get("created")),
        **dict(zip(DX_COLUMNS, dx, strict=False)),
        "encounter_id": encounter_id,
        "total_charge": _money(r.get("total")),
        "source": where,
    }
    return claim, lines, payer_name


def _modifiers(
    where: str, r: dict[str, Any], item: dict[str, Any], skipped: list[dict[str, Any]]
) -> list[str]:
    """An item's modifier codes (two characters each, at most four); any other is a skipped row."""
    out: list[str] = []
    for m in objects(item.get("modifier")):
        code = str(next(iter(objects(m.get("coding"))), {}).get("code", "")).strip().upper()
        element = f"item {item.get('sequence', '')} modifier"
        if not _MODIFIER.match(code):
            _skip(skipped, where, r, element, code, "not a two-character modifier")
        elif len(out) == len(MODIFIER_COLUMNS):
            _skip(
                skipped, where, r, element, code, f"beyond the {len(MODIFIER_COLUMNS)} modifiers a line holds"
            )
        else:
            out.append(code)
    return out


def _place_of(r: dict[str, Any]) -> str | None:
    """The first place of service an ExplanationOfBenefit's items give."""
    return next(filter(None, (_place(i) for i in objects(r.get("item")))), None)


def _place(item: dict[str, Any]) -> str | None:
    """The CMS place of service code of an item's location (FHIR's ex-serviceplace codes are CMS's)."""
    code = str(
        next(iter(objects(as_object(item.get("locationCodeableConcept")).get("coding"))), {}).get("code", "")
    )
    return code.zfill(2) if code.isdigit() and len(code) <= 2 else None


def _diagnoses(
    where: str, r: dict[str, Any], conditions: dict[str, str], skipped: list[dict[str, Any]]
) -> tuple[list[str], dict[int, str]]:
    """The ICD-10-CM codes of a Claim's diagnoses in sequence order, and diagnosis sequence -> pointer
    letter; each diagnosis not coded in ICD-10-CM is a skipped row."""
    dx: list[str] = []
    pointer: dict[int, str] = {}
    entries = sorted(objects(r.get("diagnosis")), key=_sequence)
    for d in entries:
        element = f"diagnosis {d.get('sequence', '')}"
        codings = objects(as_object(d.get("diagnosisCodeableConcept")).get("coding"))
        code = next((str(c.get("code", "")) for c in codings if c.get("system") == ICD10CM), "")
        shown = _shown(codings)
        reason = "coded without ICD-10-CM: code it from the worklist"
        ref = d.get("diagnosisReference")
        if ref:
            condition = reference_id(ref)
            code = conditions.get(condition, "")
            shown = f"Condition/{condition}"
            if condition not in conditions:
                reason = f"missing reference Condition/{condition}"
            else:
                reason = "its Condition carries no ICD-10-CM code: code it from the worklist"
        if code and len(dx) == len(DX_COLUMNS):
            _skip(skipped, where, r, element, code, f"beyond the {len(DX_COLUMNS)} diagnoses a claim holds")
        elif code:
            if code not in dx:
                dx.append(code)
            pointer[_sequence(d)] = "ABCDEFGHIJKL"[dx.index(code)]
        else:
            _skip(skipped, where, r, element, shown, reason)
    return dx, pointer


def _patient(r: dict[str, Any]) -> dict[str, Any]:
    names = objects(r.get("name"))
    name = next((n for n in names if n.get("use") == "official"), names[0] if names else {})
    address: dict[str, Any] = next(iter(objects(r.get("address"))), {})
    lines = [str(x) for x in _plain_list(address.get("line"))]
    return {
        "patient_id": r.get("id", ""),
        "last_name": name.get("family"),
        "first_name": next(iter(_plain_list(name.get("given"))), None),
        "birth_date": _day(r.get("birthDate")),
        "sex": {"female": "F", "male": "M"}.get(str(r.get("gender")), "U"),
        "address1": lines[0] if lines else None,
        "address2": lines[1] if len(lines) > 1 else None,
        "city": address.get("city"),
        "state": address.get("state"),
        "zip": address.get("postalCode"),
    }


def _providers(claims: list[dict[str, Any]], performers: dict[str, tuple[str, str]]) -> list[dict[str, Any]]:
    """The rendering providers the claims name, with the names the encounters give them."""
    named = {npi: name for npi, name in performers.values() if npi}
    npis = sorted({c["rendering_npi"] for c in claims if c["rendering_npi"]})
    return [{"npi": npi, "entity_type": "1", "last_name": named.get(npi)} for npi in npis]


def _payer(payer_id: str, name: str) -> dict[str, Any]:
    lower = name.lower()
    kind = "medicare" if "medicare" in lower else "medicaid" if "medicaid" in lower else "commercial"
    indicator = {"medicare": "MB", "medicaid": "MC", "commercial": "CI"}[kind]
    return {"payer_id": payer_id, "name": name, "kind": kind, "claim_filing_indicator": indicator}


def _remittances(
    eobs: Iterable[tuple[str, dict[str, Any]]],
    line_of_item: dict[tuple[str, int], int],
    npis: dict[str, str],
    cvx: pd.Series,
    skipped: list[dict[str, Any]],
) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {
        "remit_payments": [],
        "remit_claims": [],
        "remit_lines": [],
        "remit_adjustments": [],
    }
    carried_claims = {claim_id for claim_id, _ in line_of_item}
    for where, r in eobs:
        claim_id = reference_id(r.get("claim"))
        payer_id, payer_name = payer_of(r)
        outcome = r.get("outcome", "")
        if claim_id not in carried_claims:
            why = "its Claim was not carried (see the Claim's row)" if claim_id else "no Claim reference"
            _skip(skipped, where, r, "", f"Claim/{claim_id}" if claim_id else "", why)
            continue
        if payer_name.lower() in NO_PAYER:
            _skip(skipped, where, r, "", "", f"no payer (coverage {payer_name or 'absent'}): no remittance")
            continue
        if outcome not in ("complete", "partial"):
            _skip(skipped, where, r, "", "", f"outcome {outcome or 'absent'}: not adjudicated")
            continue
        pay = as_object(r.get("payment"))
        payment_id = str(as_object(pay.get("identifier")).get("value") or r.get("id", ""))
        paid_date = _day(pay.get("date")) or _day(r.get("created"))
        lines: list[dict[str, Any]] = []
        adjustments: list[dict[str, Any]] = []
        for item in sorted(objects(r.get("item")), key=_sequence):
            line_number = line_of_item.get((claim_id, _sequence(item)))
            if line_number is None:
                _, source, _ = procedure_code(item.get("productOrService"), cvx)
                element = f"item {item.get('sequence', '')}"
                _skip(skipped, where, r, element, source, "its Claim item was not carried")
                continue
            keys = {"payment_id": payment_id, "claim_id": claim_id, "line_number": line_number}
            line, cas = _remit_line(where, r, item, cvx, skipped)
            lines.append({**keys, **line})
            adjustments += [
                {**keys, "group": k[:2], "reason": k[3:], "amount": v} for k, v in cas.items() if v
            ]
        paid = round(sum(ln["paid"] for ln in lines), 2)
        payment = _money(pay.get("amount"))
        if payment is not None and abs(payment - paid) >= 0.005:
            why = f"payment {payment:.2f} includes {payment - paid:.2f} for items not carried"
            _skip(skipped, where, r, "payment", "", why)
        out["remit_payments"].append(
            {
                "payment_id": payment_id,
                "payer_id": payer_id,
                "payer_name": payer_name,
                "payee_npi": npi_of(r.get("provider"), npis) or None,
                "payment_date": paid_date,
                "amount": paid,
                "plb_amount": 0.0,
                "source_file": where,
            }
        )
        out["remit_claims"].append(
            {
                "payment_id": payment_id,
                "claim_id": claim_id,
                "status_code": "1",
                "charge": round(sum(ln["charge"] for ln in lines), 2),
                "paid": paid,
                "patient_responsibility": round(
                    sum(a["amount"] for a in adjustments if a["group"] == "PR"), 2
                ),
                "received_date": paid_date,
            }
        )
        out["remit_lines"] += lines
        out["remit_adjustments"] += adjustments
    return out


def _remit_line(
    where: str, r: dict[str, Any], item: dict[str, Any], cvx: pd.Series, skipped: list[dict[str, Any]]
) -> tuple[dict[str, Any], dict[str, float]]:
    """One EOB item's remit line and its adjustments ("CO-45" -> amount ...), balanced to the cent.

    Synthea's amounts have sub-cent digits: each is rounded to the cent and the rounding remainder (a
    cent or two) goes to the largest adjustment so that charge - paid - adjustments is zero. A larger
    remainder is left as it is and listed as a skipped row.
    """
    amounts = _adjudication(where, r, item, skipped)
    charge = amounts.get("charge", _money(item.get("net")) or 0.0)
    paid = amounts.get("paid", 0.0)
    allowed = amounts.get("allowed")
    cas = {"CO-45": round(charge - allowed, 2) if allowed is not None else 0.0}
    cas.update({k: v for k, v in amounts.items() if k.startswith("PR-")})
    rest = round(charge - paid - sum(cas.values()), 2)
    if rest and abs(rest) <= 0.02 and any(cas.values()):
        largest = max(cas, key=lambda k: abs(cas[k]))
        cas[largest] = round(cas[largest] + rest, 2)
    elif rest:
        element = f"item {item.get('sequence', '')}"
        _skip(skipped, where, r, element, "", f"charge - paid - adjustments leaves {rest:.2f} unexplained")
    served = as_object(item.get("servicedPeriod"))
    line = {
        "procedure_code": procedure_code(item.get("productOrService"), cvx)[0],
        "charge": charge,
        "paid": paid,
        "allowed": allowed,
        "units": _money(item.get("quantity")) or 1.0,
        "service_date": _day(item.get("servicedDate")) or _day(served.get("start")),
    }
    return line, cas


def _adjudication(
    where: str, r: dict[str, Any], item: dict[str, Any], skipped: list[dict[str, Any]]
) -> dict[str, float]:
    """An EOB item's amounts by role (charge, allowed, paid, PR-1/2/3); a category with an amount
    medbill does not know is a skipped row (categories without an amount carry no money)."""
    amounts: dict[str, float] = {}
    for adj in objects(item.get("adjudication")):
        amount = _money(adj.get("amount"))
        if amount is None:
            continue
        codes = [str(c.get("code", "")) for c in objects(as_object(adj.get("category")).get("coding"))]
        role = next(
            (ADJUDICATION[k] for k in (c.rsplit("/", 1)[-1] for c in codes) if k in ADJUDICATION), None
        )
        element = f"item {item.get('sequence', '')} adjudication"
        if role is None:
            _skip(
                skipped,
                where,
                r,
                element,
                "; ".join(codes),
                f"adjudication category not carried ({amount:.2f})",
            )
        elif role in amounts:  # the same amount under two code systems must not count twice
            _skip(
                skipped,
                where,
                r,
                element,
                "; ".join(codes),
                f"a second {role} amount ({amount:.2f}) not carried",
            )
        else:
            amounts[role] = amount
    return amounts
