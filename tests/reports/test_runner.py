"""Every report template runs on the sample practice to an offline HTML page; bad parameters stop a
run before anything executes; a failing cell is reported with its source."""

from __future__ import annotations

import json
import re

import nbformat
import pytest

from medbill.exceptions import ReportError
from medbill.reports import list_reports, run_default_report, run_report
from medbill.reports.registry import get_report

TEMPLATES = [
    "billing_summary",
    "denials",
    "ar_aging",
    "kpi_dashboard",
    "payer_comparison",
    "coding_audit",
    "provider_scorecard",
    "patient_statements",
    "denial_worklist",
]
EXTERNAL = re.compile(r"<(script|link|img|iframe)[^>]+(src|href)=\"(https?:)?//", re.I)


def test_every_template_is_listed_with_documented_parameters():
    reports = {r.name: r for r in list_reports()}
    assert sorted(reports) == sorted(TEMPLATES)
    for r in reports.values():
        assert r.description, r.name
        assert "data_dir" in [p.name for p in r.parameters]
        assert all(p.help for p in r.parameters), r.name


def test_committed_templates_carry_no_outputs():
    for r in list_reports():
        nb = nbformat.read(r.path, as_version=4)
        for cell in nb.cells:
            if cell.cell_type == "code":
                assert cell.outputs == [] and cell.execution_count is None, f"{r.name}: outputs not stripped"


def _check_offline_report(notebook, html_path):
    executed = nbformat.read(notebook, as_version=4)
    errors = [
        o for c in executed.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"
    ]
    assert errors == []
    html = html_path.read_text(encoding="utf-8")
    assert EXTERNAL.search(html) is None, EXTERNAL.search(html)
    assert html.count("plotly.js v") == 1  # embedded once, whatever the number of charts
    assert html.count('class="plotly-graph-div"') >= 1
    assert "medbill-provenance" in html and "sha256" in html and "claims.csv" in html
    assert "show_provenance(" not in html  # no code cells
    assert html_path.stat().st_size < 8_000_000


@pytest.mark.slow
@pytest.mark.parametrize("name", [t for t in TEMPLATES if t != "billing_summary"])
def test_template_runs_on_the_sample_to_offline_html(name, sample_dir, tmp_path):
    out = run_report(name, data_dir=sample_dir, out_dir=tmp_path)
    _check_offline_report(out.notebook, out.html)


@pytest.mark.slow
def test_default_report_is_billing_summary_on_the_sample(tmp_path):
    html = run_default_report(tmp_path)
    assert html == tmp_path / "billing_summary.html"
    _check_offline_report(tmp_path / "billing_summary.ipynb", html)
    assert "Top diagnoses by ICD-10-CM chapter" in html.read_text(encoding="utf-8")


@pytest.mark.slow
@pytest.mark.parametrize("payer_id", ["MCR01", "SELF"])  # SELF: self-pay claims are never on the list
def test_one_payers_worklist_names_the_payer_or_says_there_is_nothing(payer_id, sample_dir, tmp_path):
    from medbill.analytics import filter_tables, read_dir
    from medbill.analytics.facts import default_as_of
    from medbill.followup import worklist

    data = read_dir(sample_dir)
    day = default_as_of(data).date()
    rows = worklist(filter_tables(data, payer_id=payer_id), as_of=day)
    out = run_report(
        "denial_worklist", {"payer_id": payer_id, "scrub": False}, data_dir=sample_dir, out_dir=tmp_path
    )
    page = out.html.read_text(encoding="utf-8")
    name = data.payers.set_index("payer_id").loc[payer_id, "name"]
    assert f"{name}: {len(rows):,} claims to work on {day}" in page
    assert ("Nothing to work on" in page) == rows.empty
    assert f">{payer_id}<" not in page


def test_unknown_parameter_stops_before_running(tmp_path):
    with pytest.raises(ReportError, match="has no parameter 'colour'") as err:
        run_report("billing_summary", {"colour": "red"}, out_dir=tmp_path)
    assert err.value.report == "billing_summary"
    assert list(tmp_path.iterdir()) == []


def test_wrong_type_stops_before_running(tmp_path):
    with pytest.raises(ReportError, match="'top': 'many' is not an int"):
        run_report("billing_summary", {"top": "many"}, out_dir=tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_unknown_report_lists_the_available_ones():
    with pytest.raises(ReportError, match="no report named 'sales'; available: ar_aging, billing_summary"):
        get_report("sales")


@pytest.mark.slow
def test_failing_cell_is_reported_with_its_source(sample_dir, tmp_path):
    with pytest.raises(ReportError, match="aging basis must be one of") as err:
        run_report("ar_aging", {"basis": "payment"}, data_dir=sample_dir, out_dir=tmp_path)
    assert "aging.ar_aging(" in err.value.cell
    assert err.value.parameters["basis"] == "payment"
    assert (tmp_path / "ar_aging.ipynb").exists()  # kept for inspection


@pytest.mark.slow
def test_provenance_names_the_parameters_and_files(aging_report):
    assert aging_report.html.name == "aging-45-90.html"
    html = aging_report.html.read_text(encoding="utf-8")
    assert "[45, 90]" in html and "0–45" in html and "&gt;90" in html
    nb = json.loads(aging_report.notebook.read_text())
    assert nb["metadata"]["papermill"]["parameters"]["edges"] == [45, 90]
