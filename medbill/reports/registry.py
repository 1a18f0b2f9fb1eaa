"""The report templates: every ``notebooks/reports/<name>.ipynb`` with a ``parameters`` cell.

Templates are notebooks a user opens, reads and changes, so they live in the repository's
``notebooks/reports/`` rather than inside the package. The folder is found, in order, from
``$MEDBILL_REPORTS_DIR`` or beside the package in a source checkout (``pip install -e .``, as
``./dev.sh`` does). An installed wheel without a checkout has no templates: set MEDBILL_REPORTS_DIR.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

import nbformat

from medbill.exceptions import ReportError
from medbill.reports.parameters import Parameter, parse_parameters

_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_-]{0,99}")

CHECKOUT_TEMPLATES = Path(__file__).resolve().parents[2] / "notebooks" / "reports"


def templates_dir() -> Path:
    """The folder holding the report notebooks (see the module docstring)."""
    env = os.environ.get("MEDBILL_REPORTS_DIR")
    folder = Path(env) if env else CHECKOUT_TEMPLATES
    if not folder.is_dir():
        raise ReportError(
            f"report templates folder {folder} does not exist; run from a medbill checkout or set "
            "MEDBILL_REPORTS_DIR to a folder of report notebooks"
        )
    return folder


@dataclass(frozen=True)
class ReportTemplate:
    """One report: its name, notebook path, declared parameters and one-line description."""

    name: str
    path: Path
    parameters: list[Parameter]
    description: str

    def to_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "description": self.description,
            "parameters": [p.to_dict() for p in self.parameters],
        }


def load_template(path: Path) -> ReportTemplate:
    """Read a report notebook: its ``parameters`` cell and the title of its first markdown cell."""
    nb = nbformat.read(path, as_version=4)
    cells = [c for c in nb.cells if "parameters" in c.get("metadata", {}).get("tags", [])]
    if len(cells) != 1:
        raise ReportError(
            f"report notebook {path} must have exactly one cell tagged 'parameters', found {len(cells)}",
            report=path.stem,
        )
    description = ""
    for cell in nb.cells:
        if cell.cell_type == "markdown" and cell.source.strip():
            description = cell.source.strip().splitlines()[0].lstrip("# ").strip()
            break
    params = parse_parameters(cells[0].source, where=f"{path.name} parameters cell")
    return ReportTemplate(path.stem, path, params, description)


def list_reports() -> list[ReportTemplate]:
    """Every report template, by name."""
    return [load_template(p) for p in sorted(templates_dir().glob("*.ipynb"))]


def get_report(name: str) -> ReportTemplate:
    """The template called ``name``, or ReportError listing the available ones.

    A name is a name (letters, digits, ``_`` and ``-``), never a path: ``../../x`` is refused
    rather than resolved outside the templates folder.
    """
    folder = templates_dir()
    path = folder / f"{name}.ipynb"
    if not isinstance(name, str) or not _NAME.fullmatch(name) or not path.is_file():
        names = ", ".join(p.stem for p in sorted(folder.glob("*.ipynb"))) or "none"
        raise ReportError(f"no report named {name!r}; available: {names}", report=name)
    return load_template(path)
