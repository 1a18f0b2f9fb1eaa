"""``ClaimExplorer``: filter a practice's claims and see them as a bar chart linked to a table.

Claim-level numbers come from ``medbill.analytics.facts.claim_facts`` (one row per claim, none
dropped); the widget only filters, groups and draws. Clicking a bar narrows the table to that bar's
claims.
"""

from __future__ import annotations

import html
from typing import Any

import ipywidgets as widgets
import numpy as np
import pandas as pd
import plotly.graph_objects as go

from medbill.widgets._format import money

ALL = "(all)"
GROUPS = {
    "payer": "payer_id",
    "rendering provider": "rendering_npi",
    "status": "status",
    "service month": "service_month",
    "place of service": "place_of_service",
}
METRICS = {"claims": ("claim_id", "count"), "charge $": ("charge", "sum"), "paid $": ("paid", "sum")}
TABLE_COLUMNS = [
    "claim_id",
    "service_date",
    "payer_id",
    "rendering_npi",
    "status",
    "lines",
    "charge",
    "paid",
    "balance",
    "procedures",
]


def claim_status(facts: pd.DataFrame) -> pd.Series:
    """A short status per claim: not adjudicated, denied (first pass), reversed, open balance or closed."""
    status = np.select(
        [
            ~facts["adjudicated"],
            facts["denied_first_pass"],
            facts["reversed"],
            facts["balance"].abs() > 0.005,
        ],
        ["not adjudicated", "denied", "reversed", "open balance"],
        default="closed",
    )
    return pd.Series(status, index=facts.index, dtype="string")


def explorer_table(data: Any) -> pd.DataFrame:
    """One row per claim with its status, service month and procedure codes (the explorer's rows)."""
    from medbill.analytics.facts import claim_facts

    facts = claim_facts(data)
    facts["status"] = claim_status(facts)
    facts["service_month"] = facts["service_date"].dt.strftime("%Y-%m").astype("string")
    procedures = data.lines.groupby("claim_id")["procedure_code"].agg(lambda s: " ".join(s.dropna().unique()))
    facts["procedures"] = facts["claim_id"].map(procedures).fillna("").astype("string")
    return facts


def _bar_figure(on_click: Any) -> go.FigureWidget:
    """A live bar chart whose bars can be clicked (the "Bar" dropdown selects a bar too)."""
    layout = {"height": 320, "margin": {"t": 30, "b": 40, "l": 50, "r": 10}}
    figure = go.FigureWidget(data=[go.Bar(x=[], y=[])], layout=layout)
    figure.data[0].on_click(on_click)
    return figure


def _options(values: pd.Series) -> list[str]:
    return [ALL, *sorted(values.dropna().astype(str).unique())]


