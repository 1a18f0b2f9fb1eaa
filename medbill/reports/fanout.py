"""Fan-out: one report per value of a parameter (``--each provider_npi``), in parallel processes.

Values come from the data (every rendering provider for ``provider_npi``, every payer for
``payer_id``, any other claims column by name) unless given. Parameters are validated once before
any process starts. Each run writes ``<out_dir>/<report>-each-<parameter>/<report>-<parameter>=<value>``
files whose names carry the provider's or payer's name and differ for every value, so outputs never
overwrite each other; each page's title names the value too ("Provider scorecard: Chloe Parker").
Only the HTML pages are kept unless ``keep_notebooks``; ``shared_plotlyjs`` writes plotly.js once
as ``plotly.min.js`` in the folder instead of inside every page. A failing run is reported with its
failing cell and does not stop the others.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from medbill.exceptions import ReportError
from medbill.reports.parameters import validate
from medbill.reports.registry import TemplateDirs, get_report
from medbill.reports.runner import DEFAULT_OUT, ReportOutput, run_report, safe_stem, write_plotlyjs

# Where the values of a fan-out parameter come from: (table, column).
EACH_SOURCES: dict[str, tuple[str, str]] = {
    "provider_npi": ("claims", "rendering_npi"),
    "payer_id": ("claims", "payer_id"),
}


@dataclass(frozen=True)
class FanoutRun:
    """One value's run: its output when it worked, else the error and the failing cell's source."""

    value: str
    output: ReportOutput | None
    error: str = ""
    cell: str = ""

    @property
    def ok(self) -> bool:
        return self.output is not None


def each_values(parameter: str, data_dir: str | os.PathLike[str] | None = None) -> list[str]:
    """The distinct values of ``parameter`` in the claims of ``data_dir`` (default: the sample)."""
    from medbill.analytics.tables import as_tables
    from medbill.reports.provenance import load_data

    tables = as_tables(load_data(data_dir or ""))  # a partitioned dataset is refused with a message
    table, column = EACH_SOURCES.get(parameter, ("claims", parameter))
    frame = tables[table]
    if column not in frame.columns:
        raise ReportError(
            f"cannot fan out over {parameter!r}: the {table} table has no column {column!r}; "
            f"known: {', '.join(EACH_SOURCES)} or a claims column"
        )
    return sorted(frame[column].dropna().astype(str).unique())


def value_names(parameter: str, values: Sequence[str], data_dir: str | os.PathLike[str] | None) -> list[str]:
    """What each value is called: the provider's or payer's name for NPIs and payer ids, else the value."""
    import pandas as pd

    from medbill.analytics import labels
    from medbill.reports.provenance import load_data

    if parameter not in EACH_SOURCES:
        return list(values)
    tables = load_data(data_dir or "")
    series = pd.Series(list(values), dtype="string")
    named = (
        labels.provider_of(series, tables) if parameter == "provider_npi" else labels.payer_of(series, tables)
    )
    return named.tolist()


def _stems(name: str, values: Sequence[str], names: Sequence[str]) -> list[str]:
    """A distinct file stem per value ("provider_scorecard-Chloe_Parker-1101604183"), even when two
    values sanitise to the same text."""
    seen: dict[str, int] = {}
    stems = []
    for value, shown in zip(values, names, strict=True):
        stem = safe_stem(f"{name}-{shown}-{value}" if shown != value else f"{name}-{value}")
        seen[stem] = seen.get(stem, 0) + 1
        stems.append(stem if seen[stem] == 1 else f"{stem}-{seen[stem]}")
    return stems


def _run_one(
    name: str,
    parameters: dict[str, Any],
    data_dir: str | None,
    out_dir: str,
    stem: str,
    title: str,
    value: str,
    options: dict[str, Any],
) -> FanoutRun:
    try:
        return FanoutRun(
            value,
            run_report(
                name, parameters, data_dir=data_dir, out_dir=out_dir, stem=stem, title=title, **options
            ),
        )
    except ReportError as exc:
        return FanoutRun(value, None, str(exc), exc.cell or "")
    except Exception as exc:  # one broken run (kernel died, disk full) must not stop the others
        return FanoutRun(value, None, f"{type(exc).__name__}: {exc}")


def run_each(
    name: str,
    parameter: str,
    parameters: Mapping[str, Any] | None = None,
    *,
    values: Sequence[str] | None = None,
    data_dir: str | os.PathLike[str] | None = None,
    out_dir: str | os.PathLike[str] = DEFAULT_OUT,
    workers: int = 2,
    progress: bool = True,
    keep_notebooks: bool = False,
    shared_plotlyjs: bool = False,
    templates: TemplateDirs = (),
) -> list[FanoutRun]:
    """Run report ``name`` once per value of ``parameter``; results in the order of the values."""
    from tqdm import tqdm

    template = get_report(name, templates)
    given = dict(parameters or {})
    chosen = (
        list(dict.fromkeys(str(v) for v in values))
        if values is not None
        else each_values(parameter, data_dir)
    )
    if not chosen:
        raise ReportError(f"no values of {parameter!r} to run {name!r} for", report=name, parameters=given)
    for value in chosen:  # every run's parameters are checked before any runs
        validate(name, template.parameters, {**given, parameter: value})
    folder = Path(out_dir) / safe_stem(f"{name}-each-{parameter}")
    folder.mkdir(parents=True, exist_ok=True)
    if shared_plotlyjs:
        write_plotlyjs(folder)
    options = {
        "keep_notebook": keep_notebooks,
        "plotlyjs": "directory" if shared_plotlyjs else "inline",
        "templates": [str(Path(d).resolve()) for d in templates],
    }
    names = value_names(parameter, chosen, data_dir)
    stems = _stems(name, chosen, names)
    # each page's <title> says whose it is: a browser with 18 scorecards open tells them apart
    titles = [f"{template.description}: {shown} · medbill" for shown in names]
    data = str(Path(data_dir).resolve()) if data_dir is not None else None
    results: dict[str, FanoutRun] = {}
    # spawn: each worker starts clean (no inherited threads or kernel sockets from this process).
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=max(1, workers), mp_context=context) as pool:
        futures = {
            pool.submit(
                _run_one, name, {**given, parameter: value}, data, str(folder), stem, title, value, options
            ): value
            for value, stem, title in zip(chosen, stems, titles, strict=True)
        }
        for future in tqdm(
            as_completed(futures), total=len(futures), desc=name, unit="report", disable=not progress
        ):
            results[futures[future]] = future.result()
    return [results[v] for v in chosen]
