"""Revenue-cycle KPIs, each with its numerator, denominator, definition and the rows behind it.

Every function takes the claims tables (see :func:`medbill.analytics.tables.as_tables`) and returns a
:class:`KPI`. ``start``/``end`` restrict the claims by service date (inclusive); ``as_of`` is the
"today" of the balances (default: the latest date in the data). Definitions, inclusions and the
standard each follows live in ``medbill/_data/kpi_definitions.yaml`` (:func:`kpi_definitions`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import pandas as pd
import yaml

from medbill.analytics.aging import open_items
from medbill.analytics.facts import SETTLEMENT_COLUMNS, claim_facts, default_as_of
from medbill.analytics.tables import as_tables
from medbill.claims.posting import post_patient_payments
from medbill.refdata.store import lazy


@lazy
def _definitions() -> dict[str, dict[str, str]]:
    text = resources.files("medbill").joinpath("_data/kpi_definitions.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


def kpi_definitions() -> pd.DataFrame:
    """The definition card of every KPI: key, name, unit, formula, numerator, denominator,
    inclusions, exclusions, standard, better (higher/lower)."""
    rows = [{"key": key, **card} for key, card in _definitions().items()]
    return pd.DataFrame(rows)


@dataclass(frozen=True)
class KPI:
    """One KPI's value with what it was computed from.

    ``value`` is numerator / denominator (a fraction for percent KPIs, days for the others), or
    ``None`` when the denominator is zero. ``rows`` are the claims behind the figure, with an
    ``in_numerator`` column for rate KPIs or the per-claim contribution for averages.
    """

    key: str
    value: float | None
    numerator: float
    denominator: float
    rows: pd.DataFrame = field(repr=False)

    @property
    def definition(self) -> dict[str, str]:
        return _definitions()[self.key]

    @property
    def name(self) -> str:
        return self.definition["name"]

    @property
    def unit(self) -> str:
        return self.definition["unit"]

    def display(self) -> str:
        """The value as a person reads it: ``12.5%``, ``41.2 days`` or ``n/a``."""
        if self.value is None:
            return "n/a"
        return f"{self.value:.1%}" if self.unit == "percent" else f"{self.value:.1f} days"

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "name": self.name,
            "value": self.value,
            "display": self.display(),
            "numerator": self.numerator,
            "denominator": self.denominator,
            "unit": self.unit,
        }


def _kpi(key: str, numerator: float, denominator: float, rows: pd.DataFrame) -> KPI:
    numerator, denominator = float(numerator), float(denominator)
    value = numerator / denominator if denominator and not math.isnan(denominator) else None
    return KPI(key, value, numerator, denominator, rows.reset_index(drop=True))


def _in_period(facts: pd.DataFrame, start: Any, end: Any) -> pd.DataFrame:
    keep = pd.Series(True, index=facts.index)
    if start is not None:
        keep &= facts["service_date"].ge(pd.Timestamp(start)).fillna(False)
    if end is not None:
        keep &= facts["service_date"].le(pd.Timestamp(end)).fillna(False)
    return facts[keep]


_ROW_COLUMNS = ["claim_id", "payer_id", "rendering_npi", "service_date", "submitted_date", "charge"]


def clean_claim_rate(data: Any, findings: pd.DataFrame, *, start: Any = None, end: Any = None) -> KPI:
    """Share of original claims billed to a payer with no error-level scrubber finding (self-pay
    claims are never submitted, so they are neither clean nor unclean claims).

    ``findings`` is ``medbill.edits.scrub(data).findings`` (columns claim_id, severity, rule_id ...).
    """
    t = as_tables(data)
    facts = _in_period(claim_facts(t), start, end)
    facts = facts[~facts["self_pay"]]
    frequency = t.claims.set_index("claim_id")["claim_frequency"].fillna("1")
    facts = facts[facts["claim_id"].map(frequency).eq("1")]
    errors = findings[findings["severity"].astype("string").str.lower().eq("error").fillna(False)]
    rules = errors.groupby("claim_id")["rule_id"].agg(lambda r: ", ".join(sorted(set(map(str, r)))))
    rows = facts[_ROW_COLUMNS].copy()
    rows["error_rules"] = rows["claim_id"].map(rules)
    rows["in_numerator"] = rows["error_rules"].isna()
    return _kpi("clean_claim_rate", rows["in_numerator"].sum(), len(rows), rows)


def _adjudicated(data: Any, start: Any, end: Any) -> pd.DataFrame:
    facts = _in_period(claim_facts(data), start, end)
    return facts[facts["adjudicated"]]


def initial_denial_rate(data: Any, *, start: Any = None, end: Any = None) -> KPI:
    """Share of adjudicated claims denied by their first remittance."""
    facts = _adjudicated(data, start, end)
    rows = facts[[*_ROW_COLUMNS, "first_remit_date", "first_status", "first_paid"]].copy()
    rows["in_numerator"] = facts["denied_first_pass"]
    return _kpi("initial_denial_rate", rows["in_numerator"].sum(), len(rows), rows)


def _collection_rows(data: Any, start: Any, end: Any) -> pd.DataFrame:
    facts = _adjudicated(data, start, end)
    return facts[[*_ROW_COLUMNS, *SETTLEMENT_COLUMNS]].copy()


def _with_patient_paid(t: Any, rows: pd.DataFrame) -> pd.DataFrame:
    """``rows`` with ``patient_paid``: the patient payments applied to each claim
    (:func:`medbill.claims.posting.post_patient_payments`)."""
    applied = post_patient_payments(t).lines.groupby("claim_id")["patient_paid"].sum()
    return rows.assign(patient_paid=rows["claim_id"].map(applied).fillna(0.0))


def gross_collection_rate(data: Any, *, start: Any = None, end: Any = None) -> KPI:
    """All payments (the payers' and the patients' applied to these claims, as MGMA counts them)
    over gross charges of adjudicated claims; tables without patient payments count the payers'."""
    t = as_tables(data)
    rows = _collection_rows(t, start, end)
    if t.patient_payments.empty:
        return _kpi("gross_collection_rate", rows["paid"].sum(), rows["charge"].sum(), rows)
    rows = _with_patient_paid(t, rows)
    paid = rows["paid"].sum() + rows["patient_paid"].sum()
    return _kpi("gross_collection_rate", paid, rows["charge"].sum(), rows)


