"""Report benchmark: billing_summary end to end on 1,000,000 service lines (aim: under 60 s), against
the fixed overhead of an empty report (kernel start, papermill, HTML export), measured in one run.

    .venv/bin/python benchmarks/bench_reports.py [--lines N]

Prints: the data generation time (not part of the report), the empty report's time (the baseline),
billing_summary's end-to-end time and its ratio to the baseline, the in-process analytics time for
the same figures, and the HTML size.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook


def _empty_template(folder: Path) -> None:
    cell = new_code_cell('data_dir: str = ""  # unused\n_run: dict = {}  # filled in by the runner')
    cell.metadata["tags"] = ["parameters"]
    nb = new_notebook(cells=[new_markdown_cell("# Empty report"), cell])
    nb.metadata["kernelspec"] = {"display_name": "Python 3", "language": "python", "name": "python3"}
    nbformat.write(nb, folder / "empty.ipynb")


def _analytics_only(data_dir: Path) -> float:
    from medbill.analytics import summary
    from medbill.reports.provenance import load_data

    start = time.perf_counter()
    data = load_data(data_dir)
    for by in summary.SUMMARY_BY:
        summary.money_summary(data, by)
    summary.top_procedures(data)
    summary.top_diagnoses(data, "chapter")
    summary.top_diagnoses(data, "block")
    summary.em_distribution(data)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    args = parser.parse_args()

    from medbill.bundled import report_templates_dir
    from medbill.claims.tables import write_claims_dir
    from medbill.synth import generate

    work = Path(tempfile.mkdtemp(prefix="medbill-bench-"))
    try:
        templates = work / "templates"
        templates.mkdir()
        _empty_template(templates)
        shutil.copy(report_templates_dir() / "billing_summary.ipynb", templates)
        os.environ["MEDBILL_REPORTS_DIR"] = str(templates)
        from medbill.reports import run_report

        t0 = time.perf_counter()
        data_dir = work / "claims"
        write_claims_dir(generate(lines=args.lines), data_dir, fmt="parquet")
        print(
            f"generate {args.lines:,} lines (parquet): {time.perf_counter() - t0:.1f} s (not part of the report)"
        )

        t0 = time.perf_counter()
        run_report("empty", out_dir=work / "out")
        empty = time.perf_counter() - t0
        print(f"empty report (baseline: kernel, papermill, HTML export): {empty:.2f} s")

        t0 = time.perf_counter()
        out = run_report("billing_summary", data_dir=data_dir, out_dir=work / "out")
        full = time.perf_counter() - t0
        verdict = "within" if full < 60 else "OVER"
        print(
            f"billing_summary on {args.lines:,} lines: {full:.1f} s ({full / empty:.1f}x the empty report; "
            f"{verdict} the 60 s aim)"
        )
        executed = nbformat.read(out.notebook, as_version=4)
        cells = [c for c in executed.cells if c.cell_type == "code"]
        slowest = sorted(cells, key=lambda c: -(c.metadata.get("papermill", {}).get("duration") or 0))[:3]
        for c in slowest:
            first = c.source.strip().splitlines()[0][:70]
            print(f"  cell {c.metadata['papermill']['duration']:.1f} s: {first}")
        print(f"  the same analytics in this process (load + summaries): {_analytics_only(data_dir):.1f} s")
        print(f"  HTML: {out.html.stat().st_size / 1e6:.1f} MB")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
