""" "What if": re-scrub one claim with a changed code or modifier and show what disappears or appears."""

from __future__ import annotations

import dataclasses
import html
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from medbill.edits.engine import DX_COLUMNS
from medbill.edits.result import ScrubResult
from medbill.edits.runner import as_tables, scrub

_KEY = ["line_number", "rule_id", "field", "value", "message"]


@dataclasses.dataclass(frozen=True)
class WhatIf:
    """Findings before and after a change; ``disappeared`` / ``appeared`` are the difference."""

    claim_id: str
    changes: dict[str, Any]
    before: ScrubResult
    after: ScrubResult

    @property
    def disappeared(self) -> pd.DataFrame:
        return _minus(self.before.findings, self.after.findings)

    @property
    def appeared(self) -> pd.DataFrame:
        return _minus(self.after.findings, self.before.findings)

    def _repr_html_(self) -> str:
        def block(title: str, df: pd.DataFrame) -> str:
            if df.empty:
                return f"<p><b>{title}:</b> none</p>"
            rows = "".join(
                f"<li><code>{html.escape(r.rule_id)}</code> ({html.escape(r.severity)}) "
                f"{html.escape(str(r.message))}</li>"
                for r in df.itertuples()
            )
            return f"<p><b>{title}:</b></p><ul>{rows}</ul>"

        change = ", ".join(f"{k} = {v!r}" for k, v in self.changes.items())
        return (
            f"<p>Claim <b>{html.escape(self.claim_id)}</b>, if {html.escape(change)}:</p>"
            + block("Findings that disappear", self.disappeared)
            + block("Findings that appear", self.appeared)
        )


def _minus(a: pd.DataFrame, b: pd.DataFrame) -> pd.DataFrame:
    keys_b = set(map(tuple, b[_KEY].astype(str).to_numpy()))
    keep = np.array([tuple(row) not in keys_b for row in a[_KEY].astype(str).to_numpy()], dtype=bool)
    return a[keep].reset_index(drop=True)


def what_if(
    claim: Any,
    claim_id: str | None = None,
    *,
    line: int | None = None,
    changes: Mapping[str, Any] | None = None,
    **kwargs: Any,
) -> WhatIf:
    """Scrub one claim as it is and with ``changes`` applied; compare the findings.

    ``claim`` is a ``Claim`` or anything ``scrub`` accepts (then ``claim_id`` picks the claim).
    Changes are column names from docs/tables.md: claim columns (``dx1`` ...) apply to the claim,
    line columns (``procedure_code``, ``modifier1`` ...) to line number ``line`` (required then).
    Other ``scrub`` keywords (``rules``, ``payer_config``, ``as_of`` ...) pass through.

    >>> what_if(data, "C1", line=2, modifier1="59").disappeared
    """
    scrub_kw = {k: kwargs.pop(k) for k in ("rules", "disable", "payer_config", "as_of") if k in kwargs}
    wanted = {**(changes or {}), **kwargs}
    if not wanted:
        raise ValueError("what_if needs at least one change, e.g. line=1, modifier1='59'.")
    claims, lines, payers = as_tables(claim)
    if claim_id is None:
        if claims["claim_id"].nunique() != 1:
            raise ValueError("Several claims given: pass claim_id= to choose one.")
        claim_id = str(claims["claim_id"].iloc[0])
    c = claims[claims["claim_id"].astype(str) == claim_id].copy()
    if c.empty:
        raise ValueError(f"Claim {claim_id!r} is not in the claims given.")
    ln = lines[lines["claim_id"].astype(str) == claim_id].copy()
    c2, ln2 = c.copy(), ln.copy()
    for col, value in wanted.items():
        if col in DX_COLUMNS or (col in c2.columns and col not in ln2.columns):
            c2[col] = value
            continue
        if line is None:
            raise ValueError(f"Changing line column {col!r} needs line=<line number>.")
        at = pd.to_numeric(ln2["line_number"], errors="coerce") == line
        if not at.any():
            raise ValueError(f"Claim {claim_id!r} has no line number {line}.")
        if col not in ln2.columns:
            ln2[col] = pd.NA
        ln2[col] = ln2[col].astype(object)
        ln2.loc[at, col] = value
    data = _Tables(c, ln, payers)
    changed = _Tables(c2, ln2, payers)
    return WhatIf(claim_id, wanted, scrub(data, **scrub_kw), scrub(changed, **scrub_kw))


@dataclasses.dataclass(frozen=True)
class _Tables:
    claims: pd.DataFrame
    lines: pd.DataFrame
    payers: pd.DataFrame | None
