"""``medbill report list`` and ``medbill report run`` from the command line."""

from __future__ import annotations

import json

import nbformat
import pytest

from medbill.cli import main


def test_list_shows_names_and_parameters(capsys):
    assert main(["report", "list"]) == 0
    out = capsys.readouterr().out
    assert "billing_summary: Billing summary" in out
    assert "    top: int = 10  # how many procedures and diagnoses to list" in out


def test_list_json(capsys):
    assert main(["report", "list", "--json"]) == 0
    reports = {r["name"]: r for r in json.loads(capsys.readouterr().out)}
    edges = next(p for p in reports["ar_aging"]["parameters"] if p["name"] == "edges")
    assert edges == {
        "name": "edges",
        "type": "list[int]",
        "default": [30, 60, 90, 120],
        "help": edges["help"],
    }


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["-p", "colour=red"], "has no parameter 'colour'"),  # unknown name
        (["-p", "top=many"], "'top': 'many' is not an int"),  # wrong type
        (["-p", "top"], "is not KEY=VALUE"),  # no value
        (["-p", "start=2026-13-01"], "parameter 'start': '2026-13-01' is not a date"),  # month 13
        (["-p", "end=yesterday"], "parameter 'end': 'yesterday' is not a date"),  # not a date at all
        (["-p", "start=2026-02-01", "-p", "end=2026-01-01"], "start 2026-02-01 is after end 2026-01-01"),
    ],
)
def test_run_rejects_bad_parameters_before_running(argv, message, capsys, tmp_path):
    assert main(["report", "run", "billing_summary", *argv, "--out", str(tmp_path)]) == 2
    assert message in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("report", ["ar_aging", "patient_statements"])
@pytest.mark.parametrize("edges", ["90,30", "30,30", "-5,30"])  # decreasing, repeated, negative
def test_aging_edges_are_checked_before_running(report, edges, capsys, tmp_path):
    assert main(["report", "run", report, "-p", f"edges={edges}", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "parameter 'edges': bucket edges must be increasing non-negative days" in err
    assert "-p edges=30,60,90" in err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.slow
def test_run_shows_progress_per_cell(tables_dir, practice, tmp_path, capfd):
    argv = ["report", "run", "ar_aging", "--data", str(tables_dir), "-p", f"as_of={practice.as_of}"]
    assert main([*argv, "--out", str(tmp_path)]) == 0
    captured = capfd.readouterr()
    cells = len(nbformat.read(tmp_path / "ar_aging.ipynb", as_version=4).cells)
    assert f"/{cells} [" in captured.err and "cell/s" in captured.err  # tqdm: one step per cell
    assert captured.out.strip() == str(tmp_path / "ar_aging.html")
    assert main([*argv, "--out", str(tmp_path / "quiet"), "--quiet"]) == 0
    assert "cell/s" not in capfd.readouterr().err
