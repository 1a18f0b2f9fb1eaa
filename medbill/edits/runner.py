"""``scrub``: run the selected rules over one claim or a batch and assemble the result."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from medbill.edits import engine
from medbill.edits.result import ScrubResult, status_names, worst


def as_tables(
    claims_or_data: Any, lines: pd.DataFrame | None = None
) -> tuple[pd.DataFrame, pd.DataFrame, Any]:
    """(claims, lines, payers) from a ``Claim``, a list of claims, ``ClaimsData`` or two DataFrames."""
    if isinstance(claims_or_data, pd.DataFrame):
        if lines is None:
            raise TypeError("scrub(claims_df, lines_df): pass the lines DataFrame too.")
        return claims_or_data, lines, None
    if lines is not None:
        raise TypeError("lines= is only for a claims DataFrame; ClaimsData and Claim carry their lines.")
    data = claims_or_data
    if not (hasattr(data, "claims") and hasattr(data, "lines")):
        # One Claim model, or a list of them: go through the claims tables.
        from medbill.claims.models import claims_to_tables

        data = claims_to_tables(list(data) if isinstance(data, list | tuple) else [data])
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
    batch = engine.Batch(claims, lines_df, payers=payers, payer_config=payer_config, as_of=as_of)
    found, skipped = engine.run(batch, chosen)
    return assemble(batch, found, skipped, chosen)


def assemble(
    batch: engine.Batch, found: pd.DataFrame, skipped: pd.DataFrame, chosen: list[engine.Rule]
) -> ScrubResult:
    ln, cl = batch.lines, batch.claims
    n_lines, n_claims = len(ln), len(cl)
    line_pos = found["line"].to_numpy()
    on_line = line_pos >= 0
    safe_line = np.where(on_line, line_pos, 0)
    line_claim = np.append(ln["claim"].to_numpy(), -1)[np.where(on_line, line_pos, n_lines)]
    claim_pos = np.where(on_line, line_claim, found["claim"].to_numpy())
    line_ids = np.append(ln["claim_id"].to_numpy(dtype=object), None)
    claim_ids = np.append(cl["claim_id"].to_numpy(dtype=object), None)
    claim_id = np.where(on_line, line_ids[np.where(on_line, line_pos, n_lines)], claim_ids[claim_pos])
    numbers = np.append(ln["line_number"].to_numpy(dtype="float64", na_value=np.nan), np.nan)
    rank = worst(found["severity"]).to_numpy()
    rule = pd.Categorical(found["rule_id"])
    order = np.lexsort((rule.codes, -rank, np.where(on_line, line_pos, -1), claim_pos))
    f = pd.DataFrame(
        {
            "claim_id": pd.Series(claim_id[order], dtype=object),
            "line_number": pd.array(numbers[np.where(on_line, safe_line, n_lines)][order]).astype("Int64"),
            "rule_id": pd.Series(found["rule_id"].to_numpy(dtype=object)[order], dtype=object),
            "severity": pd.Series(found["severity"].to_numpy(dtype=object)[order], dtype=object),
            "field": pd.Series(found["field"].to_numpy(dtype=object)[order], dtype=object),
            "value": pd.Series(found["value"].to_numpy(dtype=object)[order], dtype=object),
            "message": pd.Series(found["message"].to_numpy(dtype=object)[order], dtype=object),
            "reference": pd.Series(found["reference"].to_numpy(dtype=object)[order], dtype=object),
            "claim_row": pd.array(np.where(claim_pos >= 0, claim_pos, -1)[order]).astype("Int64"),
            "line_row": pd.array(np.where(on_line, line_pos, -1)[order]).astype("Int64"),
        }
    )
    f["claim_row"] = f["claim_row"].mask(f["claim_row"] < 0)
    f["line_row"] = f["line_row"].mask(f["line_row"] < 0)
    rank = rank[order]
    line_status = _counts(np.where(on_line, line_pos, -1)[order], rank, n_lines)
    line_status.insert(0, "claim_id", ln["claim_id"].to_numpy())
    line_status.insert(1, "line_number", ln["line_number"].to_numpy())
    claim_status = _counts(claim_pos[order], rank, n_claims)
    claim_status.insert(0, "claim_id", cl["claim_id"].to_numpy())
    has_claim = ln["claim"].to_numpy() >= 0
    claim_status.insert(1, "lines", np.bincount(ln["claim"].to_numpy()[has_claim], minlength=n_claims))
    return ScrubResult(
        findings=f,
        line_status=line_status,
        claim_status=claim_status,
        rules=_rules_table(chosen),
        skipped=skipped,
    )


_rules_tables: dict[tuple[engine.Rule, ...], pd.DataFrame] = {}


def _rules_table(chosen: list[engine.Rule]) -> pd.DataFrame:
    """The chosen rules as a table, built once per selection (a copy each time: results are the caller's)."""
    key = tuple(chosen)
    if key not in _rules_tables:
        if len(_rules_tables) >= 64:  # many different selections: keep the memo small
            _rules_tables.clear()
        _rules_tables[key] = pd.DataFrame([r.to_dict() for r in chosen])
    return _rules_tables[key].copy()


def _counts(row: np.ndarray, rank: np.ndarray, n: int) -> pd.DataFrame:
    """errors / warnings / infos and the worst status per row position (``row`` -1 = none)."""
    keep = row >= 0
    row, rank = row[keep], rank[keep]
    out = pd.DataFrame(
        {
            "errors": np.bincount(row[rank == 3], minlength=n),
            "warnings": np.bincount(row[rank == 2], minlength=n),
            "infos": np.bincount(row[rank == 1], minlength=n),
        }
    )
    top = np.zeros(n, dtype="int64")
    np.maximum.at(top, row, rank)
    out["status"] = status_names(pd.Series(top)).to_numpy()
    return out
