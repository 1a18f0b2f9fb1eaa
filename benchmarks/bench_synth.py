"""Synthetic practice generator: lines per second and peak memory at 100k and 1M lines.

Each size runs in a fresh subprocess (so its peak RSS is its own): ``generate``, then the tables
written as CSV and as Parquet (``medbill synth --format both``). The baseline, measured in the same
run on the same data, is the generic pandas CSV writer of the claims tables
(``write_claims_dir(fmt="csv")``), which the generator's Arrow-based CSV writer replaces. Wall time on
a shared machine varies with load; CPU time is printed beside it.

    .venv/bin/python benchmarks/bench_synth.py [--sizes 100000 1000000]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

CHILD = r"""
import json, resource, sys, tempfile, time
from medbill.claims.tables import write_claims_dir
from medbill.synth import generate
from medbill.synth.output import write

def timed(f):
    t, c = time.perf_counter(), time.process_time()
    f()
    return time.perf_counter() - t, time.process_time() - c

n = int(sys.argv[1])
box = {}
gen = timed(lambda: box.setdefault("data", generate(lines=n, seed=1)))
data = box["data"]
with tempfile.TemporaryDirectory() as out:
    csv = timed(lambda: write(data, out + "/csv", "csv"))
    parquet = timed(lambda: write(data, out + "/parquet", "parquet"))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    baseline = timed(lambda: write_claims_dir(data, out + "/baseline", "csv"))
print(json.dumps({"claims": len(data.claims), "generate": gen, "csv": csv, "parquet": parquet,
                  "baseline_csv": baseline, "peak_rss_mb": peak}))
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    args = parser.parse_args()
    print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
    for n in args.sizes:
        out = subprocess.run(
            [sys.executable, "-c", CHILD, str(n)], capture_output=True, text=True, check=True
        )
        r = json.loads(out.stdout.strip().splitlines()[-1])
        (gw, gc), (cw, cc), (pw, pc), (bw, bc) = r["generate"], r["csv"], r["parquet"], r["baseline_csv"]
        print(
            f"{n:>9,} lines ({r['claims']:,} claims): generate {gw:.1f} s wall / {gc:.1f} s CPU"
            f" = {n / gw:,.0f} lines/s wall, {n / gc:,.0f} lines/s CPU; write CSV {cw:.1f} s / {cc:.1f} s CPU,"
            f" Parquet {pw:.1f} s / {pc:.1f} s CPU; generate+CSV+Parquet {gw + cw + pw:.1f} s wall,"
            f" {gc + cc + pc:.1f} s CPU; peak RSS {r['peak_rss_mb']:,.0f} MB"
        )
        print(
            f"{'':>9}   CSV writer vs baseline pandas writer ({bw:.1f} s / {bc:.1f} s CPU):"
            f" {bc / cc:.1f}x less CPU, {bw / cw:.1f}x faster wall"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
