"""Lines priced per second: ``FeeSchedule.price_lines`` (vectorised) against ``price()`` in a loop.

Run: ``.venv/bin/python benchmarks/bench_pricing.py [--lines N] [--import-pfs DIR] [--year 2025]``.
Needs an imported PFS year (``medbill data import pfs DIR``, or pass ``--import-pfs DIR``). The loop
is timed on a sample and extrapolated to N lines; both figures and their ratio are printed.
"""

from __future__ import annotations

import argparse
import contextlib
import time

import numpy as np
import pandas as pd

from medbill.pricing.patient import Benefit, patient_share
from medbill.pricing.pfs import FeeSchedule
from medbill.refdata.pfs import import_release


def synthetic_lines(fs: FeeSchedule, n: int, seed: int = 0) -> pd.DataFrame:
    """N lines of about four per claim, payable codes, common modifiers, all localities."""
    rng = np.random.default_rng(seed)
    payable = fs.rvu[fs.rvu["status"].isin(["A", "R", "T"]) & (fs.rvu["mod"] == "")]["hcpcs"].to_numpy()
    locs = (fs.gpci["mac"] + "-" + fs.gpci["locality"]).to_numpy()
    claims = n // 4 + 1
    claim = np.sort(rng.integers(0, claims, n))
    return pd.DataFrame(
        {
            "claim_id": pd.Series(claim).astype(str).radd("C"),
            "line_number": pd.Series(claim).groupby(claim).cumcount() + 1,
            "patient_id": pd.Series(claim // 5).astype(str).radd("P"),
            "service_date": pd.Timestamp(f"{fs.year}-01-01") + pd.to_timedelta(claim % 365, unit="D"),
            "procedure_code": rng.choice(payable, n),
            "modifier1": rng.choice(["", "", "", "", "26", "TC", "50", "59", "80"], n),
            "units": rng.choice([1, 1, 1, 1, 2], n),
            "place_of_service": rng.choice(["11", "11", "22", "21", "02"], n),
            "locality": rng.choice(locs, n),
        }
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--sample", type=int, default=3_000, help="lines priced one by one")
    parser.add_argument("--year", type=int, default=2025)
    parser.add_argument("--import-pfs", metavar="DIR", help="import this PFS folder first")
    args = parser.parse_args()
    if args.import_pfs:
        import_release(args.import_pfs)
    fs = FeeSchedule.load(args.year)
    lines = synthetic_lines(fs, args.lines)

    t0 = time.perf_counter()
    priced = fs.price_lines(lines)
    vectorised = time.perf_counter() - t0

    sample = lines.head(args.sample)
    t0 = time.perf_counter()
    for row in sample.itertuples():
        mods = (row.modifier1,) if row.modifier1 else ()
        # LookupError: e.g. a 26 modifier on a code without components (the batch path says so too)
        with contextlib.suppress(LookupError):
            fs.price(row.procedure_code, row.locality, mods, row.place_of_service, int(row.units))
    loop = (time.perf_counter() - t0) / len(sample) * len(lines)

    t0 = time.perf_counter()
    patient_share(lines, Benefit.medicare_part_b(2025), allowed=priced["allowed"])
    share = time.perf_counter() - t0

    n = len(lines)
    print(
        f"lines: {n:,} ({priced['allowed'].notna().sum():,} priced; {priced['rule'].nunique()} distinct rules)"
    )
    print(f"price_lines (vectorised): {vectorised:6.2f} s  {n / vectorised:12,.0f} lines/s")
    print(
        f"price() loop:             {loop:6.2f} s  {n / loop:12,.0f} lines/s "
        f"(timed on {len(sample):,} lines, extrapolated)"
    )
    print(f"speed-up: {loop / vectorised:,.0f}x")
    print(f"patient_share (accumulators): {share:6.2f} s  {n / share:12,.0f} lines/s")


if __name__ == "__main__":
    main()
