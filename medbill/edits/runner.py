"""``scrub``: run the selected rules over one claim or a batch and assemble the result."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from medbill._memory import release_freed
from medbill.claims import groups
from medbill.edits import engine
from medbill.edits.combine import combined, finding_order, part_tables
from medbill.edits.result import CATEGORY_COLUMNS, SEVERITY_RANK, STATUS, TEXT, ScrubResult, as_category
from medbill.exceptions import InvalidArgument


def as_tables(
    claims_or_data: Any, lines: pd.DataFrame | None = None
) -> tuple[pd.DataFrame, pd.DataFrame, Any]:
    """(claims, lines, payers) from a ``Claim``, a list of claims, ``ClaimsData`` or two DataFrames."""
    if isinstance(claims_or_data, pd.DataFrame):
        if not isinstance(lines, pd.DataFrame):
            raise InvalidArgument("scrub(claims_df, lines_df): pass the lines DataFrame too.")
        return claims_or_data, lines, None
    if lines is not None:
        raise InvalidArgument(
            "lines= is only for a claims DataFrame; ClaimsData and Claim carry their lines."
        )
    data = claims_or_data
    if not (hasattr(data, "claims") and hasattr(data, "lines")):
        # One Claim model, or a list of them: go through the claims tables.
        from medbill.claims.models import Claim, claims_to_tables

        claims = list(data) if isinstance(data, list | tuple) else [data]
        if not all(isinstance(c, Claim) for c in claims):
            raise InvalidArgument(
                "scrub() takes a Claim, a list of Claims, a ClaimsData or claims and lines DataFrames; "
                f"got {type(data).__name__} {repr(data)[:60]}"
            )
        data = claims_to_tables(claims)
    if not (isinstance(data.claims, pd.DataFrame) and isinstance(data.lines, pd.DataFrame)):
        raise InvalidArgument(f"{type(data).__name__}.claims and .lines must be DataFrames (docs/tables.md)")
    return data.claims, data.lines, getattr(data, "payers", None)


def scrub(
    claims_or_data: Any,
    lines: pd.DataFrame | None = None,
    *,
    rules: Iterable[str] | None = None,
    disable: Iterable[str] = (),
    payer_config: Mapping[str, Any] | None = None,
    as_of: date | None = None,
) -> ScrubResult:
    """Scrub one ``Claim``, ``ClaimsData`` or ``claims`` + ``lines`` DataFrames (docs/tables.md).

    ``rules`` / ``disable`` take rule ids, categories or glob patterns (``"NCCI*"``, ``"modifiers"``).
    ``payer_config`` maps payer_id (or ``"*"`` for every payer) to ``PayerRules`` or a dict with
    ``timely_filing_days``, ``bypass_modifiers`` and ``disable``. ``as_of`` is "today" for the date
    and timely-filing rules (default: the current date).
    """
    claims, lines_df, payers = as_tables(claims_or_data, lines)
    chosen = engine.select(rules, disable)
    options = {"payers": payers, "payer_config": payer_config, "as_of": as_of}
    if len(lines_df) > PART_LINES or len(claims) > PART_LINES:
        return _in_parts(claims, lines_df, chosen, options)
    batch = engine.Batch(claims, lines_df, **options)
    found, skipped = engine.run(batch, chosen)
    return assemble(batch, found, skipped, chosen)


# A batch with more lines (or claims) than this is scrubbed one patient group at a time: the same
# result, since every rule looks within one patient, while the engine's working arrays (~750 bytes
# a line) are held for one group only instead of for the whole batch.
PART_LINES = 100_000


def _in_parts(
    claims: pd.DataFrame, lines: pd.DataFrame, chosen: list[engine.Rule], options: dict[str, Any]
) -> ScrubResult:
    n = -(-max(len(lines), len(claims)) // PART_LINES) * 2  # hashing fills groups unevenly: aim for half
    claim_group = groups.of_claims(claims, n)
    line_group = groups.following_claims(lines, claims, claim_group, n)
    options = {**options, "as_of": options["as_of"] or date.today()}  # one "today" for every group
    parts = []
    for i in range(n):
        claim_rows, line_rows = np.flatnonzero(claim_group == i), np.flatnonzero(line_group == i)
        batch = engine.Batch(claims.iloc[claim_rows], lines.iloc[line_rows], **options)
        result = assemble(batch, *engine.run(batch, chosen), chosen)
        parts.append(part_tables(result, claim_rows, line_rows))
        del batch, result
        release_freed()  # this group's working arrays, before the next group's are built
    return combined(parts, _rules_table(chosen))


def assemble(
    batch: engine.Batch, found: pd.DataFrame, skipped: pd.DataFrame, chosen: list[engine.Rule]
) -> ScrubResult:
    # numpy throughout, one frame per output: a clean ten-line claim should not pay for pandas calls.
    ln, cl = batch.line_values, batch.claim_values
    n_lines, n_claims = len(ln["claim"]), len(cl["claim_id"])
    line_pos = found["line"].to_numpy()
    on_line = line_pos >= 0
    at_line = np.where(on_line, line_pos, n_lines)  # n_lines: the padding row below, for claim findings
    line_claim = np.append(ln["claim"], -1)[at_line]
    claim_pos = np.where(on_line, line_claim, found["claim"].to_numpy())
    severity = found["severity"].to_numpy(dtype=object)
    rank = np.select([severity == s for s in SEVERITY_RANK], list(SEVERITY_RANK.values()), 0)
    text = {c: as_category(found[c]) for c in CATEGORY_COLUMNS}
    order = finding_order(claim_pos, np.where(on_line, line_pos, -1), rank, text)
    # Claim ids as Arrow strings, shared with the status tables: a finding on a line takes its
    # line's claim_id, one on a claim its claim's; the last position is the missing value.
    line_ids = pd.Series(pd.array(ln["claim_id"], dtype=TEXT))
    claim_ids = pd.Series(pd.array(cl["claim_id"], dtype=TEXT))
    every_id = pd.concat([line_ids, claim_ids, pd.Series([None], dtype=TEXT)], ignore_index=True).array
    id_at = np.where(on_line, line_pos, n_lines + np.where(claim_pos >= 0, claim_pos, n_claims))
    f = pd.DataFrame(
        {
            "claim_id": every_id.take(id_at[order]),
            "line_number": _int64(np.append(ln["line_number"], np.nan)[at_line][order]),
            **{
                c: pd.Categorical.from_codes(text[c].codes[order], dtype=text[c].dtype)
                for c in CATEGORY_COLUMNS
            },
            "claim_row": _int64(np.where(claim_pos >= 0, claim_pos, np.nan)[order]),
            "line_row": _int64(np.where(on_line, line_pos, np.nan)[order]),
        }
    )
    rank = rank[order]
    unchecked = engine.unchecked_counts(batch)
    line_status = pd.DataFrame(
        {
            "claim_id": line_ids,
            "line_number": batch.line_numbers.to_numpy(),
            **_counts(np.where(on_line, line_pos, -1)[order], rank, n_lines),
            "unchecked": unchecked,
        }
    )
    has_claim = ln["claim"] >= 0
    claim_unchecked = np.zeros(n_claims, dtype="int64")
    np.maximum.at(claim_unchecked, ln["claim"][has_claim], unchecked[has_claim])
    claim_status = pd.DataFrame(
        {
            "claim_id": claim_ids,
            "lines": np.bincount(ln["claim"][has_claim], minlength=n_claims),
            **_counts(claim_pos[order], rank, n_claims),
            "unchecked": claim_unchecked,
        }
    )
    return ScrubResult(
        findings=f,
        line_status=line_status,
        claim_status=claim_status,
        rules=_rules_table(chosen),
        skipped=skipped,
    )


def _int64(values: np.ndarray) -> pd.arrays.IntegerArray:
    """Whole numbers held as float64 (NaN = missing) as a nullable Int64 array."""
    missing = np.isnan(values)
    return pd.arrays.IntegerArray(np.where(missing, 0, values).astype("int64"), missing)


_rules_tables: dict[tuple[engine.Rule, ...], pd.DataFrame] = {}


def _rules_table(chosen: list[engine.Rule]) -> pd.DataFrame:
    """The chosen rules as a table, built once per selection (a copy each time: results are the caller's)."""
    key = tuple(chosen)
    if key not in _rules_tables:
        if len(_rules_tables) >= 64:  # many different selections: keep the memo small
            _rules_tables.clear()
        _rules_tables[key] = pd.DataFrame([r.to_dict() for r in chosen])
    return _rules_tables[key].copy()


def _counts(row: np.ndarray, rank: np.ndarray, n: int) -> dict[str, Any]:
    """errors / warnings / infos and the worst status per row position (``row`` -1 = none)."""
    keep = row >= 0
    row, rank = row[keep], rank[keep]
    top = np.zeros(n, dtype="int64")
    np.maximum.at(top, row, rank)
    return {
        "errors": np.bincount(row[rank == 3], minlength=n),
        "warnings": np.bincount(row[rank == 2], minlength=n),
        "infos": np.bincount(row[rank == 1], minlength=n),
        "status": pd.Categorical.from_codes(top, dtype=STATUS),
    }
