"""The report templates: notebooks with one cell tagged ``parameters``.

Templates come from, in order (the first folder holding a name wins, so a practice can replace a
shipped report as well as add its own):

1. the folders passed as ``extra`` (``medbill report run --templates DIR``);
2. the user's report folder, :func:`user_templates_dir`: ``$MEDBILL_REPORTS_DIR`` when set, else
   ``reports/`` in medbill's data folder (``$MEDBILL_HOME/data/reports``, or the platform's user
   data folder, e.g. ``~/.local/share/medbill/reports`` on Linux);
3. the templates shipped inside the package (:func:`medbill.bundled.report_templates_dir`).

Notebooks are JSON: reading one here needs no Jupyter package, so listing reports works on a
core install.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from medbill.bundled import report_templates_dir
from medbill.exceptions import ReportError
from medbill.reports.parameters import Parameter, parse_parameters

TemplateDirs = Sequence[str | os.PathLike[str]]
# A report name is a name, never a path (``../../x`` must not reach outside the template folders).
_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_-]{0,99}")


def user_templates_dir() -> Path:
    """The user's own report folder (see the module docstring); it need not exist."""
    from medbill.refdata._home import data_dir

    env = os.environ.get("MEDBILL_REPORTS_DIR")
    return Path(env) if env else data_dir() / "reports"


def template_dirs(extra: TemplateDirs = ()) -> list[Path]:
    """The folders searched for templates, first wins; a folder given in ``extra`` must exist."""
    given = [Path(d) for d in extra]
    for folder in given:
        if not folder.is_dir():
            raise ReportError(
                f"report templates folder {folder} does not exist; pass a folder of .ipynb reports"
            )
    user = user_templates_dir()
    return [*given, *([user] if user.is_dir() else []), report_templates_dir()]


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
            "path": str(self.path),
            "parameters": [p.to_dict() for p in self.parameters],
        }


def _source(cell: dict[str, object]) -> str:
    text = cell.get("source", "")
    return "".join(text) if isinstance(text, list) else str(text)


def load_template(path: Path) -> ReportTemplate:
    """Read a report notebook: its ``parameters`` cell and the title of its first markdown cell."""
    try:
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ReportError(
            f"report notebook {path} is not a readable .ipynb file: {exc}", report=path.stem
        ) from None
    tagged = [c for c in cells if "parameters" in c.get("metadata", {}).get("tags", [])]
    if len(tagged) != 1:
        raise ReportError(
            f"report notebook {path} must have exactly one cell tagged 'parameters', found {len(tagged)}",
            report=path.stem,
        )
    description = ""
    for cell in cells:
        if cell.get("cell_type") == "markdown" and _source(cell).strip():
            description = _source(cell).strip().splitlines()[0].lstrip("# ").strip()
            break
    params = parse_parameters(_source(tagged[0]), where=f"{path.name} parameters cell")
    return ReportTemplate(path.stem, path, params, description)


def _paths(folders: Iterable[Path]) -> dict[str, Path]:
    found: dict[str, Path] = {}
    for folder in folders:
        for path in sorted(folder.glob("*.ipynb")):
            found.setdefault(path.stem, path)
    return found


def list_reports(templates: TemplateDirs = ()) -> list[ReportTemplate]:
    """Every report template, by name (``templates``: extra folders searched first)."""
    found = _paths(template_dirs(templates))
    return [load_template(found[name]) for name in sorted(found)]


def get_report(name: str, templates: TemplateDirs = ()) -> ReportTemplate:
    """The template called ``name``, or ReportError listing the available ones.

    A name is a name (letters, digits, ``_`` and ``-``), never a path: ``../../x`` is refused
    rather than resolved outside the templates folders.
    """
    found = _paths(template_dirs(templates))
    if not isinstance(name, str) or not _NAME.fullmatch(name) or name not in found:
        raise ReportError(
            f"no report named {name!r}; available: {', '.join(sorted(found)) or 'none'}", report=name
        )
    return load_template(found[name])
