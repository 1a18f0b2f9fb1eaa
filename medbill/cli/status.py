"""``medbill status``: X12 276 claim status requests out, 277 responses in."""

from __future__ import annotations

import argparse
from datetime import datetime
from pathlib import Path

from medbill.cli._output import iso_date, positive_int, print_json, print_table

_SHOWN = ["level", "claim_id", "trace", "payer_claim_control", "category", "status_code", "category_meaning", "next_action"]  # fmt: skip


def register(p: argparse.ArgumentParser) -> None:
    ssub = p.add_subparsers(dest="status_command", required=True, metavar="ACTION")
    request = ssub.add_parser(
        "request", help="write a 276 per payer for the claims with no remittance after N days (or --claims)"
    )
    request.add_argument("claims_dir", metavar="CLAIMS_DIR")
    request.add_argument("--out", type=Path, required=True, help="folder for the 276 files (276_<payer>.x12)")
    request.add_argument(
        "--as-of", type=iso_date, help="today, YYYY-MM-DD (default: the latest date in the data)"
    )
    request.add_argument("--no-response-days", type=positive_int, default=45, metavar="N", help="default 45")
    request.add_argument("--claims", metavar="C1,C2", help="ask about these claims instead")
    request.add_argument("--control-number", type=int, default=1, help="ISA13/GS06 of the first file")
    request.set_defaults(func=_request)
    read = ssub.add_parser("read", help="read a 277 response: one row per status, explained")
    read.add_argument("file", type=Path, metavar="FILE")
    read.add_argument("--json", action="store_true")
    read.set_defaults(func=_read)


def _request(args: argparse.Namespace) -> int:
    import pandas as pd

    from medbill.analytics.facts import default_as_of
    from medbill.analytics.tables import read_dir
    from medbill.claims.tables import read_claims_dir
    from medbill.claims.x12.status_request import write_276
    from medbill.followup import worklist

    data = read_claims_dir(args.claims_dir)
    as_of = pd.Timestamp(args.as_of) if args.as_of else default_as_of(read_dir(args.claims_dir))
    if args.claims:
        ids = [c.strip() for c in args.claims.split(",") if c.strip()]
    else:
        rows = worklist(data, as_of=as_of, no_response_days=args.no_response_days)
        ids = rows.loc[rows["category"].eq("no response"), "claim_id"].tolist()
    if not ids:
        print(f"no claim waits more than {args.no_response_days} days for an answer on {as_of.date()}")
        return 0
    payer = data.claims.set_index("claim_id")["payer_id"]
    args.out.mkdir(parents=True, exist_ok=True)
    created = datetime.combine(as_of.date(), datetime.min.time())
    for number, (payer_id, group) in enumerate(
        pd.Series(ids).groupby(pd.Series(ids).map(payer).fillna("(none)"), sort=True),
        start=args.control_number,
    ):
        text = write_276(data, group.tolist(), control_number=number, created=created)
        target = args.out / f"276_{payer_id}.x12"
        target.write_text(text.replace("~", "~\n"), encoding="ascii")
        print(f"wrote {target}: {len(group)} claims")
    return 0


def _read(args: argparse.Namespace) -> int:
    from medbill.claims.x12.status_response import read_277

    rows = read_277(args.file)
    if args.json:
        out = rows.copy()
        for column in ("status_date", "service_date", "service_date_to"):
            out[column] = out[column].dt.strftime("%Y-%m-%d")
        print_json(out.astype(object).where(out.notna(), None).to_dict("records"))
    else:
        print_table(rows.astype(object).where(rows.notna(), None).to_dict("records"), _SHOWN)
    return 0
