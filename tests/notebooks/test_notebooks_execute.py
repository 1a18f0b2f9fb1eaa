"""Every notebook under notebooks/ is committed with its outputs stripped, and runs top to bottom on the
sample data (notebooks/reports/ and notebooks/teaching/ are executed by the reports and teach suites).

Each notebook is one test running its own kernel through nbclient in this process, so
``pytest -n 2`` spreads them over workers.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[2]
ALL = sorted(p for p in (ROOT / "notebooks").rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)
NOTEBOOKS = [p for p in ALL if not {"reports", "teaching"} & set(p.relative_to(ROOT / "notebooks").parts)]


def _ids(paths: list[Path]) -> list[str]:
    return [str(p.relative_to(ROOT / "notebooks")) for p in paths]


def test_there_are_notebooks() -> None:
    # The four teaching notebooks of issue 9 at least.
    names = {p.name for p in NOTEBOOKS}
    assert {
        "explore_codes.ipynb",
        "code_an_encounter.ipynb",
        "explore_claims.ipynb",
        "remittances.ipynb",
    } <= names


@pytest.mark.parametrize("path", ALL, ids=_ids(ALL))
def test_notebook_is_committed_without_outputs(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    dirty = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and (c.outputs or c.execution_count)]
    assert not dirty, f"{path.name}: cells {dirty} carry outputs; strip them (nbstripout)"
    assert "widgets" not in nb.metadata, f"{path.name} carries saved widget state; strip it"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_notebook_executes(path: Path, medbill_home: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb, timeout=180, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
    )
    client.execute()  # raises CellExecutionError naming the failing cell
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert not errors
