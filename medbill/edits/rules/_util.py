"""Small helpers shared by the rule modules."""

from __future__ import annotations

import numpy as np
import pandas as pd


def modifier_text(lines: pd.DataFrame) -> pd.Series:
    """Modifiers of each line joined for messages: ``"26 TC"``."""
    text = lines["modifier1"].fillna("")
    for i in range(2, 5):
        text = text + " " + lines[f"modifier{i}"].fillna("")
    return text.str.replace(r"\s+", " ", regex=True).str.strip()


def dates(s: pd.Series) -> pd.Series:
    """ISO dates as text for messages (empty for NaT); numpy's formatter, much faster than strftime."""
    days = s.to_numpy(dtype="datetime64[D]")
    text = np.datetime_as_string(days, unit="D").astype(object)
    text[np.isnat(days)] = ""
    return pd.Series(text, index=s.index, dtype=object)


def positions(mask: pd.Series | np.ndarray) -> np.ndarray:
    return np.flatnonzero(np.asarray(mask))


class Groups:
    """Rows of a key array grouped by key, for joins that keep pandas' merge order.

    ``expand(keys)`` pairs each key (in order) with every row holding it (in row order), like
    ``pd.merge`` does, but without building frames: a tiny claim pays microseconds, not a merge's
    milliseconds, and a big batch the same vectorised work.
    """

    def __init__(self, keys: np.ndarray) -> None:
        ids, uniques = pd.factorize(keys, use_na_sentinel=True)
        valid = np.flatnonzero(ids >= 0)
        self.index = pd.Index(uniques)
        self.rows = valid[np.argsort(ids[valid], kind="stable")]
        self.counts = np.bincount(ids[valid], minlength=len(uniques))
        self.starts = np.cumsum(self.counts) - self.counts

    def expand(self, keys: np.ndarray, keep_unmatched: bool = False) -> tuple[np.ndarray, np.ndarray]:
        """(position in ``keys``, matching row) pairs; with ``keep_unmatched`` a key without rows
        appears once with row -1 (a left join)."""
        at = self.index.get_indexer(keys) if len(self.index) else np.full(len(keys), -1)
        safe = np.maximum(at, 0)
        found = np.where(at >= 0, self.counts[safe] if len(self.counts) else 0, 0)
        out = np.maximum(found, 1) if keep_unmatched else found
        left = np.repeat(np.arange(len(keys)), out)
        offset = np.arange(len(left)) - np.repeat(np.cumsum(out) - out, out)
        first = self.starts[safe] if len(self.starts) else np.zeros(len(keys), dtype="int64")
        rows = np.repeat(first, out) + offset
        hit = np.repeat(found, out) > 0
        right = np.full(len(left), -1, dtype="int64")
        right[hit] = self.rows[rows[hit]]
        return left, right


def display_codes(codes: np.ndarray) -> np.ndarray:
    """ICD-10-CM codes as coders write them, with the dot after the third character ("J45909" ->
    "J45.909"); for messages and finding values, worked out once per distinct code."""
    ids, distinct = pd.factorize(np.asarray(codes, dtype=object), use_na_sentinel=False)
    text = pd.Series(np.asarray(distinct, dtype=object), dtype=object).astype(str)
    dotted = text.str[:3] + "." + text.str[3:]
    shown = np.where(
        text.str.len().to_numpy() > 3, dotted.to_numpy(dtype=object), text.to_numpy(dtype=object)
    )
    return shown[ids]
