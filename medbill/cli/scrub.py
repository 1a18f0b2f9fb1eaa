"""``medbill scrub CLAIMS_DIR``: run the claim edits; exit 1 when any error is found, 0 otherwise.

The output opens with a summary (claims, lines, findings per rule and severity, the rules that did
not run and why); the findings follow, the first ``--limit`` of them on screen or all of them in
a file with ``--out findings.csv`` (``.json`` for JSON).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from medbill.cli._engine import add_engine_options, on_dask
from medbill.cli._output import iso_date, print_json, print_table
from medbill.exceptions import MedbillError

DEFAULT_LIMIT = 20
FINDING_COLUMNS = ["claim_id", "line_number", "rule_id", "severity", "message"]


def register(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "claims_dir",
        metavar="CLAIMS_DIR",
        nargs="?",
        help="folder with claims and lines tables (docs/tables.md); not needed with --list-rules",
    )
    p.add_argument("--json", action="store_true", help="print the whole result as JSON")
    p.add_argument(
        "--rules",
        nargs="+",
        metavar="RULE",
        help="only these rule ids, categories or patterns (e.g. NCCI-PTP modifiers 'ICD-*')",
    )
    p.add_argument("--disable", nargs="+", default=[], metavar="RULE", help="rules to leave out")
    p.add_argument("--as-of", type=iso_date, help="today's date for date and filing rules (YYYY-MM-DD)")
    p.add_argument("--list-rules", action="store_true", help="list the rules and exit")
    p.add_argument(
        "--out",
        metavar="FILE",
        help="write every finding to FILE (.csv, or .json for JSON) after the summary",
    )
    p.add_argument(
        "--limit",
        type=int,
        default=DEFAULT_LIMIT,
        metavar="N",
        help=f"findings printed after the summary (default {DEFAULT_LIMIT}; 0: all)",
    )
    add_engine_options(p)
    p.set_defaults(func=_scrub)


def _chosen_rules(args: argparse.Namespace) -> Any:
    """The rules table for --rules/--disable, or a medbill error naming the flag at fault."""
    from medbill.edits import rules

    try:
        return rules(args.rules, args.disable)
    except ValueError as exc:
        given = " ".join(args.rules or []) if args.rules else " ".join(args.disable)
        flag = "--rules" if args.rules else "--disable"
        raise MedbillError(f"{flag} {given}: {exc}") from None


def summary_lines(result: Any) -> list[str]:
    """The summary a biller reads first: counts, findings per rule and severity, skipped rules."""
    findings = result.findings
    lines = [
        f"Scrubbed {len(result.claim_status):,} claims, {len(result.line_status):,} lines: "
        f"{len(findings):,} findings on {findings['claim_id'].nunique():,} claims."
    ]
    if len(findings):
        per_rule = (
            findings.groupby(["rule_id", "severity"], observed=True).agg(
                findings=("claim_id", "size"), claims=("claim_id", "nunique")
            )
        ).reset_index()
        per_rule = per_rule.sort_values(["findings", "rule_id"], ascending=[False, True])
        width = max(len(r) for r in per_rule["rule_id"])
        lines.append("Findings per rule:")
        lines += [
            f"  {r.rule_id.ljust(width)}  {r.severity:<7}  {r.findings:>7,} findings  {r.claims:>6,} claims"
            for r in per_rule.itertuples()
        ]
    skipped = result.skipped
    if len(skipped):
        lines.append(
            f"Rules that did not run ({skipped['rule_id'].nunique()}): the claims are not fully checked."
        )
        for r in skipped.drop_duplicates("rule_id").itertuples():
            count = f" ({int(r.lines):,} lines)" if hasattr(r, "lines") else ""
            lines.append(f"  {r.rule_id}{count}: {r.reason}")
    return lines


def _write(findings: Any, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() == ".json":
        findings.to_json(path, orient="records", indent=1, date_format="iso")
    else:
        findings.to_csv(path, index=False)


def _scrub(args: argparse.Namespace) -> int:
    from medbill.claims.tables import read_claims_dir
    from medbill.edits import scrub

    table = _chosen_rules(args)
    if args.list_rules:
        if args.json:
            print_json(table.to_dict("records"))
        else:
            print_table(table.to_dict("records"), ["id", "category", "severity", "title"])
        return 0
    if not args.claims_dir:
        raise MedbillError(
            "CLAIMS_DIR is missing: `medbill scrub CLAIMS_DIR` (or --list-rules to list the rules)"
        )
    if args.limit < 0:
        raise MedbillError(f"--limit {args.limit}: give a number of findings, 0 for all")
    options = {"rules": args.rules, "disable": args.disable, "as_of": args.as_of}
    if args.engine == "dask":
        from medbill.scale.engine import scrub_dataset

        with on_dask(args) as dataset:
            result = scrub_dataset(dataset, **options)
    else:
        result = scrub(read_claims_dir(args.claims_dir, compact=True, only=("payers",)), **options)
    if args.json and not args.out:
        print_json(result.to_dict())
        return 0 if result.ok else 1
    for line in summary_lines(result):
        print(line)
    findings = result.findings
    if args.out:
        _write(findings, Path(args.out))
        print(f"All {len(findings):,} findings written to {args.out}")
    elif len(findings):
        shown = findings if args.limit == 0 else findings.head(args.limit)
        print()
        print_table(shown.to_dict("records"), FINDING_COLUMNS)
        if len(shown) < len(findings):
            print(
                f"... {len(findings) - len(shown):,} more findings: --out FILE writes them all, --limit 0 prints them all",
                file=sys.stderr,
            )
    return 0 if result.ok else 1
