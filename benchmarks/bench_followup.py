"""Follow-up benchmark: patient payment posting, the worklist and statements on a large practice.

Usage: .venv/bin/python benchmarks/bench_followup.py [LINES]   (default 200,000 service lines)

Generates a synthetic practice of LINES lines, then times ``post_patient_payments`` (vectorised
line-by-line allocation) against the obvious per-payment Python loop over the same tables (the
baseline, checked to give the same cents), then ``worklist`` and ``statement_lines``.
"""

from __future__ import annotations

import sys
import time
from collections import defaultdict

import numpy as np
import pandas as pd

from medbill.analytics.statements import statement_lines
from medbill.claims.posting import post_patient_payments
from medbill.followup import worklist
from medbill.synth import DEFAULT_END, generate


def loop_allocation(shares: pd.DataFrame, payments: pd.DataFrame) -> dict[tuple[str, int], int]:
    """The baseline: walk every payment in Python, down its claim's lines, then the patient's oldest."""
    owed: dict[tuple[str, int], int] = {}
    by_claim: dict[str, list[tuple[str, int]]] = defaultdict(list)
    by_patient: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for row in shares.sort_values(["patient_id", "service_date", "claim_id", "line_number"]).itertuples():
        key = (row.claim_id, int(row.line_number))
        owed[key] = max(round(row.patient_share * 100), 0)
        by_patient[row.patient_id].append(key)
    for row in shares.sort_values(["claim_id", "line_number"]).itertuples():
        by_claim[row.claim_id].append((row.claim_id, int(row.line_number)))
    paid = dict.fromkeys(owed, 0)
    pool: dict[str, int] = defaultdict(int)
    for p in payments.itertuples():
        cents = round(p.amount * 100)
        if isinstance(p.claim_id, str):
            for key in by_claim[p.claim_id]:
                take = min(cents, owed[key] - paid[key])
                paid[key] += take
                cents -= take
        pool[p.patient_id] += cents
    for patient, cents in pool.items():
        for key in by_patient[patient]:
            take = min(cents, owed[key] - paid[key])
            paid[key] += take
            cents -= take
    return paid


def main() -> None:
    lines = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
    started = time.perf_counter()
    data = generate(lines=lines)
    print(f"practice: {lines:,} lines, {len(data.claims):,} claims, {len(data.patient_payments):,} patient payments "
          f"(generated in {time.perf_counter() - started:.1f} s)")  # fmt: skip

    started = time.perf_counter()
    posting = post_patient_payments(data)
    vectorised = time.perf_counter() - started
    started = time.perf_counter()
    baseline = loop_allocation(posting.lines, data.patient_payments)
    loop = time.perf_counter() - started
    got = dict(
        zip(
            zip(posting.lines["claim_id"], posting.lines["line_number"].astype(int), strict=True),
            np.round(posting.lines["patient_paid"].to_numpy() * 100).astype(int),
            strict=True,
        )
    )
    assert got == baseline, "the vectorised allocation and the loop disagree"
    print(
        f"post_patient_payments: {vectorised:.2f} s; per-payment loop: {loop:.2f} s; ratio {loop / vectorised:.1f}x"
    )

    for name, fn in (
        ("worklist", lambda: worklist(data, as_of=DEFAULT_END)),
        ("statement_lines", lambda: statement_lines(data, statement_date=DEFAULT_END, include="all")),
    ):
        started = time.perf_counter()
        rows = fn()
        print(f"{name}: {time.perf_counter() - started:.2f} s, {len(rows):,} rows")


if __name__ == "__main__":
    main()
