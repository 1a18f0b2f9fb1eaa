"""The reference-data layer adds no cost: scrub of 1,000,000 lines and a warm CLI lookup, measured
on this checkout and on the code before the layer (default: commit 72c02ed), side by side.

    .venv/bin/python benchmarks/bench_refdata.py [--baseline REV] [--lines 1000000] [--rounds 2]

The baseline is checked out into a temporary git worktree; every measurement runs in a fresh
process with that tree first on ``PYTHONPATH``, alternating new and old so that machine noise hits
both alike. Scrub: ``bench_scrub.py --baseline-claims 0`` of this checkout (same claims, same
reference files, one release per quarter) and its printed batch time, wall and CPU (on a shared,
loaded machine the CPU time of the scrub is the steadier figure: the wall time also counts the waits
for a core). Lookup: the wall time of ``medbill codes lookup E11.9 --json`` in a new process after a
first run has warmed the caches.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _baseline import alternated, baseline_tree

ROOT = Path(__file__).resolve().parents[1]
LOOKUP = "import sys; from medbill.cli import main; sys.exit(main(['codes', 'lookup', 'E11.9', '--json']))"


def run(tree: Path, args: list[str], home: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(tree), "MEDBILL_HOME": home}
    return subprocess.run(
        [sys.executable, *args], env=env, capture_output=True, text=True, check=True, cwd=tree
    )


def scrub_seconds(tree: Path, lines: int) -> tuple[float, float]:
    """(wall, CPU) seconds of the scrub call."""
    with tempfile.TemporaryDirectory(prefix="medbill_bench_home_") as home:
        out = run(
            tree,
            [str(ROOT / "benchmarks" / "bench_scrub.py"), "--lines", str(lines), "--baseline-claims", "0"],
            home,
        ).stdout
    found = re.search(r"^batch: ([0-9.]+) s .*; CPU ([0-9.]+) s", out, re.MULTILINE)
    return float(found.group(1)), float(found.group(2))


def lookup_seconds(tree: Path, home: str, repeats: int) -> float:
    run(tree, ["-c", LOOKUP], home)  # warm: compiled caches written
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        run(tree, ["-c", LOOKUP], home)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--baseline", default="72c02ed", help="git revision before the reference-data layer")
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=2, help="scrub runs per tree (alternated)")
    parser.add_argument("--lookups", type=int, default=15, help="timed CLI lookups per tree and round")
    args = parser.parse_args()
    with (
        tempfile.TemporaryDirectory(prefix="medbill_baseline_") as folder,
        baseline_tree(args.baseline, Path(folder)) as old,
    ):
        trees = {"new": ROOT, "old": old}
        scrub: dict[str, list[float]] = {"new": [], "old": []}
        scrub_cpu: dict[str, list[float]] = {"new": [], "old": []}
        lookup: dict[str, list[float]] = {"new": [], "old": []}
        homes = {k: tempfile.mkdtemp(prefix=f"medbill_bench_{k}_") for k in trees}
        for r, name in alternated(args.rounds):
            lookup[name].append(lookup_seconds(trees[name], homes[name], args.lookups))
            wall, cpu = scrub_seconds(trees[name], args.lines)
            scrub[name].append(wall)
            scrub_cpu[name].append(cpu)
            print(
                f"round {r + 1} {name}: scrub {wall:.1f} s (CPU {cpu:.1f} s), "
                f"warm lookup {lookup[name][-1] * 1000:.0f} ms",
                flush=True,
            )
    print(
        f"\nbaseline {args.baseline} vs this checkout, {args.lines:,} lines, {args.rounds} rounds alternated"
    )
    for label, figures, unit, scale in (
        ("scrub", scrub, "s", 1),
        ("scrub CPU", scrub_cpu, "s", 1),
        ("warm `codes lookup E11.9 --json`", lookup, "ms", 1000),
    ):
        new, old = statistics.median(figures["new"]), statistics.median(figures["old"])
        print(f"{label}: new {new * scale:.1f} {unit}, old {old * scale:.1f} {unit}, new/old {new / old:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
