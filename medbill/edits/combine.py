"""Scrub results of parts of one batch (patient groups, in this process or on Dask workers) put
together as the result of scrubbing the batch whole: findings in ``scrub``'s order, ``claim_row`` /
``line_row`` and the status tables in input order, skipped rules summed over the parts."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from medbill._memory import release_freed
from medbill.edits.result import CATEGORY_COLUMNS, ScrubResult, concat_findings

_ROWS = "_row"  # the input row of a status table's row, while the parts are put together


def finding_order(
    claim: np.ndarray, line: np.ndarray, rank: np.ndarray, text: Mapping[str, pd.Categorical]
) -> np.ndarray:
    """Positions of findings in ``scrub``'s order: by claim, line (-1, claim-level, first), worst
    severity, rule id, then field, value, message and reference (``text``: categoricals with sorted
    categories), so the order never depends on how the batch was split or a rule emitted them."""
    ties = [text[c].codes for c in reversed(CATEGORY_COLUMNS) if c not in ("rule_id", "severity")]
    return np.lexsort((*ties, text["rule_id"].codes, -rank, line, claim))


def part_tables(
    result: ScrubResult, claim_rows: np.ndarray, line_rows: np.ndarray
) -> dict[str, pd.DataFrame]:
    """One part's result with its claim and line positions renumbered to the whole batch's
    (``claim_rows[i]`` is the batch row of the part's claim ``i``)."""
    f = result.findings.copy()
    f["claim_row"] = _renumbered(f["claim_row"], claim_rows)
    f["line_row"] = _renumbered(f["line_row"], line_rows)
    return {
        "findings": f,
        "line_status": result.line_status.assign(**{_ROWS: line_rows}),
        "claim_status": result.claim_status.assign(**{_ROWS: claim_rows}),
        "skipped": result.skipped,
    }


def _renumbered(rows: pd.Series, batch_rows: np.ndarray) -> pd.arrays.IntegerArray:
    missing = rows.isna().to_numpy()
    at = rows.to_numpy(dtype="int64", na_value=0)
    return pd.arrays.IntegerArray(np.where(missing, 0, batch_rows[at] if len(batch_rows) else at), missing)


def combined(parts: list[dict[str, pd.DataFrame]], rules: pd.DataFrame) -> ScrubResult:
    """The parts' results (:func:`part_tables`) as one ``ScrubResult``; the parts are emptied as
    their tables are put together, so a part's table and its place in the whole are not both held
    longer than needed."""
    joined = concat_findings(_taken(parts, "findings"))
    release_freed()  # each step frees about what the next allocates, but in another allocator
    findings = _ordered(joined)
    del joined
    release_freed()
    line_status = in_input_order(_taken(parts, "line_status"), _ROWS)
    release_freed()
    claim_status = in_input_order(_taken(parts, "claim_status"), _ROWS)
    return ScrubResult(
        findings=findings,
        line_status=line_status,
        claim_status=claim_status,
        rules=rules,
        skipped=_summed(_taken(parts, "skipped")),
    )


def _taken(parts: list[dict[str, pd.DataFrame]], table: str) -> list[pd.DataFrame]:
    return [p.pop(table) for p in parts]


def _ordered(f: pd.DataFrame) -> pd.DataFrame:
    """Findings of the parts in ``scrub``'s order. A claim's findings all come from one part, which
    has them in that order already, and line positions follow input order, so a stable sort by
    claim and line row finishes the job (a quarter of the time of :func:`finding_order`)."""
    line = f["line_row"].to_numpy(dtype="int64", na_value=-1)
    claim = f["claim_row"].to_numpy(dtype="int64", na_value=-1)
    return f.take(np.lexsort((line, claim))).reset_index(drop=True)


def in_input_order(parts: list[pd.DataFrame], rows: str) -> pd.DataFrame:
    """The parts one after another, sorted by their ``rows`` column (then dropped); ``parts`` is
    emptied once they are joined."""
    # an empty part's columns may be typed differently (object for string): leave them out
    joined = pd.concat([p for p in parts if len(p)] or parts[:1], ignore_index=True)
    parts.clear()
    order = np.argsort(joined[rows].to_numpy(), kind="stable")
    return joined.drop(columns=rows).take(order).reset_index(drop=True)


def _summed(parts: list[pd.DataFrame]) -> pd.DataFrame:
    joined = pd.concat(parts, ignore_index=True)
    if joined.empty:
        return parts[0]
    return joined.groupby(["rule_id", "reason"], as_index=False, sort=True)[["lines", "claims"]].sum()
