"""``Groups.expand`` pairs keys with rows in the order ``pd.merge`` gives: the convention rules keep the
first of duplicate findings, so their output depends on that order."""

import numpy as np
import pandas as pd
import pytest

from medbill.edits.rules._util import Groups


@pytest.mark.parametrize(
    ("left", "right", "how"),
    [
        (["a", "b", "a", "c"], ["b", "a", "a", "d"], "inner"),  # repeated keys on both sides
        (["a", "b", "a", "c"], ["b", "a", "a", "d"], "left"),  # an unmatched key stays, once, with -1
        ([], ["a"], "left"),  # nothing to look up
        (["a", "b"], [], "left"),  # nothing to find
        (["a", "b"], [], "inner"),  # nothing to find, inner: no pairs
        ([3, 1, 3], [1, 3, 3, 2], "inner"),  # integer keys
        (["E11", None, "E11"], ["E11", None], "left"),  # NA never matches (the rules never look one up)
    ],
)
def test_expand_matches_merge_order(left: list, right: list, how: str) -> None:
    lhs = pd.DataFrame({"k": pd.Series(left, dtype=object), "i": np.arange(len(left))})
    rhs = pd.DataFrame({"k": pd.Series(right, dtype=object), "j": np.arange(len(right))}).dropna()
    merged = lhs.merge(rhs, on="k", how=how)
    at, row = Groups(np.asarray(right, dtype=object)).expand(
        np.asarray(left, dtype=object), keep_unmatched=how == "left"
    )
    assert at.tolist() == merged["i"].tolist()
    assert row.tolist() == merged["j"].fillna(-1).astype("int64").tolist()
