"""Widget latency benchmark, headless and in-process.

Usage: .venv/bin/python benchmarks/bench_widgets.py [SHARED_DATA_DIR]

1. CodeSearch: from a keystroke (setting the search box's value, debounce off) to the result list
   filled, for every prefix of a set of phrases typed one character at a time. Target p95 < 50 ms.
   Baseline: ``registry.search`` alone on the same prefixes (the widget's own cost is the difference).
2. EncounterCoder: a full scrub + price refresh of a 10-line encounter. Target p95 < 100 ms.
   Baseline: ``edits.scrub`` + pricing called directly on the same two tables.

Runs in a temporary MEDBILL_HOME. With the shared reference data (default ``../shared/data`` beside
the checkout, or ``$MEDBILL_SHARED_DATA``) the 2025 PFS is imported and the encounter is a Medicare
one priced by the PFS; without it, a commercial payer with a fixed-fee contract. The encounter is
measured twice: with only the embedded code sets, then with the shared HCPCS, NCCI, MUE and MCE files
imported as well, so that every scrub rule runs (as in a billing office that has imported them).
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PHRASES = ["diabetes mellitus", "fracture of radius", "hypertension", "chest pain", "otitis media", "asthma"]
DOS = date(2025, 11, 3)
LINES = [  # (code, modifiers, units, charge, pointers): a busy office day for one patient
    ("99214", "25", 1, 180.0, "AB"),
    ("93000", "", 1, 60.0, "B"),
    ("81002", "", 1, 12.0, "A"),
    ("82947", "", 1, 18.0, "A"),
    ("83036", "", 1, 35.0, "A"),
    ("36415", "", 1, 10.0, "A"),
    ("90471", "", 1, 25.0, "C"),
    ("90686", "", 1, 30.0, "C"),
    ("11102", "", 1, 150.0, "D"),
    ("11103", "", 2, 80.0, "D"),
]
DIAGNOSES = ["E11.9", "I10", "Z23", "L82.1"]


def percentiles(samples: list[float]) -> tuple[float, float, float]:
    """(p50, p95, max) in milliseconds."""
    ms = sorted(s * 1000 for s in samples)
    return statistics.median(ms), ms[min(len(ms) - 1, int(0.95 * len(ms)))], ms[-1]


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def report(name: str, samples: list[float], baseline: list[float], target_ms: float) -> None:
    p50, p95, worst = percentiles(samples)
    b50, b95, _ = percentiles(baseline)
    verdict = "meets" if p95 < target_ms else "MISSES"
    print(f"{name}: n={len(samples)} p50 {p50:.1f} ms, p95 {p95:.1f} ms, max {worst:.1f} ms "
          f"({verdict} the {target_ms:.0f} ms p95 target)")  # fmt: skip
    print(f"  baseline (package call alone): p50 {b50:.1f} ms, p95 {b95:.1f} ms; "
          f"widget/baseline p95 ratio {p95 / b95 if b95 else float('nan'):.2f}x")  # fmt: skip


def bench_code_search() -> None:
    from medbill.refdata import registry
    from medbill.widgets.code_search import CodeSearch

    search = CodeSearch(systems=("icd10cm",), on=DOS, debounce_ms=0)
    warm = timed(lambda: registry.search("warm up", systems=("icd10cm",), on=DOS))
    print(f"search index warm-up (first search in the process): {warm * 1000:.0f} ms")
    prefixes = [p[:i] for p in PHRASES for i in range(1, len(p) + 1)]
    widget, baseline = [], []
    for _round in range(3):
        for prefix in prefixes:
            search.query.value = ""
            widget.append(timed(lambda prefix=prefix: setattr(search.query, "value", prefix)))
            assert search.results.options or not search.hits
            baseline.append(
                timed(lambda prefix=prefix: registry.search(prefix, systems=("icd10cm",), on=DOS))
            )
    report("CodeSearch keystroke -> results shown", widget, baseline, 50)


def bench_encounter(medicare: bool, label: str) -> None:
    from medbill import edits
    from medbill.claims.tables import read_claims_dir
    from medbill.pricing.contracts import Contract
    from medbill.widgets.encounter import EncounterCoder

    practice = read_claims_dir(ROOT / "data" / "sample")
    contract = Contract("bench fee schedule", fee_schedule={code: Decimal("50") for code, *_ in LINES})
    coder = EncounterCoder(
        practice,
        service_date=DOS,
        payer="MCR01" if medicare else "COM01",
        locality="15202-00",
        contracts={"COM01": contract},
    )
    state = coder.state()
    state["diagnoses"] = [{"code": c, "title": ""} for c in DIAGNOSES]
    state["lines"] = [
        {"procedure_code": c, "modifiers": m, "units": u, "charge": ch, "dx_pointers": p}
        for c, m, u, ch, p in LINES
    ]
    coder.set_state(state)
    print(f"encounter priced by: {coder.price_source or 'not priced: ' + coder.price_view.value[:120]}")
    claims, lines = coder.tables()

    def full_refresh() -> None:
        coder._scrubbed = None  # force the scrub as well as the price
        coder.refresh()

    def direct() -> None:
        edits.scrub(claims, lines)
        coder._expected_allowed(lines)

    full_refresh()
    skipped = edits.scrub(claims, lines).skipped
    print(
        f"{label}: scrub rules skipped for want of reference data: {', '.join(skipped['rule_id']) or 'none'}"
    )
    widget = [timed(full_refresh) for _ in range(50)]
    baseline = [timed(direct) for _ in range(50)]
    report(f"EncounterCoder full scrub + price refresh, 10 lines ({label})", widget, baseline, 100)
    price_only = [timed(coder.refresh) for _ in range(50)]  # claim unchanged: price refresh only
    p50, p95, _ = percentiles(price_only)
    print(f"  price-only refresh (plan or locality edited): p50 {p50:.1f} ms, p95 {p95:.1f} ms")


def main() -> int:
    shared = Path(os.environ.get("MEDBILL_SHARED_DATA", ROOT.parent / "shared" / "data"))
    if len(sys.argv) > 1:
        shared = Path(sys.argv[1])
    with tempfile.TemporaryDirectory(prefix="medbill-bench-widgets-") as home:
        os.environ["MEDBILL_HOME"] = home
        pfs = shared / "cms" / "pfs" / "2025"
        if pfs.is_dir():
            from medbill.refdata.pfs import import_release

            import_release(pfs)
        else:
            print(f"note: {pfs} not found; pricing with a fixed-fee contract instead of the Medicare PFS")
        bench_code_search()
        bench_encounter(medicare=pfs.is_dir(), label="embedded code sets")
        if import_edit_data(shared):
            bench_encounter(medicare=pfs.is_dir(), label="with HCPCS, NCCI, MUE and MCE imported")
    return 0


def import_edit_data(shared: Path) -> bool:
    """Import the shared HCPCS, NCCI PTP, MUE and MCE files when all are present."""
    from medbill.refdata import hcpcs, mce, mue, ncci

    files = {
        hcpcs: shared / "cms/hcpcs/2020/2020-Alpha-Numeric-HCPCS-File.zip",
        ncci: shared / "cms/ncci/ptp_practitioner_v322r0_f1_excerpt.tsv",
        mue: shared / "cms/ncci/mue_practitioner_2026-07-01_excerpt.csv",
        mce: shared / "cms/mce/v37/MCE_Simple_Code_Edits_v37.txt",
    }
    missing = [str(path) for path in files.values() if not path.exists()]
    if missing:
        print(
            f"note: {', '.join(missing)} not found; the encounter is measured with the embedded code sets only"
        )
        return False
    for module, path in files.items():
        module.import_release(path)
    return True


if __name__ == "__main__":
    sys.exit(main())
