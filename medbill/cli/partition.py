"""``medbill partition CLAIMS_DIR --out DATASET``: a Parquet dataset partitioned by patient."""

from __future__ import annotations

import argparse


def register(p: argparse.ArgumentParser) -> None:
    p.description = (
        "Split CLAIMS_DIR into partitions that each hold whole patients (claims, lines, patients "
        "and remittance rows), for `medbill scrub DATASET --engine dask` and `medbill price "
        "--data DATASET --engine dask`. Payers, providers and payments are written once, shared."
    )
    p.add_argument("claims_dir", metavar="CLAIMS_DIR", help="folder with claims and lines tables")
    p.add_argument("--out", required=True, metavar="DATASET", help="new (or empty) folder to write")
    p.add_argument(
        "--partitions", type=int, default=16, metavar="N", help="number of partitions (default 16)"
    )
    p.set_defaults(func=_partition)


def _partition(args: argparse.Namespace) -> int:
    from medbill.scale.partition import partition

    dataset = partition(args.claims_dir, args.out, args.partitions)
    for name, rows in dataset.rows.items():
        where = "shared" if len(rows) == 1 and dataset.partitions > 1 else f"{dataset.partitions} partitions"
        print(f"{name}: {sum(rows):,} rows ({where}; largest partition {max(rows):,})")
    print(f"wrote {dataset.path}")
    return 0
