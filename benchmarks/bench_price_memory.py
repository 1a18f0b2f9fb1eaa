"""Peak memory and time of pricing every line of a claims folder, and of one partition's price task,
on this checkout and on a baseline revision, side by side.

    .venv/bin/python benchmarks/bench_price_memory.py [--baseline REV] [--lines 1000000]
        [--partitions 3] [--rounds 2]

Setup (in child processes, so this process stays small): ``--lines`` synthetic lines
(``medbill.synth``) written as a Parquet claims folder and partitioned by patient
(``medbill.scale.partition``, ``--partitions``: 3 gives about 333,000 lines each, near one partition
of bench_scale's 10,000,000 lines in 32), and the 2025 PFS releases of ``$MEDBILL_SHARED_DATA``
(or ../shared/data) imported into one ``MEDBILL_HOME`` per tree. Each measurement is a fresh
process with the tree first on ``PYTHONPATH``:

- *folder*: ``read_claims_dir`` then ``engine.priced_lines(lines, claims, "national")`` (what
  bench_scale's single-process price does);
- *partition*: ``engine.price_partition(DATASET, 0, "national")`` (one Dask price task).

Each reports its peak resident set (``VmHWM``), the seconds and a digest of the priced frame (every
column's name, dtype and values), so the trees are checked to give the same frame. Runs alternate
new and old so that machine noise hits both alike. The baseline tree is a temporary ``git worktree``.
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
KINDS = ("folder", "partition")


def _setup(folder: str, dataset: str, lines: int, partitions: int) -> None:
    """Child: the synthetic claims folder and its partitioned dataset."""
    from medbill import synth
    from medbill.scale.partition import partition
    from medbill.synth import output

    output.write(synth.generate(lines=lines), folder, fmt="parquet")
    partition(folder, dataset, partitions)


def _import_pfs(home: str) -> None:
    """Child: the 2025 PFS releases into ``$MEDBILL_HOME``."""
    from medbill.refdata.pfs import import_releases

    Path(home).mkdir(parents=True, exist_ok=True)
    shared = Path(os.environ.get("MEDBILL_SHARED_DATA", ROOT.parent / "shared" / "data"))
    import_releases(shared / "cms" / "pfs" / "2025")


def _price(kind: str, path: str) -> None:
    """Child: price the folder or partition 0 of the dataset; print peak RSS, time and digest."""
    import hashlib
    import time

    import pandas as pd

    from medbill.claims.tables import read_claims_dir
    from medbill.scale import engine

    start = time.perf_counter()
    if kind == "folder":
        data = read_claims_dir(path)
        priced = engine.priced_lines(data.lines, data.claims, "national")
    else:
        priced = engine.price_partition(path, 0, "national")
    seconds = time.perf_counter() - start
    peak = memory_mb()
    digest = hashlib.sha256()
    for column in priced.columns:
        values = priced[column]
        digest.update(f"{column}:{values.dtype}".encode())
        digest.update(pd.util.hash_pandas_object(values.astype(object), index=False).to_numpy().tobytes())
    print(
        json.dumps(
            {
                "peak_mb": peak,
                "seconds": seconds,
                "lines": len(priced),
                "priced_mb": priced.memory_usage(deep=True).sum() / 2**20,
                "digest": digest.hexdigest()[:16],
            }
        )
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--baseline", default="3376d7c", help="git revision to compare with (main before this work)"
    )
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--partitions", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=2, help="runs per tree and kind (alternated)")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        task, *rest = args.child
        {"setup": lambda: _setup(rest[0], rest[1], int(rest[2]), int(rest[3])),
         "pfs": lambda: _import_pfs(rest[0]),
         "price": lambda: _price(rest[0], rest[1])}[task]()  # fmt: skip
        return 0

    work = Path(tempfile.mkdtemp(prefix="medbill_bench_price_memory_"))
    with baseline_tree(args.baseline, work) as old:
        trees = {"new": ROOT, "old": old}
        homes = {name: str(work / f"home_{name}") for name in trees}
        paths = {"folder": str(work / "claims"), "partition": str(work / "dataset")}
        setup = (
            "--child",
            "setup",
            paths["folder"],
            paths["partition"],
            str(args.lines),
            str(args.partitions),
        )
        run_child(HERE, ROOT, homes["new"], *setup)
        for name, tree in trees.items():
            run_child(HERE, tree, homes[name], "--child", "pfs", homes[name])
        runs: dict[tuple[str, str], list[dict]] = {(k, n): [] for k in KINDS for n in trees}
        for r, name in alternated(args.rounds):
            for kind in KINDS:
                out = json.loads(
                    run_child(
                        HERE, trees[name], homes[name], "--child", "price", kind, paths[kind]
                    ).splitlines()[-1]
                )
                runs[kind, name].append(out)
                print(
                    f"round {r + 1} {kind} {name}: {out['lines']:,} lines, peak RSS {out['peak_mb']:,.0f} MB, "
                    f"{out['seconds']:.2f} s, priced frame {out['priced_mb']:,.0f} MB, digest {out['digest']}",
                    flush=True,
                )
    print(
        f"\nbaseline {args.baseline} vs this checkout, fresh process per run, {args.rounds} rounds alternated"
    )
    equal = True
    for kind in KINDS:
        new, old_runs = runs[kind, "new"], runs[kind, "old"]
        peak = [statistics.median(r["peak_mb"] for r in rs) for rs in (new, old_runs)]
        secs = [statistics.median(r["seconds"] for r in rs) for rs in (new, old_runs)]
        same = len({r["digest"] for r in new + old_runs}) == 1
        equal &= same
        print(
            f"{kind:9s} ({new[0]['lines']:,} lines): peak RSS new {peak[0]:,.0f} MB, old {peak[1]:,.0f} MB, "
            f"new/old {peak[0] / peak[1]:.2f}; time new {secs[0]:.2f} s, old {secs[1]:.2f} s, "
            f"new/old {secs[0] / secs[1]:.2f}; priced frames {'equal' if same else 'DIFFERENT'}"
        )
    return 0 if equal else 1


if __name__ == "__main__":
    sys.exit(main())
