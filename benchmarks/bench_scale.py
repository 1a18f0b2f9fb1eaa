"""Scrub, price and the billing summary's figures of a synthetic claims history, single-process and
on a two-worker local Dask cluster.

    .venv/bin/python benchmarks/bench_scale.py [--lines 10000000] [--partitions 32] [--workers 2]
        [--skip-single scrub,price,summary] [--only scrub,price,summary] [--work DIR]

Generates ``--lines`` lines (medbill.synth, in a child process), writes them as Parquet,
partitions them by patient (``medbill partition``) and prints, for scrub, price and the billing
summary's figures (``summary.BILLING_SUMMARY``, one pass): the single-process time and peak RSS
(in a child process), the Dask time and the peak RSS of each worker, lines/s and the ratio
Dask/single, in wall time and per core (Dask time x workers / single time). Peak RSS is polled
with psutil every 0.1 s on the child's and the workers' own pids (``ru_maxrss`` would not do: Linux
carries a parent's peak into a child across fork and exec). Both paths are checked equal (a digest
of the findings and of the priced lines as text, in order; every summary figure). ``--skip-single``
leaves out single-process runs that do not fit in memory; ``--work`` keeps the generated folder and
dataset for another run. Pricing uses the PFS releases of ``$MEDBILL_SHARED_DATA/cms/pfs/2025``
(or ../shared/data), imported into MEDBILL_HOME under the work folder.
"""

from __future__ import annotations

import argparse
import hashlib
import multiprocessing
import os
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import pandas as pd
import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from medbill import synth  # noqa: E402
from medbill.analytics import rollup, summary  # noqa: E402
from medbill.analytics.tables import read_dir  # noqa: E402
from medbill.claims.tables import read_claims_dir  # noqa: E402
from medbill.edits import scrub  # noqa: E402
from medbill.scale import engine  # noqa: E402
from medbill.scale.claims import PartitionedClaims  # noqa: E402
from medbill.scale.partition import partition  # noqa: E402
from medbill.synth import output  # noqa: E402

AS_OF = synth.DEFAULT_END
KINDS = ("scrub", "price", "summary")


@contextmanager
def peak_rss(pids: list[int]) -> Iterator[dict[int, int]]:
    """The peak RSS (bytes) of each of ``pids``, polled every 0.1 s while the block runs."""
    peaks = dict.fromkeys(pids, 0)
    procs = [psutil.Process(p) for p in pids]
    done = threading.Event()

    def poll() -> None:
        while not done.is_set():
            for proc in procs:
                with suppress(psutil.NoSuchProcess):  # a process that ended keeps its last peak
                    peaks[proc.pid] = max(peaks[proc.pid], proc.memory_info().rss)
            done.wait(0.1)

    poller = threading.Thread(target=poll, daemon=True)
    poller.start()
    try:
        yield peaks
    finally:
        done.set()
        poller.join()


def _generate(lines: int, folder: str) -> None:
    output.write(synth.generate(lines=lines), folder, fmt="parquet")


def figures(data: Any) -> list[pd.DataFrame]:
    """Every figure of the billing summary report (one prefetch pass on a partitioned dataset)."""
    rollup.prefetch(data, summary.BILLING_SUMMARY)
    return [rollup.aggregate(data, r, *args) for r, args in summary.BILLING_SUMMARY]


def digest(frame: pd.DataFrame) -> str:
    """A digest of a table's rows as text, in order (findings, priced lines)."""
    text = frame.astype("string").fillna("<NA>")
    return hashlib.sha256(pd.util.hash_pandas_object(text, index=False).to_numpy().tobytes()).hexdigest()[:16]


def _single(kind: str, folder: str, queue: Any) -> None:
    start = time.perf_counter()
    if kind == "scrub":  # as `medbill scrub DIR` and `medbill price --data DIR` read the folder
        result: Any = digest(
            scrub(read_claims_dir(folder, compact=True, only=("payers",)), as_of=AS_OF).findings
        )
    elif kind == "price":
        data = read_claims_dir(folder, compact=True, only=("claims", "lines"))
        result = digest(engine.priced_lines(data.lines, data.claims, "national"))
    else:
        result = figures(read_dir(folder))
    queue.put((time.perf_counter() - start, result))


