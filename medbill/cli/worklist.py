"""``medbill worklist CLAIMS_DIR``: the claims that need follow-up; exit 1 when there are any.

The text table names each claim's payer and provider and ends with its reason: the CARC (and RARC)
codes with their text, last so that a long text wraps without breaking the columns before it.
``--json`` and ``--out`` carry every column, identifiers and names alike."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from medbill.cli._output import iso_date, positive_int, print_json, print_table

if TYPE_CHECKING:
    import pandas as pd

    from medbill.analytics.tables import Tables

_SHOWN = ["priority", "claim_id", "payer", "provider", "category", "action", "amount_at_stake", "deadline", "days_left"]  # fmt: skip


def register(p: argparse.ArgumentParser) -> None:
    p.add_argument("claims_dir", metavar="CLAIMS_DIR", help="folder with the claims and remittance tables")
    p.add_argument(
        "--as-of",
        type=iso_date,
        help="the day deadlines are counted to (YYYY-MM-DD; default: the latest date in the data)",
    )
    p.add_argument("--json", action="store_true", help="print the worklist as JSON")
    p.add_argument("--out", type=Path, help="also write the worklist to FILE (.csv, or .json)")
    p.add_argument(
        "--no-response-days",
        type=positive_int,
        default=45,
        metavar="N",
        help="list a sent claim with no remittance after N days (default 45)",
    )
    p.add_argument(
        "--payer-rules",
        type=Path,
        metavar="CSV",
        help="per-payer overrides: payer_id, timely_filing_days and/or appeal_days",
    )
    p.add_argument(
        "--letters",
        type=Path,
        metavar="DIR",
        help="write an appeal letter draft (HTML) for every claim whose next action is an appeal",
    )
    p.add_argument(
        "--no-scrub", action="store_true", help="do not scrub (no 'not sent' rows, no predicting finding)"
    )
    p.set_defaults(func=_worklist)


def _worklist(args: argparse.Namespace) -> int:
    import pandas as pd

    from medbill.analytics.facts import default_as_of
    from medbill.analytics.tables import read_dir
    from medbill.exceptions import ImportFailed
    from medbill.followup import worklist, worklist_findings

    tables = read_dir(args.claims_dir)
    as_of = pd.Timestamp(args.as_of) if args.as_of else default_as_of(tables)
    rules = None
    if args.payer_rules:
        if not args.payer_rules.is_file():
            raise ImportFailed(
                f"payer rules file {args.payer_rules} does not exist; give a CSV with payer_id"
            )
        rules = pd.read_csv(args.payer_rules, dtype=str)
        if "payer_id" not in rules.columns:
            raise ImportFailed(f"payer rules file {args.payer_rules} has no payer_id column")
    options = {"as_of": as_of, "no_response_days": args.no_response_days, "payer_rules": rules}
    try:
        findings = None if args.no_scrub else worklist_findings(tables, **options)
        rows = worklist(tables, findings=findings, **options)
    except ValueError as exc:
        raise ImportFailed(str(exc)) from None
    shown = rows.copy()
    for column in ("service_date", "submitted_date", "remit_date", "deadline"):
        shown[column] = shown[column].dt.strftime("%Y-%m-%d")
    records = shown.astype(object).where(shown.notna(), None).to_dict("records")
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        if args.out.suffix.lower() == ".json":
            args.out.write_text(json.dumps(records, indent=2) + "\n", encoding="utf-8")
        else:
            rows.to_csv(args.out, index=False, date_format="%Y-%m-%d")
    if args.letters:
        _letters(tables, rows, as_of, args.letters)
    if args.json:
        print_json(records)
    else:
        if len(rows):
            print_table(*_text_table(shown))
        total = rows["amount_at_stake"].sum()
        print(f"{len(rows):,} claims to work as of {as_of.date()}, ${total:,.2f} at stake")
    return 1 if len(rows) else 0


def _text_table(shown: pd.DataFrame) -> tuple[list[dict[str, str]], list[str]]:
    """The rows and headers (in words) of the text table: money as $1,234.50, the reason last."""
    import pandas as pd

    from medbill.analytics.formats import format_values, header

    table = {
        header(c): format_values(shown[c], "money" if c == "amount_at_stake" else "text") for c in _SHOWN
    }
    # "CO-16 M76: <CARC text>; <RARC text>"; a row no adjustment explains has only its text
    codes = shown["reason"].astype("string") + (" " + shown["rarc"].astype("string")).fillna("")
    text = shown["reason_text"].astype("string").fillna("")
    table["Reason"] = (codes + ": " + text).where(shown["carc"].notna(), text)
    frame = pd.DataFrame(table)
    return frame.to_dict("records"), list(frame.columns)


def _letters(tables: Tables, rows: pd.DataFrame, as_of: pd.Timestamp, folder: Path) -> None:
    from medbill.followup.appeal import APPEALABLE, appeal_letter_html

    folder.mkdir(parents=True, exist_ok=True)
    chosen = rows[rows["action"].isin(APPEALABLE)]
    for claim_id in chosen["claim_id"]:
        page = appeal_letter_html(tables, claim_id, as_of=as_of, rows=rows)
        (folder / f"appeal_{claim_id}.html").write_text(
            f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>Appeal {claim_id}</title></head>"
            f"<body>{page}</body></html>\n",
            encoding="utf-8",
        )
    print(f"wrote {len(chosen):,} appeal letter drafts to {folder}", file=sys.stderr)
