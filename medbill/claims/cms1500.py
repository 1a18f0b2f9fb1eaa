"""A claim as the CMS-1500 (02/12) form's numbered boxes, in HTML for notebooks.

``render_text(claim)`` gives the same boxes as plain text (for consoles and text widgets).
``render_html(claim)`` returns a self-contained HTML fragment (inline CSS, no scripts, no network);
``Claim._repr_html_`` uses it, so a claim displays as the form in JupyterLab. The paper form holds six
service lines per page; every line is shown here, with a note when a printed claim would need more
than one page.
"""

from __future__ import annotations

from datetime import date
from html import escape

from medbill.claims.models import Address, Claim, Patient, Provider
from medbill.exceptions import CodeError

_INSURANCE_TYPE = {
    "MB": "Medicare",
    "MC": "Medicaid",
    "CH": "TRICARE",
    "VA": "CHAMPVA",
    "BL": "Group health plan",
    "CI": "Group health plan",
}
_RELATIONSHIP = {
    "18": "Self",
    "01": "Spouse",
    "19": "Child",
    "20": "Other",
    "21": "Other",
    "39": "Other",
    "40": "Other",
    "53": "Other",
    "G8": "Other",
}
_FREQUENCY = {"1": "", "6": "6 corrected", "7": "7 replacement", "8": "8 void"}
_ACCIDENT = {"EM": "Employment", "AA": "Auto accident", "OA": "Other accident"}

_CSS = """
<style>
.cms1500{font-family:Arial,Helvetica,sans-serif;font-size:11px;border:2px solid #c0392b;max-width:880px;color:#222}
.cms1500 .title{background:#c0392b;color:#fff;font-weight:bold;padding:3px 6px;font-size:12px}
.cms1500 .grid{display:grid;grid-template-columns:repeat(6,1fr)}
.cms1500 .box{border:1px solid #e6b0aa;padding:2px 4px;min-height:30px}
.cms1500 .box b{color:#c0392b;font-size:9px;display:block}
.cms1500 .w2{grid-column:span 2}.cms1500 .w3{grid-column:span 3}.cms1500 .w6{grid-column:span 6}
.cms1500 table{border-collapse:collapse;width:100%}
.cms1500 th{color:#c0392b;font-size:9px;font-weight:normal;border:1px solid #e6b0aa;text-align:left;padding:2px}
.cms1500 td{border:1px solid #e6b0aa;padding:2px 4px;font-family:'Courier New',monospace}
.cms1500 .note{color:#a04000;padding:3px 6px}
</style>
"""


def _d(value: date | None) -> str:
    return value.strftime("%m %d %Y") if value else ""


def _name(person: Patient | Provider | None) -> str:
    if person is None:
        return ""
    first = f", {person.first_name}" if person.first_name else ""
    middle = f" {person.middle_name}" if isinstance(person, Patient) and person.middle_name else ""
    return f"{person.last_name}{first}{middle}"


def _address(address: Address | None) -> str:
    if address is None:
        return ""
    zip_code = f"{address.zip[:5]}-{address.zip[5:]}" if len(address.zip) == 9 else address.zip
    second = f"<br>{escape(address.line2)}" if address.line2 else ""
    return f"{escape(address.line1)}{second}<br>{escape(address.city)}, {address.state} {zip_code}"


def _box(number: str, label: str, value: str, width: str = "") -> str:
    return f'<div class="box {width}"><b>{escape(number)}. {escape(label)}</b>{value}</div>'


