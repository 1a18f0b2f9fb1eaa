"""Figures that add up over partitions, so a report runs on a patient-partitioned dataset.

A :class:`Rollup` is computed from one set of tables (``compute(tables, *args)``) and the results
of several sets are joined by ``combine``: :func:`summed` adds group rows (counts and sums per
payer, month, code ...), :func:`in_input_order` concatenates rows and puts them back in the input's
order. Every claim has all its rows in one partition (:mod:`medbill.scale.partition`), so the
combined figure of the partitions equals the figure of the whole history.

:func:`aggregate` is what the analytics views call: on ordinary tables it is ``compute``; on a :class:`~medbill.analytics.tables.Partitioned`
dataset every partition is computed on Dask and combined. :func:`prefetch` computes several
figures in one pass over the partitions (a report asks for all of its figures first).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from medbill.analytics.tables import Partitioned, Tables, as_tables
from medbill.claims.tables import SOURCE_ROW


@dataclass(frozen=True)
class Rollup:
    """A figure of one set of tables and the rule that joins the figures of several sets."""

    compute: Callable[..., pd.DataFrame]
    combine: Callable[[list[pd.DataFrame]], pd.DataFrame]

    def __call__(self, tables: Tables, *args: Any) -> pd.DataFrame:
        return self.compute(tables, *args)


Request = tuple[Rollup, tuple[Any, ...]]


def summed(parts: list[pd.DataFrame]) -> pd.DataFrame:
    """Parts indexed by group (one level or several): the rows of each group added, groups sorted."""
    filled = [p for p in parts if len(p)] or parts[:1]  # an empty part's index may be typed differently
    joined = pd.concat(filled)
    return joined.groupby(level=list(range(joined.index.nlevels)), sort=True).sum()


def in_input_order(parts: list[pd.DataFrame]) -> pd.DataFrame:
    """Parts whose rows carry their input position (``source_row``): concatenated in input order."""
    filled = [p for p in parts if len(p)] or parts[:1]
    joined = pd.concat(filled, ignore_index=True)
    order = np.argsort(joined[SOURCE_ROW].to_numpy(), kind="stable")
    return joined.iloc[order].drop(columns=SOURCE_ROW).reset_index(drop=True)


def input_rows(frame: pd.DataFrame) -> np.ndarray:
    """Each row's position in the input: its ``source_row`` in a partition, else its position."""
    if SOURCE_ROW in frame.columns:
        return frame[SOURCE_ROW].to_numpy(dtype=np.int64)
    return np.arange(len(frame), dtype=np.int64)


def aggregate(data: Any, rollup: Rollup, *args: Any) -> pd.DataFrame:
    """``rollup`` of ``data`` (tables, a claims folder, or a partitioned dataset)."""
    if isinstance(data, Partitioned):
        return data.aggregate_many([(rollup, args)])[0].copy()
    return rollup(as_tables(data), *args)


def prefetch(data: Any, requests: Sequence[Request]) -> None:
    """Compute ``requests`` of a partitioned dataset in one pass over its partitions (so the
    :func:`aggregate` calls that follow are answered from its cache); nothing for other data."""
    if isinstance(data, Partitioned):
        data.aggregate_many(requests)


def cache_key(request: Request) -> tuple[Any, ...]:
    """A request as a dictionary key (a DataFrame argument, such as a code table, by identity)."""
    rollup, args = request
    return (rollup, *(("frame", id(a)) if isinstance(a, pd.DataFrame) else a for a in args))
