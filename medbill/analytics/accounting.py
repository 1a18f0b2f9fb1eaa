"""Where every input row went: counted in the report's figures, or excluded with the reason.

The claim-level views (:func:`medbill.analytics.facts.claim_facts` and everything built on it) attach
lines and remittance rows to claims by ``claim_id``. A row that cannot be attached is excluded from
every figure rather than counted in some and not others; :func:`excluded_rows` lists each one and
:func:`input_accounting` sums them per table, so a report's totals can be traced to its inputs.

Reasons:

- ``no claim_id``: the row has an empty ``claim_id`` (a claim row without one is excluded too).
- ``claim_id not in claims``: an orphan line or remittance row.
- ``repeats claim_id of claims row N``: a second claims row with the same ``claim_id``; its lines
  and remittances count under the first row (N, 1-based), the repeat itself is not a claim.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from medbill.analytics.facts import claim_positions
from medbill.analytics.rollup import Rollup, aggregate, input_rows, summed
from medbill.analytics.tables import Tables

# The tables whose rows attach to a claim (the others describe people and payments, not money per claim).
ATTACHED = ("lines", "remit_claims", "remit_lines", "remit_adjustments")

NO_ID = "no claim_id"
ORPHAN = "claim_id not in claims"


def _excluded(t: Tables) -> pd.DataFrame:
    parts = [_excluded_claims(t.claims)]
    ids = t.claims["claim_id"]
    for name in ATTACHED:
        frame = t[name]
        if frame.empty:
            continue
        missing = frame["claim_id"].isna().to_numpy()
        at = np.flatnonzero(~attached(ids, frame["claim_id"]))
        reasons = np.where(missing[at], NO_ID, ORPHAN)
        parts.append(_rows(name, at, input_rows(frame)[at], frame["claim_id"], reasons))
    return _sorted(parts)


def _sorted(parts: list[pd.DataFrame]) -> pd.DataFrame:
    out = pd.concat(parts, ignore_index=True)
    return out.sort_values(["table", "row"], kind="stable").reset_index(drop=True)


EXCLUDED = Rollup(_excluded, _sorted)


def excluded_rows(data: Any) -> pd.DataFrame:
    """One row per excluded input row: table, row (1-based, as in the file), claim_id, reason."""
    return aggregate(data, EXCLUDED)


def attached(claim_ids: pd.Series, keys: pd.Series) -> np.ndarray:
    """True where a row's ``claim_id`` (``keys``) is a claim_id of the claims table."""
    return (claim_positions(claim_ids.dropna(), keys) >= 0) & keys.notna().to_numpy()


def _excluded_claims(claims: pd.DataFrame) -> pd.DataFrame:
    ids = claims["claim_id"].reset_index(drop=True)
    source = input_rows(claims)
    missing = ids.isna().to_numpy()
    repeat = ids.duplicated().to_numpy() & ~missing
    first_row = pd.Series(source, index=ids).groupby(level=0).min()
    at = np.flatnonzero(missing | repeat)
    reasons = np.where(
        missing[at],
        NO_ID,
        "repeats claim_id of claims row "
        + (ids.iloc[at].map(first_row).fillna(-1).astype(int) + 1).astype(str).to_numpy(),
    )
    return _rows("claims", at, source[at], ids, reasons)


def _rows(
    table: str, at: np.ndarray, input_row: np.ndarray, claim_ids: pd.Series, reasons: np.ndarray
) -> pd.DataFrame:
    """Excluded rows at positions ``at`` of a table, numbered by their ``input_row`` (0-based)."""
    return pd.DataFrame(
        {
            "table": pd.Series([table] * len(at), dtype="string"),
            "row": input_row + 1,
            "claim_id": claim_ids.iloc[at].reset_index(drop=True).astype("string"),
            "reason": pd.Series(reasons, dtype="string"),
        }
    )


def _table_rows(t: Tables) -> pd.DataFrame:
    names = ("claims", *ATTACHED)
    return pd.DataFrame({"rows": [len(t[n]) for n in names]}, index=pd.Index(names, name="table"))


TABLE_ROWS = Rollup(_table_rows, summed)


def input_accounting(data: Any) -> pd.DataFrame:
    """Per input table: rows read, rows counted, rows excluded (and the reasons, with counts)."""
    excluded = excluded_rows(data)
    read = aggregate(data, TABLE_ROWS)["rows"]
    rows = []
    for name in ("claims", *ATTACHED):
        mine = excluded[excluded["table"] == name]
        reasons = mine["reason"].str.replace(r"row \d+$", "row N", regex=True).value_counts()
        rows.append(
            {
                "table": name,
                "rows": int(read[name]),
                "counted": int(read[name]) - len(mine),
                "excluded": len(mine),
                "reasons": "; ".join(f"{reason}: {count}" for reason, count in reasons.items()),
            }
        )
    return pd.DataFrame(rows)
