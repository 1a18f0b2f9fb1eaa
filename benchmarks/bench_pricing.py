"""Lines priced per second: ``price_lines`` (vectorised, release chosen per date of service) side
by side with the code before quarterly releases, and against ``price()`` in a loop.

Run: ``.venv/bin/python benchmarks/bench_pricing.py --import-pfs DIR [--lines N] [--baseline REF]``.
Needs the 2025 PFS folder (two quarterly releases, RVU25A and RVU25D) imported
(``medbill data import pfs DIR``, or pass ``--import-pfs DIR``).

Two inputs of N lines, the same codes, modifiers and localities:

- *one quarter*: every date in October to December 2025, priced by ``FeeSchedule.load("RVU25D")``;
- *mixed quarters*: dates in January to March and October to December 2025, priced by the
  module-level ``price_lines``, which picks RVU25A or RVU25D per line.

The baseline is the same lines priced by the code of git ref ``REF`` (default: the last commit
before quarterly releases, which priced every 2025 line with one file, ``FeeSchedule.load(2025)``),
run in a subprocess on a copy of that ref's ``medbill`` with its own MEDBILL_HOME, its runs
interleaved with this code's.
A baseline ref with quarterly releases (``--baseline main``) prices each input as this code does.
The ``price()`` loop is timed on a sample and extrapolated to N lines.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import tarfile
import tempfile
import time
from io import BytesIO
from pathlib import Path

import numpy as np
import pandas as pd

from medbill.pricing.patient import Benefit, patient_share
from medbill.pricing.pfs import FeeSchedule, price_lines
from medbill.refdata.pfs import import_releases

ROOT = Path(__file__).resolve().parents[1]
# The last commit whose PFS was one release per year (every 2025 line priced with the October file).
BEFORE_QUARTERS = "0f60778"

# Run by the baseline subprocess: import the folder with the old importer, then for each parquet
# path read from stdin, time the old FeeSchedule of 2025's price_lines on it and print the seconds.
_BASELINE = """
import json, sys, time
import pandas as pd
try:
    from medbill.refdata.pfs import import_release
except ImportError:
    from medbill.pricing.pfs_import import import_release
from medbill.pricing import pfs
import_release(sys.argv[1])
quarterly = hasattr(pfs, "releases")  # a ref that chooses the release per date of service
fs = pfs.FeeSchedule.load("RVU25D" if quarterly else 2025)
frames = {}
print("ready", flush=True)
for path in sys.stdin:
    path = path.strip()
    lines = frames.setdefault(path, pd.read_parquet(path))
    t0 = time.perf_counter()
    priced = pfs.price_lines(lines) if quarterly and "mixed" in path else fs.price_lines(lines)
    seconds = time.perf_counter() - t0
    print(json.dumps({"seconds": seconds, "priced": int(priced["allowed"].notna().sum())}), flush=True)
"""


class Baseline:
    """The code of git ref ``ref`` in a subprocess, timing ``price_lines`` on request, so its runs
    interleave with this code's (the machine is shared: load changes from minute to minute)."""

    def __init__(self, ref: str, folder: str, tmp: str) -> None:
        archive = subprocess.run(
            ["git", "-C", str(ROOT), "archive", ref, "medbill"], capture_output=True, check=True
        ).stdout
        with tarfile.open(fileobj=BytesIO(archive)) as tar:
            tar.extractall(tmp, filter="data")
        env = {**os.environ, "PYTHONPATH": tmp, "MEDBILL_HOME": str(Path(tmp) / "home")}
        self.tmp = Path(tmp)
        self.proc = subprocess.Popen(
            [sys.executable, "-c", _BASELINE, folder], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            text=True, env=env, cwd=tmp,
        )  # fmt: skip
        if self.proc.stdout.readline().strip() != "ready":
            raise RuntimeError(f"the baseline code of {ref} did not start")

    def time(self, name: str, lines: pd.DataFrame) -> float:
        path = self.tmp / f"{name.replace(' ', '_')}.parquet"
        if not path.exists():
            lines.to_parquet(path)
        self.proc.stdin.write(f"{path}\n")
        self.proc.stdin.flush()
        return json.loads(self.proc.stdout.readline())["seconds"]

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait()


