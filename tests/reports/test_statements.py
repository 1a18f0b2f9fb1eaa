"""Patient statements reconcile to the cent with the claims, remittance and patient payment tables."""

from __future__ import annotations

import pandas as pd
import pytest

from medbill.analytics import kpis, statements
from medbill.analytics.tables import read_dir


def _raw(folder, name: str) -> pd.DataFrame:
    """A table read straight from its CSV, independent of medbill's readers."""
    return pd.read_csv(folder / f"{name}.csv", dtype=str, keep_default_na=False)


def _cents(values: pd.Series) -> int:
    return int((pd.to_numeric(values, errors="coerce").fillna(0) * 100).round().sum())


@pytest.mark.parametrize("day", ["2026-01-31", "2026-06-30"])  # mid-window: later activity left out
def test_statements_reconcile_with_the_tables(sample_dir, day: str) -> None:
    lines = statements.statement_lines(read_dir(sample_dir), statement_date=day, include="all")
    served = _raw(sample_dir, "lines")
    served = served[served["service_date"] <= day]
    rc = _raw(sample_dir, "remit_claims")
    rc = rc[rc["received_date"] <= day]
    adj = _raw(sample_dir, "remit_adjustments").merge(rc[["payment_id", "claim_id"]], on=["payment_id", "claim_id"])
    payers = _raw(sample_dir, "payers").set_index("payer_id")["kind"]
    claims = _raw(sample_dir, "claims").set_index("claim_id")
    selfpay = served["claim_id"].map(claims["payer_id"]).map(payers).eq("selfpay")
    paid = _raw(sample_dir, "patient_payments")
    paid = paid[paid["payment_date"] <= day]

    def total(column: str) -> int:
        return _cents(lines[column])

    assert total("charged") == _cents(served["charge"])
    assert total("insurance_paid") == _cents(rc["paid"])
    assert total("insurance_adjusted") == _cents(adj.loc[adj["group"].ne("PR"), "amount"])
    assert total("patient_share") == _cents(adj.loc[adj["group"].eq("PR"), "amount"]) + _cents(
        served.loc[selfpay, "charge"]
    )
    credits = statements.patient_statements(read_dir(sample_dir), statement_date=day, include="all")["credit"]
    assert total("patient_paid") + _cents(credits) == _cents(paid["amount"])
    # every line: what was charged is paid, adjusted, pending with the payer or the patient's share
    parts = lines[["insurance_paid", "insurance_adjusted", "insurance_pending", "patient_share"]].sum(axis=1)
    assert ((parts - lines["charged"]).abs() < 0.005).all()
    assert ((lines["patient_share"] - lines["patient_paid"] - lines["owed_now"]).abs() < 0.005).all()


def test_owed_now_matches_the_generators_ar(sample_dir) -> None:
    ar = _raw(sample_dir, "ar")
    lines = statements.statement_lines(read_dir(sample_dir), statement_date="2026-06-30", include="all")
    owed = lines.groupby("claim_id")["owed_now"].sum().round(2)
    expected = pd.to_numeric(ar.set_index("claim_id")["patient_balance"])
    assert (owed.reindex(expected.index).fillna(0.0) - expected).abs().max() < 0.005


def test_a_statement_per_patient(sample_dir) -> None:
    data = read_dir(sample_dir)
    each = statements.patient_statements(data, statement_date="2026-06-30")
    assert each["patient_id"].is_unique
    buckets = ["0–30", "31–60", "61–90", "91–120", ">120"]
    assert ((each[buckets].sum(axis=1) - each["owed_now"]).abs() < 0.005).all()
    assert ((each["owed_now"] - each["credit"] - each["amount_due"]).abs() < 0.005).all()
    one = each[each["owed_now"].gt(0)].iloc[0]
    alone = statements.patient_statements(data, statement_date="2026-06-30", patient_id=one["patient_id"])
    assert len(alone) == 1 and alone["amount_due"].iloc[0] == one["amount_due"]
    assert alone["name"].iloc[0] and alone["address"].iloc[0]
    history = statements.patient_payments(data, patient_id=one["patient_id"], statement_date="2026-06-30")
    assert history["payment_date"].is_monotonic_increasing


def test_patient_ar_beside_insurance_ar(sample_dir) -> None:
    data = read_dir(sample_dir)
    table = statements.ar_by_responsibility(data, as_of="2026-06-30")
    lines = statements.statement_lines(data, statement_date="2026-06-30", include="all")
    assert list(table.index) == ["insurance", "patient", "total"]
    assert table.loc["patient", "total"] == pytest.approx(lines["owed_now"].sum(), abs=0.005)
    assert table.loc["insurance", "total"] == pytest.approx(lines["insurance_pending"].sum(), abs=0.005)
    assert table.loc["total", "total"] == pytest.approx(table.loc[["insurance", "patient"], "total"].sum())


def test_net_collection_counts_patient_payments(tables) -> None:
    # C1's patient paid their PR 10: the share no longer leaves the denominator, the 10 joins the payments
    tables["patient_payments"] = pd.DataFrame(
        {
            "payment_id": ["PP1"],
            "patient_id": ["PT1"],
            "payment_date": ["2025-02-01"],
            "amount": [10.0],
            "method": ["card"],
            "claim_id": ["C1"],
        }
    )
    kpi = kpis.net_collection_rate(tables)
    assert (kpi.numerator, kpi.denominator) == (pytest.approx(190), pytest.approx(390))
    assert kpi.rows.set_index("claim_id").loc["C1", "patient_paid"] == 10.0


def test_bad_include_is_refused(sample_dir) -> None:
    with pytest.raises(ValueError, match="include"):
        statements.statement_lines(read_dir(sample_dir), statement_date="2026-06-30", include="some")
