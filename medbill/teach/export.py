"""Student copies: walkthroughs with the cells tagged ``solution`` emptied and every output
cleared, and the exercise bank without its answers (only hashes that recognise a right one).

Notebooks are JSON; editing them here needs no Jupyter package.
"""

from __future__ import annotations

import json
from pathlib import Path

from medbill.bundled import walkthroughs_dir
from medbill.exceptions import DataNotAvailable
from medbill.teach.exercises import Bank, default_bank

SOLUTION_TAG = "solution"
PLACEHOLDER = "# Your answer here: write the codes, then run the check cell below."
STUDENT_BANK = "exercises.student.yaml"


def _without_solutions(nb: dict) -> dict:
    for cell in nb["cells"]:
        if SOLUTION_TAG in cell.get("metadata", {}).get("tags", []):
            cell["source"] = PLACEHOLDER if cell["cell_type"] == "code" else "*(solution removed)*"
        if cell["cell_type"] == "code":  # outputs can show answers too
            cell["outputs"] = []
            cell["execution_count"] = None
    return nb


def export_student(
    dest: str | Path, source: str | Path | None = None, bank: Bank | None = None
) -> list[Path]:
    """Write a student version of every walkthrough in ``source`` (default: the shipped ones) and of
    ``bank`` to ``dest``; returns the files written."""
    src = Path(source) if source else walkthroughs_dir()
    notebooks = sorted(src.glob("*.ipynb"))
    if not notebooks:
        raise DataNotAvailable(f"no walkthrough notebooks (*.ipynb) in {src}; pass --source DIR")
    out_dir = Path(dest)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for path in notebooks:
        nb = _without_solutions(json.loads(path.read_text(encoding="utf-8")))
        target = out_dir / path.name
        target.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        written.append(target)
    student_bank = out_dir / STUDENT_BANK
    student_bank.write_text((bank or default_bank()).to_yaml(solutions=False), encoding="utf-8")
    written.append(student_bank)
    return written
