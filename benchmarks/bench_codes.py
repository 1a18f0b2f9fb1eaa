"""Procedure-code benchmark: HCPCS import, lookups, vectorised validity, cross-system search.

Usage: .venv/bin/python benchmarks/bench_codes.py [SHARED_DATA_DIR]

Reads the CMS HCPCS 2020 zip and the PFS 2025 relative value file from the shared reference data
(default ``../shared/data`` beside the checkout, or ``$MEDBILL_SHARED_DATA``) into a temporary
MEDBILL_HOME. Prints each figure, and the cross-system search against ICD-10-CM-only search
measured in the same run (the baseline).
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
QUERIES = [
    "diabetes",
    "fracture of radius",
    "influenza vaccine",
    "office visit established",
    "knee x-ray",
    "dexamethasone injection",
    "wheelchair cushion",
    "left side",
    "chest pain",
    "surgical tray",
    "hypertension",
    "colonoscopy",
    "urinalysis",
    "asthma",
    "glucose test strips",
    "ankle sprain",
]


def _percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]


def _time_each(fn: Callable[[str], object], items: list[str], repeat: int = 1) -> list[float]:
    out = []
    for _ in range(repeat):
        for item in items:
            t = time.perf_counter()
            fn(item)
            out.append(time.perf_counter() - t)
    return out


def main(shared: Path) -> None:
    os.environ["MEDBILL_HOME"] = tempfile.mkdtemp(prefix="medbill-bench-")
    import pandas as pd

    from medbill.refdata import cpt, hcpcs, modifiers, procedures, registry

    hcpcs_zip = shared / "cms/hcpcs/2020/2020-Alpha-Numeric-HCPCS-File.zip"
    pfs = shared / "cms/pfs/2025/PPRRVU2025_Oct.csv"

    t = time.perf_counter()
    prov = hcpcs.import_release(hcpcs_zip)
    first = time.perf_counter() - t
    t = time.perf_counter()
    hcpcs.import_release(hcpcs_zip)
    again = time.perf_counter() - t
    print(
        f"HCPCS import ({prov.rows:,} records): {first:.2f} s; re-import of the same file (no-op): {again * 1e3:.1f} ms"
    )
    t = time.perf_counter()
    cprov = cpt.import_descriptors(pfs)
    print(f"CPT descriptor import from the PFS file ({cprov.rows:,} codes): {time.perf_counter() - t:.2f} s")

    rel = hcpcs.latest()
    codes = list(rel.procedures.index)
    random.seed(7)
    sample = random.sample(codes, 2000)
    hcpcs.lookup(sample[0])  # warm
    p50, p95 = _percentiles(_time_each(hcpcs.lookup, sample))
    print(f"hcpcs.lookup: p50 {p50 * 1e6:.0f} us, p95 {p95 * 1e6:.0f} us ({len(sample)} codes)")
    cpt_sample = random.sample(list(cpt.descriptors().index), 2000)
    p50, p95 = _percentiles(_time_each(cpt.lookup, cpt_sample))
    print(f"cpt.lookup: p50 {p50 * 1e6:.0f} us, p95 {p95 * 1e6:.0f} us")
    mods = list(modifiers.table().index)
    p50, p95 = _percentiles(_time_each(modifiers.lookup, mods, repeat=10))
    print(f"modifiers.lookup: p50 {p50 * 1e6:.0f} us, p95 {p95 * 1e6:.0f} us")

    n = 200_000
    lines = pd.Series(random.choices(codes + cpt_sample + ["XXXXX", "J11"], k=n))
    dates = pd.Series(
        pd.to_datetime("2020-01-01") + pd.to_timedelta([random.randrange(366) for _ in range(n)], "D")
    )
    t = time.perf_counter()
    valid = procedures.is_valid_on_many(lines, dates)
    dt = time.perf_counter() - t
    scalar_n = 2000
    t = time.perf_counter()
    for c, d in zip(lines[:scalar_n], dates[:scalar_n], strict=True):
        hcpcs.is_valid_on(c, d.date()) if hcpcs.is_valid(c) else cpt.is_valid(c)
    per_scalar = (time.perf_counter() - t) / scalar_n
    print(
        f"procedures.is_valid_on_many: {n:,} lines in {dt:.3f} s ({n / dt:,.0f} lines/s, {valid.mean():.1%} valid); "
        f"scalar loop would take {per_scalar * n:.1f} s (x{per_scalar * n / dt:.0f})"
    )

    systems_all = ("icd10cm", "hcpcs", "cpt", "modifier")
    try:
        registry.search("warm up", systems=("icd10cm",), limit=10)
        icd_ok = True
    except Exception as exc:  # the ICD-10-CM engine is a separate part; report, don't fail
        print(f"ICD-10-CM search unavailable ({type(exc).__name__}: {exc}); cross-system search without it")
        icd_ok = False
    for system in systems_all[1:]:
        registry.search("warm up", systems=(system,), limit=10)  # build each index once
    cross = tuple(s for s in systems_all if icd_ok or s != "icd10cm")
    for system in cross:
        s50, s95 = _percentiles(
            _time_each(lambda q, s=system: registry.search(q, systems=(s,), limit=10), QUERIES, repeat=5)
        )
        print(f"  {system}-only search: p50 {s50 * 1e3:.2f} ms, p95 {s95 * 1e3:.2f} ms")
    cross_t = _time_each(lambda q: registry.search(q, systems=cross, limit=10), QUERIES, repeat=5)
    c50, c95 = _percentiles(cross_t)
    print(f"cross-system search {'+'.join(cross)}: p50 {c50 * 1e3:.2f} ms, p95 {c95 * 1e3:.2f} ms")
    if icd_ok:
        icd_t = _time_each(lambda q: registry.search(q, systems=("icd10cm",), limit=10), QUERIES, repeat=5)
        i50, i95 = _percentiles(icd_t)
        print(f"ICD-10-CM-only search (baseline): p50 {i50 * 1e3:.2f} ms, p95 {i95 * 1e3:.2f} ms")
        print(f"cross-system / ICD-only: p50 x{c50 / i50:.2f}, p95 x{c95 / i95:.2f}")
    top = registry.search("influenza vaccine", systems=cross, limit=5)
    print("example: 'influenza vaccine' ->", ", ".join(f"{h.system}:{h.code} {h.score:.2f}" for h in top))


if __name__ == "__main__":
    default = Path(os.environ.get("MEDBILL_SHARED_DATA", ROOT.parent / "shared" / "data"))
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else default)
