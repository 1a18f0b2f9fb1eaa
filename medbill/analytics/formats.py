"""How a report shows each column: money as $1,234.50, rates as 12.5%, counts as 2,736, days as
41.2, dates as 2025-10-01, yes/no for flags, and a header in words.

A column's kind comes from its name (:func:`column_kind`), or is given explicitly (aging buckets
are money whatever they are called). Charts use the same kinds through :data:`D3_FORMATS`, so a
hover says "$1,234.50" where the table does.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import numpy as np
import pandas as pd

KINDS = ("money", "rate", "count", "days", "date", "flag", "text")

MONEY_COLUMNS = frozenset(
    {
        "charge",
        "paid",
        "paid_amount",
        "allowed",
        "amount",
        "balance",
        "insurance_balance",
        "patient_balance",
        "contractual_adjustment",
        "other_adjustment",
        "patient_adjustment",
        "denial_write_off",
        "first_paid",
        "mean_allowed",
        "mean_paid",
        "total",
        "patient_responsibility",
        # the follow-up worklist and patient statements
        "amount_at_stake",
        "charged",
        "insurance_paid",
        "insurance_adjusted",
        "insurance_pending",
        "patient_share",
        "patient_paid",
        "owed_now",
        "credit",
        "amount_due",
    }
)
COUNT_COLUMNS = frozenset(
    {
        "claims",
        "lines",
        "units",
        "visits",
        "mentions",
        "findings",
        "adjudicated",
        "denied",
        "diagnoses",
        "unspecified",
        "not_in_release",
        "remits",
        "billable_alternatives",
        "level",
        "rank_paid",
        "line_number",
        "skipped_lines",
        "priority",
        "due_within_14_days",
        "deadline_passed",
    }
)
DAYS_COLUMNS = frozenset({"age_days", "days", "days_to_pay", "median_days_to_pay", "days_left"})
FLAG_COLUMNS = frozenset({"in_numerator", "caught_by_error", "reversed", "in_lookback", "self_pay"})
RATE_SUFFIXES = ("_rate", "_pct", "share")
# Aging bucket columns ("0–30", "31–60", ">120") hold dollars.
AGING_BUCKET = re.compile(r"^(\d+[–-]\d+|>\d+)$")

# Column headers in words; any other column is its name with spaces ("age_days" -> "Age days").
HEADERS: dict[str, str] = {
    "claim_id": "Claim",
    "patient_id": "Patient",
    "payer": "Payer",
    "provider": "Provider",
    "provider_npi": "NPI",
    "billing_provider": "Billing provider",
    "billing_provider_npi": "Billing NPI",
    "place_of_service": "Place of service",
    "service_date": "Date of service",
    "submitted_date": "Submitted",
    "first_remit_date": "First remittance",
    "first_payment_date": "First payment",
    "last_activity_date": "Last activity",
    "first_status": "First status",
    "first_paid": "Paid at first pass",
    "charge": "Charges",
    "paid": "Payer payments",
    "contractual_adjustment": "Contractual adjustments",
    "other_adjustment": "Other adjustments",
    "patient_adjustment": "Patient responsibility",
    "insurance_balance": "Insurance A/R",
    "patient_balance": "Patient A/R",
    "balance": "Balance",
    "procedure_code": "Procedure",
    "modifier1": "Modifier",
    "payment_id": "Payment",
    "line_number": "Line",
    "age_days": "Age (days)",
    "bucket": "Age bucket",
    "group": "Adjustment group",
    "reason": "Reason (CARC)",
    "amount": "Amount",
    "mean_allowed": "Mean allowed",
    "mean_paid": "Mean paid",
    "median_days_to_pay": "Median days to pay",
    "denial_rate": "Denial rate",
    "initial_denial_rate": "Initial denial rate",
    "gross_collection_rate": "Gross collection rate",
    "unspecified_rate": "Unspecified rate",
    "rank_paid": "Rank by mean paid",
    "rule_id": "Rule",
    "scrubber_rules": "Scrubber rules",
    "caught_by_error": "Scrubber error before submission",
    "error_rules": "Error rules",
    "in_numerator": "Counted in numerator",
    "in_lookback": "In lookback window",
    "share": "Provider's share",
    "practice_share": "Practice's share",
    "kpi": "KPI",
    "value": "Value",
    "numerator": "Numerator",
    "denominator": "Denominator",
    "formula": "Formula",
    "standard": "Standard",
    "billable_alternatives": "Billable alternatives",
    "not_in_release": "Not in release",
    "month": "Month of service",
    "chapter": "ICD-10-CM chapter",
    "block": "ICD-10-CM block",
    "code": "Code",
    "title": "Title",
    "days": "Days",
    "total": "Total",
    "label": "medbill label",
    "findings": "Findings",
    "severity": "Severity",
    # the follow-up worklist and patient statements (other columns read well as they are named)
    "payer_id": "Payer ID",
    "carc": "CARC",
    "rarc": "Remark (RARC)",
    "reason_text": "What the codes mean",
    "action": "Next action",
    "amount_share": "Share of amount at stake",
    "finding": "Scrubber finding",
    "remit_date": "Remittance",
    "insurance_pending": "With insurance",
}

# d3 formats (plotly hovers and axes) per kind.
D3_FORMATS: dict[str, str] = {"money": "$,.2f", "rate": ".1%", "count": ",d", "days": ",.1f"}


def header(column: str) -> str:
    """The column's header in words."""
    if column in HEADERS:
        return HEADERS[column]
    text = str(column).replace("_", " ").strip()
    text = text.replace("npi", "NPI").replace("pct", "%")
    return text[:1].upper() + text[1:]


