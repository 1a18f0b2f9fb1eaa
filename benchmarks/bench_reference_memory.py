"""Resident memory of the NCCI PTP and MUE reference data the scrubber's rules hold, on this checkout
and on a baseline revision, side by side.

    .venv/bin/python benchmarks/bench_reference_memory.py [--baseline REV] [--rounds 2]

Setup (in a child process): the synthetic NCCI/MUE quarters of ``bench_scrub.reference_files`` (four
PTP releases of 150,053 rows, four MUE releases) imported into one ``MEDBILL_HOME``. Each measurement
is a fresh process with a tree first on ``PYTHONPATH``: it warms pyarrow's parquet reader on a tiny
file, then loads what the NCCI-PTP and MUE rules keep between calls (this checkout: ``ncci.edits``
and ``mue.values``; before them: ``ncci.load`` and ``mue.load`` plus the rules' memos) and prints the
growth of its resident set (``VmRSS``). Runs alternate new and old.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from pathlib import Path

from _baseline import alternated, baseline_tree, memory_mb, run_child

ROOT = Path(__file__).resolve().parents[1]
HERE = Path(__file__).resolve()


def _import_reference(home: str) -> None:
    """Child: the synthetic NCCI/MUE quarters into ``$MEDBILL_HOME``."""
    sys.path.insert(0, str(HERE.parent))
    import bench_scrub
    import numpy as np

    from medbill.refdata import mue, ncci

    Path(home).mkdir(parents=True, exist_ok=True)
    for ptp_path, mue_path in bench_scrub.reference_files(Path(home), np.random.default_rng(11)):
        ncci.import_release(ptp_path)
        mue.import_release(mue_path)


def _measure() -> None:
    """Child: RSS growth of the reference data the two rules hold, as JSON."""
    import gc

    import pandas as pd

    from medbill.edits.rules import mue as mue_rule
    from medbill.edits.rules import ncci as ncci_rule
    from medbill.refdata import mue, ncci

    tiny = Path(tempfile.mkdtemp()) / "warm.parquet"
    pd.DataFrame({"a": ["x"] * 10}).to_parquet(tiny)
    pd.read_parquet(tiny)  # the reader's one-time cost is not the tables'
    gc.collect()
    start = memory_mb("VmRSS")
    if hasattr(ncci, "edits"):
        held = [ncci.edits("practitioner"), mue.values("practitioner")]
        rows = sum(len(e) for e in held[0])
    else:  # before the compact forms: the tables plus the rules' memos
        tables = ncci.load("practitioner")
        held = [
            tables,
            [ncci_rule._active(t, p) for p, t in tables],
            mue_rule._combined(mue.load("practitioner")),
        ]
        rows = sum(len(a.column1) for a in held[1])
    gc.collect()
    print(json.dumps({"mb": memory_mb("VmRSS") - start, "ptp_rows_held": rows}))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--baseline", default="3376d7c", help="git revision to compare with (before the compact forms)"
    )
    parser.add_argument("--rounds", type=int, default=2, help="runs per tree (alternated)")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        {"reference": lambda: _import_reference(args.child[1]), "measure": _measure}[args.child[0]]()
        return 0

    work = Path(tempfile.mkdtemp(prefix="medbill_bench_refmem_"))
    with baseline_tree(args.baseline, work) as old:
        home = str(work / "home")
        run_child(HERE, ROOT, home, "--child", "reference", home)
        trees = {"new": ROOT, "old": old}
        runs: dict[str, list[dict]] = {"new": [], "old": []}
        for r, name in alternated(args.rounds):
            out = json.loads(run_child(HERE, trees[name], home, "--child", "measure").splitlines()[-1])
            runs[name].append(out)
            print(f"round {r + 1} {name}: +{out['mb']:,.1f} MB RSS, {out['ptp_rows_held']:,} PTP rows held")
    new = statistics.median(r["mb"] for r in runs["new"])
    old_mb = statistics.median(r["mb"] for r in runs["old"])
    print(
        f"\nNCCI PTP (4 x 150,053 rows) + MUE (4 quarters) as the rules hold them, baseline {args.baseline} "
        f"vs this checkout: new {new:,.1f} MB, old {old_mb:,.1f} MB, new/old {new / old_mb:.2f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
