"""What a report was made from: its data folder (the sample by default), and the provenance block
that opens every report (parameters, input files and checksums, code-set and fee-schedule releases,
medbill version, run time)."""

from __future__ import annotations

import html
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from medbill import __version__
from medbill.analytics.tables import Partitioned, Tables, data_files, read_dir
from medbill.refdata.store import file_sha256
from medbill.synth.sample import sample_dir

FEE_SCHEDULE_SYSTEMS = frozenset({"pfs"})


def load_data(
    data_dir: str | os.PathLike[str] = "", *, scheduler: str = "", workers: int = 2
) -> Tables | Partitioned:
    """The claims tables of ``data_dir`` (empty: :func:`sample_dir`). A dataset written by
    ``medbill partition`` is not read here: its figures are computed partition by partition on the
    Dask ``scheduler`` (empty: a local cluster of ``workers``), see :mod:`medbill.scale.claims`."""
    folder = Path(data_dir) if str(data_dir) else sample_dir()
    from medbill.scale.partition import MANIFEST

    if (folder / MANIFEST).is_file():
        from medbill.scale.claims import PartitionedClaims

        return PartitionedClaims.open(folder, scheduler=scheduler or None, workers=workers)
    return read_dir(folder)


def releases() -> tuple[list[dict[str, Any]], str]:
    """Installed and embedded reference releases, and the error text if they could not be listed."""
    try:
        from medbill.refdata.registry import releases as all_releases

        return [p.to_dict() for p in all_releases()], ""
    except Exception as exc:  # a broken code-set install must not hide the report; it is shown instead
        return [], f"{type(exc).__name__}: {exc}"


def provenance(tables: Tables | Partitioned, run: dict[str, Any] | None = None) -> dict[str, Any]:
    """The provenance of a report run as a dict (``run`` is what the runner passes as ``_run``)."""
    run = run or {}
    found, error = releases()
    return {
        "report": run.get("report", "(run interactively)"),
        "parameters": run.get("parameters", {}),
        "started": run.get("started", ""),
        "rendered": datetime.now(UTC).isoformat(timespec="seconds"),
        "medbill_version": __version__,
        "data_dir": str(tables.source) if tables.source else "(in memory)",
        "files": _files(tables),
        "code_sets": [r for r in found if r["system"] not in FEE_SCHEDULE_SYSTEMS],
        "fee_schedules": [r for r in found if r["system"] in FEE_SCHEDULE_SYSTEMS],
        "releases_error": error,
    }


def _files(tables: Tables | Partitioned) -> list[dict[str, Any]]:
    """Name (within the data folder), size and checksum of every input file."""
    source = tables.source
    if source is None:
        return []
    return [
        {"file": str(p.relative_to(source)), "bytes": p.stat().st_size, "sha256": file_sha256(p)}
        for p in data_files(tables)
    ]


def _rows(items: list[dict[str, Any]], columns: list[str], empty: str) -> str:
    if not items:
        return f"<p><em>{html.escape(empty)}</em></p>"
    head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(i.get(c) or ''))}</td>" for c in columns) + "</tr>"
        for i in items
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def provenance_html(info: dict[str, Any]) -> str:
    """The provenance block as HTML (a collapsible section so it does not crowd the report)."""
    params = [{"parameter": k, "value": repr(v)} for k, v in info["parameters"].items()]
    error = f"<p><strong>Releases could not be listed:</strong> {html.escape(info['releases_error'])}</p>"
    return (
        '<div class="medbill-provenance" style="border-left:4px solid #888;padding:4px 12px;margin:8px 0">'
        f"<p><strong>Report</strong> {html.escape(info['report'])} · <strong>medbill</strong> "
        f"{html.escape(info['medbill_version'])} · <strong>started</strong> {html.escape(info['started'])} · "
        f"<strong>rendered</strong> {html.escape(info['rendered'])}</p>"
        f"<p><strong>Data</strong> {html.escape(info['data_dir'])}</p>"
        "<details><summary>Provenance: parameters, input files, releases</summary>"
        f"<h4>Parameters</h4>{_rows(params, ['parameter', 'value'], 'defaults of the notebook')}"
        f"<h4>Input files</h4>{_rows(info['files'], ['file', 'bytes', 'sha256'], 'tables given in memory')}"
        f"<h4>Code sets</h4>"
        f"{_rows(info['code_sets'], ['system', 'release', 'effective_from', 'effective_to', 'source', 'sha256'], 'none installed')}"
        f"<h4>Fee schedules</h4>"
        f"{_rows(info['fee_schedules'], ['system', 'release', 'effective_from', 'effective_to', 'source', 'sha256'], 'none imported')}"
        f"{error if info['releases_error'] else ''}</details></div>"
    )


def show_provenance(tables: Tables | Partitioned, run: dict[str, Any] | None = None) -> None:
    """Display the provenance block in the notebook (the first output of every report)."""
    from IPython.display import HTML, display

    display(HTML(provenance_html(provenance(tables, run))))
