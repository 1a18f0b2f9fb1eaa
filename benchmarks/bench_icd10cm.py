"""ICD-10-CM engine figures, each start-up measured in fresh processes, against simple-icd-10-cm.

Run: ``.venv/bin/python benchmarks/bench_icd10cm.py``. Prints, for medbill: ``import medbill``
time; first lookup in a fresh process without and with the compiled cache; time per exact lookup
and per ``is_billable``; search latency p50/p95 over realistic queries; resident memory after load.
The baseline, measured in the same run: ``import simple_icd_10_cm`` (which parses its XML at import)
time and memory, and its lookup time. Targets: import < 0.15 s, first lookup with cache < 0.3 s,
lookup < 2 µs, search p95 < 10 ms, memory < 150 MB.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile

RUNS = 5

QUERIES = [
    "type 2 diabetes with neuropathy",
    "asthma NOS",
    "torus fracture right radius",
    "chest pain",
    "essential hypertension",
    "acute bronchitis",
    "urinary tract infection",
    "low back pain",
    "major depressive disorder recurrent",
    "generalized anxiety disorder",
    "migraine without aura",
    "copd exacerbation",
    "pneumonia unspecified organism",
    "atrial fibrillation",
    "heart failure",
    "chronic kidney disease stage 3",
    "hyperlipidemia",
    "obesity bmi 40",
    "vitamin d deficiency",
    "hypothyroidism",
    "gastroesophageal reflux",
    "osteoarthritis right knee",
    "sprain left ankle initial",
    "laceration of scalp",
    "fracture of left wrist",
    "dog bite",
    "fall from ladder",
    "sepsis",
    "covid-19",
    "otitis media acute right ear",
    "streptococcal pharyngitis",
    "conjunctivitis",
    "allergic rhinitis",
    "insomnia",
    "obstructive sleep apnea",
    "iron deficiency anemia",
    "prostate cancer",
    "breast cancer left",
    "screening colonoscopy",
    "encounter for immunization",
    "routine child health exam",
    "pregnancy first trimester supervision",
    "gestational diabetes",
    "preeclampsia",
    "dehydration",
    "nausea with vomiting",
    "abdominal pain right lower quadrant",
    "headache",
    "dizziness",
    "syncope",
    "cellulitis of left leg",
    "pressure ulcer sacral stage 2",
    "alcohol dependence",
    "opioid use disorder",
    "nicotine dependence cigarettes",
    "adhd",
    "autism",
    "dementia",
    "parkinson disease",
    "multiple sclerosis",
    "rheumatoid arthritis",
]

CODES = [
    "E11.9",
    "E11.40",
    "J45.909",
    "S52.521A",
    "T07.XXXD",
    "C4A.0",
    "M1A.0110",
    "I10",
    "R07.9",
    "Z00.00",
    "F32.9",
    "N39.0",
    "E78.5",
    "K21.9",
]


def run(code: str, env: dict[str, str] | None = None) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, **(env or {})},
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


RSS = "int(next(l for l in open('/proc/self/status') if l.startswith('VmRSS')).split()[1]) / 1024"

IMPORT_MEDBILL = (
    "import time, json; t=time.perf_counter(); import medbill; print(json.dumps(time.perf_counter()-t))"
)
FIRST_LOOKUP = (
    "import time, json; t=time.perf_counter(); from medbill.refdata import icd10cm; icd10cm.lookup('E11.9'); "
    "print(json.dumps(time.perf_counter()-t))"
)
WARM_SEARCH = (
    "import json; from medbill.refdata import icd10cm; icd10cm.search('warm up'); print(json.dumps(0))"
)
STEADY = f"""
import time, json, timeit
from medbill.refdata import icd10cm
codes = {CODES!r}
for c in codes: icd10cm.lookup(c)
n = 200_000
t = timeit.timeit("for c in codes: lookup(c)", globals={{"codes": codes, "lookup": icd10cm.lookup}}, number=n // len(codes))
b = timeit.timeit("for c in codes: f(c)", globals={{"codes": codes, "f": icd10cm.is_billable}}, number=n // len(codes))
icd10cm.search("warm up")
lat = []
for q in {QUERIES!r}:  # per query, the median of 3 runs (one preempted run on a busy machine is noise)
    runs = []
    for _ in range(3):
        s = time.perf_counter(); icd10cm.search(q, limit=10); runs.append(time.perf_counter() - s)
    lat.append(sorted(runs)[1])
print(json.dumps({{"lookup_us": t / n * 1e6, "billable_us": b / n * 1e6, "search": lat, "rss_mb": {RSS}}}))
"""
BASELINE = f"""
import time, json, timeit, warnings
warnings.simplefilter("ignore")
t = time.perf_counter(); import simple_icd_10_cm as cm; imp = time.perf_counter() - t
codes = {CODES!r}
n = 200_000
lk = timeit.timeit("for c in codes: d(c)", globals={{"codes": codes, "d": cm.get_description}}, number=n // len(codes))
print(json.dumps({{"import_s": imp, "lookup_us": lk / n * 1e6, "rss_mb": {RSS}}}))
"""


def main() -> None:
    with tempfile.TemporaryDirectory() as home:
        env = {"MEDBILL_HOME": home}
        imports = [run(IMPORT_MEDBILL, env) for _ in range(RUNS)]
        cold = run(FIRST_LOOKUP, env)  # empty MEDBILL_HOME: parses the XML, writes the cache
        warm = [run(FIRST_LOOKUP, env) for _ in range(RUNS)]
        run(WARM_SEARCH, env)  # builds the search index cache once, as any first search does
        steady = run(STEADY, env)
    base = [run(BASELINE) for _ in range(2)]
    base_import = statistics.median(b["import_s"] for b in base)
    base_lookup = statistics.median(b["lookup_us"] for b in base)
    base_rss = statistics.median(b["rss_mb"] for b in base)
    lat = sorted(steady["search"])
    p50 = statistics.median(lat) * 1e3
    p95 = lat[int(0.95 * (len(lat) - 1))] * 1e3
    warm_s = statistics.median(warm)
    rows = [
        ("import medbill", f"{statistics.median(imports):.3f} s", "< 0.15 s", ""),
        ("first lookup, no cache (parse + write cache)", f"{cold:.2f} s", "", f"baseline import {base_import:.2f} s"),
        ("first lookup, with cache", f"{warm_s:.3f} s", "< 0.3 s", f"{base_import / warm_s:.1f}x faster than baseline import"),
        ("lookup per call", f"{steady['lookup_us']:.2f} µs", "< 2 µs", f"baseline get_description {base_lookup:.2f} µs ({base_lookup / steady['lookup_us']:.1f}x)"),
        ("is_billable per call", f"{steady['billable_us']:.2f} µs", "", ""),
        (f"search p50 / p95 ({len(lat)} queries)", f"{p50:.2f} / {p95:.2f} ms", "p95 < 10 ms", "baseline has no search"),
        ("RSS after load + search", f"{steady['rss_mb']:.0f} MB", "< 150 MB", f"baseline {base_rss:.0f} MB ({base_rss / steady['rss_mb']:.1f}x)"),
    ]  # fmt: skip
    width = max(len(r[0]) for r in rows)
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(
        f"ICD-10-CM benchmark (fresh processes, median of {RUNS} where repeated; {os.cpu_count()} CPUs, load {load})"
    )
    for name, value, target, note in rows:
        print(f"  {name:<{width}}  {value:>16}  {target:>12}  {note}")
    print(
        f"  baseline: import simple_icd_10_cm {base_import:.2f} s, {base_rss:.0f} MB RSS, {base_lookup:.2f} µs/lookup"
    )


if __name__ == "__main__":
    main()
