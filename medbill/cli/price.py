"""``medbill price``: the Medicare PFS amount of one service, with its explanation; or, with
``--data DIR --out FILE``, of every line of a claims folder (or partitioned dataset)."""

from __future__ import annotations

import argparse

from medbill.cli._engine import add_engine_options, on_dask
from medbill.cli._output import iso_date, print_json
from medbill.exceptions import InvalidFormat


def register(p: argparse.ArgumentParser) -> None:
    p.description = (
        "Price one code with the PFS release in effect on the date of service "
        "(`medbill data import pfs DIR` installs each quarterly RVU release)."
    )
    p.add_argument("code", nargs="?", help="CPT or HCPCS code, e.g. 99213")
    when = p.add_mutually_exclusive_group()
    when.add_argument(
        "--on",
        type=iso_date,
        metavar="DATE",
        help="date of service (YYYY-MM-DD): picks the release in effect",
    )
    when.add_argument("--release", help="a named quarterly release, e.g. RVU25D")
    when.add_argument("--year", type=int, help="fee schedule year, when one release of it is installed")
    p.add_argument(
        "--locality",
        help="MAC-locality, e.g. 01112-05, or 'national' (GPCIs 1.0); or give --state and --county",
    )
    p.add_argument("--state", help="state postal code or name, with --county")
    p.add_argument("--county", help="county name, with --state")
    p.add_argument("--mod", action="append", default=[], metavar="M", help="modifier (repeatable)")
    p.add_argument("--pos", default="11", help="place of service (default 11, office)")
    p.add_argument("--units", type=int, default=1)
    p.add_argument(
        "--qp", action="store_true", help="qualifying APM participant: the QP conversion factor (CY2026 on)"
    )
    p.add_argument("--json", action="store_true", help="JSON with amount as a two-decimal string")
    p.add_argument(
        "--data",
        metavar="DIR",
        help="price every line of this claims folder (or `medbill partition` dataset), each with the "
        "release in effect on its date; lines no release covers get no amount and a reason",
    )
    p.add_argument("--out", metavar="FILE", help="with --data: priced lines to FILE (.parquet or .csv)")
    add_engine_options(p)
    p.set_defaults(func=_price)


def _price(args: argparse.Namespace) -> int:
    from medbill.pricing.pfs import FeeSchedule

    if args.data is not None:
        return _price_folder(args)
    if args.code is None or not (args.on or args.release or args.year):
        raise InvalidFormat("Give CODE and one of --on, --release, --year; or --data DIR --out FILE.")
    fs = FeeSchedule.for_date(args.on) if args.on else FeeSchedule.load(args.release or args.year)
    if args.locality:
        locality = args.locality
    elif args.state and args.county:
        locality = fs.locality_for_county(args.state, args.county)
    else:
        raise InvalidFormat("Give --locality MAC-LOC (e.g. 01112-05, or national) or --state and --county.")
    explanation = fs.price(args.code, locality, tuple(args.mod), pos=args.pos, units=args.units, qp=args.qp)
    if args.json:
        print_json(explanation.to_dict())
    else:
        print(explanation)
    return 0


def _price_folder(args: argparse.Namespace) -> int:
    from pathlib import Path

    from medbill.claims.tables import read_claims_dir
    from medbill.scale.engine import price_dataset, priced_lines

    if not args.out or Path(args.out).suffix not in (".parquet", ".csv"):
        raise InvalidFormat(f"--data needs --out FILE ending .parquet or .csv, got {args.out!r}.")
    if args.engine == "dask":
        with on_dask(args, args.data) as dataset:
            priced = price_dataset(dataset, locality=args.locality)
    else:
        data = read_claims_dir(args.data, compact=True, only=("claims", "lines"))
        priced = priced_lines(data.lines, data.claims, args.locality)
    if args.out.endswith(".parquet"):
        priced.to_parquet(args.out, index=False)
    else:
        priced.to_csv(args.out, index=False)
    unpriced = int(priced["allowed"].isna().sum())
    print(
        f"priced {len(priced) - unpriced:,} of {len(priced):,} lines; {unpriced:,} without an amount (see rule)"
    )
    print(f"wrote {args.out}")
    return 0