def net_collection_rate(data: Any, *, start: Any = None, end: Any = None) -> KPI:
    """Payments over what was collectable: charges less contractual adjustments, on adjudicated
    claims. Payments are the payers' plus the patients' applied to these claims
    (:func:`medbill.claims.posting.post_patient_payments`). Tables without patient payments leave
    the patient's share out of both sides: the rate then measures the payers' part."""
    t = as_tables(data)
    rows = _collection_rows(t, start, end)
    if t.patient_payments.empty:
        owed = rows["charge"].sum() - rows["contractual_adjustment"].sum() - rows["patient_adjustment"].sum()
        return _kpi("net_collection_rate", rows["paid"].sum(), owed, rows)
    rows = _with_patient_paid(t, rows)
    owed = rows["charge"].sum() - rows["contractual_adjustment"].sum()
    return _kpi("net_collection_rate", rows["paid"].sum() + rows["patient_paid"].sum(), owed, rows)


def denial_write_off_pct(data: Any, *, start: Any = None, end: Any = None) -> KPI:
    """Non-contractual write-offs on never-paid adjudicated claims over their net revenue."""
    rows = _collection_rows(data, start, end)
    rows["denial_write_off"] = rows["other_adjustment"].where(rows["paid"].le(0), 0.0)
    net = rows["charge"].sum() - rows["contractual_adjustment"].sum()
    return _kpi("denial_write_off_pct", rows["denial_write_off"].sum(), net, rows)


def days_in_ar(data: Any, *, as_of: Any = None, lookback_days: int = 90) -> KPI:
    """Insurance A/R balance at ``as_of`` over average daily charges billed to payers in the
    ``lookback_days`` before it (self-pay claims are in neither)."""
    if lookback_days <= 0:
        raise ValueError(f"lookback_days must be a positive number of days, got {lookback_days!r}")
    cutoff = pd.Timestamp(as_of) if as_of is not None else default_as_of(data)
    facts = claim_facts(data, as_of=cutoff)
    facts = facts[~facts["self_pay"]]
    window = facts["service_date"].gt(cutoff - pd.Timedelta(days=lookback_days))
    rows = facts[[*_ROW_COLUMNS, "insurance_balance"]].copy()
    rows["in_lookback"] = window
    daily = rows.loc[window, "charge"].sum() / lookback_days
    return _kpi("days_in_ar", rows["insurance_balance"].sum(), daily, rows)


