"""A first draft of an appeal letter for a claim on the worklist, as printable HTML.

The wording is medbill's own template; the letter is filled with the claim (patient, member id,
dates of service, payer claim control number), the denial (CARC and RARC with their text, the
amount), the lines it concerns, the action table's reasoning and the documentation to enclose
(the ``attach`` column of ``medbill/_data/followup_actions.csv``). A biller reads it, completes the
clinical argument and signs it: it is a draft, and says so.
"""

from __future__ import annotations

import html
from typing import Any

import pandas as pd

from medbill.analytics.tables import as_tables
from medbill.claims.control_numbers import payer_control_numbers
from medbill.followup.worklist import worklist

APPEALABLE = ("appeal with records",)
STYLE = """<style>
.medbill-appeal { font-family: Georgia, serif; font-size: 11pt; max-width: 42em; color: #000; }
.medbill-appeal table { border-collapse: collapse; margin: 0.5em 0; }
.medbill-appeal th, .medbill-appeal td { border-bottom: 1px solid #999; padding: 2px 8px; text-align: left; }
.medbill-appeal .draft { color: #a00; font-family: Helvetica, Arial, sans-serif; font-size: 9pt; }
@media print { .medbill-appeal .draft { display: none; } .medbill-appeal { page-break-after: always; } }
</style>"""


def _e(value: Any) -> str:
    return "" if value is None or (not isinstance(value, str) and pd.isna(value)) else html.escape(str(value))


def _one(frame: pd.DataFrame, key: str, value: Any) -> pd.Series:
    found = frame[frame[key].astype("string").eq(str(value)).fillna(False)]
    return found.iloc[0] if len(found) else pd.Series(dtype=object)


def appeal_letter_html(data: Any, claim_id: str, *, as_of: Any, rows: pd.DataFrame | None = None) -> str:
    """The appeal letter draft for ``claim_id`` as an HTML fragment.

    ``rows`` is the worklist (computed as of ``as_of`` when not given). Raises ValueError when the
    claim is not on the worklist or its next action is not one a letter serves (:data:`APPEALABLE`).
    """
    t = as_tables(data)
    day = pd.Timestamp(as_of).normalize()
    rows = worklist(t, as_of=day) if rows is None else rows
    mine = rows[rows["claim_id"].eq(claim_id)]
    if mine.empty:
        raise ValueError(f"claim {claim_id!r} is not on the worklist on {day.date()}; nothing to appeal")
    row = mine.iloc[0]
    if row["action"] not in APPEALABLE:
        raise ValueError(f"claim {claim_id}'s next action is {row['action']!r}, not an appeal: {row['why']}")
    claim = _one(t.claims, "claim_id", claim_id)
    patient = _one(t.patients, "patient_id", claim.get("patient_id"))
    payer = _one(t.payers, "payer_id", claim.get("payer_id"))
    billing = _one(t.providers, "npi", claim.get("billing_npi"))
    control = payer_control_numbers(t).get(claim_id, "")
    lines = t.lines[t.lines["claim_id"].eq(claim_id)]
    adjustments = t.remit_adjustments[
        t.remit_adjustments["claim_id"].eq(claim_id) & ~t.remit_adjustments["group"].eq("PR").fillna(False)
    ]
    denied = adjustments[adjustments["reason"].astype("string").eq(str(row["carc"])).fillna(False)]
    table = lines.merge(
        denied.groupby("line_number", as_index=False)["amount"].sum(), on="line_number", how="left"
    ).fillna({"amount": 0.0})
    line_rows = "".join(
        f"<tr><td>{_e(r.line_number)}</td><td>{r.service_date:%m/%d/%Y}</td><td>{_e(r.procedure_code)}</td>"
        f"<td>{_e(r.modifier1)}</td><td>{r.charge:,.2f}</td><td>{r.amount:,.2f}</td></tr>"
        for r in table.itertuples()
    )
    patient_name = f"{_e(patient.get('first_name'))} {_e(patient.get('last_name'))}".strip()
    remark = f", remark {_e(row['rarc'])}" if pd.notna(row["rarc"]) else ""
    deadline = (
        f" This request is within your appeal window, which ends {row['deadline']:%B %d, %Y}."
        if (pd.notna(row["deadline"]) and row["deadline_kind"] == "appeal" and row["days_left"] >= 0)
        else ""
    )
    late = (
        f" The appeal window ended {row['deadline']:%Y-%m-%d}: the payer may refuse a late appeal."
        if pd.notna(row["deadline"]) and row["days_left"] < 0
        else ""
    )
    attach = _e(row.get("attach")) or "the medical record of the visit"
    zip_code = _e(billing.get("zip"))[:5]
    phone = _e(billing.get("phone"))
    phone = f"({phone[:3]}) {phone[3:6]}-{phone[6:]}" if len(phone) == 10 else phone or "the number above"
    return f"""{STYLE}
<div class="medbill-appeal">
<p class="draft">Draft made by medbill from the worklist of {day:%Y-%m-%d}: complete the clinical argument,
check every detail against the record, and sign before sending.{late}</p>
<p><strong>{_e(billing.get("last_name"))}</strong><br>{_e(billing.get("address1"))}<br>
{_e(billing.get("city"))}, {_e(billing.get("state"))} {zip_code}<br>NPI {_e(claim.get("billing_npi"))}</p>
<p>{day:%B %d, %Y}</p>
<p>{_e(payer.get("name"))}<br>Appeals / Reconsiderations<br>{_e(payer.get("address1"))}<br>
{_e(payer.get("city"))}, {_e(payer.get("state"))} {_e(payer.get("zip"))[:5]}</p>
<p><strong>Re: request for reconsideration</strong><br>
Patient: {patient_name} · Member ID: {_e(claim.get("member_id"))}<br>
Our claim number: {_e(claim_id)} · Your claim control number: {_e(control) or "(not given)"}<br>
Date of service: {row["service_date"]:%m/%d/%Y} · Amount in question: ${row["amount_at_stake"]:,.2f}</p>
<p>To whom it may concern,</p>
<p>We ask you to reconsider your decision on the claim above. Your remittance of
{row["remit_date"]:%m/%d/%Y} adjusted ${row["amount_at_stake"]:,.2f} with reason {_e(row["reason"])}{remark}:
"{_e(row["reason_text"])}".{deadline}</p>
<p>[State here why the service should be paid as billed, with the facts from the record.]</p>
<table><thead><tr><th>Line</th><th>Date</th><th>Procedure</th><th>Modifier</th><th>Charged</th>
<th>Adjusted ({_e(row["reason"])})</th></tr></thead><tbody>{line_rows}</tbody></table>
<p>Enclosed: {attach}; a copy of your remittance advice.</p>
<p>Please reprocess the claim and pay the amount in question. For questions, call us at
{phone}.</p>
<p>Sincerely,<br><br>______________________________<br>Billing office, {_e(billing.get("last_name"))}</p>
</div>"""