class ClaimExplorer(widgets.VBox):
    """Dates, payer, provider, status and procedure filters; a grouped bar chart; the rows behind it."""

    def __init__(self, data: Any, *, max_rows: int = 200) -> None:
        self.data = data
        self.max_rows = max_rows
        self.table = explorer_table(data)
        self.selected_group: str | None = None
        dates = self.table["service_date"].dropna()
        self.start = widgets.DatePicker(value=dates.min().date() if len(dates) else None, description="From")
        self.end = widgets.DatePicker(value=dates.max().date() if len(dates) else None, description="To")
        self.payer = widgets.Dropdown(options=_options(self.table["payer_id"]), description="Payer")
        self.provider = widgets.Dropdown(
            options=_options(self.table["rendering_npi"]), description="Provider"
        )
        self.status = widgets.Dropdown(options=_options(self.table["status"]), description="Status")
        self.procedure = widgets.Text(
            placeholder="e.g. 99213", description="Procedure", continuous_update=False
        )
        self.group_by = widgets.Dropdown(options=list(GROUPS), value="payer", description="Group by")
        self.metric = widgets.Dropdown(options=list(METRICS), value="claims", description="Measure")
        self.figure = _bar_figure(self._on_bar_click)
        self.bar = widgets.Dropdown(options=[ALL], description="Bar").add_class("medbill-explorer-bar")
        self.bar.observe(lambda c: self.select_group(None if c["new"] == ALL else c["new"]), "value")
        self.summary = widgets.HTML().add_class("medbill-explorer-summary")
        self.rows_view = widgets.HTML().add_class("medbill-explorer-rows")
        for w in (
            self.start,
            self.end,
            self.payer,
            self.provider,
            self.status,
            self.procedure,
            self.group_by,
            self.metric,
        ):
            w.observe(lambda _c: self.refresh(), "value")
        super().__init__(
            [
                widgets.HBox([self.start, self.end, self.payer]),
                widgets.HBox([self.provider, self.status, self.procedure]),
                widgets.HBox([self.group_by, self.metric]),
                self.figure,
                widgets.HBox([self.bar, self.summary]),
                self.rows_view,
            ]
        )
        self.add_class("medbill-claim-explorer")
        self.refresh()

    # --- filtering ----------------------------------------------------------------------------
    def filtered(self) -> pd.DataFrame:
        """The claims passing every filter (before a bar is chosen)."""
        t = self.table
        keep = pd.Series(True, index=t.index)
        if self.start.value:
            keep &= t["service_date"].ge(pd.Timestamp(self.start.value)).fillna(False)
        if self.end.value:
            keep &= t["service_date"].le(pd.Timestamp(self.end.value)).fillna(False)
        for widget, column in (
            (self.payer, "payer_id"),
            (self.provider, "rendering_npi"),
            (self.status, "status"),
        ):
            if widget.value != ALL:
                keep &= t[column].astype("string").eq(widget.value).fillna(False)
        code = self.procedure.value.strip().upper()
        if code:
            lines = self.data.lines
            with_code = lines.loc[
                lines["procedure_code"].astype("string").str.upper().eq(code).fillna(False), "claim_id"
            ]
            keep &= t["claim_id"].isin(with_code)
        return t[keep]

    def grouped(self) -> pd.DataFrame:
        """The bars: one row per group value with the chosen measure."""
        column = GROUPS[self.group_by.value]
        source, how = METRICS[self.metric.value]
        rows = self.filtered()
        bars = rows.groupby(rows[column].astype("string").fillna("(none)"))[source].agg(how)
        return bars.rename("value").reset_index().rename(columns={column: "group"})

    def shown_rows(self) -> pd.DataFrame:
        """The table's rows: the filtered claims, narrowed to the chosen bar when one is chosen."""
        rows = self.filtered()
        if self.selected_group is not None:
            column = GROUPS[self.group_by.value]
            rows = rows[rows[column].astype("string").fillna("(none)").eq(self.selected_group)]
        return rows

    # --- events and drawing ---------------------------------------------------------------------
    def select_group(self, group: str | None) -> None:
        """Show only the rows of bar ``group`` (None: every filtered row)."""
        self.selected_group = group
        self.bar.value = ALL if group is None else group
        self._draw_rows()

    def _on_bar_click(self, trace: Any, points: Any, _state: Any) -> None:
        if points.point_inds:
            self.select_group(str(trace.x[points.point_inds[0]]))

    def refresh(self) -> None:
        self.selected_group = None
        bars = self.grouped()
        self.bar.options = [ALL, *bars["group"].tolist()]
        with self.figure.batch_update():
            self.figure.data[0].x = bars["group"].tolist()
            self.figure.data[0].y = bars["value"].tolist()
            self.figure.layout.xaxis.title = self.group_by.value
            self.figure.layout.yaxis.title = self.metric.value
        self._draw_rows()

    def _draw_rows(self) -> None:
        rows = self.shown_rows()
        which = f" in <b>{html.escape(self.selected_group)}</b>" if self.selected_group is not None else ""
        self.summary.value = (
            f"{len(rows):,} claim(s){which}; charge {money(rows['charge'].sum())}, paid {money(rows['paid'].sum())}"
            + (f" — showing the first {self.max_rows}" if len(rows) > self.max_rows else "")
        )
        shown = rows[TABLE_COLUMNS].head(self.max_rows).copy()
        shown["service_date"] = shown["service_date"].dt.date
        self.rows_view.value = shown.to_html(
            index=False, na_rep="", float_format=lambda v: f"{0.0 if abs(v) < 0.005 else v:,.2f}", border=0
        )
