"""``medbill app encounter``: the notebook it serves and the Voila command it runs (no server here;
the browser test serves it for real)."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import pytest

from medbill.cli import main
from medbill.cli.app import TITLE, encounter_notebook, fee_schedule_date, voila_command


def test_notebook_has_a_title_a_how_to_and_builds_the_coder(tmp_path: Path) -> None:
    nb = encounter_notebook(
        tmp_path,
        payer="MCR01",
        locality="15202-00",
        service_date=date(2025, 11, 3),
        save_dir=tmp_path / "saved",
        note="Import PFS",
    )
    intro, cell = nb.cells
    assert intro.source.startswith(f"# {TITLE}\n") and "Use code" in intro.source
    assert (
        f"Saved encounters go to `{tmp_path / 'saved'}`" in intro.source and "**Import PFS**" in intro.source
    )
    assert "EncounterCoder.from_practice_dir" in cell.source
    assert "payer='MCR01'" in cell.source and "date.fromisoformat('2025-11-03')" in cell.source
    assert str(tmp_path / "saved") in cell.source  # saving goes to the user folder, not the served temp one
    compile(cell.source, "cell", "exec")  # the generated cell is valid Python


def test_voila_command_hides_code_and_asks_for_a_token(tmp_path: Path) -> None:
    command = voila_command(tmp_path / "encounter.ipynb", 8899, open_browser=False, token="s3cret")
    assert command[:3] == [sys.executable, "-m", "voila"]
    assert "--strip_sources=True" in command and "--port=8899" in command and "--no-browser" in command
    assert "--Voila.token=s3cret" in command
    assert "--Voila.token=" in voila_command(tmp_path / "e.ipynb", None, open_browser=False, token=None)


def test_without_an_imported_fee_schedule_the_page_says_what_to_import(fresh_home) -> None:
    when, note = fee_schedule_date(date(2026, 3, 2))
    assert when is None
    assert "No Medicare fee schedule is imported" in note and "for 2026" in note
    assert "`medbill data import pfs DIR`" in note


def test_missing_practice_folder_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    status = main(["app", "encounter", "--practice", str(tmp_path / "nope"), "--no-browser"])
    assert status == 2
    assert "does not exist; pass --practice CLAIMS_DIR" in capsys.readouterr().err


def test_with_the_2025_fee_schedule_a_2026_day_starts_on_its_last_day(pfs_home) -> None:
    from medbill.refdata.registry import releases

    imported = releases("pfs")
    last = max(r.effective_to for r in imported)
    when, note = fee_schedule_date(date(2026, 3, 2))
    assert when == last and last.year == 2025
    assert f"ends on {last.isoformat()}" in note and "For 2026 prices" in note
    covered = imported[0].effective_from
    assert fee_schedule_date(covered) == (covered, "")  # a covered day stays as it is
