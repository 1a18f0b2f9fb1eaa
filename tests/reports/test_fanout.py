"""Fan-out: one report per value in parallel processes; one failure does not stop the others."""

from __future__ import annotations

import pytest

from medbill.exceptions import ReportError
from medbill.reports import run_each
from medbill.reports.fanout import _stems, each_values, value_names


@pytest.mark.slow
def test_one_failing_run_is_reported_and_the_other_completes(sample_dir, tmp_path):
    runs = run_each(
        "ar_aging",
        "basis",
        values=["service", "payment"],
        data_dir=sample_dir,
        out_dir=tmp_path,
        progress=False,
    )
    good, bad = runs
    assert good.ok and good.output.html.is_file()
    assert good.output.html.parent == tmp_path / "ar_aging-each-basis"
    assert not bad.ok
    assert "aging basis must be one of" in bad.error and "aging.ar_aging(" in bad.cell


def test_values_come_from_the_data(tables_dir):
    assert each_values("provider_npi", tables_dir) == ["1234567893", "1245319599"]
    assert each_values("payer_id", tables_dir) == ["P1", "P2"]
    with pytest.raises(ReportError, match="no column 'colour'"):
        each_values("colour", tables_dir)


def test_bad_parameters_fail_before_any_process_starts(tmp_path):
    with pytest.raises(ReportError, match="has no parameter 'colour'"):
        run_each("ar_aging", "colour", values=["red"], out_dir=tmp_path, progress=False)
    with pytest.raises(ReportError, match="'edges'"):
        run_each("ar_aging", "edges", values=["30,60", "x"], out_dir=tmp_path, progress=False)
    assert list(tmp_path.iterdir()) == []


def test_output_names_never_collide():
    # "a/b" and "a:b" both sanitise to "a_b": the second gets a suffix.
    stems = _stems("r", ["a/b", "a:b", "c"], ["a/b", "a:b", "c"])
    assert len(set(stems)) == 3
    assert stems[0] == "r-a_b" and stems[1] == "r-a_b-2"


def test_file_names_carry_the_provider_or_payer_name(tables_dir, practice):
    # An NPI missing from the providers table keeps its number as its name.
    assert value_names("provider_npi", [practice.npi_a, "1999999984"], tables_dir) == [
        "Ann Avery",
        "1999999984",
    ]
    assert value_names("payer_id", ["P2"], tables_dir) == ["Acme Health"]
    assert value_names("basis", ["service"], tables_dir) == ["service"]
    assert _stems("r", [practice.npi_a], ["Ann Avery"]) == [f"r-Ann_Avery-{practice.npi_a}"]


@pytest.mark.slow
def test_fan_out_keeps_html_only_and_can_share_plotlyjs(tables_dir, tmp_path, practice):
    runs = run_each(
        "ar_aging",
        "provider_npi",
        {"as_of": practice.as_of},
        data_dir=tables_dir,
        out_dir=tmp_path,
        progress=False,
        shared_plotlyjs=True,
    )
    assert all(r.ok for r in runs) and all(r.output.notebook is None for r in runs)
    folder = tmp_path / "ar_aging-each-provider_npi"
    assert sorted(p.name for p in folder.iterdir()) == [
        f"ar_aging-Ann_Avery-{practice.npi_a}.html",
        f"ar_aging-Ben_Brook-{practice.npi_b}.html",
        "plotly.min.js",
    ]
    page = runs[0].output.html.read_text(encoding="utf-8")
    assert 'src="plotly.min.js"' in page and "plotly.js v" not in page
    assert "<title>A/R aging: Ann Avery · medbill</title>" in page  # whose page it is
    assert "plotly.js v" in (folder / "plotly.min.js").read_text(encoding="utf-8")[:400]
