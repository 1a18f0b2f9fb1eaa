"""Student copies: walkthroughs with the cells tagged ``solution`` emptied and every output
cleared, and the exercise bank without its answers (only hashes that recognise a right one)."""

from __future__ import annotations

from pathlib import Path

import nbformat

from medbill.teach.exercises import Bank, default_bank

SOLUTION_TAG = "solution"
PLACEHOLDER = "# Your answer here: write the codes, then run the check cell below."
STUDENT_BANK = "exercises.student.yaml"


def default_source() -> Path:
    """``notebooks/teaching`` of the checkout this package runs from."""
    return Path(__file__).resolve().parents[2] / "notebooks" / "teaching"


def export_student(
    dest: str | Path, source: str | Path | None = None, bank: Bank | None = None
) -> list[Path]:
    """Write a student version of every walkthrough in ``source`` and of ``bank`` to ``dest``;
    returns the files written."""
    src = Path(source) if source else default_source()
    notebooks = sorted(src.glob("*.ipynb"))
    if not notebooks:
        raise FileNotFoundError(f"No walkthrough notebooks in {src}; pass --source DIR.")
    out_dir = Path(dest)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for path in notebooks:
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            if SOLUTION_TAG in cell.get("metadata", {}).get("tags", []):
                cell.source = PLACEHOLDER if cell.cell_type == "code" else "*(solution removed)*"
            if cell.cell_type == "code":  # outputs can show answers too
                cell.outputs = []
                cell.execution_count = None
        target = out_dir / path.name
        nbformat.write(nb, target)
        written.append(target)
    student_bank = out_dir / STUDENT_BANK
    student_bank.write_text((bank or default_bank()).to_yaml(solutions=False), encoding="utf-8")
    written.append(student_bank)
    return written
