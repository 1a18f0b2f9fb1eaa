"""The ``--engine`` options shared by ``medbill scrub`` and ``medbill price --data``."""

from __future__ import annotations

import argparse
import contextlib
import tempfile
from collections.abc import Iterator
from pathlib import Path


def add_engine_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--engine",
        choices=["pandas", "dask"],
        default="pandas",
        help="pandas: one process (default); dask: one task per patient partition (medbill[dask])",
    )
    p.add_argument(
        "--workers", type=_at_least_one, default=2, metavar="N", help="local Dask cluster size (default 2)"
    )
    p.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="a running Dask scheduler (tcp://host:8786) instead of a local cluster",
    )


def _at_least_one(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of workers") from None
    if n < 1:
        raise argparse.ArgumentTypeError(f"{n} workers: a cluster needs at least 1")
    return n


@contextlib.contextmanager
def on_dask(args: argparse.Namespace, folder: str | None = None) -> Iterator[Path]:
    """Inside a Dask client for ``args``: the partitioned dataset to work on. A plain claims folder
    is partitioned first (four partitions per worker) into a temporary folder."""
    from medbill.scale.engine import client
    from medbill.scale.partition import MANIFEST, partition

    source = Path(folder or args.claims_dir)
    with contextlib.ExitStack() as stack:
        if (source / MANIFEST).is_file():
            dataset = source
        else:
            tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="medbill-partitions-")))
            dataset = partition(source, tmp / "dataset", args.workers * 4).path
        stack.enter_context(client(args.workers, args.scheduler))
        yield dataset
