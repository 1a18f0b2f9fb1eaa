"""The notebooks that ship inside the package, and ``medbill notebooks DIR``."""

from __future__ import annotations

import json
from pathlib import Path

from medbill import bundled
from medbill.cli import main

ROOT = Path(__file__).resolve().parents[1]


def test_shipped_notebooks_are_the_packages_own_files() -> None:
    # Found through importlib.resources on the package: here, the checkout's medbill/_notebooks, a
    # link to the top-level notebooks/ folder (git holds one copy; an sdist and a wheel hold the files).
    in_git = ROOT / "medbill" / "_notebooks"
    assert in_git.is_symlink() and in_git.resolve() == (ROOT / "notebooks").resolve()
    assert bundled.notebooks_dir() == in_git
    assert bundled.shipped_notebooks() == sorted(p.relative_to(in_git) for p in in_git.rglob("*.ipynb"))
    assert (
        len(list(bundled.report_templates_dir().glob("*.ipynb"))) == 9
    )  # seven management reports, the denial worklist, patient statements
    assert len(list(bundled.walkthroughs_dir().glob("*.ipynb"))) == 8


def test_workspace_runs_as_laid_out_and_keeps_user_edits(tmp_path: Path, capsys) -> None:
    dest = tmp_path / "mine"
    assert main(["notebooks", str(dest)]) == 0
    assert "wrote" in capsys.readouterr().out
    copied = sorted(p.relative_to(dest / "notebooks") for p in (dest / "notebooks").rglob("*.ipynb"))
    assert copied == bundled.shipped_notebooks()
    # The example notebooks read the practice as ../data/sample from notebooks/.
    assert (dest / "notebooks" / ".." / "data" / "sample" / "claims.csv").is_file()

    edited = dest / "notebooks" / "explore_claims.ipynb"
    edited.write_text("{}")
    again = bundled.copy_workspace(dest)
    assert again.written == [] and edited in again.kept
    assert edited.read_text() == "{}"  # never overwritten


def test_workspace_refuses_a_file_as_destination(tmp_path: Path, capsys) -> None:
    target = tmp_path / "file.txt"
    target.write_text("x")
    assert main(["notebooks", str(target)]) == 2
    assert "is not a folder" in capsys.readouterr().err


def test_teach_export_reads_the_shipped_walkthroughs(tmp_path: Path, capsys) -> None:
    assert main(["teach", "export", "--student", str(tmp_path)]) == 0
    written = sorted(tmp_path.glob("*.ipynb"))
    assert [p.name for p in written] == sorted(p.name for p in bundled.walkthroughs_dir().glob("*.ipynb"))
    for path in written:
        cells = json.loads(path.read_text())["cells"]
        solutions = [c for c in cells if "solution" in c["metadata"].get("tags", [])]
        assert solutions and all(c.get("outputs", []) == [] for c in solutions)
        assert all("Your answer here" in c["source"] or "removed" in c["source"] for c in solutions)


def test_teach_export_from_an_empty_folder_is_a_clear_error(tmp_path: Path, capsys) -> None:
    assert main(["teach", "export", "--student", str(tmp_path / "out"), "--source", str(tmp_path)]) == 2
    assert f"no walkthrough notebooks (*.ipynb) in {tmp_path}" in capsys.readouterr().err
