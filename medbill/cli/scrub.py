"""``medbill scrub CLAIMS_DIR``: run the claim edits; exit 1 when any error is found, 0 otherwise."""

from __future__ import annotations

import argparse
import sys
from datetime import date

from medbill.cli._engine import add_engine_options, on_dask
from medbill.cli._output import print_json, print_table


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("scrub", help="run claim edits (validity, NCCI, MUE, modifiers, integrity ...)")
    p.add_argument(
        "claims_dir",
        metavar="CLAIMS_DIR",
        nargs="?",
        help="folder with claims and lines tables (docs/tables.md); not needed with --list-rules",
    )
    p.add_argument("--json", action="store_true", help="print the findings as JSON")
    p.add_argument(
        "--rules",
        nargs="+",
        metavar="RULE",
        help="only these rule ids, categories or patterns (e.g. NCCI-PTP modifiers 'ICD-*')",
    )
    p.add_argument("--disable", nargs="+", default=[], metavar="RULE", help="rules to leave out")
    p.add_argument(
        "--as-of", type=date.fromisoformat, help="today's date for date and filing rules (YYYY-MM-DD)"
    )
    p.add_argument("--list-rules", action="store_true", help="list the rules and exit")
    add_engine_options(p)
    p.set_defaults(func=_scrub)


def _scrub(args: argparse.Namespace) -> int:
    from medbill.claims.tables import read_claims_dir
    from medbill.edits import rules, scrub

    if args.list_rules:
        table = rules(args.rules, args.disable)
        if args.json:
            print_json(table.to_dict("records"))
        else:
            print_table(table.to_dict("records"), ["id", "category", "severity", "title"])
        return 0
    if args.claims_dir is None:
        print("medbill: error: scrub needs CLAIMS_DIR (or --list-rules to list the rules)", file=sys.stderr)
        return 2
    options = {"rules": args.rules, "disable": args.disable, "as_of": args.as_of}
    if args.engine == "dask":
        from medbill.scale.engine import scrub_dataset

        with on_dask(args) as dataset:
            result = scrub_dataset(dataset, **options)
    else:
        result = scrub(read_claims_dir(args.claims_dir), **options)
    if args.json:
        print_json(result.to_dict())
    else:
        rows = result.to_dict()["findings"]
        if rows:
            print_table(rows, ["claim_id", "line_number", "rule_id", "severity", "message"])
        for s in result.skipped.itertuples():
            print(f"skipped {s.rule_id}: {s.reason}")
        print(repr(result)[1:-1])
    return 0 if result.ok else 1
