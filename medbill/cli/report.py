"""``medbill report``: list the report templates and run them (one, or one per provider/payer)."""

from __future__ import annotations

import argparse
import sys

from medbill.cli._output import print_json
from medbill.exceptions import ReportError


def register(p: argparse.ArgumentParser) -> None:
    rsub = p.add_subparsers(dest="report_command", required=True, metavar="ACTION")

    lst = rsub.add_parser("list", help="list reports with their parameters (type, default, help)")
    lst.add_argument("--json", action="store_true")
    templates_option(lst)
    lst.set_defaults(func=_list)

    run = rsub.add_parser("run", help="run a report; writes the executed notebook and an HTML page")
    run.add_argument("name", help="report name (see `medbill report list`)")
    run.add_argument(
        "-p",
        "--param",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a report parameter (repeatable)",
    )
    run.add_argument("--data", metavar="DIR", help="claims folder (default: the sample practice)")
    run.add_argument("--out", metavar="DIR", default="reports", help="output folder (default: reports)")
    run.add_argument(
        "--each", metavar="PARAMETER", help="one report per value of PARAMETER, e.g. provider_npi"
    )
    run.add_argument("--values", metavar="V1,V2", help="with --each: these values instead of all in the data")
    run.add_argument("--workers", type=int, default=2, help="with --each: parallel processes (default 2)")
    run.add_argument(
        "--keep-notebooks",
        action="store_true",
        help="with --each: keep each executed notebook beside its HTML (default: HTML only)",
    )
    run.add_argument(
        "--shared-plotlyjs",
        action="store_true",
        help="with --each: write plotly.js once as plotly.min.js in the output folder, shared by its pages",
    )
    run.add_argument("--quiet", action="store_true", help="no progress bar")
    templates_option(run)
    run.set_defaults(func=_run)


def templates_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--templates",
        action="append",
        default=[],
        metavar="DIR",
        help="a folder of your own report notebooks, searched first (repeatable; always searched: "
        "$MEDBILL_REPORTS_DIR, else reports/ in medbill's data folder, then the shipped reports)",
    )


def _list(args: argparse.Namespace) -> int:
    from medbill.reports import list_reports

    reports = list_reports(args.templates)
    if args.json:
        print_json([r.to_dict() for r in reports])
        return 0
    for r in reports:
        print(f"{r.name}: {r.description}")
        for p in r.parameters:
            print(f"    {p.name}: {p.type} = {p.default!r}  # {p.help}")
    return 0


def _parse_params(pairs: list[str]) -> dict[str, str]:
    params = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise ReportError(f"parameter {pair!r} is not KEY=VALUE (e.g. -p start=2025-10-01)")
        params[key.strip()] = value
    return params


def _run(args: argparse.Namespace) -> int:
    from medbill.reports import run_each, run_report

    params = _parse_params(args.param)
    if args.each is None:
        out = run_report(
            args.name,
            params,
            data_dir=args.data,
            out_dir=args.out,
            progress=not args.quiet,
            templates=args.templates,
        )
        print(out.html)
        return 0
    values = [v for v in args.values.split(",") if v.strip()] if args.values else None
    runs = run_each(
        args.name,
        args.each,
        params,
        values=values,
        data_dir=args.data,
        out_dir=args.out,
        workers=args.workers,
        keep_notebooks=args.keep_notebooks,
        shared_plotlyjs=args.shared_plotlyjs,
        progress=not args.quiet,
        templates=args.templates,
    )
    failed = [r for r in runs if not r.ok]
    for r in runs:
        if r.output is not None:
            print(r.output.html)
    for r in failed:
        print(f"medbill: {args.each}={r.value} failed: {r.error}", file=sys.stderr)
    print(f"{len(runs) - len(failed)} of {len(runs)} reports written", file=sys.stderr)
    return 1 if failed else 0
