"""Nobody writes or runs where they shouldn't (issue 22): report names are names, the encounter
coder's state box stays inside its folder, and typed text reaches HTML escaped."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from medbill.claims.tables import ClaimsData
from medbill.exceptions import ReportError
from medbill.reports.registry import get_report


@pytest.mark.parametrize(
    "name",
    [
        "../../x",  # the reported escape
        "../reports/billing_summary",  # a real template reached through a path
        "/etc/passwd",  # absolute
        "billing_summary/../billing_summary",
        "billing summary",  # a space is not part of any name
        "x" * 200,  # too long to be a name
        "",
    ],
)
def test_report_names_are_names(tmp_path, monkeypatch, name):
    templates = tmp_path / "templates"
    templates.mkdir()
    (tmp_path / "x.ipynb").write_text("{}")  # a notebook outside the templates folder
    monkeypatch.setenv("MEDBILL_REPORTS_DIR", str(templates))
    with pytest.raises(ReportError, match="no report named"):
        get_report(name)


def test_cli_refuses_a_report_path(tmp_path, monkeypatch, capsys):
    from medbill import cli

    (tmp_path / "x.ipynb").write_text("{}")
    monkeypatch.chdir(tmp_path / "..")
    assert cli.main(["report", "run", f"../../{tmp_path.name}/x", "--out", str(tmp_path / "out")]) == 2
    assert "no report named" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


@pytest.fixture
def coder(tmp_path):
    from medbill.widgets.encounter import EncounterCoder

    practice = ClaimsData(
        pd.DataFrame({"claim_id": pd.Series([], dtype="string")}),
        pd.DataFrame({c: [] for c in ("claim_id", "line_number", "procedure_code", "charge")}),
    )
    folder = tmp_path / "practice"
    folder.mkdir()
    return EncounterCoder(practice, state_dir=folder)


@pytest.mark.parametrize(
    "typed",
    [
        "../outside.json",  # climbs out of the practice folder
        "/tmp/anywhere.json",  # absolute path elsewhere
        "notes.txt",  # not a state file
        "",  # nothing typed
    ],
)
def test_state_box_saves_only_inside_the_practice_folder(coder, tmp_path, typed):
    coder.state_path.value = typed
    coder.save_button.click()
    assert "Not saved" in coder.state_message.value
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == []


def test_state_box_saves_and_loads_inside(coder, tmp_path):
    coder.add_diagnosis("J02.9")
    coder.state_path.value = "visits/../enc.json"
    coder.save_button.click()
    assert (tmp_path / "practice" / "enc.json").is_file()
    assert "Saved to" in coder.state_message.value


@pytest.mark.parametrize("content", ["[]", '{"age": "x"}', "{}", '"text"'])
def test_loading_a_foreign_state_file_shows_an_error(coder, tmp_path, content):
    (tmp_path / "practice" / "enc.json").write_text(content)
    coder.state_path.value = "enc.json"
    coder.load_button.click()
    assert "Cannot load encounter state" in coder.state_message.value


def test_thirteenth_diagnosis_message_is_escaped(coder):
    for i in range(12):
        coder.add_diagnosis(f"J0{i % 10}.{i}")
    coder.add_diagnosis("<img src=x onerror=alert(1)>")
    assert "<" not in coder.state_message.value  # the code is upper-cased, then escaped
    assert "&lt;IMG" in coder.state_message.value


def test_state_file_json_is_what_was_saved(coder, tmp_path):
    coder.add_diagnosis("E11.9")
    coder.state_path.value = "enc.json"
    coder.save_button.click()
    saved = json.loads(Path(tmp_path / "practice" / "enc.json").read_text())
    assert [d["code"] for d in saved["diagnoses"]] == ["E11.9"]
