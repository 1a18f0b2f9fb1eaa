"""pandas views of a release (built on first use of ``Release.table`` / ``.notes_table``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from medbill.refdata.icd10cm._format import format_compact
from medbill.refdata.icd10cm._model import BLOCK, CATEGORY, CHAPTER, KIND_NAMES, unpack_notes

if TYPE_CHECKING:
    from medbill.refdata.icd10cm._release import Release


def _nearest(parents: np.ndarray, kinds: np.ndarray, kind: int) -> np.ndarray:
    """For each row, the row of its nearest ancestor-or-self of ``kind`` (-1 if none); vectorised."""
    n = len(parents)
    out = np.where(kinds == kind, np.arange(n), -1)
    cur = parents.copy()
    for _ in range(10):  # the tree is at most 8 levels deep
        todo = (out < 0) & (cur >= 0)
        if not todo.any():
            break
        hit = todo & (kinds[np.maximum(cur, 0)] == kind)
        out[hit] = cur[hit]
        cur = np.where(todo & ~hit, parents[np.maximum(cur, 0)], -1)
    return out


def release_table(rel: Release) -> pd.DataFrame:
    codes = np.array(rel.codes, dtype=object)
    ends = np.asarray(rel._title_ends, dtype=np.int64)
    starts = np.concatenate([[0], ends[:-1]])
    blob = rel._titles
    titles = np.array([blob[a:b] for a, b in zip(starts.tolist(), ends.tolist(), strict=True)], dtype=object)
    kinds = np.frombuffer(rel._kinds, dtype=np.uint8).astype(np.int64)
    parents = np.asarray(rel._parents, dtype=np.int64)
    chapter = _nearest(parents, kinds, CHAPTER)
    block = _nearest(parents, kinds, BLOCK)

    def pick(rows: np.ndarray, values: np.ndarray) -> pd.api.extensions.ExtensionArray:
        return pd.array(np.where(rows >= 0, values[np.maximum(rows, 0)], None), dtype="string")

    display = [
        format_compact(c) if k >= CATEGORY else c for c, k in zip(rel.codes, kinds.tolist(), strict=True)
    ]
    table = pd.DataFrame(
        {
            "code": pd.array(display, dtype="string"),
            "title": pd.array(titles, dtype="string"),
            "kind": pd.Categorical.from_codes(kinds, categories=list(KIND_NAMES)),
            "billable": np.frombuffer(rel._billable_flags, dtype=np.uint8).astype(bool),
            "parent": pick(parents, codes),
            "chapter": pick(chapter, codes),
            "chapter_title": pick(chapter, titles),
            "block": pick(block, codes),
            "block_title": pick(block, titles),
            "requires_7th": np.frombuffer(rel._requires_7th, dtype=np.uint8).astype(bool),
        },
        index=pd.Index(codes, name="compact", dtype="string"),
    )
    return table


def notes_table(rel: Release) -> pd.DataFrame:
    notes = unpack_notes(rel._packed)
    return pd.DataFrame(
        {
            "code": pd.array([rel.codes[n[0]] for n in notes], dtype="string"),
            "kind": pd.array([n[1] for n in notes], dtype="string"),
            "text": pd.array([n[2] for n in notes], dtype="string"),
            "refs": [n[3] for n in notes],
        }
    )