def render_html(claim: Claim) -> str:
    """The CMS-1500 boxes of ``claim`` as an HTML fragment."""
    sub = claim.subscriber
    insured = claim.patient if claim.is_self else sub.person
    billing = claim.billing_provider
    payer = sub.payer
    letters = "ABCDEFGHIJKL"
    dx = " ".join(
        f"<b style='display:inline'>{letters[i]}.</b>&nbsp;{escape(_format_dx(code, claim.dx_code_set))}"
        for i, code in enumerate(claim.diagnoses)
    )
    accident = _ACCIDENT.get(claim.accident_code, "No")
    if claim.accident_code == "AA":
        accident += f" (state {claim.accident_state})"
    boxes = [
        _box("1", "Insurance type", escape(_INSURANCE_TYPE.get(payer.claim_filing_indicator, "Other")), "w2"),
        _box("1a", "Insured's ID number", escape(sub.member_id), "w2"),
        _box("11c", "Insurance plan / payer", f"{escape(payer.name)} ({escape(payer.payer_id)})", "w2"),
        _box("2", "Patient's name", escape(_name(claim.patient)), "w2"),
        _box(
            "3",
            "Patient's birth date, sex",
            f"{_d(claim.patient.birth_date)} &nbsp; {claim.patient.sex}",
            "w2",
        ),
        _box("4", "Insured's name", escape(_name(insured)), "w2"),
        _box("5", "Patient's address", _address(claim.patient.address), "w2"),
        _box("6", "Patient relationship to insured", _RELATIONSHIP.get(sub.relationship, "Other"), "w2"),
        _box("7", "Insured's address", _address(insured.address if insured else None), "w2"),
        _box("10", "Patient's condition related to", escape(accident), "w2"),
        _box("11", "Insured's group number", escape(sub.group_number), "w2"),
        _box(
            "12/13",
            "Signatures: release of information / benefits assigned",
            f"{claim.release_of_information} / {'Yes' if claim.benefits_assigned else 'No'}",
            "w2",
        ),
        _box("14", "Date of current illness", _d(claim.onset_date), "w2"),
        _box("17", "Referring provider", escape(_name(claim.referring_provider)), "w2"),
        _box(
            "17b",
            "Referring NPI",
            escape(claim.referring_provider.npi if claim.referring_provider else ""),
            "w2",
        ),
        _box("21", f"Diagnosis (ICD Ind. {'0' if claim.dx_code_set == 'ICD10' else '9'})", dx, "w6"),
        _box(
            "22",
            "Resubmission code / original ref. no.",
            f"{escape(_FREQUENCY.get(claim.frequency, claim.frequency))} {escape(claim.original_claim_ref)}",
            "w3",
        ),
        _box("23", "Prior authorization number", escape(claim.prior_authorization), "w3"),
    ]
    rows = []
    for line in claim.lines:
        rendering = (line.rendering_provider or claim.rendering).npi
        to = _d(line.service_date_to) if line.service_date_to != line.service_date else ""
        rows.append(
            "<tr>"
            f"<td>{_d(line.service_date)}</td><td>{to}</td><td>{line.place_of_service or claim.place_of_service}</td>"
            f"<td>{escape(line.procedure_code)}</td><td>{' '.join(line.modifiers)}</td><td>{line.dx_pointers}</td>"
            f"<td style='text-align:right'>{line.charge:,.2f}</td><td style='text-align:right'>{line.units.normalize():f}</td>"
            f"<td>{escape(rendering)}</td><td>{escape(line.ndc)}</td>"
            "</tr>"
        )
    table = (
        "<table><tr><th>24A from</th><th>to</th><th>B POS</th><th>D CPT/HCPCS</th><th>modifiers</th><th>E dx pointer</th>"
        "<th>F charges</th><th>G units</th><th>J rendering NPI</th><th>NDC</th></tr>"
        + "".join(rows)
        + "</table>"
    )
    pages = (len(claim.lines) + 5) // 6
    note = (
        f'<div class="note">{len(claim.lines)} service lines: a printed CMS-1500 needs {pages} pages (6 lines each).</div>'
        if pages > 1
        else ""
    )
    facility = claim.service_facility
    bottom = [
        _box(
            "25",
            f"Federal tax ID ({'SSN' if billing.tax_id_type == 'SY' else 'EIN'})",
            escape(billing.tax_id),
            "w2",
        ),
        _box("26", "Patient's account no.", escape(claim.claim_id), "w2"),
        _box("27", "Accept assignment?", "Yes" if claim.assignment in ("A", "B") else "No", ""),
        _box("28", "Total charge", f"{claim.charge:,.2f}", ""),
        _box("31", "Signature of physician", "Signed" if claim.provider_signature else "Not signed", "w2"),
        _box(
            "32",
            "Service facility location",
            f"{escape(facility.name)}<br>{_address(facility.address)}" if facility else "",
            "w2",
        ),
        _box("32a", "Facility NPI", escape(facility.npi if facility else ""), ""),
        _box("33a", "Billing NPI", escape(billing.npi), ""),
        _box(
            "33",
            "Billing provider info & phone",
            f"{escape(_name(billing))}<br>{_address(billing.address)}<br>{escape(billing.phone)}",
            "w6",
        ),
    ]
    return (
        _CSS
        + '<div class="cms1500"><div class="title">HEALTH INSURANCE CLAIM FORM (CMS-1500 02/12) &mdash; claim '
        + escape(claim.claim_id)
        + '</div><div class="grid">'
        + "".join(boxes)
        + '</div><div class="box w6"><b>24. Service lines</b>'
        + table
        + "</div>"
        + note
        + '<div class="grid">'
        + "".join(bottom)
        + "</div></div>"
    )


