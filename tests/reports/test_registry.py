"""Report templates: shipped ones, a user folder, and ``--templates DIR`` searched first."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from medbill.bundled import report_templates_dir
from medbill.cli import main
from medbill.exceptions import ReportError
from medbill.reports import get_report, list_reports
from medbill.reports.registry import user_templates_dir

SHIPPED = sorted(p.stem for p in report_templates_dir().glob("*.ipynb"))


def _own_report(folder: Path, name: str, title: str) -> Path:
    """A copy of billing_summary renamed and retitled, as a practice would start its own report."""
    nb = json.loads((report_templates_dir() / "billing_summary.ipynb").read_text())
    first = next(c for c in nb["cells"] if c["cell_type"] == "markdown")
    first["source"] = f"# {title}\n"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.ipynb"
    path.write_text(json.dumps(nb))
    return path


def test_shipped_templates_are_listed(monkeypatch) -> None:
    monkeypatch.delenv("MEDBILL_REPORTS_DIR", raising=False)
    assert [r.name for r in list_reports()] == SHIPPED
    assert len(SHIPPED) == 9  # seven management reports, the denial worklist and patient statements


def test_user_folder_defaults_under_medbill_home(medbill_home, monkeypatch) -> None:
    monkeypatch.delenv("MEDBILL_REPORTS_DIR", raising=False)
    assert user_templates_dir() == medbill_home / "data" / "reports"
    own = _own_report(user_templates_dir(), "practice_weekly", "Practice weekly")
    try:
        assert get_report("practice_weekly").path == own
        assert [r.name for r in list_reports()] == sorted([*SHIPPED, "practice_weekly"])
    finally:
        shutil.rmtree(user_templates_dir())


def test_templates_option_comes_first_and_can_replace_a_shipped_report(tmp_path, capsys) -> None:
    _own_report(tmp_path, "billing_summary", "Our billing summary")
    assert main(["report", "list", "--templates", str(tmp_path), "--json"]) == 0
    reports = {r["name"]: r for r in json.loads(capsys.readouterr().out)}
    assert sorted(reports) == SHIPPED
    assert reports["billing_summary"]["description"] == "Our billing summary"
    assert reports["billing_summary"]["path"] == str(tmp_path / "billing_summary.ipynb")


def test_missing_templates_folder_is_bad_input(tmp_path, capsys) -> None:
    assert main(["report", "list", "--templates", str(tmp_path / "nope")]) == 2
    assert f"report templates folder {tmp_path / 'nope'} does not exist" in capsys.readouterr().err


def test_a_notebook_without_parameters_cell_is_refused(tmp_path) -> None:
    (tmp_path / "broken.ipynb").write_text(json.dumps({"cells": [], "nbformat": 4}))
    with pytest.raises(ReportError, match="exactly one cell tagged 'parameters', found 0"):
        get_report("broken", [tmp_path])
