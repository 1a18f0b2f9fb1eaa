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
from medbill.analytics.tables import as_tables

# The tables whose rows attach to a claim (the others describe people and payments, not money per claim).
ATTACHED = ("lines", "remit_claims", "remit_lines", "remit_adjustments")

NO_ID = "no claim_id"
ORPHAN = "claim_id not in claims"


def excluded_rows(data: Any) -> pd.DataFrame:
    """One row per excluded input row: table, row (1-based, as in the file), claim_id, reason."""
    t = as_tables(data)
    parts = [_excluded_claims(t.claims)]
    ids = t.claims["claim_id"]
    for name in ATTACHED:
        frame = t[name]
        if frame.empty:
            continue
        missing = frame["claim_id"].isna().to_numpy()
        rows = np.flatnonzero(~attached(ids, frame["claim_id"]))
        reasons = np.where(missing[rows], NO_ID, ORPHAN)
        parts.append(_rows(name, rows, frame["claim_id"], reasons))
    out = pd.concat(parts, ignore_index=True)
    return out.sort_values(["table", "row"], kind="stable").reset_index(drop=True)


def attached(claim_ids: pd.Series, keys: pd.Series) -> np.ndarray:
    """True where a row's ``claim_id`` (``keys``) is a claim_id of the claims table."""
    return (claim_positions(claim_ids.dropna(), keys) >= 0) & keys.notna().to_numpy()


def _excluded_claims(claims: pd.DataFrame) -> pd.DataFrame:
    ids = claims["claim_id"].reset_index(drop=True)
    missing = ids.isna().to_numpy()
    repeat = ids.duplicated().to_numpy() & ~missing
    first_row = pd.Series(np.arange(len(ids)), index=ids).groupby(level=0).min()
    rows = np.flatnonzero(missing | repeat)
    reasons = np.where(
        missing[rows],
        NO_ID,
        "repeats claim_id of claims row "
        + (ids.iloc[rows].map(first_row).fillna(-1).astype(int) + 1).astype(str).to_numpy(),
    )
    return _rows("claims", rows, ids, reasons)


def _rows(table: str, rows: np.ndarray, claim_ids: pd.Series, reasons: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "table": pd.Series([table] * len(rows), dtype="string"),
            "row": rows + 1,
            "claim_id": claim_ids.iloc[rows].reset_index(drop=True).astype("string"),
            "reason": pd.Series(reasons, dtype="string"),
        }
    )


def input_accounting(data: Any) -> pd.DataFrame:
    """Per input table: rows read, rows counted, rows excluded (and the reasons, with counts)."""
    t = as_tables(data)
    excluded = excluded_rows(t)
    rows = []
    for name in ("claims", *ATTACHED):
        mine = excluded[excluded["table"] == name]
        reasons = mine["reason"].str.replace(r"row \d+$", "row N", regex=True).value_counts()
        rows.append(
            {
                "table": name,
                "rows": len(t[name]),
                "counted": len(t[name]) - len(mine),
                "excluded": len(mine),
                "reasons": "; ".join(f"{reason}: {count}" for reason, count in reasons.items()),
            }
        )
    return pd.DataFrame(rows)
