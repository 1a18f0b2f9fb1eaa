"""A partitioned claims dataset as analytics data: the billing summary's figures computed per
partition on Dask and combined (:mod:`medbill.analytics.rollup`).

``PartitionedClaims.open(DATASET)`` can be passed wherever analytics takes ``data`` for the views
built on rollups (``summary``, ``accounting``, ``facts.claim_facts``, ``filter_tables``, labels).
Each pass runs one task per partition: the worker reads the partition with the shared tables,
applies the filters, computes every requested figure and returns only those (group sums, a few
hundred rows), so no worker holds more than one partition. Passes run on the active Dask client,
else on the scheduler given, else on a local cluster started for the pass; figures are cached, so
a report asks for all of them first (:func:`medbill.analytics.rollup.prefetch`) and makes one pass.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from medbill.analytics.rollup import Request, cache_key
from medbill.analytics.tables import Tables, as_tables, filter_tables
from medbill.scale import engine
from medbill.scale.partition import SHARED_TABLES, Dataset


@dataclasses.dataclass(frozen=True)
class PartitionedClaims:
    """A dataset written by ``medbill partition``, the Dask cluster to compute on, and the filters
    (``filter_tables`` keywords, applied in turn to every partition)."""

    dataset: Dataset
    scheduler: str | None = None
    workers: int = 2
    where: tuple[dict[str, Any], ...] = ()
    _cache: dict[Any, pd.DataFrame] = dataclasses.field(default_factory=dict, compare=False, repr=False)
    _shared: dict[str, Tables] = dataclasses.field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def open(cls, path: str | Path, *, scheduler: str | None = None, workers: int = 2) -> PartitionedClaims:
        return cls(Dataset.open(path), scheduler or None, workers)

    @property
    def source(self) -> Path:
        return self.dataset.path

    def aggregate_many(self, requests: Sequence[Request]) -> list[pd.DataFrame]:
        """Each request's figure of the whole dataset; those not cached yet in one pass."""
        missing = list({cache_key(r): r for r in requests if cache_key(r) not in self._cache}.values())
        if missing:
            with engine.active_client(self.workers, self.scheduler):
                parts = engine.each_partition(self.dataset, rollup_partition, missing, self.where)
            for j, (rollup, args) in enumerate(missing):
                self._cache[cache_key((rollup, args))] = rollup.combine([p[j] for p in parts])
        return [self._cache[cache_key(r)] for r in requests]

    def shared_tables(self) -> Tables:
        """Payers, providers and payments (the tables every partition shares), typed."""
        if not self._shared:
            names = [n for n in SHARED_TABLES if n in self.dataset.rows]
            self._shared["tables"] = as_tables(
                {n: pd.read_parquet(self.source / "shared" / f"{n}.parquet") for n in names}
            )
        return self._shared["tables"]

    def filtered(self, **where: Any) -> PartitionedClaims:
        """The dataset restricted as ``filter_tables(data, **where)`` restricts tables."""
        if not any(v is not None for v in where.values()):
            return self
        return dataclasses.replace(self, where=(*self.where, where), _cache={})

    def files(self) -> list[Path]:
        """Every file of the dataset (the manifest and each partition's tables), for provenance."""
        return sorted(p for p in self.source.rglob("*") if p.is_file())


def rollup_partition(
    path: str, i: int, requests: Sequence[Request], where: tuple[dict[str, Any], ...]
) -> list[pd.DataFrame]:
    """The ``requests`` figures of partition ``i`` (filtered by ``where``), on a worker."""
    t = as_tables(Dataset.open(path).read(i))
    for keywords in where:
        t = filter_tables(t, **keywords)
    return [rollup(t, *args) for rollup, args in requests]