def synthetic_lines(fs: FeeSchedule, n: int, months: tuple[int, ...], seed: int = 0) -> pd.DataFrame:
    """N lines of about four per claim, payable codes, common modifiers, all localities, dates of
    service in ``months`` of 2025."""
    rng = np.random.default_rng(seed)
    payable = fs.rvu[fs.rvu["status"].isin(["A", "R", "T"]) & (fs.rvu["mod"] == "")]["hcpcs"].to_numpy()
    locs = (fs.gpci["mac"] + "-" + fs.gpci["locality"]).to_numpy()
    claims = n // 4 + 1
    claim = np.sort(rng.integers(0, claims, n))
    days = pd.DatetimeIndex(
        [d for d in pd.date_range("2025-01-01", "2025-12-31") if d.month in months]
    ).to_numpy()
    return pd.DataFrame(
        {
            "claim_id": pd.Series(claim).astype(str).radd("C"),
            "line_number": pd.Series(claim).groupby(claim).cumcount() + 1,
            "patient_id": pd.Series(claim // 5).astype(str).radd("P"),
            "service_date": days[claim % len(days)],
            "procedure_code": rng.choice(payable, n),
            "modifier1": rng.choice(["", "", "", "", "26", "TC", "50", "59", "80"], n),
            "units": rng.choice([1, 1, 1, 1, 2], n),
            "place_of_service": rng.choice(["11", "11", "22", "21", "02"], n),
            "locality": rng.choice(locs, n),
        }
    )


def side_by_side(
    inputs: dict[str, pd.DataFrame], price: dict, args: argparse.Namespace, why_not: str
) -> tuple[dict[str, list[float]], dict[str, list[float]], dict[str, pd.DataFrame], str]:
    """Seconds of each run of this code and of the baseline per input (interleaved), the last
    priced frames, and why the baseline was not run ("" when it was)."""
    new: dict[str, list[float]] = {name: [] for name in inputs}
    old: dict[str, list[float]] = {name: [] for name in inputs}
    priced = {}
    with tempfile.TemporaryDirectory() as tmp:
        base = None
        if not why_not:
            try:
                base = Baseline(args.baseline, args.import_pfs, tmp)
            except (OSError, subprocess.CalledProcessError, RuntimeError) as exc:
                why_not = f"{exc}"
        for _ in range(args.repeat):  # interleaved: this code, then the baseline, per input
            for name, lines in inputs.items():
                t0 = time.perf_counter()
                priced[name] = price[name]()
                new[name].append(time.perf_counter() - t0)
                if base is not None:
                    old[name].append(base.time(name, lines))
        if base is not None:
            base.close()
    return new, old, priced, why_not


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--sample", type=int, default=3_000, help="lines priced one by one")
    parser.add_argument("--repeat", type=int, default=3, help="best of this many runs per figure")
    parser.add_argument("--import-pfs", metavar="DIR", help="import this PFS folder first (the 2025 folder)")
    parser.add_argument(
        "--baseline",
        default=BEFORE_QUARTERS,
        metavar="REF",
        help=f"git ref of the code to compare (default {BEFORE_QUARTERS}, the last commit before quarterly releases)",
    )
    parser.add_argument("--no-baseline", action="store_true", help="skip the side-by-side baseline")
    args = parser.parse_args()
    if args.import_pfs:
        import_releases(args.import_pfs)
    fs = FeeSchedule.load("RVU25D")
    inputs = {
        "one quarter": synthetic_lines(fs, args.lines, months=(10, 11, 12)),
        "mixed quarters": synthetic_lines(fs, args.lines, months=(1, 2, 3, 10, 11, 12)),
    }
    price = {
        "one quarter": lambda: fs.price_lines(inputs["one quarter"]),
        "mixed quarters": lambda: price_lines(inputs["mixed quarters"]),
    }
    why_not = "--no-baseline" if args.no_baseline else ""
    if not why_not and not args.import_pfs:
        why_not = "the baseline needs --import-pfs DIR (it imports the folder into its own MEDBILL_HOME)"
    new, old, priced, why_not = side_by_side(inputs, price, args, why_not)

    n = args.lines
    print(f"lines: {n:,} per input; best of {args.repeat}, runs interleaved")
    print(f"{'input':<16} {'this code':>22} {'baseline ' + args.baseline:>26}   ratio")
    for name in inputs:
        seconds = min(new[name])
        releases = ", ".join(sorted(priced[name]["release"].dropna().unique()))
        mine = f"{seconds:6.2f} s {n / seconds:10,.0f}/s"
        if old[name]:
            b = min(old[name])
            print(f"{name:<16} {mine:>22} {f'{b:6.2f} s {n / b:10,.0f}/s':>26}   {seconds / b:5.2f}x")
        else:
            print(f"{name:<16} {mine:>22} {'-':>26}")
        print(f"{'':<16} priced {priced[name]['allowed'].notna().sum():,} with {releases}")
    if why_not:
        print(f"baseline not run: {why_not}")

    lines = inputs["one quarter"]
    sample = lines.head(args.sample)
    t0 = time.perf_counter()
    for row in sample.itertuples():
        mods = (row.modifier1,) if row.modifier1 else ()
        # LookupError: e.g. a 26 modifier on a code without components (the batch path says so too)
        with contextlib.suppress(LookupError):
            fs.price(row.procedure_code, row.locality, mods, row.place_of_service, int(row.units))
    loop = (time.perf_counter() - t0) / len(sample) * n
    vectorised = min(new["one quarter"])
    print(
        f"price() loop:   {loop:6.2f} s  {n / loop:12,.0f} lines/s (timed on {len(sample):,} lines, extrapolated); "
        f"vectorised speed-up {loop / vectorised:,.0f}x"
    )

    t0 = time.perf_counter()
    patient_share(lines, Benefit.medicare_part_b(2025), allowed=priced["one quarter"]["allowed"])
    share = time.perf_counter() - t0
    print(f"patient_share (accumulators): {share:6.2f} s  {n / share:12,.0f} lines/s")


if __name__ == "__main__":
    main()