def render_text(claim: Claim) -> str:
    """The CMS-1500 boxes of ``claim`` as aligned plain text, one box per line."""
    sub = claim.subscriber
    insured = claim.patient if claim.is_self else sub.person
    billing = claim.billing_provider

    def addr(address: Address | None) -> str:
        return (
            _address(address).replace("<br>", ", ").replace("&amp;", "&").replace("&#x27;", "'")
            if address
            else ""
        )

    dx = "  ".join(
        f"{'ABCDEFGHIJKL'[i]}. {_format_dx(code, claim.dx_code_set)}"
        for i, code in enumerate(claim.diagnoses)
    )
    boxes = [
        ("1", "Insurance type", _INSURANCE_TYPE.get(sub.payer.claim_filing_indicator, "Other")),
        ("1a", "Insured's ID number", sub.member_id),
        ("2", "Patient's name", _name(claim.patient)),
        ("3", "Patient's birth date, sex", f"{_d(claim.patient.birth_date)}  {claim.patient.sex}"),
        ("4", "Insured's name", _name(insured)),
        ("5", "Patient's address", addr(claim.patient.address)),
        ("6", "Patient relationship to insured", _RELATIONSHIP.get(sub.relationship, "Other")),
        (
            "10",
            "Condition related to",
            _ACCIDENT.get(claim.accident_code, "No")
            + (f" (state {claim.accident_state})" if claim.accident_state else ""),
        ),
        ("11", "Insured's group number", sub.group_number),
        ("11c", "Insurance plan / payer", f"{sub.payer.name} ({sub.payer.payer_id})"),
        ("14", "Date of current illness", _d(claim.onset_date)),
        (
            "17",
            "Referring provider",
            f"{_name(claim.referring_provider)} {claim.referring_provider.npi if claim.referring_provider else ''}".strip(),
        ),
        ("21", f"Diagnosis (ICD Ind. {'0' if claim.dx_code_set == 'ICD10' else '9'})", dx),
        (
            "22",
            "Resubmission code / original ref.",
            f"{_FREQUENCY.get(claim.frequency, claim.frequency)} {claim.original_claim_ref}".strip(),
        ),
        ("23", "Prior authorization number", claim.prior_authorization),
    ]
    out = ["HEALTH INSURANCE CLAIM FORM (CMS-1500 02/12) - claim " + claim.claim_id]
    out += [f"{number:>5}. {label:<36} {value}" for number, label, value in boxes]
    out.append("   24. Service lines")
    out.append("       from        to          POS  code   modifiers    ptr    charge  units  rendering NPI")
    for line in claim.lines:
        to = _d(line.service_date_to) if line.service_date_to != line.service_date else ""
        rendering = (line.rendering_provider or claim.rendering).npi
        out.append(
            f"       {_d(line.service_date):<11} {to:<11} {line.place_of_service or claim.place_of_service:<4} "
            f"{line.procedure_code:<6} {' '.join(line.modifiers):<12} {line.dx_pointers:<4} {line.charge:>9,.2f} "
            f"{line.units.normalize():>6f}  {rendering}"
        )
    bottom = [
        ("25", f"Federal tax ID ({'SSN' if billing.tax_id_type == 'SY' else 'EIN'})", billing.tax_id),
        ("26", "Patient's account no.", claim.claim_id),
        ("27", "Accept assignment?", "Yes" if claim.assignment in ("A", "B") else "No"),
        ("28", "Total charge", f"{claim.charge:,.2f}"),
        (
            "32",
            "Service facility",
            f"{claim.service_facility.name}, {addr(claim.service_facility.address)}"
            if claim.service_facility
            else "",
        ),
        ("33", "Billing provider", f"{_name(billing)}, {addr(billing.address)} {billing.phone}".strip()),
        ("33a", "Billing NPI", billing.npi),
    ]
    out += [f"{number:>5}. {label:<36} {value}" for number, label, value in bottom]
    return "\n".join(line.rstrip() for line in out) + "\n"


def _format_dx(code: str, code_set: str) -> str:
    if code_set != "ICD10":
        return code
    try:
        from medbill.refdata import icd10cm

        return icd10cm.format(code)
    except CodeError:  # display only: fall back to the compact code rather than fail a notebook cell
        return code
