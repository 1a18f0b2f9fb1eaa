"""X12 benchmark: 837P writing (claims/s, 100,000 claims) and 835 reading (segments/s) against pyx12.

Run: ``.venv/bin/python benchmarks/bench_x12.py [--claims 100000] [--baseline-segments 30000]
[--cli-claims 9000 100000] [--only-cli]``.

First, ``medbill x12 read --json`` against pyx12 on the same 835s (one payment of 9,000 and of 100,000
claims written by medbill's synthetic 835 writer): whole processes, wall and CPU seconds side by side
with their ratios, and medbill's CPU milliseconds per claim (flat when reading is linear). CPU time is
printed because the machine may be shared: wall time then measures the neighbours too.

Each measurement runs in a fresh child process so its peak memory (max RSS) is its own. The 835 is
the same file for medbill and pyx12; pyx12 reads a smaller file by default (it manages about 6,000
segments/s), medbill reads both that file and one ten times bigger, so flat memory shows as equal
peaks. medbill reads each file twice in its process and reports the second (warm) read, the first
alongside; pyx12 reads once (its per-document map loading is part of reading). Printed: throughput,
peak memory, and the ratio against pyx12 measured in the same run.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]

# One 835 claim block: two service lines, balanced (charge - paid - adjustments = 0 everywhere).
_CLAIM = (
    "CLP*{id}*1*175.5*90*10*12*PCN{id}~NM1*QC*1*DOE*JANE****MI*W{id}~DTM*232*20250303~"
    "SVC*HC:99214*150*90**1~DTM*472*20250303~CAS*CO*45*50~CAS*PR*2*10~REF*6R*1~AMT*B6*100~"
    "SVC*HC:83036:QW*25.5*0**1~DTM*472*20250303~CAS*CO*97*25.5~REF*6R*2~"
)
_SEGMENTS_PER_CLAIM = _CLAIM.count("~")


def make_835(path: Path, segments: int) -> int:
    """Write a balanced 835 of about ``segments`` segments; returns the exact segment count."""
    claims = max(1, segments // _SEGMENTS_PER_CLAIM)
    paid = 90 * claims
    head = (
        "ISA*00*          *00*          *ZZ*PAYER01        *ZZ*PROV01         *250310*1200*^*00501*000000042*0*P*:~"
        "GS*HP*PAYER01*PROV01*20250310*1200*42*X*005010X221A1~ST*835*0001~"
        f"BPR*I*{paid}*C*ACH*CCP*01*999999999*DA*123456*1512345678**01*999988880*DA*98765*20250312~"
        "TRN*1*EFT0001*1512345678~N1*PR*ACME HEALTH PLAN~N3*1 PLAN WAY~N4*HARTFORD*CT*06101~"
        "PER*BL*EDI*TE*8005550100~N1*PE*RIVERSIDE FAMILY MEDICINE*XX*1234567893~LX*1~"
    )
    in_st = head[head.index("ST*835") :].count("~") + claims * _SEGMENTS_PER_CLAIM + 1
    with open(path, "w", encoding="ascii") as out:
        out.write(head)
        block = 1000
        for start in range(0, claims, block):
            out.write(
                "".join(_CLAIM.format(id=f"C{i:08d}") for i in range(start, min(start + block, claims)))
            )
        out.write(f"SE*{in_st}*0001~GE*1*42~IEA*1*000000042~")
    return in_st + 4  # ISA, GS, GE, IEA


def synth_835(path: Path, claims: int, seed: int = 7) -> int:
    """One 835 payment of exactly ``claims`` claims written by medbill's synthetic 835 writer
    (``medbill.synth.x12_835``) from a generated practice's remittances; returns its segment count."""
    from datetime import date

    from medbill import synth
    from medbill.claims.tables import ClaimsData
    from medbill.synth.x12_835 import payment_texts

    practice = dict(synth.generate(lines=int(claims * 1.9) + 500, seed=seed, start=date(2025, 10, 1),
                                   end=date(2026, 9, 30)).items())  # fmt: skip
    remitted = practice["remit_claims"].drop_duplicates("claim_id").head(claims)
    if len(remitted) < claims:
        raise SystemExit(f"the synthetic practice remitted only {len(remitted):,} claims")
    payment_id = practice["remit_payments"]["payment_id"].iloc[0]
    keys = pd.MultiIndex.from_frame(remitted[["payment_id", "claim_id"]])

    def one_payment(frame: pd.DataFrame) -> pd.DataFrame:
        inside = pd.MultiIndex.from_frame(frame[["payment_id", "claim_id"]]).isin(keys)
        return frame[inside].assign(payment_id=payment_id)

    payment = (
        practice["remit_payments"].head(1).assign(amount=round(remitted["paid"].sum(), 2), plb_amount=0.0)
    )
    data = ClaimsData(
        claims=practice["claims"],
        lines=practice["lines"],
        patients=practice["patients"],
        providers=practice["providers"],
        payers=practice["payers"],
        remit_payments=payment,
        remit_claims=remitted.assign(payment_id=payment_id),
        remit_lines=one_payment(practice["remit_lines"]),
        remit_adjustments=one_payment(practice["remit_adjustments"]),
        remit_remarks=one_payment(practice["remit_remarks"]),
    )
    (text,) = payment_texts(data).values()
    path.write_text(text, encoding="ascii")
    return text.count("~")


