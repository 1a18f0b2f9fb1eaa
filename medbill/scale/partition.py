"""Write a ``CLAIMS_DIR`` as a Parquet dataset partitioned by a hash of patient_id.

A partition holds whole patients, so it gives the same answers as the whole history; the groups
and the keys they go by are :mod:`medbill.claims.groups`'s. Layout::

    DATASET/manifest.json            partitions, rows per table per partition, shared tables
    DATASET/part-00000/claims.parquet, lines.parquet, patients.parquet, remit_claims.parquet ...
    DATASET/shared/payers.parquet, providers.parquet, remit_payments.parquet

Claims go by patient, lines and remittance rows with their claim, patients and patient payments by
patient_id (posting applies a payment to the patient's claims; a payment without one goes with its
claim). Tables that are not about one patient (payers, providers, remit_payments) are written once
under ``shared/`` and read with every partition. The partitioned tables carry a ``source_row``
column, the row's position in the input, so results can be put back in input order and excluded
rows named by their row in the file. Every partition has every table, possibly empty.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Collection
from pathlib import Path

import numpy as np
import pandas as pd

from medbill.claims import groups
from medbill.claims.tables import SOURCE_ROW, TABLES, ClaimsData, read_claims_dir, read_table
from medbill.exceptions import ImportFailed

SHARED_TABLES: tuple[str, ...] = ("payers", "providers", "remit_payments")
BY_CLAIM: tuple[str, ...] = ("lines", "remit_claims", "remit_lines", "remit_adjustments", "remit_remarks")
MANIFEST = "manifest.json"


@dataclasses.dataclass(frozen=True)
class Dataset:
    """A partitioned dataset on disk: its folder, partition count and rows per table."""

    path: Path
    partitions: int
    rows: dict[str, list[int]]  # table -> rows per partition (shared tables: one entry)

    @classmethod
    def open(cls, path: str | Path) -> Dataset:
        folder = Path(path)
        manifest = folder / MANIFEST
        if not manifest.is_file():
            raise ImportFailed(
                f"{folder} is not a partitioned claims dataset (no {MANIFEST}); "
                "write one with `medbill partition CLAIMS_DIR --out DATASET`"
            )
        meta = json.loads(manifest.read_text())
        return cls(folder, int(meta["partitions"]), {k: list(v) for k, v in meta["rows"].items()})

    def part_dir(self, i: int) -> Path:
        return self.path / f"part-{i:05d}"

    def read(self, i: int, only: Collection[str] = TABLES, *, compact: bool = False) -> ClaimsData:
        """Partition ``i`` with the shared tables, as one ``ClaimsData``; with ``only``, just those
        tables (claims and lines always), the others None, so a task reads what it uses;
        ``compact`` as ``read_claims_dir`` has it, for tasks that only read (scrub, price)."""
        wanted = {"claims", "lines", *only}
        tables = {
            name: read_table(name, self.part_dir(i) / f"{name}.parquet", compact=compact)
            for name in self._present(False, wanted)
        }
        for name in self._present(True, wanted):
            tables[name] = read_table(name, self.path / "shared" / f"{name}.parquet", compact=compact)
        return ClaimsData(**tables)

    def _present(self, shared: bool, wanted: set[str]) -> list[str]:
        return [n for n in TABLES if n in self.rows and n in wanted and (n in SHARED_TABLES) == shared]


def partition(claims_dir: str | Path, out: str | Path, partitions: int = 16) -> Dataset:
    """Read ``claims_dir`` and write it to ``out`` partitioned by patient; returns the dataset."""
    if isinstance(partitions, bool) or not isinstance(partitions, int) or partitions < 1:
        raise ImportFailed(f"partitions must be a whole number of at least 1, got {partitions!r}")
    target = Path(out)
    if target.exists() and any(target.iterdir()):
        raise ImportFailed(f"{target} exists and is not empty; choose a new folder for the dataset")
    data = read_claims_dir(claims_dir)
    claim_bucket = groups.of_claims(data.claims, partitions)

    folders = [target / f"part-{i:05d}" for i in range(partitions)]
    for folder in folders:
        folder.mkdir(parents=True)
    rows: dict[str, list[int]] = {}
    for name, frame in data.items():
        if name in SHARED_TABLES:
            continue
        if name == "claims":
            where = claim_bucket
        elif name == "patients":
            where = groups.buckets(groups.keys(frame["patient_id"]), partitions)
        else:
            where = groups.following_claims(frame, data.claims, claim_bucket, partitions)
            if name == "patient_payments":
                patient = groups.keys(frame["patient_id"])
                where = np.where(pd.notna(patient), groups.buckets(patient, partitions), where)
        # One stable sort by partition, then a slice each: input order within a partition.
        order = np.argsort(where, kind="stable")
        ordered = frame.take(order).assign(**{SOURCE_ROW: order.astype(np.int64)})
        bounds = np.searchsorted(where[order], np.arange(partitions + 1))
        for i, folder in enumerate(folders):
            ordered.iloc[bounds[i] : bounds[i + 1]].to_parquet(folder / f"{name}.parquet", index=False)
        rows[name] = np.diff(bounds).tolist()
    for name in SHARED_TABLES:
        frame = getattr(data, name)
        if frame is not None:
            (target / "shared").mkdir(parents=True, exist_ok=True)
            frame.to_parquet(target / "shared" / f"{name}.parquet", index=False)
            rows[name] = [len(frame)]
    (target / MANIFEST).write_text(json.dumps({"partitions": partitions, "rows": rows}, indent=1))
    return Dataset(target, partitions, rows)
