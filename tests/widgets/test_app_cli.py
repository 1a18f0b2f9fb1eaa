"""``medbill app encounter``: the notebook it serves and the Voila command it runs (no server here;
the browser test serves it for real)."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import pytest

from medbill.cli import main
from medbill.cli.app import encounter_notebook, voila_command


def test_notebook_builds_the_coder(tmp_path: Path) -> None:
    nb = encounter_notebook(tmp_path, payer="MCR01", locality="15202-00", service_date=date(2025, 11, 3))
    (cell,) = nb.cells
    assert "EncounterCoder.from_practice_dir" in cell.source
    assert "payer='MCR01'" in cell.source and "date.fromisoformat('2025-11-03')" in cell.source
    compile(cell.source, "cell", "exec")  # the generated cell is valid Python


def test_voila_command_hides_code(tmp_path: Path) -> None:
    command = voila_command(tmp_path / "encounter.ipynb", 8899, open_browser=False)
    assert command[:3] == [sys.executable, "-m", "voila"]
    assert "--strip_sources=True" in command and "--port=8899" in command and "--no-browser" in command


def test_missing_practice_folder_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    status = main(["app", "encounter", "--practice", str(tmp_path / "nope"), "--no-browser"])
    assert status == 2
    assert "does not exist; pass --practice CLAIMS_DIR" in capsys.readouterr().err
