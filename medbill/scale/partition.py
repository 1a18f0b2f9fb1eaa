"""Write a ``CLAIMS_DIR`` as a Parquet dataset partitioned by a hash of patient_id.

Every rule and pricing step looks at one patient's claims at a time (DUP-CLAIM and DUP-LINE key on
the patient; multiple-procedure ranking on the claim and date), so a partition that holds all of a
patient's claims gives the same answers as the whole history. Layout::

    DATASET/manifest.json            partitions, rows per table per partition, shared tables
    DATASET/part-00000/claims.parquet, lines.parquet, patients.parquet, remit_claims.parquet ...
    DATASET/shared/payers.parquet, providers.parquet, remit_payments.parquet

A claim goes to the partition of its patient (patient_id, or its claim_id when that is empty); every
row sharing a claim_id goes with the first claim of that id, so CLAIM-ID-DUP and the lines follow.
Lines and remittance rows go with their claim (an orphan with the hash of its own claim_id);
patients and patient payments with their patient_id (posting applies a payment to the patient's
claims), a payment without one with its claim. Tables that are not about one patient (payers,
providers, remit_payments) are written once under ``shared/`` and read with every partition. The
partitioned tables carry a ``source_row`` column, the row's position in the input, so results can
be put back in input order and excluded rows named by their row in the file. Every partition has
every table, possibly empty.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Collection
from pathlib import Path

import numpy as np
import pandas as pd

from medbill.claims.tables import SOURCE_ROW, TABLES, ClaimsData, read_claims_dir
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

    def read(self, i: int, only: Collection[str] = TABLES) -> ClaimsData:
        """Partition ``i`` with the shared tables, as one ``ClaimsData``; with ``only``, just those
        tables (claims and lines always), the others None, so a task reads what it uses."""
        wanted = {"claims", "lines", *only}
        tables = {
            name: pd.read_parquet(self.part_dir(i) / f"{name}.parquet")
            for name in self._present(False, wanted)
        }
        for name in self._present(True, wanted):
            tables[name] = pd.read_parquet(self.path / "shared" / f"{name}.parquet")
        return ClaimsData(**tables)

    def _present(self, shared: bool, wanted: set[str]) -> list[str]:
        return [n for n in TABLES if n in self.rows and n in wanted and (n in SHARED_TABLES) == shared]


def buckets(keys: pd.Series, partitions: int) -> np.ndarray:
    """Partition number per key: a stable hash (the same on every machine and run) modulo ``partitions``."""
    hashed = pd.util.hash_array(keys.astype("string").fillna("").to_numpy(dtype=object))
    return (hashed % np.uint64(partitions)).astype(np.int64)


def partition(claims_dir: str | Path, out: str | Path, partitions: int = 16) -> Dataset:
    """Read ``claims_dir`` and write it to ``out`` partitioned by patient; returns the dataset."""
    if isinstance(partitions, bool) or not isinstance(partitions, int) or partitions < 1:
        raise ImportFailed(f"partitions must be a whole number of at least 1, got {partitions!r}")
    target = Path(out)
    if target.exists() and any(target.iterdir()):
        raise ImportFailed(f"{target} exists and is not empty; choose a new folder for the dataset")
    data = read_claims_dir(claims_dir)
    claim_bucket = _claim_buckets(data.claims, partitions)
    by_claim = pd.Series(claim_bucket, index=data.claims["claim_id"]).groupby(level=0, sort=False).first()

    assigned: dict[str, tuple[pd.DataFrame, np.ndarray]] = {}
    for name, frame in data.items():
        if name in SHARED_TABLES:
            continue
        if name == "claims":
            where = claim_bucket
        elif name == "patients":
            where = buckets(frame["patient_id"], partitions)
        else:
            mapped = frame["claim_id"].map(by_claim)
            orphan = mapped.isna().to_numpy()
            where = np.where(orphan, buckets(frame["claim_id"], partitions), mapped.fillna(0).to_numpy())
            if name == "patient_payments":
                named = frame["patient_id"].notna().to_numpy()
                where = np.where(named, buckets(frame["patient_id"], partitions), where)
        frame = frame.assign(**{SOURCE_ROW: np.arange(len(frame), dtype=np.int64)})
        assigned[name] = (frame, where.astype(np.int64))

    rows: dict[str, list[int]] = {}
    for i in range(partitions):
        folder = target / f"part-{i:05d}"
        folder.mkdir(parents=True)
        for name, (frame, where) in assigned.items():
            part = frame[where == i]
            part.to_parquet(folder / f"{name}.parquet", index=False)
            rows.setdefault(name, []).append(len(part))
    for name in SHARED_TABLES:
        frame = getattr(data, name)
        if frame is not None:
            (target / "shared").mkdir(parents=True, exist_ok=True)
            frame.to_parquet(target / "shared" / f"{name}.parquet", index=False)
            rows[name] = [len(frame)]
    (target / MANIFEST).write_text(json.dumps({"partitions": partitions, "rows": rows}, indent=1))
    return Dataset(target, partitions, rows)


def _claim_buckets(claims: pd.DataFrame, partitions: int) -> np.ndarray:
    """Per claim row: its patient's partition; rows sharing a claim_id follow the first of them."""
    patient_key = claims["patient_id"].fillna(claims["claim_id"])
    first = patient_key.groupby(claims["claim_id"].fillna(""), sort=False).transform("first")
    return buckets(first, partitions)
