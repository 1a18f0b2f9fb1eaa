"""``medbill synth``: generate a synthetic practice's claims and remittances into a folder."""

from __future__ import annotations

import argparse

from medbill.cli._output import iso_date
from medbill.exceptions import MedbillError


def register(p: argparse.ArgumentParser) -> None:
    from medbill.synth import DEFAULT_END, DEFAULT_SEED, DEFAULT_START

    p.add_argument("--lines", type=int, default=5000, help="service lines to generate (default 5000)")
    p.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"random seed (default {DEFAULT_SEED})")
    p.add_argument(
        "--start",
        type=iso_date,
        default=DEFAULT_START,
        help=f"first date of service (default {DEFAULT_START})",
    )
    p.add_argument(
        "--end",
        type=iso_date,
        default=DEFAULT_END,
        help=f"last date of service and A/R as-of date (default {DEFAULT_END})",
    )
    p.add_argument("--out", required=True, help="output folder")
    p.add_argument(
        "--format", choices=("csv", "parquet", "both"), default="both", help="table format (default both)"
    )
    p.add_argument("--x12", action="store_true", help="also write the 837P and 835 files for the same data")
    p.set_defaults(func=_synth)


def _synth(args: argparse.Namespace) -> int:
    from medbill.synth import generate
    from medbill.synth.output import write

    if args.lines < 1:
        raise MedbillError(f"--lines must be at least 1, got {args.lines}")
    data = generate(lines=args.lines, seed=args.seed, start=args.start, end=args.end)
    files = write(data, args.out, args.format, x12=args.x12)
    remitted = 0 if data.remit_claims is None else len(data.remit_claims)
    payments = 0 if data.remit_payments is None else len(data.remit_payments)
    print(
        f"wrote {len(data.claims):,} claims, {len(data.lines):,} lines, {remitted:,} remitted claims "
        f"in {payments:,} payments to {args.out} ({len(files)} files)"
    )
    return 0
