"""Scrub and price a partitioned claims dataset (:mod:`medbill.scale.partition`) with Dask.

One task per partition: it reads the partition (and the shared tables) itself, runs the ordinary
single-process ``scrub`` / ``price_lines`` on it and returns its tables with input row numbers, so
only results travel back. The driver concatenates them and puts them in input order, which makes
the result equal to a single-process run on the whole folder. Every worker reads reference data
from its own ``MEDBILL_HOME`` (a shared filesystem, or a copy of the same folder on each machine).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator, Mapping
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq
from pandas.api.types import union_categoricals

from medbill.edits import engine as rule_engine
from medbill.edits import scrub
from medbill.edits.combine import combined, in_input_order, part_tables
from medbill.edits.result import ScrubResult
from medbill.edits.runner import _rules_table
from medbill.exceptions import MedbillError
from medbill.scale.partition import SOURCE_ROW, Dataset

PRICE_KEYS = ["claim_id", "line_number"]


@contextlib.contextmanager
def client(workers: int = 2, scheduler: str | None = None) -> Iterator[Any]:
    """A ``dask.distributed`` client: of the scheduler at ``scheduler``, else of a local cluster
    of ``workers`` single-threaded worker processes, closed on exit."""
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError as exc:
        raise MedbillError("The Dask engine needs dask and distributed: pip install 'medbill[dask]'") from exc
    if scheduler:
        with Client(scheduler) as c:
            yield c
        return
    if workers < 1:
        raise MedbillError(f"--workers must be at least 1, got {workers}")
    with (
        # ":0", a free port: None does not turn the dashboard off (dask/distributed#8136) and
        # would warn whenever 8787 is taken
        LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0") as lc,
        Client(lc) as c,
    ):
        yield c


@contextlib.contextmanager
def active_client(workers: int = 2, scheduler: str | None = None) -> Iterator[Any]:
    """The Dask client already active in this process when no ``scheduler`` is named, else
    :func:`client` for the duration."""
    active = None
    if not scheduler:
        try:
            from dask.distributed import default_client

            active = default_client()
        except (ImportError, ValueError):  # no dask (client() says how to install it), or no client
            active = None
    if active is not None:
        yield active
        return
    with client(workers, scheduler) as c:
        yield c


def each_partition(dataset: Dataset, task: Any, *args: Any) -> list[Any]:
    """``task(dataset_path, i, *args)`` for every partition, on the active Dask client.

    Each result is fetched as soon as its task ends and then released on the worker: a worker holds
    one partition's result at a time, not every result it computed until the last task ends.
    """
    from dask.distributed import as_completed, get_client

    try:
        c = get_client()
    except ValueError:
        raise MedbillError(
            "No Dask client is active: run inside `with medbill.scale.engine.client():` "
            "(or pass --engine dask on the command line)"
        ) from None
    futures = [c.submit(task, str(dataset.path), i, *args, pure=False) for i in range(dataset.partitions)]
    position = {f.key: i for i, f in enumerate(futures)}
    results: list[Any] = [None] * len(futures)
    for done in as_completed(futures):
        results[position[done.key]] = done.result()
        done.release()
    return results


# ---------------------------------------------------------------------------------------- scrub


def scrub_partition(
    path: str,
    i: int,
    rules: Iterable[str] | None = None,
    disable: Iterable[str] = (),
    payer_config: Mapping[str, Any] | None = None,
    as_of: date | None = None,
) -> dict[str, pd.DataFrame]:
    """Scrub partition ``i``: its result with rows numbered as in the input (``part_tables``)."""
    data = Dataset.open(path).read(i, only=("payers",), compact=True)  # what scrub reads
    result = scrub(data, rules=rules, disable=disable, payer_config=payer_config, as_of=as_of)
    return part_tables(result, data.claims[SOURCE_ROW].to_numpy(), data.lines[SOURCE_ROW].to_numpy())


def scrub_dataset(
    path: str | Path,
    *,
    rules: Iterable[str] | None = None,
    disable: Iterable[str] = (),
    payer_config: Mapping[str, Any] | None = None,
    as_of: date | None = None,
) -> ScrubResult:
    """Scrub every partition of the dataset at ``path`` on the active Dask client (see :func:`client`).

    Equal to ``scrub`` of the whole claims folder: findings in the same order, ``claim_row`` /
    ``line_row`` and the status tables in input order, skipped rules summed over partitions.
    """
    dataset = Dataset.open(path)
    chosen = rule_engine.select(rules, disable)  # bad rule names fail here, before any task runs
    rules_list = None if rules is None else list(rules)
    # one "today" for every partition, even on workers whose clocks pass midnight
    as_of = date.today() if as_of is None else as_of
    parts = each_partition(dataset, scrub_partition, rules_list, list(disable), payer_config, as_of)
    return combined(parts, _rules_table(chosen))


# ---------------------------------------------------------------------------------------- price


def priced_lines(lines: pd.DataFrame, claims: pd.DataFrame, locality: object = None) -> pd.DataFrame:
    """Every line priced with the PFS release in effect on its date, keyed by claim_id and line_number."""
    from medbill.pricing.pfs import price_lines

    priced = price_lines(lines, claims=claims, locality=locality).reset_index(drop=True)
    # the keys go in front without copying the priced columns (a concat would copy all of them)
    for at, key in enumerate(PRICE_KEYS):
        priced.insert(at, key, lines[key].array)
    return priced


def price_partition(path: str, i: int, locality: object = None) -> pd.DataFrame:
    """``priced_lines`` of partition ``i`` with its lines' ``source_row``, reading only the columns
    pricing uses (a whole claims table is most of a partition's memory and reading time)."""
    from medbill.pricing.pfs_batch import INPUT_COLUMNS

    folder = Dataset.open(path).part_dir(i)
    lines = _read_columns(folder / "lines.parquet", (*PRICE_KEYS, *INPUT_COLUMNS, SOURCE_ROW))
    claims = _read_columns(folder / "claims.parquet", ("claim_id", "place_of_service"))
    out = priced_lines(lines, claims, locality)
    out[SOURCE_ROW] = lines[SOURCE_ROW].to_numpy()
    return out


def _read_columns(file: Path, wanted: Iterable[str]) -> pd.DataFrame:
    """The ``wanted`` columns of a partition's Parquet file that it has (``partition`` writes typed tables)."""
    present = set(pq.read_schema(file).names)
    return pd.read_parquet(file, columns=[c for c in dict.fromkeys(wanted) if c in present])


def price_dataset(path: str | Path, *, locality: object = None) -> pd.DataFrame:
    """``priced_lines`` of every partition on the active Dask client, in input line order."""
    dataset = Dataset.open(path)
    parts = each_partition(dataset, price_partition, locality)
    return in_input_order(_common_categories(parts), SOURCE_ROW)


def _common_categories(parts: list[pd.DataFrame]) -> list[pd.DataFrame]:
    """The parts with each categorical column recoded to the categories of all parts (so their
    concatenation stays categorical)."""
    filled = [p for p in parts if len(p)] or parts[:1]  # empty parts' categories may be typed differently
    columns = [c for c in parts[0].columns if isinstance(parts[0][c].dtype, pd.CategoricalDtype)]
    cats = {
        c: union_categoricals([p[c].array for p in filled], ignore_order=True).categories for c in columns
    }
    return [p.assign(**{c: p[c].cat.set_categories(cats[c]) for c in columns}) for p in parts]
