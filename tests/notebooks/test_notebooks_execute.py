"""Every shipped notebook is committed with its outputs stripped, and the example notebooks run top to
bottom in a workspace as ``medbill notebooks DIR`` lays it out (``reports/`` and ``teaching/`` are
executed by the reports and teach suites).

Each notebook is one test running its own kernel through nbclient in this process, so
``pytest -n 2`` spreads them over workers.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from medbill.bundled import copy_workspace, notebooks_dir, shipped_notebooks

ROOT = Path(__file__).resolve().parents[2]
ALL = shipped_notebooks()
NOTEBOOKS = [p for p in ALL if not {"reports", "teaching"} & set(p.parts)]


def test_there_are_notebooks() -> None:
    # The four teaching notebooks of issue 9 at least.
    names = {p.name for p in NOTEBOOKS}
    assert {
        "explore_codes.ipynb",
        "code_an_encounter.ipynb",
        "explore_claims.ipynb",
        "remittances.ipynb",
    } <= names


@pytest.mark.parametrize("path", ALL, ids=str)
def test_notebook_is_committed_without_outputs(path: Path) -> None:
    nb = nbformat.read(notebooks_dir() / path, as_version=4)
    dirty = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and (c.outputs or c.execution_count)]
    assert not dirty, f"{path.name}: cells {dirty} carry outputs; strip them (nbstripout)"
    assert "widgets" not in nb.metadata, f"{path.name} carries saved widget state; strip it"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=str)
def test_notebook_executes(path: Path, medbill_home: Path, tmp_path: Path, shared_data, monkeypatch) -> None:
    copy_workspace(tmp_path, sample=ROOT / "data" / "sample")  # the committed sample: no generation
    monkeypatch.setenv("MEDBILL_SHARED_DATA", str(shared_data.root))  # code_from_ehr's FHIR export
    copied = tmp_path / "notebooks" / path
    nb = nbformat.read(copied, as_version=4)
    client = NotebookClient(
        nb, timeout=180, kernel_name="python3", resources={"metadata": {"path": str(copied.parent)}}
    )
    client.execute()  # raises CellExecutionError naming the failing cell
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert not errors
