"""Small helpers shared by the command modules."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date, datetime
from decimal import Decimal
from typing import Any


def _default(obj: Any) -> Any:
    if isinstance(obj, (date, datetime)):
        return obj.isoformat()
    if isinstance(obj, Decimal):
        return f"{obj:.2f}"
    if hasattr(obj, "to_dict"):
        return obj.to_dict()
    raise TypeError(f"not JSON serialisable: {type(obj).__name__}")


def iso_date(text: str) -> date:
    """An argparse ``type`` for dates: YYYY-MM-DD, or an error that names the value and the format
    (argparse puts the flag in front; never the name of a Python function)."""
    try:
        return date.fromisoformat(text.strip())
    except ValueError as exc:
        # keep Python's reason when it tells something ("month must be in 1..12"), not its jargon
        why = "" if "isoformat" in str(exc) else f" ({exc})"
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a date{why}; write it as YYYY-MM-DD, e.g. 2025-10-01"
        ) from None


def positive_int(text: str) -> int:
    """An argparse ``type`` for counts such as a number of days: a whole number of 1 or more."""
    try:
        value = int(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number; give 1 or more") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is too small; give 1 or more")
    return value


def print_json(obj: Any) -> None:
    """Print ``obj`` as indented JSON (dates ISO, Decimals as two-decimal strings)."""
    # one string, one write: json.dump would write every token separately
    sys.stdout.write(json.dumps(obj, indent=2, default=_default, ensure_ascii=False) + "\n")


def print_table(rows: list[dict[str, Any]], columns: list[str]) -> None:
    """Print rows as a plain aligned text table."""
    cells = [[str(r.get(c, "") if r.get(c) is not None else "") for c in columns] for r in rows]
    widths = [max([len(c)] + [len(row[i]) for row in cells]) for i, c in enumerate(columns)]
    print("  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)).rstrip())
    for row in cells:
        print("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip())
