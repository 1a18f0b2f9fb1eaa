"""``scrub``: run the selected rules over one claim or a batch and assemble the result."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from medbill.edits import engine
from medbill.edits.result import FINDING_COLUMNS, ScrubResult, status_names, worst


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
    if not hasattr(data, "lines"):
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
    line_pos = found["line"].to_numpy()
    on_line = line_pos >= 0
    claim_pos = np.where(on_line, ln["claim"].to_numpy()[np.where(on_line, line_pos, 0)], found["claim"])
    line_claim_id = ln["claim_id"].to_numpy()[np.where(on_line, line_pos, 0)] if len(ln) else []
    claim_claim_id = cl["claim_id"].to_numpy()[np.where(claim_pos >= 0, claim_pos, 0)] if len(cl) else []
    f = pd.DataFrame(
        {
            "claim_id": np.where(on_line, line_claim_id, claim_claim_id) if len(found) else [],
            "line_number": pd.array(
                np.where(on_line, ln["line_number"].to_numpy()[np.where(on_line, line_pos, 0)], pd.NA)
                if len(found) and len(ln)
                else [pd.NA] * len(found),
                dtype="Int64",
            ),
            "rule_id": found["rule_id"].to_numpy(),
            "severity": found["severity"].to_numpy(),
            "field": found["field"].to_numpy(),
            "value": found["value"].to_numpy(),
            "message": found["message"].to_numpy(),
            "reference": found["reference"].to_numpy(),
            "claim_row": pd.array(np.where(claim_pos >= 0, claim_pos, -1), dtype="Int64").astype("Int64"),
            "line_row": pd.array(np.where(on_line, line_pos, -1), dtype="Int64"),
        }
    )
    f["claim_row"] = f["claim_row"].mask(f["claim_row"] < 0)
    f["line_row"] = f["line_row"].mask(f["line_row"] < 0)
    f["claim_id"] = f["claim_id"].astype("string")
    rank = worst(f["severity"])
    order = np.lexsort(
        (
            f["rule_id"].to_numpy(),
            -rank.to_numpy(),
            f["line_row"].fillna(-1).to_numpy(),
            f["claim_row"].fillna(-1),
        )
    )
    f = f.iloc[order].reset_index(drop=True)
    rank = worst(f["severity"])
    return ScrubResult(
        findings=f[[*FINDING_COLUMNS, "claim_row", "line_row"]],
        line_status=_status(
            f, rank, "line_row", len(ln), {"claim_id": ln["claim_id"], "line_number": ln["line_number"]}
        ),
        claim_status=_claim_status(f, rank, batch),
        rules=pd.DataFrame([r.to_dict() for r in chosen]),
        skipped=skipped,
    )


def _counts(f: pd.DataFrame, rank: pd.Series, key: str, n: int) -> pd.DataFrame:
    keyed = f[key].dropna().astype("int64")
    sev = f.loc[keyed.index, "severity"]
    table = pd.crosstab(keyed, sev).reindex(
        index=range(n), columns=["error", "warning", "info"], fill_value=0
    )
    out = pd.DataFrame(
        {
            "errors": table["error"].to_numpy(),
            "warnings": table["warning"].to_numpy(),
            "infos": table["info"].to_numpy(),
        }
    )
    top = rank.loc[keyed.index].groupby(keyed.to_numpy()).max().reindex(range(n), fill_value=0)
    out["status"] = status_names(top).to_numpy()
    return out


def _status(f: pd.DataFrame, rank: pd.Series, key: str, n: int, ids: dict[str, pd.Series]) -> pd.DataFrame:
    out = _counts(f, rank, key, n)
    for i, (name, col) in enumerate(ids.items()):
        out.insert(i, name, col.to_numpy())
    return out


def _claim_status(f: pd.DataFrame, rank: pd.Series, batch: engine.Batch) -> pd.DataFrame:
    n = len(batch.claims)
    lines_per_claim = batch.lines.loc[batch.lines["claim"] >= 0, "claim"].value_counts()
    return _status(
        f,
        rank,
        "claim_row",
        n,
        {
            "claim_id": batch.claims["claim_id"],
            "lines": lines_per_claim.reindex(range(n), fill_value=0),
        },
    )
