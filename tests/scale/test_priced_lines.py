"""Priced lines keep the lines' keys as they are, and a price task reads only what it prices."""

from __future__ import annotations

import pandas as pd

from medbill.refdata.pfs import import_releases
from medbill.scale.engine import PRICE_KEYS, price_partition, priced_lines
from medbill.scale.partition import SOURCE_ROW, Dataset


def test_priced_lines_are_keyed_by_the_lines_own_columns(dataset: Dataset, shared_data) -> None:
    import_releases(shared_data("cms/pfs/2025"))
    part = dataset.read(dataset.rows["lines"].index(max(dataset.rows["lines"])))
    priced = priced_lines(part.lines, part.claims, "national")
    assert list(priced.columns[: len(PRICE_KEYS)]) == PRICE_KEYS
    keys = part.lines[PRICE_KEYS].reset_index(drop=True)
    pd.testing.assert_frame_equal(priced[PRICE_KEYS], keys)  # same values and dtypes (string, Int64)


def test_a_price_task_equals_pricing_the_whole_partition(dataset: Dataset, shared_data) -> None:
    import_releases(shared_data("cms/pfs/2025"))
    i = dataset.rows["lines"].index(max(dataset.rows["lines"]))
    part = dataset.read(i)  # every table, every column
    expected = priced_lines(part.lines, part.claims, "national")
    expected[SOURCE_ROW] = part.lines[SOURCE_ROW].to_numpy()
    task = price_partition(str(dataset.path), i, "national")  # reads the columns pricing uses
    assert task["allowed"].notna().any()
    pd.testing.assert_frame_equal(task, expected)
