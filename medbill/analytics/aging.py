"""A/R aging: open balances by age bucket, by payer or provider, for insurance or patient A/R.

``owed_by="insurance"`` ages what payers still owe (self-pay claims excluded); ``owed_by="patient"``
ages what patients were asked to pay (PR shares and self-pay claims; see
:mod:`medbill.analytics.facts`).

Age is counted in days to ``as_of`` from the claim's earliest date of service (``basis="service"``)
or from its last activity — service, submission or latest remittance (``basis="last_activity"``).
Buckets come from ``edges``: ``(30, 60, 90, 120)`` gives 0–30, 31–60, 61–90, 91–120 and >120.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from medbill.analytics.facts import claim_facts, default_as_of

DEFAULT_EDGES: tuple[int, ...] = (30, 60, 90, 120)
BASES = ("service", "last_activity")
OWED_BY = {"insurance": "insurance_balance", "patient": "patient_balance"}


def bucket_labels(edges: Sequence[int]) -> list[str]:
    """Labels for the buckets ``edges`` defines: ``[30, 60]`` -> ``["0–30", "31–60", ">60"]``."""
    edges = _check_edges(edges)
    lows = [0, *(e + 1 for e in edges[:-1])]
    return [f"{lo}–{hi}" for lo, hi in zip(lows, edges, strict=True)] + [f">{edges[-1]}"]


def _check_edges(edges: Sequence[int]) -> list[int]:
    try:
        values = [int(e) for e in edges]
    except (TypeError, ValueError):
        raise ValueError(f"bucket edges must be whole numbers of days, got {edges!r}") from None
    if not values or values[0] < 0 or any(b <= a for a, b in itertools.pairwise(values)):
        raise ValueError(
            f"bucket edges must be increasing non-negative days, e.g. (30, 60, 90), got {edges!r}"
        )
    return values


def open_items(
    data: Any,
    *,
    as_of: Any = None,
    basis: str = "service",
    edges: Sequence[int] = DEFAULT_EDGES,
    owed_by: str = "insurance",
) -> pd.DataFrame:
    """Every claim with a non-zero ``owed_by`` balance at ``as_of``, with ``age_days`` and ``bucket``
    (``balance`` is that insurance or patient balance)."""
    if basis not in BASES:
        raise ValueError(f"aging basis must be one of {', '.join(BASES)}, got {basis!r}")
    if owed_by not in OWED_BY:
        raise ValueError(f"A/R is owed by one of {', '.join(OWED_BY)}, got {owed_by!r}")
    labels = bucket_labels(edges)
    cutoff = pd.Timestamp(as_of) if as_of is not None else default_as_of(data)
    facts = claim_facts(data, as_of=cutoff)
    facts["balance"] = facts[OWED_BY[owed_by]]
    facts = facts[facts["balance"].abs().ge(0.005)]
    start = facts["service_date"] if basis == "service" else facts["last_activity_date"]
    rows = facts[
        [
            "claim_id",
            "patient_id",
            "payer_id",
            "rendering_npi",
            "service_date",
            "last_activity_date",
            "charge",
            "paid",
            "balance",
        ]
    ].copy()
    rows["age_days"] = (cutoff - start).dt.days
    bins = [-np.inf, *_check_edges(edges), np.inf]
    rows["bucket"] = pd.cut(rows["age_days"], bins=bins, labels=labels, right=True)
    return rows.reset_index(drop=True)


def ar_aging(
    data: Any,
    *,
    as_of: Any = None,
    by: str | None = None,
    basis: str = "service",
    edges: Sequence[int] = DEFAULT_EDGES,
    owed_by: str = "insurance",
) -> pd.DataFrame:
    """Open ``owed_by`` balance per bucket (columns, in age order, plus ``total``), one row per ``by`` value
    (``payer_id``, ``rendering_npi``) or a single ``all`` row."""
    items = open_items(data, as_of=as_of, basis=basis, edges=edges, owed_by=owed_by)
    key = items[by].fillna("(none)") if by else pd.Series("all", index=items.index, name="group")
    table = items.pivot_table(
        index=key, columns="bucket", values="balance", aggfunc="sum", fill_value=0.0, observed=False
    )
    table = table.reindex(columns=bucket_labels(edges), fill_value=0.0)
    table.columns = table.columns.astype(str)
    table["total"] = table.sum(axis=1)
    table.index.name = by or "group"
    return table.round(2)
