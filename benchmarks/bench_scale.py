"""Scrub and price a synthetic claims history single-process and on a two-worker local Dask cluster.

    .venv/bin/python benchmarks/bench_scale.py [--lines 10000000] [--partitions 16] [--workers 2]

Generates ``--lines`` lines (medbill.synth), writes them as Parquet, partitions them by patient
(``medbill partition``) and prints, for scrub and price: the single-process time and peak RSS (run
in a child process, so its peak is its own), the Dask time and the peak RSS of each worker, lines/s
and the ratio Dask/single. Both paths are checked equal. Pricing uses the PFS releases of
``$MEDBILL_SHARED_DATA/cms/pfs/2025`` (or ../shared/data), imported into a temporary MEDBILL_HOME.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from medbill import synth  # noqa: E402
from medbill.claims.tables import read_claims_dir  # noqa: E402
from medbill.edits import scrub  # noqa: E402
from medbill.scale import engine  # noqa: E402
from medbill.scale.partition import partition  # noqa: E402
from medbill.synth import output  # noqa: E402

AS_OF = synth.DEFAULT_END


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _generate(lines: int, folder: str) -> None:
    output.write(synth.generate(lines=lines), folder, fmt="parquet")


def _single(kind: str, folder: str, queue: multiprocessing.Queue) -> None:
    start = time.perf_counter()
    data = read_claims_dir(folder)
    if kind == "scrub":
        out = scrub(data, as_of=AS_OF).findings
    else:
        out = engine.priced_lines(data.lines, data.claims, "national")
    queue.put((time.perf_counter() - start, _peak_mb(), len(out)))


def single(kind: str, folder: Path) -> tuple[float, float, int]:
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    child = ctx.Process(target=_single, args=(kind, str(folder), queue))
    child.start()
    result = queue.get()
    child.join()
    return result


def on_dask(kind: str, dataset: Path, workers: int) -> tuple[float, list[float], int]:
    with engine.client(workers) as c:
        start = time.perf_counter()
        if kind == "scrub":
            out = engine.scrub_dataset(dataset, as_of=AS_OF).findings
        else:
            out = engine.price_dataset(dataset, locality="national")
        seconds = time.perf_counter() - start
        peaks = sorted(c.run(_peak_mb).values())
    return seconds, peaks, len(out)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--lines", type=int, default=10_000_000)
    ap.add_argument("--partitions", type=int, default=16)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench_scale_"))
    os.environ["MEDBILL_HOME"] = str(tmp / "home")
    shared = Path(os.environ.get("MEDBILL_SHARED_DATA", ROOT.parent / "shared" / "data")) / "cms/pfs/2025"
    if shared.is_dir():
        from medbill.refdata.pfs import import_releases

        import_releases(shared)
    start = time.perf_counter()
    # in a child process: Linux keeps a process's peak RSS across fork and exec, so a large parent
    # would set the floor of every later child's and worker's figure
    ctx = multiprocessing.get_context("spawn")
    child = ctx.Process(target=_generate, args=(args.lines, str(tmp / "claims")))
    child.start()
    child.join()
    print(f"generated {args.lines:,} lines in {time.perf_counter() - start:.1f} s")
    start = time.perf_counter()
    partition(tmp / "claims", tmp / "dataset", args.partitions)
    print(f"partitioned into {args.partitions} in {time.perf_counter() - start:.1f} s")
    for kind in ("scrub", "price"):
        s_time, s_peak, s_rows = single(kind, tmp / "claims")
        d_time, d_peaks, d_rows = on_dask(kind, tmp / "dataset", args.workers)
        assert s_rows == d_rows, (kind, s_rows, d_rows)
        print(
            f"{kind}: single {s_time:.1f} s, {args.lines / s_time:,.0f} lines/s, peak {s_peak:,.0f} MB | "
            f"dask x{args.workers} {d_time:.1f} s, {args.lines / d_time:,.0f} lines/s, worker peaks "
            f"{', '.join(f'{p:,.0f}' for p in d_peaks)} MB | dask/single time {d_time / s_time:.2f}x, "
            f"per core {d_time * args.workers / s_time:.2f}x ({s_rows:,} result rows)"
        )


if __name__ == "__main__":
    main()
