"""Billing summary: money by month, payer, provider and place of service; top procedures and
diagnoses; E/M level distribution by provider against the practice.

Money is attributed to the claim's month of service (a cohort view): what was charged for March's
services, and what has been paid and adjusted on them so far.

Each figure is a group-sum :class:`~medbill.analytics.rollup.Rollup`, so the views also run on a
patient-partitioned dataset (:data:`BILLING_SUMMARY` lists what the report shows, for one pass).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from medbill.analytics import accounting
from medbill.analytics.accounting import attached
from medbill.analytics.facts import SETTLEMENT_COLUMNS, claim_facts, claim_positions
from medbill.analytics.rollup import Request, Rollup, aggregate, summed
from medbill.analytics.tables import Tables, as_tables

SUMMARY_BY = ("month", "payer_id", "rendering_npi", "billing_npi", "place_of_service")
MONEY = ["charge", *SETTLEMENT_COLUMNS]

# Office/outpatient E/M visits (CPT 99202–99215), by patient category and level.
EM_LEVELS: dict[str, tuple[str, int]] = {
    **{f"9920{n}": ("new", n) for n in range(2, 6)},
    **{f"9921{n}": ("established", n) for n in range(1, 6)},
}

LEVELS = ("chapter", "block", "code")


def _money_by(t: Tables, by: str) -> pd.DataFrame:
    facts = claim_facts(t)
    if by == "month":
        key = facts["service_date"].dt.to_period("M").astype("string").fillna("(no service date)")
    else:
        key = facts[by].fillna("(none)")
    return facts.groupby(key.rename(by)).agg(
        claims=("claim_id", "size"), lines=("lines", "sum"), **{m: (m, "sum") for m in MONEY}
    )


MONEY_BY = Rollup(_money_by, summed)


def money_summary(data: Any, by: str = "month") -> pd.DataFrame:
    """Claims, lines and money per ``by`` value (one of :data:`SUMMARY_BY`), with a ``total`` row.

    Columns: claims, lines, charge, paid, contractual_adjustment, other_adjustment,
    patient_adjustment (patient responsibility assigned by payers), insurance_balance (what payers
    still owe), patient_balance (patient responsibility plus open self-pay charges).
    """
    if by not in SUMMARY_BY:
        raise ValueError(f"the summary can be grouped by {', '.join(SUMMARY_BY)}, got {by!r}")
    out = aggregate(data, MONEY_BY, by)
    out.loc["total"] = out.sum()
    return out.round(2).reset_index()


def _procedures(t: Tables) -> pd.DataFrame:
    lines = t.lines[attached(t.claims["claim_id"], t.lines["claim_id"])]
    return lines.groupby(lines["procedure_code"].fillna("(none)")).agg(
        lines=("line_number", "size"), units=("units", "sum"), charge=("charge", "sum")
    )


PROCEDURES = Rollup(_procedures, summed)


def top_procedures(data: Any, n: int = 10) -> pd.DataFrame:
    """The ``n`` procedure codes with the largest charges: lines, units and charges (the lines of
    claims only, as in :func:`money_summary`; see :mod:`medbill.analytics.accounting`)."""
    # rounded before sorting, so sums added in another order (partitions) rank the same
    out = aggregate(data, PROCEDURES).round(2)
    return out.sort_values(["charge", "lines"], ascending=False, kind="stable").head(n).reset_index()


def diagnosis_codes(data: Any) -> pd.DataFrame:
    """One row per diagnosis listed on a claim: claim_id, rendering_npi, position (1 = first-listed)
    and the compact code."""
    t = as_tables(data)
    if "diagnosis_codes" not in t.cache:
        t.cache["diagnosis_codes"] = _diagnosis_codes(t.claims)
    return t.cache["diagnosis_codes"].copy()


def _diagnosis_codes(claims: pd.DataFrame) -> pd.DataFrame:
    columns = [c for c in claims.columns if c.startswith("dx") and c[2:].isdigit()]
    claims = claims.reset_index(drop=True)
    parts = []
    for column in columns:  # one vectorised step per dx column (12), not per row; text stays in Arrow
        listed = claims[column].notna().to_numpy()
        part = claims.loc[listed, ["claim_id", "rendering_npi", column]].rename(columns={column: "code"})
        parts.append(part.assign(claim_row=np.flatnonzero(listed), position=int(column[2:])))
    long = pd.concat(parts, ignore_index=True)
    long["code"] = long["code"].str.replace(".", "", regex=False).str.upper().str.strip()
    return long.sort_values(["claim_row", "position"], kind="stable").reset_index(drop=True)


def lookup(values: pd.Series, mapping: pd.Series) -> pd.Series:
    """``values.map(mapping)``, looking each distinct value up once (codes repeat a lot)."""
    codes, uniques = pd.factorize(values)
    found = pd.Series(uniques).map(mapping).to_numpy()
    out = pd.Series(found[codes], index=values.index, dtype=mapping.dtype)
    return out.mask(codes < 0)


def icd10cm_table(release: str | None = None) -> pd.DataFrame:
    """The ICD-10-CM release table (indexed by compact code) with chapter and block columns."""
    from medbill.refdata import icd10cm

    rel = icd10cm.release(release) if release else icd10cm.latest()
    return rel.table


def _diagnoses(t: Tables, level: str, code_table: pd.DataFrame | None) -> pd.DataFrame:
    table = icd10cm_table() if code_table is None else code_table
    dx = diagnosis_codes(t)
    if level == "code":
        dx["group"] = dx["code"]
        dx["title"] = lookup(dx["code"], table["title"]).fillna("(not in release)")
    else:
        dx["group"] = lookup(dx["code"], table[level]).fillna("(not in release)")
        dx["title"] = lookup(dx["code"], table[f"{level}_title"]).fillna("")
    # claim rows of different partitions are different claims: per-partition counts add up
    return dx.groupby(["group", "title"]).agg(claims=("claim_row", "nunique"), mentions=("code", "size"))


DIAGNOSES = Rollup(_diagnoses, summed)


def top_diagnoses(
    data: Any, level: str = "chapter", n: int = 10, code_table: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Claims per ICD-10-CM ``level`` (chapter, block or code) over every listed diagnosis.

    ``code_table`` is an ICD-10-CM release table (default: the latest release); codes it does not
    hold are counted under ``(not in release)`` rather than dropped.
    """
    if level not in LEVELS:
        raise ValueError(f"diagnoses can be grouped by {', '.join(LEVELS)}, got {level!r}")
    out = aggregate(data, DIAGNOSES, level, code_table)
    out = out.sort_values(["claims", "mentions"], ascending=False, kind="stable").head(n).reset_index()
    return out.rename(columns={"group": level})


