"""Scrub one million claim lines with every rule; compare with the same rules run claim by claim.

    .venv/bin/python benchmarks/bench_scrub.py [--lines 1000000] [--baseline-claims 200]

Input: random but realistic claims/lines tables built here with numpy (valid NPIs, E/M visits with
same-day procedures, modifiers, 1-12 diagnoses including some header and 7th-character slips).
Reference data: a synthetic NCCI PTP table (about 150,000 pairs, tidy layout) and MUE values for
every code in the pool are written to a temporary folder, once per calendar quarter the claims'
dates fall in (as CMS publishes them: a release covers its quarter), and imported with the real
importers; the MCE list is imported from ``$MEDBILL_SHARED_DATA`` (or ../shared/data) when present.
``--baseline-claims 0`` skips the claim-by-claim loop (``bench_refdata.py`` runs this script on the
code before and after the reference-data layer, side by side).

Baseline: ``scrub`` called once per claim in a Python loop over a random sample of claims; its time
per claim is extrapolated to the whole batch (running it on every claim would take hours).
Peak memory is the process's peak resident set size (``ru_maxrss``).
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

EM = [f"992{n:02d}" for n in (2, 3, 4, 5, 12, 13, 14, 15)]
PROCS = [
    "93000",
    "71046",
    "36415",
    "80053",
    "85025",
    "11102",
    "20610",
    "29881",
    "17110",
    "0001U",
    "0029U",
    "0009U",
    "G0008",
    "J1100",
    "97110",
    "97140",
]
DX = [
    "J06.9",
    "I10",
    "E11.9",
    "E78.5",
    "M54.50",
    "R05.9",
    "Z00.00",
    "K21.9",
    "F41.1",
    "J45.909",
    "N39.0",
    "E11.65",
    "Z79.4",
    "S52.521A",
    "G63",
    "E11.42",
    "O80",
    "A33",
    "N70.01",
    "E11",
    "S52.521",
    "T07D",
]
DX_P = np.array([30, 25, 20, 15, 10, 10, 8, 8, 6, 5, 5, 4, 3, 2, 1, 1, 1, 0.3, 0.3, 0.5, 0.5, 0.3])
MODS = ["", "25", "59", "XU", "26", "TC", "LT", "RT", "50", "GA"]
MODS_P = np.array([80, 6, 3, 2, 3, 2, 2, 2, 0.5, 0.5])


def _check_digit(first9: str) -> str:
    """The NPI check digit: Luhn over "80840" + the first nine digits (written out here so the
    script runs against medbill before and after its modules moved)."""
    total = 0
    for i, ch in enumerate(reversed("80840" + first9)):
        d = int(ch) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return str((10 - total % 10) % 10)


def _npis(rng: np.random.Generator, n: int) -> np.ndarray:
    first9 = [f"1{x:08d}" for x in rng.integers(0, 10**8, n)]
    return np.array([f + _check_digit(f) for f in first9])


def build(n_lines: int, seed: int = 7) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Vectorised random claims and lines in the docs/tables.md shape."""
    rng = np.random.default_rng(seed)
    per_claim = rng.choice([1, 2, 3, 4], size=n_lines, p=[0.3, 0.35, 0.2, 0.15])
    ends = np.cumsum(per_claim)
    per_claim = per_claim[: np.searchsorted(ends, n_lines) + 1]
    per_claim[-1] -= ends[len(per_claim) - 1] - n_lines
    n_claims = len(per_claim)
    claim_ids = np.char.add("C", np.arange(n_claims).astype(str))
    n_patients = max(n_claims // 4, 1)
    patient = rng.integers(0, n_patients, n_claims)
    births = pd.to_datetime("1930-01-01") + pd.to_timedelta(rng.integers(0, 95 * 365, n_patients), unit="D")
    sex = rng.choice(["F", "M"], n_patients)
    npis = _npis(rng, 200)
    dos = pd.to_datetime("2025-10-01") + pd.to_timedelta(rng.integers(0, 300, n_claims), unit="D")
    n_dx = rng.choice(
        np.arange(1, 13), n_claims, p=np.array([30, 30, 20, 8, 4, 2, 2, 1, 1, 1, 0.5, 0.5]) / 100
    )
    claims = pd.DataFrame(
        {
            "claim_id": claim_ids,
            "patient_id": np.char.add("P", patient.astype(str)),
            "patient_birth_date": births[patient],
            "patient_sex": sex[patient],
            "payer_id": rng.choice(["MCR", "BCBS", "AETNA", "MCD"], n_claims),
            "member_id": np.char.add("M", patient.astype(str)),
            "billing_npi": npis[rng.integers(0, 10, n_claims)],
            "rendering_npi": npis[rng.integers(0, 200, n_claims)],
            "place_of_service": rng.choice(["11", "11", "11", "22", "21", "02"], n_claims),
            "claim_frequency": "1",
            "submitted_date": dos + pd.to_timedelta(rng.integers(1, 120, n_claims), unit="D"),
        }
    )
    for i in range(1, 13):
        codes = rng.choice(DX, n_claims, p=DX_P / DX_P.sum())
        claims[f"dx{i}"] = pd.Series(codes).where(n_dx >= i)
    claim_of_line = np.repeat(np.arange(n_claims), per_claim)
    first = np.r_[0, np.cumsum(per_claim)[:-1]]
    line_no = np.arange(n_lines) - np.repeat(first, per_claim) + 1
    is_first = line_no == 1
    proc = np.where(
        is_first & (rng.random(n_lines) < 0.8), rng.choice(EM, n_lines), rng.choice(PROCS, n_lines)
    )
    pointers = np.array(["A", "AB", "ABC", "ABCD"])[np.minimum(n_dx[claim_of_line], 4) - 1]
    lines = pd.DataFrame(
        {
            "claim_id": claim_ids[claim_of_line],
            "line_number": line_no,
            "service_date": dos[claim_of_line],
            "procedure_code": proc,
            "modifier1": pd.Series(rng.choice(MODS, n_lines, p=MODS_P / MODS_P.sum())).replace("", None),
            "modifier2": pd.Series(rng.choice(MODS, n_lines, p=np.r_[97, np.full(9, 3 / 9)] / 100)).replace(
                "", None
            ),
            "units": rng.choice([1.0, 1.0, 1.0, 2.0, 3.0], n_lines),
            "charge": np.round(rng.uniform(15, 400, n_lines), 2),
            "dx_pointers": pointers,
        }
    )
    return claims, lines


def reference_files(folder: Path, rng: np.random.Generator) -> tuple[Path, Path]:
    """A synthetic tidy NCCI PTP file (pairs over the pool plus filler codes) and an MUE file."""
    pool = np.array(EM + PROCS)
    filler = np.char.zfill(rng.integers(10000, 99999, 300_000).astype(str), 5)
    col1 = np.r_[rng.choice(pool, 60), filler[:150_000]]
    col2 = np.r_[rng.choice(pool, 60), filler[150_000:]]
    n = len(col1)
    ptp = pd.DataFrame(
        {
            "column1": col1,
            "column2": col2,
            "prior_1996": "",
            "effective": rng.choice(["20150101", "20200101", "20251001"], n),
            "deletion": rng.choice(["*", "*", "*", "20260331"], n),
            "modifier": rng.choice(["0", "1", "1", "9"], n),
            "rationale": "Mutually exclusive procedures",
        }
    )
    ptp = ptp[ptp["column1"] != ptp["column2"]].drop_duplicates(["column1", "column2", "effective"])
    # The claims' dates run from 2025-10-01 for 300 days: CMS's quarters v31.3 (2025 Q4) to v32.2.
    paths = []
    for version, start in (
        ("v313", "2025-10-01"),
        ("v320", "2026-01-01"),
        ("v321", "2026-04-01"),
        ("v322", "2026-07-01"),
    ):
        ptp_path = folder / f"ptp_practitioner_{version}r0_f1_synthetic.tsv"
        with open(ptp_path, "w") as f:
            f.write(f"# synthetic PTP table for the benchmark, quarter from {start}\n")
            ptp.to_csv(f, sep="\t", index=False)
        paths.append((ptp_path, folder / f"mue_practitioner_{start}_synthetic.csv"))
    mue = pd.DataFrame(
        {
            "hcpcs": pool,
            "practitioner_mue": rng.integers(1, 4, len(pool)),
            "mai": rng.choice([1, 2, 3], len(pool)),
            "mai_text": "",
            "rationale": "synthetic",
        }
    )
    for _, mue_path in paths:
        mue.to_csv(mue_path, index=False)
    return paths


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--baseline-claims", type=int, default=200)
    args = parser.parse_args()

    home = tempfile.mkdtemp(prefix="medbill_bench_")
    os.environ["MEDBILL_HOME"] = home
    import medbill
    from medbill.edits import scrub

    if (Path(medbill.__file__).parent / "refdata").is_dir():
        from medbill.refdata import mce, mue, ncci
    else:  # medbill before the reference-data floor (bench_refdata.py runs both)
        from medbill.edits import mce, mue, ncci  # type: ignore[no-redef]

    rng = np.random.default_rng(11)
    t = time.perf_counter()
    for ptp_path, mue_path in reference_files(Path(home), rng):
        ncci.import_release(ptp_path)
        mue.import_release(mue_path)
    shared = Path(
        os.environ.get("MEDBILL_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data")
    )
    mce_file = shared / "cms/mce/v37/MCE_Simple_Code_Edits_v37.txt"
    if mce_file.exists():
        mce.import_release(mce_file)
    print(f"reference data imported in {time.perf_counter() - t:.1f} s")

    t = time.perf_counter()
    claims, lines = build(args.lines)
    print(
        f"built {len(lines):,} lines on {len(claims):,} claims in {time.perf_counter() - t:.1f} s; peak RSS {peak_rss_mb():,.0f} MB"
    )
    as_of = date(2026, 12, 31)

    # Warm the reference tables once so both measurements exclude first-load costs.
    scrub(claims.head(50), lines[lines["claim_id"].isin(claims["claim_id"].head(50))], as_of=as_of)

    t, cpu = time.perf_counter(), time.process_time()
    result = scrub(claims, lines, as_of=as_of)
    batch_s, cpu_s = time.perf_counter() - t, time.process_time() - cpu
    rss = peak_rss_mb()
    print(
        f"batch: {batch_s:.1f} s for {len(lines):,} lines ({len(lines) / batch_s:,.0f} lines/s); "
        f"CPU {cpu_s:.1f} s; peak RSS {rss:,.0f} MB"
    )
    print(f"  {result!r}")
    print(f"  line_status rows {len(result.line_status):,} (input lines {len(lines):,})")
    if not result.skipped.empty:
        print("  rules skipped: " + ", ".join(result.skipped["rule_id"]))
    print(result.counts.to_string(index=False))

    if not args.baseline_claims:
        return 0
    sample = claims.sample(args.baseline_claims, random_state=3)
    by_claim = dict(tuple(lines[lines["claim_id"].isin(sample["claim_id"])].groupby("claim_id")))
    t = time.perf_counter()
    for _, row in sample.iterrows():
        scrub(row.to_frame().T, by_claim[row["claim_id"]], as_of=as_of)
    per_claim = (time.perf_counter() - t) / len(sample)
    loop_s = per_claim * len(claims)
    print(
        f"baseline: scrub() per claim in a Python loop, {per_claim * 1000:.0f} ms/claim measured on "
        f"{len(sample)} claims, extrapolated to {len(claims):,} claims: {loop_s / 3600:.1f} h ({loop_s:,.0f} s)"
    )
    print(f"speed-up of the vectorised batch over the loop: {loop_s / batch_s:,.0f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