def ar_over_90_pct(data: Any, *, as_of: Any = None) -> KPI:
    """Share of the insurance A/R balance older than 90 days by date of service."""
    rows = open_items(data, as_of=as_of, basis="service")
    rows["in_numerator"] = rows["age_days"].gt(90)
    return _kpi(
        "ar_over_90_pct", rows.loc[rows["in_numerator"], "balance"].sum(), rows["balance"].sum(), rows
    )


def charge_lag(data: Any, *, start: Any = None, end: Any = None) -> KPI:
    """Average days from the date of service to submission."""
    facts = _in_period(claim_facts(data), start, end)
    rows = facts.loc[facts["submitted_date"].notna() & facts["service_date"].notna(), _ROW_COLUMNS].copy()
    rows["days"] = (rows["submitted_date"] - rows["service_date"]).dt.days
    return _kpi("charge_lag", rows["days"].sum(), len(rows), rows)


def payment_lag(data: Any, *, start: Any = None, end: Any = None) -> KPI:
    """Average days from submission to the first remittance that paid money."""
    facts = _in_period(claim_facts(data), start, end)
    paid = facts["first_payment_date"].notna() & facts["submitted_date"].notna()
    rows = facts.loc[paid, [*_ROW_COLUMNS, "first_payment_date"]].copy()
    rows["days"] = (rows["first_payment_date"] - rows["submitted_date"]).dt.days
    return _kpi("payment_lag", rows["days"].sum(), len(rows), rows)


def first_pass_resolution_rate(data: Any, *, start: Any = None, end: Any = None) -> KPI:
    """Share of adjudicated claims settled by the first remittance (not denied, never reversed)."""
    facts = _adjudicated(data, start, end)
    rows = facts[[*_ROW_COLUMNS, "first_status", "first_paid", "remits", "reversed"]].copy()
    rows["in_numerator"] = ~facts["denied_first_pass"] & ~facts["reversed"]
    return _kpi("first_pass_resolution_rate", rows["in_numerator"].sum(), len(rows), rows)


def all_kpis(
    data: Any,
    findings: pd.DataFrame | None = None,
    *,
    start: Any = None,
    end: Any = None,
    as_of: Any = None,
    lookback_days: int = 90,
) -> dict[str, KPI]:
    """Every KPI by key (clean claim rate only when scrubber ``findings`` are given)."""
    t = as_tables(data)
    period = {"start": start, "end": end}
    out: dict[str, KPI] = {}
    if findings is not None:
        out["clean_claim_rate"] = clean_claim_rate(t, findings, **period)
    out["initial_denial_rate"] = initial_denial_rate(t, **period)
    out["gross_collection_rate"] = gross_collection_rate(t, **period)
    out["net_collection_rate"] = net_collection_rate(t, **period)
    out["days_in_ar"] = days_in_ar(t, as_of=as_of, lookback_days=lookback_days)
    out["ar_over_90_pct"] = ar_over_90_pct(t, as_of=as_of)
    out["charge_lag"] = charge_lag(t, **period)
    out["payment_lag"] = payment_lag(t, **period)
    out["first_pass_resolution_rate"] = first_pass_resolution_rate(t, **period)
    out["denial_write_off_pct"] = denial_write_off_pct(t, **period)
    return out


def kpi_table(kpis: dict[str, KPI]) -> pd.DataFrame:
    """One row per KPI: name, display value, the value as a number and its unit, numerator,
    denominator, formula and standard."""
    rows = []
    for k in kpis.values():
        d = k.definition
        rows.append(
            {
                "kpi": k.name,
                "value": k.display(),
                "number": k.value,
                "unit": k.unit,
                "numerator": k.numerator,
                "denominator": k.denominator,
                "formula": d["formula"],
                "standard": d["standard"],
            }
        )
    return pd.DataFrame(rows)
