"""FHIR worklist benchmark: load speed on 10,000 encounters, and the quality of the ICD-10-CM suggestions.

Usage: .venv/bin/python benchmarks/bench_fhir.py [SHARED_DATA_DIR]

Speed: the five Synthea sample Bundles are copied (ids rewritten) into a temporary folder until it
holds 10,000 encounters, then loaded with ``medbill.ingest.fhir.load_fhir`` (reader, worklist,
suggestions, claims and remittance tables), in this process and as ``medbill data load fhir`` in a
new one (process start, imports and writing the tables included). Wall and CPU time are printed
apart: on a shared machine the wall time includes waiting for a core (the CPU pressure line says
how much). Baselines in the same run: the same load with Python's garbage collector left running
(the loader pauses it while parsing), ``json.loads`` of the same files alone (the floor), and
parsing the five sample Bundles with ``fhir.resources`` (R4B pydantic models) against the reader.

Quality: for every Condition in the sample Bundles and the bulk NDJSON sample, whether its top-5
suggestions hold a code a coder would accept (``tests/ingest/fhir_expected.csv``, written by hand
with a note per condition; a condition a coder would not code, such as "Full-time employment", has
no accepted code). Conditions with no code expected or no expectation written are counted and listed
apart. The suggestions come from the release nearest each date: FY2025 for Synthea's past dates.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import resource
import subprocess
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


def _timed(run):
    """(result, wall seconds, CPU seconds of this process) of ``run()``."""
    t, cpu = time.perf_counter(), time.process_time()
    result = run()
    return result, time.perf_counter() - t, time.process_time() - cpu


def _parse_only(folder: Path) -> None:
    """``json.loads`` of every file, each document dropped at once (the collector paused as the loader does)."""
    from medbill.ingest.fhir.reader import gc_paused

    with gc_paused():
        for path in sorted(folder.glob("*.json")):
            json.loads(path.read_bytes())


def _with_collector_running(run):
    """``run()`` with the loader's garbage-collector pause replaced by nothing (the behaviour before it)."""
    from medbill.ingest.fhir import worklist

    paused = worklist.gc_paused
    worklist.gc_paused = contextlib.nullcontext
    try:
        return run()
    finally:
        worklist.gc_paused = paused


def _cli(folder: Path, out: Path) -> tuple[float, float]:
    """Wall and CPU seconds of ``medbill data load fhir FOLDER --out OUT`` in a new process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    command = [sys.executable, "-c", "import sys; from medbill.cli import main; sys.exit(main(sys.argv[1:]))"]
    subprocess.run(
        [*command, "data", "load", "fhir", str(folder), "--out", str(out)], check=True, capture_output=True
    )
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def _pressure() -> str:
    """How much of the time some process waited for a core (Linux pressure stall information)."""
    try:
        line = Path("/proc/pressure/cpu").read_text().splitlines()[0]
    except OSError:
        return f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    share = line.split()[2].split("=")[1]
    return (
        f"machine: load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; some process waited for "
        f"a core {share}% of the last 60 s (wall time above CPU time is that wait)"
    )


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
        folder = Path(tmp) / "export"
        folder.mkdir()
        copies = _replicate(bundles, folder, len(first.encounters))
        big, took, cpu = _timed(lambda: load_fhir(folder))
        _, took_gc, cpu_gc = _timed(lambda: _with_collector_running(lambda: load_fhir(folder)))
        _, _, cpu_json = _timed(lambda: _parse_only(folder))
        cli_wall, cli_cpu = _cli(folder, Path(tmp) / "out")
    n = len(big.encounters)
    print(
        f"{copies} copies: {n:,} encounters, {len(big.findings):,} findings, {len(big.suggestions):,} suggestions, "
        f"{len(big.billing.claims):,} claims, {len(big.billing.remit_claims):,} remittances, "
        f"{len(big.skipped):,} + {len(big.claims_skipped):,} skipped (target: 10,000 encounters in under 30 s)"
    )
    print(
        f"  load_fhir:                      wall {took:6.2f} s, CPU {cpu:5.2f} s = {n / cpu:,.0f} encounters per CPU second"
    )
    print(
        f"  baseline, collector running:    wall {took_gc:6.2f} s, CPU {cpu_gc:5.2f} s "
        f"(the pause saves {cpu_gc / cpu:.1f}x CPU)"
    )
    print(
        f"  floor, json.loads of the files: CPU {cpu_json:5.2f} s (load_fhir costs {cpu / cpu_json:.1f}x parsing alone)"
    )
    print(
        f"  medbill data load fhir (a new process, tables written): wall {cli_wall:6.2f} s, CPU {cli_cpu:5.2f} s"
    )
    print(f"  {_pressure()}")

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
