"""Coding audit: scrubber findings over the period, unspecified-diagnosis rates and where more
specific codes exist.

A diagnosis is *unspecified* when its ICD-10-CM title says so ("unspecified" in the title). A
*specificity opportunity* is an unspecified billable code whose parent has other billable children.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from medbill.analytics.facts import default_as_of
from medbill.analytics.summary import diagnosis_codes, icd10cm_table, lookup
from medbill.analytics.tables import as_tables


def findings_summary(findings: pd.DataFrame) -> pd.DataFrame:
    """Scrubber findings per rule and severity: findings and distinct claims, most frequent first."""
    out = findings.groupby(["rule_id", "severity"], dropna=False, observed=True).agg(
        findings=("claim_id", "size"), claims=("claim_id", "nunique")
    )
    return out.sort_values("findings", ascending=False).reset_index()


def unspecified_rate(data: Any, code_table: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per rendering provider (and ``all``): diagnoses listed, unspecified ones, and their rate."""
    table = icd10cm_table() if code_table is None else code_table
    dx = diagnosis_codes(data)
    title = lookup(dx["code"], table["title"]).astype("string")
    dx["unspecified"] = title.str.contains("unspecified", case=False).fillna(False)
    dx["in_release"] = title.notna()
    npi = dx["rendering_npi"].fillna("(none)")
    out = dx.groupby(npi).agg(
        diagnoses=("code", "size"), unspecified=("unspecified", "sum"), in_release=("in_release", "sum")
    )
    out.loc["all"] = out.sum()
    out["unspecified_rate"] = out["unspecified"] / out["diagnoses"]
    out["not_in_release"] = out.pop("in_release").rsub(out["diagnoses"])
    return out.round(4).reset_index(names="rendering_npi")


def specificity_opportunities(data: Any, code_table: pd.DataFrame | None = None, n: int = 20) -> pd.DataFrame:
    """The most used unspecified codes with how many billable siblings a coder could choose instead."""
    table = icd10cm_table() if code_table is None else code_table
    dx = diagnosis_codes(data)
    title = lookup(dx["code"], table["title"]).astype("string")
    dx = dx[title.str.contains("unspecified", case=False).fillna(False)]
    billable = table[table["billable"].astype(bool)]
    siblings = billable.groupby("parent").size()
    out = dx.groupby("code").agg(claims=("claim_id", "nunique"))
    out["title"] = out.index.map(table["title"])
    out["billable_alternatives"] = (out.index.map(table["parent"]).map(siblings).fillna(1) - 1).astype(int)
    return out.sort_values("claims", ascending=False).head(n).reset_index()


def scrub_findings(data: Any, *, as_of: Any = None) -> pd.DataFrame:
    """The scrubber's findings on the claims of ``data`` (``medbill.edits.scrub``), for the clean
    claim rate, the denials a scrubber would have caught, and the coding audit.

    The scrubber sees the payers table (what ``medbill scrub`` sees: a self-pay claim needs no
    member id) and counts dates to ``as_of`` (default: the latest date in the data, never the
    real today), so the reports and the command line agree."""
    from medbill.claims.tables import ClaimsData
    from medbill.edits import scrub

    t = as_tables(data)
    day = pd.Timestamp(as_of) if as_of is not None else default_as_of(t)
    return scrub(ClaimsData(claims=t.claims, lines=t.lines, payers=t.payers), as_of=day.date()).findings