def column_kind(column: str, values: pd.Series | None = None) -> str:
    """The kind of ``column`` (one of :data:`KINDS`) from its name, else from its dtype."""
    name = str(column)
    if name in MONEY_COLUMNS or AGING_BUCKET.match(name):
        return "money"
    if name in COUNT_COLUMNS:
        return "count"
    if name in DAYS_COLUMNS:
        return "days"
    if name in FLAG_COLUMNS:
        return "flag"
    if name.endswith(RATE_SUFFIXES):
        return "rate"
    if name.endswith("_date"):
        return "date"
    if values is not None:
        if pd.api.types.is_bool_dtype(values):
            return "flag"
        if pd.api.types.is_datetime64_any_dtype(values):
            return "date"
        if pd.api.types.is_integer_dtype(values):
            return "count"
    return "text"


def kinds_of(frame: pd.DataFrame, given: Mapping[str, str] | None = None) -> dict[str, str]:
    """The kind of every column of ``frame`` (``given`` overrides the guess)."""
    given = dict(given or {})
    unknown = {k: v for k, v in given.items() if v not in KINDS}
    if unknown:
        raise ValueError(f"column kinds must be one of {', '.join(KINDS)}, got {unknown}")
    return {c: given.get(c) or column_kind(c, frame[c]) for c in frame.columns}


def _money(v: float) -> str:
    v = 0.0 if abs(v) < 0.005 else v  # never "-$0.00"
    return f"-${-v:,.2f}" if v < 0 else f"${v:,.2f}"


def format_values(values: pd.Series, kind: str) -> pd.Series:
    """``values`` as display text for ``kind``; missing values are empty text."""
    missing = values.isna()
    if kind == "date":
        text = pd.to_datetime(values, errors="coerce").dt.strftime("%Y-%m-%d")
        text = text.fillna(values.astype("string"))
    elif kind == "flag":
        text = values.map(lambda v: "yes" if bool(v) else "no")
    elif kind in ("money", "rate", "count", "days"):
        numbers = pd.to_numeric(values, errors="coerce").astype("float64")
        fmt = {
            "money": _money,
            "rate": lambda v: f"{v:.1%}",
            "count": lambda v: f"{v:,.0f}",
            "days": lambda v: f"{v:,.0f}" if float(v).is_integer() else f"{v:,.1f}",
        }[kind]
        text = pd.Series(
            [fmt(v) if np.isfinite(v) else "" for v in numbers.fillna(np.nan)], index=values.index
        )
        text = text.where(numbers.notna(), values.astype("string"))
    else:
        text = values.astype("string")
    return text.astype("string").mask(missing, "").fillna("")