def _em_visits(t: Tables) -> pd.DataFrame:
    lines = t.lines.loc[t.lines["procedure_code"].isin(EM_LEVELS), ["claim_id", "procedure_code"]]
    rows = claim_positions(t.claims["claim_id"], lines["claim_id"])
    npi = t.claims["rendering_npi"].fillna("(none)").to_numpy()
    visits = pd.DataFrame(
        {
            "rendering_npi": np.where(rows >= 0, npi[rows], "(none)"),
            "procedure_code": lines["procedure_code"].to_numpy(),
        }
    )
    return visits.groupby(["rendering_npi", "procedure_code"]).size().rename("visits").to_frame()


EM_VISITS = Rollup(_em_visits, summed)


def em_distribution(data: Any) -> pd.DataFrame:
    """E/M office visit levels per rendering provider against the whole practice.

    One row per provider, category (new/established) and level with the provider's line count,
    its share of the provider's visits in that category, and the practice's share for that level.
    """
    # Count first (a few hundred groups), then name each code's category and level.
    out = aggregate(data, EM_VISITS).reset_index()
    out["category"] = out["procedure_code"].map(lambda code: EM_LEVELS[code][0])
    out["level"] = out["procedure_code"].map(lambda code: EM_LEVELS[code][1]).astype("Int64")
    out["share"] = out["visits"] / out.groupby(["rendering_npi", "category"])["visits"].transform("sum")
    practice = out.groupby(["category", "procedure_code"])["visits"].sum()
    practice = (practice / practice.groupby(level="category").transform("sum")).rename("practice_share")
    out = out.merge(practice.reset_index(), on=["category", "procedure_code"], how="left")
    return out.sort_values(["rendering_npi", "category", "level"]).reset_index(drop=True)


# Every figure the billing_summary report shows, for one pass over a partitioned dataset
# (medbill.analytics.rollup.prefetch).
BILLING_SUMMARY: tuple[Request, ...] = (
    *((MONEY_BY, (by,)) for by in ("month", "payer_id", "rendering_npi", "place_of_service")),
    (PROCEDURES, ()),
    (DIAGNOSES, ("chapter", None)),
    (DIAGNOSES, ("block", None)),
    (EM_VISITS, ()),
    (accounting.EXCLUDED, ()),
    (accounting.TABLE_ROWS, ()),
)


def busiest_provider(data: Any) -> str:
    """The rendering NPI with the largest charges (the scorecard's default provider)."""
    by_provider = money_summary(data, "rendering_npi")
    by_provider = by_provider[by_provider["rendering_npi"].ne("total")]
    if by_provider.empty:
        raise ValueError("the claims have no rendering provider; pass provider_npi explicitly")
    return str(by_provider.nlargest(1, "charge")["rendering_npi"].item())
