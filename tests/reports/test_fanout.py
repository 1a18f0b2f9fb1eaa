"""Fan-out: one report per value in parallel processes; one failure does not stop the others."""

from __future__ import annotations

import pytest

from medbill.exceptions import ReportError
from medbill.reports import run_each
from medbill.reports.fanout import _stems, each_values


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
    stems = _stems("r", "p", ["a/b", "a:b", "c"])
    assert len(set(stems)) == 3
    assert stems[0] == "r-p=a_b" and stems[1] == "r-p=a_b-2"
