"""FHIR worklist benchmark: load speed on 10,000 encounters, and the quality of the ICD-10-CM suggestions.

Usage: .venv/bin/python benchmarks/bench_fhir.py [SHARED_DATA_DIR]

Speed: the five Synthea sample Bundles are copied (ids rewritten) into a temporary folder until it
holds 10,000 encounters, then loaded with ``medbill.ingest.fhir.load_fhir`` (reader, worklist and
suggestions). Baseline in the same run: parsing the five sample Bundles with ``fhir.resources``
(R4B pydantic models) against medbill's ``json`` reader over the same files.

Quality: for every Condition in the sample Bundles and the bulk NDJSON sample, whether its top-5
suggestions hold a code a coder would accept (``tests/ingest/fhir_expected.csv``, written by hand
with a note per condition; a condition a coder would not code, such as "Full-time employment", has
no accepted code). Conditions with no code expected or no expectation written are counted and listed
apart. The suggestions come from the release nearest each date: FY2025 for Synthea's past dates.
"""

from __future__ import annotations

import math
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET = 10_000


def _replicate(bundles: list[Path], folder: Path, per_copy: int) -> int:
    """Write copies of the Bundles with every id prefixed by the copy number; returns the copies."""
    copies = math.ceil(TARGET / per_copy)
    for k in range(copies):
        for path in bundles:
            text = path.read_text(encoding="utf-8")
            text = text.replace("urn:uuid:", f"urn:uuid:c{k}-").replace('"id": "', f'"id": "c{k}-')
            (folder / f"c{k}-{path.name}").write_text(text, encoding="utf-8")
    return copies


def _parse_baseline(bundles: list[Path]) -> tuple[float, float]:
    """Seconds to parse the Bundles with fhir.resources (R4B) and with medbill's json reader."""
    from fhir.resources.R4B.bundle import Bundle

    from medbill.ingest.fhir.reader import read_resources

    t = time.perf_counter()
    for path in bundles:
        Bundle.parse_raw(path.read_bytes())
    models = time.perf_counter() - t
    t = time.perf_counter()
    for path in bundles:
        for _ in read_resources(path):
            pass
    return models, time.perf_counter() - t


def _quality(worklist, expected) -> tuple[int, int, int]:
    """Print the share of Conditions with an accepted code in their top 5 and the cases; returns
    (in the top 5, first, Conditions)."""
    conditions = worklist.findings[worklist.findings["kind"] == "condition"]
    top = worklist.suggestions.groupby("finding_id")["code"].agg(list)
    cases = conditions.assign(top5=conditions["finding_id"].map(top)).merge(
        expected, left_on="code", right_on="snomed_code", how="left"
    )
    cases["top5"] = [t if isinstance(t, list) else [] for t in cases["top5"]]
    # "" = a coder assigns no code (employment, schooling): counted apart, like findings with no expectation
    known = cases[cases["accepted_icd10cm"].fillna("") != ""].copy()
    known["first"] = [
        next((i for i, code in enumerate(t, 1) if code in set(a.split())), 0)
        for a, t in zip(known["accepted_icd10cm"], known["top5"], strict=True)
    ]
    known["hit"] = known["first"] > 0
    hits, n = int(known["hit"].sum()), len(known)
    share = hits / n if n else float("nan")
    print(f"  Conditions with an accepted code in the top 5: {hits} / {n} = {share:.0%}")
    print(f"  ... in first place: {(known['first'] == 1).sum()} / {n} = {(known['first'] == 1).mean():.0%}")
    distinct = known.groupby(["code", "display_x"], sort=False).agg(
        n=("hit", "size"), hits=("hit", "sum"), accepted=("accepted_icd10cm", "first"), top5=("top5", "first")
    )
    whole = int((distinct["hits"] == distinct["n"]).sum())
    print(f"  distinct conditions fully found: {whole} / {len(distinct)}")
    for (_code, display), row in distinct.iterrows():
        mark = "ok  " if row["hits"] == row["n"] else ("part" if row["hits"] else "MISS")
        print(
            f"    {mark} {display[:45]:45} x{row['n']:<4} accepted {row['accepted']:<22} top5 {' '.join(row['top5'])}"
        )
    for label, rows in (
        ("no code expected (a coder codes nothing for them)", cases[cases["accepted_icd10cm"] == ""]),
        ("not counted (no expectation written)", cases[cases["accepted_icd10cm"].isna()]),
    ):
        if len(rows):
            names = rows["display_x"].value_counts()
            print(f"  {label}: {len(rows)} Conditions, {len(names)} distinct: {', '.join(names.index[:6])}")
    return hits, int((known["first"] == 1).sum()), n


def main(shared: Path) -> None:
    os.environ["MEDBILL_HOME"] = tempfile.mkdtemp(prefix="medbill-bench-")
    import warnings

    import pandas as pd

    from medbill.ingest.fhir import load_fhir

    warnings.simplefilter("ignore")  # coverage warnings for Synthea's decades-old dates
    sample = shared / "fhir/synthea-bundles"
    bundles = sorted(sample.glob("*.json"))

    models, plain = _parse_baseline(bundles)
    print(
        f"Parse the 5 sample Bundles: fhir.resources {models:.2f} s, json reader {plain:.2f} s ({models / plain:.1f}x faster)"
    )

    t = time.perf_counter()
    first = load_fhir(sample)
    print(
        f"Sample Bundles: {len(first.encounters)} encounters loaded in {time.perf_counter() - t:.2f} s (first load, cold search index)"
    )

    with tempfile.TemporaryDirectory() as tmp:
        copies = _replicate(bundles, Path(tmp), len(first.encounters))
        t, cpu = time.perf_counter(), time.process_time()
        big = load_fhir(tmp)
        took, cpu = time.perf_counter() - t, time.process_time() - cpu
    n = len(big.encounters)
    print(
        f"{copies} copies: {n:,} encounters, {len(big.findings):,} findings, {len(big.suggestions):,} suggestions, "
        f"{len(big.skipped):,} skipped in {took:.2f} s = {n / took:,.0f} encounters/s (target: 10,000 in under 30 s)"
    )
    # On a shared machine the wall time includes waiting for a core; the CPU time is the work done.
    print(
        f"  CPU time {cpu:.2f} s = {n / cpu:,.0f} encounters per CPU second; load average {os.getloadavg()[0]:.1f}"
    )

    expected = pd.read_csv(ROOT / "tests/ingest/fhir_expected.csv", dtype=str, keep_default_na=False)
    print("\nSuggestion quality, sample Bundles:")
    a = _quality(first, expected)
    print("\nSuggestion quality, bulk NDJSON sample (10 patients):")
    b = _quality(load_fhir(shared / "fhir/synthea-bulk-10"), expected)
    hits, firsts, n = (x + y for x, y in zip(a, b, strict=True))
    print(
        f"\nBoth samples: {hits} / {n} = {hits / n:.0%} of Conditions with an accepted code in the top 5, "
        f"{firsts} / {n} = {firsts / n:.0%} in first place"
    )


if __name__ == "__main__":
    default = Path(os.environ.get("MEDBILL_SHARED_DATA", ROOT.parent / "shared" / "data"))
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else default)