def single(kind: str, folder: Path) -> tuple[float, float, Any]:
    """Seconds, peak RSS (MB) and result of ``kind`` in a child process."""
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    child = ctx.Process(target=_single, args=(kind, str(folder), queue))
    child.start()
    assert child.pid is not None
    with peak_rss([child.pid]) as peaks:
        seconds, result = queue.get()
    child.join()
    return seconds, peaks[child.pid] / 2**20, result


def on_dask(kind: str, dataset: Path, workers: int) -> tuple[float, list[float], Any]:
    """Seconds, each worker's peak RSS (MB) and result of ``kind`` on a local cluster."""
    with engine.client(workers) as c:
        pids = list(c.run(os.getpid).values())
        with peak_rss(pids) as peaks:
            start = time.perf_counter()
            if kind == "scrub":
                result: Any = digest(engine.scrub_dataset(dataset, as_of=AS_OF).findings)
            elif kind == "price":
                result = digest(engine.price_dataset(dataset, locality="national"))
            else:
                result = figures(PartitionedClaims.open(dataset))
            seconds = time.perf_counter() - start
    return seconds, sorted(p / 2**20 for p in peaks.values()), result


def same(kind: str, a: Any, b: Any) -> None:
    if kind == "summary":
        for x, y in zip(a, b, strict=True):  # group sums come sorted by group, added in another order
            pd.testing.assert_frame_equal(x.sort_index().round(2), y.sort_index().round(2))
    else:
        assert a == b, (kind, a, b)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--lines", type=int, default=10_000_000)
    ap.add_argument("--partitions", type=int, default=32)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--skip-single", default="", help="comma-separated kinds to run on Dask only")
    ap.add_argument(
        "--work", help="folder for the data: reuses its claims/ and dataset/ when a run left them there"
    )
    ap.add_argument("--only", default=",".join(KINDS), help="comma-separated kinds to measure")
    args = ap.parse_args()
    skip = {k for k in args.skip_single.split(",") if k}
    tmp = Path(args.work) if args.work else Path(tempfile.mkdtemp(prefix="bench_scale_"))
    os.environ["MEDBILL_HOME"] = str(tmp / "home")
    shared = Path(os.environ.get("MEDBILL_SHARED_DATA", ROOT.parent / "shared" / "data")) / "cms/pfs/2025"
    if shared.is_dir():
        from medbill.refdata.pfs import import_releases

        import_releases(shared)
    if not (tmp / "claims").is_dir():
        start = time.perf_counter()
        # in a child process, so this process stays small while the others run
        ctx = multiprocessing.get_context("spawn")
        child = ctx.Process(target=_generate, args=(args.lines, str(tmp / "claims")))
        child.start()
        child.join()
        print(f"generated {args.lines:,} lines in {time.perf_counter() - start:.1f} s", flush=True)
    if not (tmp / "dataset").is_dir():
        start = time.perf_counter()
        partition(tmp / "claims", tmp / "dataset", args.partitions)
        print(f"partitioned into {args.partitions} in {time.perf_counter() - start:.1f} s", flush=True)
    for kind in [k for k in KINDS if k in args.only.split(",")]:
        d_time, d_peaks, d_result = on_dask(kind, tmp / "dataset", args.workers)
        dask_text = (
            f"dask x{args.workers} {d_time:.1f} s, {args.lines / d_time:,.0f} lines/s, worker peaks "
            f"{' / '.join(f'{p:,.0f}' for p in d_peaks)} MB"
        )
        if kind in skip:
            print(f"{kind}: single not run | {dask_text}", flush=True)
            continue
        s_time, s_peak, s_result = single(kind, tmp / "claims")
        same(kind, s_result, d_result)
        print(
            f"{kind}: single {s_time:.1f} s, {args.lines / s_time:,.0f} lines/s, peak {s_peak:,.0f} MB | "
            f"{dask_text} | dask/single time {d_time / s_time:.2f}x, per core "
            f"{d_time * args.workers / s_time:.2f}x (results equal)",
            flush=True,
        )


if __name__ == "__main__":
    main()
