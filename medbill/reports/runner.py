"""Run a report: validate its parameters, execute its notebook with papermill, export offline HTML.

``run_report("billing_summary", {"start": "2025-10-01"}, data_dir=..., out_dir=...)`` writes
``<out_dir>/<stem>.ipynb`` (the executed notebook) and ``<out_dir>/<stem>.html`` (no code cells,
no network needed to open it) and returns both paths. Parameters are checked before anything runs;
a failing cell raises :class:`~medbill.exceptions.ReportError` naming the report, the parameters and
the cell (the executed notebook, with the error, is still written for inspection).

Execution uses papermill's Python API in this process (one kernel per report). The kernel runs with
``PLOTLY_RENDERER=notebook`` so that a bare ``fig.show()`` in a user's edited template still lands in
the HTML; the templates themselves use :func:`medbill.analytics.figures.show`, which embeds plotly.js
once (see ../shared/STACK.md).
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from medbill.exceptions import ReportError
from medbill.reports.parameters import validate
from medbill.reports.registry import TemplateDirs, get_report

NBCONVERT_TEMPLATES = Path(__file__).resolve().parent / "templates"
DEFAULT_OUT = Path("reports")


@dataclass(frozen=True)
class ReportOutput:
    """A finished report: its name, the parameters it ran with, and the files written."""

    report: str
    parameters: dict[str, Any]
    notebook: Path | None  # None when the executed notebook was not kept
    html: Path


PLOTLYJS_MODES = ("inline", "directory")


@contextlib.contextmanager
def _kernel_environment(plotlyjs: str) -> Iterator[None]:
    """Set the variables the kernel must inherit for the duration of one execution."""
    from medbill.analytics.figures import PLOTLYJS_ENV  # lazily: it loads pandas and plotly

    wanted = {"PLOTLY_RENDERER": "notebook", PLOTLYJS_ENV: plotlyjs}
    saved = {k: os.environ.get(k) for k in wanted}
    os.environ.update(wanted)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def write_plotlyjs(folder: str | os.PathLike[str]) -> Path:
    """Write plotly.js as ``plotly.min.js`` in ``folder``, for pages run with ``plotlyjs="directory"``."""
    from plotly.offline import get_plotlyjs

    path = Path(folder) / "plotly.min.js"
    path.write_text(get_plotlyjs(), encoding="utf-8")
    return path


def safe_stem(text: str) -> str:
    """``text`` reduced to characters safe in a file name on every platform."""
    return re.sub(r"[^A-Za-z0-9._=-]+", "_", text).strip("._") or "report"


def export_html(notebook: Path, html: Path, title: str = "") -> Path:
    """Write ``notebook`` as one self-contained HTML page without code cells or prompts, with
    ``title`` as the page's ``<title>`` (default: the notebook's file name)."""
    import nbformat
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(
        template_name="medbill_offline",
        extra_template_basedirs=[str(NBCONVERT_TEMPLATES)],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )
    nb = nbformat.read(notebook, as_version=4)
    if title:
        nb.metadata["title"] = title
    body, _ = exporter.from_notebook_node(nb)
    html.write_text(body, encoding="utf-8")
    return html


def _failure(name: str, values: dict[str, Any], exc: Any, notebook: Path) -> ReportError:
    cell = getattr(exc, "source", "") or ""
    number = getattr(exc, "exec_count", None) or getattr(exc, "cell_index", "?")
    what = f"{getattr(exc, 'ename', type(exc).__name__)}: {getattr(exc, 'evalue', exc)}"
    first = cell.strip().splitlines()[0] if cell.strip() else ""
    return ReportError(
        f"report {name!r} failed in cell [{number}] ({first!r}): {what}. Executed notebook: {notebook}",
        report=name,
        parameters=values,
        cell=cell,
    )


def run_report(
    name: str,
    parameters: Mapping[str, Any] | None = None,
    *,
    data_dir: str | os.PathLike[str] | None = None,
    out_dir: str | os.PathLike[str] = DEFAULT_OUT,
    stem: str | None = None,
    progress: bool = False,
    keep_notebook: bool = True,
    title: str = "",
    plotlyjs: str = "inline",
    templates: TemplateDirs = (),
) -> ReportOutput:
    """Run report ``name`` and return the executed notebook and HTML paths (see module docstring).

    ``parameters`` may be text (from the command line) or typed values; ``data_dir`` sets the
    report's ``data_dir`` parameter (the claims folder; default: the sample practice);
    ``templates`` are folders searched for ``name`` before the user's and the shipped ones.
    ``progress`` shows a bar advancing per cell on stderr; ``keep_notebook=False`` deletes the
    executed notebook once the HTML is written (``notebook`` is then None); ``title`` is the page
    title (default: the report's description). ``plotlyjs="directory"`` makes the page load
    ``plotly.min.js`` from its own folder (written by :func:`write_plotlyjs`) instead of embedding it.
    """
    if plotlyjs not in PLOTLYJS_MODES:
        raise ReportError(
            f"plotlyjs must be one of {', '.join(PLOTLYJS_MODES)}, got {plotlyjs!r}", report=name
        )
    template = get_report(name, templates)
    given = dict(parameters or {})
    if data_dir is not None:
        given["data_dir"] = str(data_dir)
    values = validate(name, template.parameters, given)
    if values.get("data_dir"):  # the kernel runs in the templates folder: pass an absolute path
        values["data_dir"] = str(Path(values["data_dir"]).resolve())
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    base = safe_stem(stem or name)
    notebook, html = out / f"{base}.ipynb", out / f"{base}.html"
    run = {"report": name, "parameters": values, "started": datetime.now(UTC).isoformat(timespec="seconds")}
    import papermill  # after the parameters are checked: importing it takes a second or two
    from papermill.exceptions import PapermillExecutionError

    try:
        with _kernel_environment(plotlyjs):
            papermill.execute_notebook(
                str(template.path),
                str(notebook),
                parameters={**values, "_run": run},
                progress_bar=progress,
                cwd=str(template.path.parent),
                # The kernel's start-up warning about local TCP sockets is noise in a report run.
                extra_arguments=["--IPKernelApp.log_level=ERROR"],
            )
    except PapermillExecutionError as exc:
        raise _failure(name, values, exc, notebook) from None
    page = export_html(notebook, html, title or f"{template.description} · medbill")
    if not keep_notebook:
        notebook.unlink()
    return ReportOutput(name, values, notebook if keep_notebook else None, page)


def run_default_report(out_dir: str | os.PathLike[str] = DEFAULT_OUT) -> Path:
    """The main job: ``billing_summary`` on the sample practice (generated if missing); returns
    the HTML path."""
    return run_report("billing_summary", out_dir=out_dir).html