def _timed(command: list[str]) -> tuple[float, float]:
    """Wall and CPU (user + system) seconds of one child process; its output is discarded."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, check=False, cwd=ROOT)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode not in (0, 1):
        raise SystemExit(f"{command[:3]} failed:\n{result.stderr[-2000:]}")
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


_PYX12 = (
    "import io, sys, pyx12.params, pyx12.x12n_document\n"
    "with open(sys.argv[1]) as src:\n"
    "    ok = pyx12.x12n_document.x12n_document(param=pyx12.params.params(), src_file=src,\n"
    "        fd_997=io.StringIO(), fd_html=None, fd_json=io.StringIO())\n"
    "sys.exit(0 if ok else 1)\n"
)


def cli_against_pyx12(sizes: list[int]) -> None:
    """``medbill x12 read --json FILE`` against pyx12 validating FILE, whole processes, same 835."""
    env_path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH", "")]))
    os.environ["PYTHONPATH"] = env_path
    medbill = [
        sys.executable,
        "-c",
        "import sys; from medbill.cli import main; sys.exit(main())",
        "x12",
        "read",
        "--json",
    ]
    print(
        "\n835 'medbill x12 read --json' vs pyx12 (whole processes, files from medbill's synthetic 835 writer):"
    )
    print(f"{'claims':>9} {'segments':>10} | {'medbill wall':>12} {'cpu':>7} | {'pyx12 wall':>11} {'cpu':>8} | "
          f"{'ratio wall':>10} {'cpu':>6} | medbill ms/claim")  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        for claims in sizes:
            path = Path(tmp) / f"payment_{claims}.835"
            segments = synth_835(path, claims)
            ours = _timed([*medbill, str(path)])
            theirs = _timed([sys.executable, "-c", _PYX12, str(path)])
            print(f"{claims:>9,} {segments:>10,} | {ours[0]:>11.2f}s {ours[1]:>6.2f}s | {theirs[0]:>10.2f}s "
                  f"{theirs[1]:>7.2f}s | {theirs[0] / ours[0]:>9.1f}x {theirs[1] / ours[1]:>5.1f}x | "
                  f"{1000 * ours[1] / claims:.3f}")  # fmt: skip


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kilobytes


def phase_write(claims: int, to_file: bool = False) -> dict:
    sys.path.insert(0, str(ROOT / "tests" / "claims"))
    from medbill.claims.models import build_claims
    from medbill.claims.tables import read_claims_dir
    from medbill.claims.x12 import write_837p, write_837p_file

    sample = ROOT / "data" / "sample"
    if (sample / "claims.csv").exists():
        pool, _ = build_claims(read_claims_dir(sample))
    else:  # no committed sample: one claim built in Python
        from claim_strategies import make_claim

        pool = [make_claim()]
    batch = (pool * (claims // len(pool) + 1))[:claims]
    baseline_mb = _peak_mb()
    start = time.perf_counter()
    if to_file:
        with tempfile.TemporaryDirectory() as tmp:
            size = write_837p_file(batch, Path(tmp) / "out.837")
            seconds = time.perf_counter() - start
            segments = (Path(tmp) / "out.837").read_text().count("~")
    else:
        text = write_837p(batch)
        seconds = time.perf_counter() - start
        size, segments = len(text), text.count("~")
    return {
        "claims": claims,
        "seconds": seconds,
        "bytes": size,
        "segments": segments,
        "peak_mb": _peak_mb(),
        "before_mb": baseline_mb,
    }


def phase_read(path: str, mode: str) -> dict:
    import io

    import pyx12.params
    import pyx12.x12n_document

    from medbill.claims.x12 import read_835
    from medbill.claims.x12.reader_835 import iter_835

    def once() -> tuple[float, int, bool]:
        start = time.perf_counter()
        if mode == "medbill-tables":
            remit = read_835(path)
            count, ok = len(remit.claims), bool(remit.imbalances().empty)
        elif mode == "medbill-stream":
            count, ok = sum(1 for _ in iter_835(path)), True
        else:
            with open(path) as src:
                ok = bool(
                    pyx12.x12n_document.x12n_document(
                        param=pyx12.params.params(),
                        src_file=src,
                        fd_997=io.StringIO(),
                        fd_html=None,
                        fd_json=None,
                    )
                )
            count = -1
        return time.perf_counter() - start, count, ok

    cold, count, ok = once()  # after the imports: reading only
    warm = once()[0] if mode != "pyx12" else cold  # medbill again, warm (pandas kernels loaded)
    return {"seconds": warm, "cold_seconds": cold, "claims": count, "ok": ok, "peak_mb": _peak_mb()}


def _child(*args: str) -> dict:
    result = subprocess.run(
        [sys.executable, __file__, "--phase", *args], capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise SystemExit(f"phase {args} failed:\n{result.stderr[-2000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=100_000)
    parser.add_argument("--baseline-segments", type=int, default=30_000)
    parser.add_argument(
        "--cli-claims",
        type=int,
        nargs="*",
        default=[9_000, 100_000],
        help="835 sizes (claims) for the CLI-against-pyx12 table (pyx12 needs minutes on 100,000)",
    )
    parser.add_argument("--only-cli", action="store_true", help="print only the CLI-against-pyx12 table")
    parser.add_argument("--phase", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        kind, *rest = args.phase
        if kind in ("write", "write-file"):
            out = phase_write(int(rest[0]), to_file=kind == "write-file")
        else:
            out = phase_read(rest[0], rest[1])
        print(json.dumps(out))
        return
    if args.cli_claims:
        cli_against_pyx12(args.cli_claims)
    if args.only_cli:
        return

    write = _child("write", str(args.claims))
    print(f"837P write: {write['claims']:,} claims ({write['segments']:,} segments, {write['bytes'] / 1e6:.1f} MB) "
          f"in {write['seconds']:.2f} s = {write['claims'] / write['seconds']:,.0f} claims/s; "
          f"peak RSS {write['peak_mb']:.0f} MB ({write['before_mb']:.0f} MB before writing: claims in memory)")  # fmt: skip
    streamed = _child("write-file", str(args.claims))
    print(f"837P write_837p_file: {streamed['claims'] / streamed['seconds']:,.0f} claims/s; "
          f"peak RSS {streamed['peak_mb']:.0f} MB (one transaction of 5,000 claims in memory at a time)")  # fmt: skip

    with tempfile.TemporaryDirectory() as tmp:
        small, big = Path(tmp) / "small.835", Path(tmp) / "big.835"
        n_small = make_835(small, args.baseline_segments)
        n_big = make_835(big, args.baseline_segments * 10)
        pyx = _child("read", str(small), "pyx12")
        rows = []
        for label, path, n in (("small", small, n_small), ("big", big, n_big)):
            for mode in ("medbill-stream", "medbill-tables"):
                r = _child("read", str(path), mode)
                rows.append((label, mode, n, r))
        print(f"\n835 read, same file ({n_small:,} segments): pyx12 {n_small / pyx['seconds']:,.0f} segments/s, "
              f"peak RSS {pyx['peak_mb']:.0f} MB (pyx12 accepted: {pyx['ok']})")  # fmt: skip
        for label, mode, n, r in rows:
            rate = n / r["seconds"]
            ratio = f", {rate / (n_small / pyx['seconds']):.0f}x pyx12" if label == "small" else ""
            print(f"  {mode:15s} {label:5s} ({n:>9,} segments): {rate:>10,.0f} segments/s{ratio} "
                  f"(first read in the process {n / r['cold_seconds']:,.0f}/s); "
                  f"peak RSS {r['peak_mb']:.0f} MB; claims {r['claims']:,}; balanced {r['ok']}")  # fmt: skip
        stream_small = next(r for label, mode, _, r in rows if label == "small" and mode == "medbill-stream")
        stream_big = next(r for label, mode, _, r in rows if label == "big" and mode == "medbill-stream")
        print(f"\nstreaming memory: {stream_small['peak_mb']:.0f} MB for {n_small:,} segments vs "
              f"{stream_big['peak_mb']:.0f} MB for {n_big:,} (flat: the file is never held whole)")  # fmt: skip
    print(f"(python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f})")


if __name__ == "__main__":
    main()
