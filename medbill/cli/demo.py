"""``medbill demo``: the README's main job on the embedded default data.

Loads the sample practice (``data/sample`` of the checkout, or the same sample generated with the
default seed when medbill is installed without one), runs the ``billing_summary`` report on it and
prints where the HTML is.
"""

from __future__ import annotations

import argparse
from pathlib import Path


def register(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", default="reports", metavar="DIR", help="where the report goes (default: reports)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from medbill.claims.tables import read_claims_dir
    from medbill.reports.runner import run_default_report
    from medbill.synth.sample import sample_dir

    folder = sample_dir()
    data = read_claims_dir(folder)
    dates = data.lines["service_date"]
    print(
        f"sample practice: {len(data.claims):,} claims, {len(data.lines):,} lines, "
        f"services {dates.min():%Y-%m-%d} to {dates.max():%Y-%m-%d} ({folder})"
    )
    print("running billing_summary ...", flush=True)
    html = run_default_report(Path(args.out))
    print(f"report: {html.resolve()}")
    return 0
