"""Patient statements reconcile to the cent with the claims, remittance and patient payment tables."""

from __future__ import annotations

import html
import re

import nbformat
import pandas as pd
import pytest

from medbill.analytics import kpis, statements
from medbill.analytics.statement_html import statement_html
from medbill.analytics.tables import read_dir
from medbill.reports import run_report
from medbill.reports.fanout import run_each


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
    adj = _raw(sample_dir, "remit_adjustments").merge(
        rc[["payment_id", "claim_id"]], on=["payment_id", "claim_id"]
    )
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


def test_collection_rates_count_patient_payments(tables) -> None:
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
    # MGMA's gross collection rate counts every payment too, over gross charges (C1-C3: 470)
    gross = kpis.gross_collection_rate(tables)
    assert (gross.numerator, gross.denominator) == (pytest.approx(190), pytest.approx(470))
    assert "patient payments" in gross.definition["formula"]


def test_bad_include_is_refused(sample_dir) -> None:
    with pytest.raises(ValueError, match="include"):
        statements.statement_lines(read_dir(sample_dir), statement_date="2026-06-30", include="some")


EXTERNAL = re.compile(r"<(script|link|img|iframe)[^>]+(src|href)=\"(https?:)?//", re.I)


def _errors(notebook) -> list:
    executed = nbformat.read(notebook, as_version=4)
    return [o for c in executed.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]


@pytest.mark.slow
def test_the_report_prints_one_patients_statement(sample_dir, tmp_path) -> None:
    each = statements.patient_statements(read_dir(sample_dir), statement_date="2026-06-30")
    due = each[each["amount_due"].gt(0)].iloc[0]
    out = run_report(
        "patient_statements",
        {"patient_id": due["patient_id"], "statement_date": "2026-06-30"},
        data_dir=sample_dir,
        out_dir=tmp_path,
    )
    assert _errors(out.notebook) == []
    page = out.html.read_text(encoding="utf-8")
    assert EXTERNAL.search(page) is None
    assert f"Amount due: ${due['amount_due']:,.2f}" in page
    assert f"Statement for {due['name']}" in page
    # each service names the insurance billed, never its payer id
    tables = read_dir(sample_dir)
    billed = statements.statement_lines(tables, statement_date="2026-06-30")
    payer_ids = set(billed.loc[billed["patient_id"].eq(due["patient_id"]), "payer_id"])
    names = tables.payers.set_index("payer_id")["name"]
    assert all(html.escape(names[p]) in page for p in payer_ids)
    assert not any(f">{p}<" in page for p in payer_ids)
    assert "medbill-provenance" in page
    assert "Patient A/R" not in page  # nothing about other patients' accounts


@pytest.mark.slow
def test_the_report_lists_every_statement_and_fans_out_per_patient(sample_dir, tmp_path) -> None:
    out = run_report(
        "patient_statements", {"statement_date": "2026-06-30"}, data_dir=sample_dir, out_dir=tmp_path
    )
    assert _errors(out.notebook) == []
    assert "Open balances by age" in out.html.read_text(encoding="utf-8")
    each = statements.patient_statements(read_dir(sample_dir), statement_date="2026-06-30")
    two = each.loc[each["amount_due"].gt(0), "patient_id"].head(2).tolist()
    runs = run_each(
        "patient_statements",
        "patient_id",
        {"statement_date": "2026-06-30"},
        values=two,
        data_dir=sample_dir,
        out_dir=tmp_path,
        progress=False,
    )
    assert [r.ok for r in runs] == [True, True], [r.error for r in runs]
    pages = [r.output.html.read_text(encoding="utf-8") for r in runs]
    for patient, page in zip(two, pages, strict=True):
        assert f"Account {patient}" in page


def test_a_patient_with_nothing_open_is_refused(sample_dir) -> None:
    with pytest.raises(ValueError, match="nothing open"):
        statement_html(read_dir(sample_dir), patient_id="NOBODY", statement_date="2026-06-30")
