"""Peak memory of a single-process scrub of 1,000,000 lines read from a claims folder, on this
checkout and on a baseline revision, side by side.

    .venv/bin/python benchmarks/bench_scrub_memory.py [--baseline REV] [--lines 1000000]
        [--rounds 2] [--format csv|parquet]

Setup (in child processes, so this process stays small): the claims and lines of
``bench_scrub.build`` written once as a claims folder, and the same synthetic NCCI/MUE releases
(plus the MCE list from ``$MEDBILL_SHARED_DATA`` when present) imported into one ``MEDBILL_HOME``
per tree. Each measurement is a fresh process with the tree first on ``PYTHONPATH`` doing what
``medbill scrub DIR`` does: ``read_claims_dir`` then ``scrub``. It reports its own peak resident set
(``VmHWM``, which unlike ``ru_maxrss`` does not inherit the parent's peak across fork and exec),
the peak after reading, the time, and a digest of the findings' rows as text, so the two trees are
checked to find the same things. Runs alternate new and old so that machine noise hits both alike.
The baseline tree is a temporary ``git worktree`` of ``--baseline``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
from pathlib import Path

from _baseline import alternated, baseline_tree, memory_mb, run_child

ROOT = Path(__file__).resolve().parents[1]
HERE = Path(__file__).resolve()
AS_OF = "2026-12-31"


def _write_claims(folder: str, lines: int, fmt: str) -> None:
    """Child: the benchmark claims as a claims folder."""
    sys.path.insert(0, str(HERE.parent))
    import bench_scrub

    from medbill.claims.tables import ClaimsData, write_claims_dir

    claims, table = bench_scrub.build(lines)
    write_claims_dir(ClaimsData(claims, table), folder, fmt=fmt)


def _import_reference(home: str) -> None:
    """Child: the synthetic NCCI/MUE quarters (and the MCE list) into ``$MEDBILL_HOME``."""
    sys.path.insert(0, str(HERE.parent))
    import bench_scrub
    import numpy as np

    from medbill.refdata import mce, mue, ncci

    Path(home).mkdir(parents=True, exist_ok=True)
    for ptp_path, mue_path in bench_scrub.reference_files(Path(home), np.random.default_rng(11)):
        ncci.import_release(ptp_path)
        mue.import_release(mue_path)
    shared = Path(os.environ.get("MEDBILL_SHARED_DATA", ROOT.parent / "shared" / "data"))
    mce_file = shared / "cms/mce/v37/MCE_Simple_Code_Edits_v37.txt"
    if mce_file.exists():
        mce.import_release(mce_file)


def _scrub(folder: str) -> None:
    """Child: read the folder and scrub it; print peak RSS, time and a digest of the findings."""
    import hashlib
    import inspect
    import time
    from datetime import date

    import numpy as np
    import pandas as pd

    from medbill.claims.tables import read_claims_dir
    from medbill.edits import scrub

    # as `medbill scrub DIR` reads it (code columns as categoricals, the tables scrub uses, where the tree can)
    known = inspect.signature(read_claims_dir).parameters
    compact = {k: v for k, v in {"compact": True, "only": ("payers",)}.items() if k in known}
    start = time.perf_counter()
    data = read_claims_dir(folder, **compact)
    read_peak = memory_mb()
    result = scrub(data, as_of=date.fromisoformat(AS_OF))
    seconds = time.perf_counter() - start
    peak = memory_mb()
    columns = ["claim_id", "line_number", "rule_id", "severity", "field", "value", "message", "reference"]
    text = result.findings[columns].astype("string").fillna("<NA>")
    # as a set of rows: since scrub orders findings that tie on claim, line, severity and rule by their
    # text (so splitting a batch never changes the order), the baseline may list those ties differently
    rows = np.sort(pd.util.hash_pandas_object(text, index=False).to_numpy())
    digest = hashlib.sha256(rows.tobytes()).hexdigest()
    print(
        json.dumps(
            {
                "peak_mb": peak,
                "read_peak_mb": read_peak,
                "seconds": seconds,
                "findings": len(result.findings),
                "findings_mb": result.findings.memory_usage(deep=True).sum() / 2**20,
                "digest": digest[:16],
            }
        )
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--baseline",
        default="2974e0d",
        help="git revision to compare with (main before issue 21's memory work)",
    )
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=2, help="runs per tree (alternated)")
    parser.add_argument("--format", choices=("csv", "parquet"), default="csv")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        task, *rest = args.child
        {"write": lambda: _write_claims(rest[0], int(rest[1]), rest[2]),
         "reference": lambda: _import_reference(rest[0]),
         "scrub": lambda: _scrub(rest[0])}[task]()  # fmt: skip
        return 0

    work = Path(tempfile.mkdtemp(prefix="medbill_bench_memory_"))
    with baseline_tree(args.baseline, work) as old:
        trees = {"new": ROOT, "old": old}
        homes = {name: str(work / f"home_{name}") for name in trees}
        folder = str(work / "claims")
        run_child(HERE, ROOT, homes["new"], "--child", "write", folder, str(args.lines), args.format)
        for name, tree in trees.items():
            run_child(HERE, tree, homes[name], "--child", "reference", homes[name])
        runs: dict[str, list[dict]] = {"new": [], "old": []}
        for r, name in alternated(args.rounds):
            out = json.loads(
                run_child(HERE, trees[name], homes[name], "--child", "scrub", folder).splitlines()[-1]
            )
            runs[name].append(out)
            print(
                f"round {r + 1} {name}: peak RSS {out['peak_mb']:,.0f} MB (after reading "
                f"{out['read_peak_mb']:,.0f} MB), {out['seconds']:.1f} s, {out['findings']:,} findings "
                f"holding {out['findings_mb']:,.0f} MB, digest {out['digest']}",
                flush=True,
            )
    new_peak = statistics.median(r["peak_mb"] for r in runs["new"])
    old_peak = statistics.median(r["peak_mb"] for r in runs["old"])
    new_s = statistics.median(r["seconds"] for r in runs["new"])
    old_s = statistics.median(r["seconds"] for r in runs["old"])
    same = {r["digest"] for r in runs["new"] + runs["old"]}
    print(
        f"\n{args.lines:,} lines from {args.format.upper()}, read_claims_dir + scrub in a fresh process, "
        f"baseline {args.baseline} vs this checkout, {args.rounds} rounds alternated"
    )
    print(f"peak RSS: new {new_peak:,.0f} MB, old {old_peak:,.0f} MB, new/old {new_peak / old_peak:.2f}")
    print(f"time:     new {new_s:.1f} s, old {old_s:.1f} s, new/old {new_s / old_s:.2f}")
    print(
        f"findings equal as text: {'yes' if len(same) == 1 else 'NO (digests ' + ', '.join(sorted(same)) + ')'}"
    )
    return 0 if len(same) == 1 else 1


if __name__ == "__main__":
    sys.exit(main())
