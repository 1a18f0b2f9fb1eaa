"""One patient's statement as plain, printable HTML (the ``patient_statements`` report shows it).

The page: the practice (billing provider) and the patient's name and address, the statement date
and the amount due, what the patient owes by age, each service with the insurance billed (the
payer's name), what was charged, what insurance paid and adjusted, what the patient paid and what they owe now, then the payments
received. Service labels are medbill's plain-language labels (or the user's imported descriptors),
never AMA text shipped by medbill. No script, no external resource: it prints as it shows.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

import pandas as pd

from medbill.analytics.aging import DEFAULT_EDGES, bucket_labels
from medbill.analytics.labels import payer_of
from medbill.analytics.statements import patient_payments, patient_statements, statement_lines
from medbill.analytics.tables import as_tables
from medbill.refdata.procedures import labels_many

STYLE = """<style>
.medbill-statement { font-family: Helvetica, Arial, sans-serif; font-size: 10.5pt; color: #000; max-width: 60em; }
.medbill-statement table { border-collapse: collapse; width: 100%; margin: 0.4em 0 1em; table-layout: auto; }
.medbill-statement th, .medbill-statement td {
  border-bottom: 1px solid #999; padding: 2px 6px; text-align: left !important; vertical-align: top; }
.medbill-statement td.money, .medbill-statement th.money { text-align: right !important; white-space: nowrap; }
.medbill-statement td.text { min-width: 16em; }
.medbill-statement .due { font-size: 14pt; font-weight: bold; }
.medbill-statement .parties { display: flex; justify-content: space-between; gap: 2em; }
@media print { .medbill-statement { page-break-after: always; } .medbill-statement tr { page-break-inside: avoid; } }
</style>"""

_SERVICE_COLUMNS = [
    ("service_date", "Date", False),
    ("service", "Service", False),
    ("insurance", "Insurance", False),
    ("charged", "Charged", True),
    ("insurance_paid", "Insurance paid", True),
    ("insurance_adjusted", "Insurance adjusted", True),
    ("insurance_pending", "With insurance", True),
    ("patient_paid", "You paid", True),
    ("owed_now", "You owe", True),
]


def _money(value: float) -> str:
    return f"{value:,.2f}".replace("-", "&minus;") if abs(value) >= 0.005 else "0.00"


def _dollars(value: float) -> str:
    """``value`` as "$1,234.50" (a negative one as "&minus;$80.00"), for the amounts standing alone."""
    text = _money(value)
    return "&minus;$" + text.removeprefix("&minus;") if text.startswith("&minus;") else "$" + text


def _table(frame: pd.DataFrame, columns: Sequence[tuple[str, str, bool]], total: bool = False) -> str:
    head = "".join(f'<th class="{"money" if m else ""}">{html.escape(t)}</th>' for _, t, m in columns)
    rows = []
    for record in frame.to_dict("records"):
        cells = []
        for name, _, money in columns:
            value = record[name]
            if money:
                cells.append(f'<td class="money">{_money(float(value))}</td>')
            elif isinstance(value, pd.Timestamp):
                cells.append(f"<td>{value:%m/%d/%Y}</td>")
            else:
                text = "" if pd.isna(value) else str(value)
                wide = ' class="text"' if len(text) > 30 else ""
                cells.append(f"<td{wide}>{html.escape(text)}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    if total:
        sums = "".join(
            f'<td class="money"><strong>{_money(float(frame[n].sum()))}</strong></td>' if m else "<td></td>"
            for n, _, m in columns
        )
        rows.append(f"<tr>{sums}</tr>".replace("<td></td>", "<td><strong>Total</strong></td>", 1))
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def _practice(t: Any) -> tuple[str, str]:
    providers = t.providers
    org = providers[providers.get("entity_type", pd.Series(dtype=str)).astype("string").eq("2").fillna(False)]
    row = (org if len(org) else providers).head(1)
    if row.empty:
        return "", ""
    r = row.iloc[0]
    name = str(r.get("last_name") or "")
    address = ", ".join(str(r.get(c)) for c in ("address1", "city", "state") if pd.notna(r.get(c)))
    phone = str(r.get("phone") or "")
    if len(phone) == 10:
        address += f" · ({phone[:3]}) {phone[3:6]}-{phone[6:]}"
    return name, address


def statement_html(
    data: Any, *, patient_id: str, statement_date: Any, edges: Sequence[int] = DEFAULT_EDGES
) -> str:
    """The statement of ``patient_id`` on ``statement_date`` as an HTML fragment (with its style).

    Raises ``ValueError`` when the patient has no open service and no credit on that date."""
    t = as_tables(data)
    day = pd.Timestamp(statement_date).normalize()
    summary = patient_statements(t, statement_date=day, patient_id=patient_id, edges=edges)
    if summary.empty:
        raise ValueError(
            f"patient {patient_id!r} has nothing open on {day.date()}: no balance, no claim with a payer, "
            "no credit; choose another patient_id or statement_date"
        )
    s = summary.iloc[0]
    lines = statement_lines(t, statement_date=day, edges=edges)
    lines = lines[lines["patient_id"].eq(patient_id)].copy()
    label = labels_many(lines["procedure_code"]).fillna("")
    lines["service"] = (lines["procedure_code"].astype(str) + " " + label.astype(str)).str.strip()
    lines["insurance"] = payer_of(lines["payer_id"], t)
    payments = patient_payments(t, patient_id=patient_id, statement_date=day)
    practice, practice_address = _practice(t)
    buckets = [(b, b + " days", True) for b in bucket_labels(edges)]
    aging = _table(summary, buckets)
    credit = f"<p>Credit on your account: {_dollars(float(s['credit']))}</p>" if s["credit"] else ""
    paid_rows = (
        _table(
            payments,
            [
                ("payment_date", "Date", False),
                ("method", "Method", False),
                ("claim_id", "Claim", False),
                ("amount", "Amount", True),
            ],
            total=True,
        )
        if len(payments)
        else "<p>No payment received.</p>"
    )
    return f"""{STYLE}
<div class="medbill-statement">
<div class="parties">
<div><strong>{html.escape(practice)}</strong><br>{html.escape(practice_address)}</div>
<div><strong>Statement for {html.escape(str(s["name"]))}</strong><br>{html.escape(str(s["address"]))}<br>
Account {html.escape(patient_id)} · Statement date {day:%m/%d/%Y}</div>
</div>
<p class="due">Amount due: {_dollars(float(s["amount_due"]))}</p>
{credit}
<h3>What you owe, by age</h3>
{aging}
<h3>Services</h3>
{_table(lines, _SERVICE_COLUMNS, total=True)}
<h3>Payments received</h3>
{paid_rows}
<p><em>"With insurance" is still being processed by your insurer and is not due from you yet.
Adjustments are amounts your insurer's contract or decision takes off the charge; they are never
billed to you.</em></p>
</div>"""
