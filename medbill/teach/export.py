"""Student copies of the walkthrough notebooks: cells tagged ``solution`` are emptied."""

from __future__ import annotations

from pathlib import Path

import nbformat

SOLUTION_TAG = "solution"
PLACEHOLDER = "# Your answer here: write the codes, then run the check cell below."


def default_source() -> Path:
    """``notebooks/teaching`` of the checkout this package runs from."""
    return Path(__file__).resolve().parents[2] / "notebooks" / "teaching"


def export_student(dest: str | Path, source: str | Path | None = None) -> list[Path]:
    """Write a student version of every walkthrough in ``source`` to ``dest``; returns the files written."""
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
                if cell.cell_type == "code":
                    cell.outputs = []
                    cell.execution_count = None
        target = out_dir / path.name
        nbformat.write(nb, target)
        written.append(target)
    return written
