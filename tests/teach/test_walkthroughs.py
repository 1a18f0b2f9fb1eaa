"""Every teaching walkthrough runs top to bottom, with CMS's 2025 fee schedule imported."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from medbill.bundled import walkthroughs_dir
from medbill.refdata import registry

TEACHING = walkthroughs_dir()
WALKTHROUGHS = sorted(TEACHING.glob("*.ipynb"))


def test_the_walkthroughs_are_all_there() -> None:
    names = [p.stem for p in WALKTHROUGHS]
    assert names[0] == "00_start_here" and len(names) >= 8


@pytest.mark.parametrize("path", WALKTHROUGHS, ids=lambda p: p.stem)
def test_walkthrough_runs_top_to_bottom(path: Path, shared_data) -> None:
    registry.import_file("pfs", shared_data("cms/pfs/2025"))  # the reimbursement walkthrough prices with it
    nb = nbformat.read(path, as_version=4)
    NotebookClient(
        nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(TEACHING)}}
    ).execute()
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert not errors
    last = nb.cells[-1]
    assert "solution" in last.metadata.get("tags", []), "each walkthrough ends with its exercises' solutions"
    assert "1.0" in "".join(o.get("text", "") for o in last.outputs), "the expected answers score full marks"
