"""Plotly figures for the reports, and helpers that display them (and tables) so the exported HTML
works offline.

:func:`show` renders a figure as an HTML fragment: the first one shown in a kernel embeds plotly.js
(about 4.5 MB), later ones reuse it, and nothing points at a CDN. That is what lets
``nbconvert --to html`` keep every chart in a file that opens with no network (see
../shared/STACK.md: the default ``plotly_mimetype`` output is dropped by nbconvert).
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import Any

import pandas as pd
import plotly.graph_objects as go

_state = {"plotlyjs_embedded": False}

MONEY_SERIES = {
    "charge": "Charges",
    "paid": "Payments",
    "contractual_adjustment": "Contractual adjustments",
    "other_adjustment": "Other adjustments",
    "patient_adjustment": "Patient responsibility",
}


def _display_html(fragment: str) -> None:
    from IPython.display import HTML, display

    display(HTML(fragment))


def figure_html(fig: go.Figure) -> str:
    """The figure as an HTML fragment, carrying plotly.js only if no earlier figure did."""
    fragment = fig.to_html(
        full_html=False,
        include_plotlyjs=not _state["plotlyjs_embedded"],
        include_mathjax=False,
        config={"displaylogo": False, "responsive": True},
    )
    _state["plotlyjs_embedded"] = True
    return fragment


def show(fig: go.Figure) -> None:
    """Display ``fig`` in the notebook so that it also survives HTML export offline."""
    _display_html(figure_html(fig))


def reset_plotlyjs() -> None:
    """Forget that plotly.js was embedded (the next figure embeds it again), e.g. after clearing outputs."""
    _state["plotlyjs_embedded"] = False


def show_table(frame: pd.DataFrame, max_rows: int = 50, caption: str = "") -> None:
    """Display a table, capped at ``max_rows`` with a note saying how many rows were left out."""
    _display_html(table_html(frame, max_rows=max_rows, caption=caption))


def table_html(frame: pd.DataFrame, max_rows: int = 50, caption: str = "") -> str:
    shown = frame.head(max_rows)
    note = f"<p><em>Showing {len(shown):,} of {len(frame):,} rows.</em></p>" if len(frame) > max_rows else ""
    head = f"<p><strong>{html.escape(caption)}</strong></p>" if caption else ""
    body = shown.to_html(index=False, float_format=lambda v: f"{v:,.2f}", na_rep="", border=0)
    return f"{head}{body}{note}"


def _layout(fig: go.Figure, title: str) -> go.Figure:
    fig.update_layout(title=title, template="plotly_white", height=420, legend_title_text="")
    return fig


def money_by_period(
    summary: pd.DataFrame, by: str = "month", title: str = "Money by month of service"
) -> go.Figure:
    """Grouped bars of charges, payments, adjustments and patient responsibility per ``by`` value."""
    rows = summary[summary[by].ne("total")]
    fig = go.Figure(
        [go.Bar(name=label, x=rows[by].astype(str), y=rows[col]) for col, label in MONEY_SERIES.items()]
    )
    fig.update_layout(barmode="group", yaxis_title="Dollars")
    return _layout(fig, title)


def bar(
    frame: pd.DataFrame, x: str, y: str, title: str, *, horizontal: bool = False, percent: bool = False
) -> go.Figure:
    """A single-series bar chart of ``y`` per ``x`` (``percent``: ``y`` is a 0–1 rate)."""
    xs, ys = frame[x].astype(str), frame[y]
    trace = go.Bar(x=ys, y=xs, orientation="h") if horizontal else go.Bar(x=xs, y=ys)
    fig = go.Figure([trace])
    if horizontal:
        fig.update_yaxes(autorange="reversed")
    if percent:
        (fig.update_xaxes if horizontal else fig.update_yaxes)(tickformat=".0%")
    return _layout(fig, title)


def aging_bars(aging: pd.DataFrame, title: str = "Insurance A/R by age") -> go.Figure:
    """Stacked bars: one per row of :func:`medbill.analytics.aging.ar_aging`, one colour per bucket."""
    buckets = [c for c in aging.columns if c != "total"]
    index = aging.index.astype(str)
    fig = go.Figure([go.Bar(name=b, x=index, y=aging[b]) for b in buckets])
    fig.update_layout(barmode="stack", yaxis_title="Dollars")
    return _layout(fig, title)


def rate_over_time(frame: pd.DataFrame, x: str, y: str, title: str) -> go.Figure:
    """A line of a rate (0–1) over time, shown as a percentage."""
    fig = go.Figure([go.Scatter(x=frame[x].astype(str), y=frame[y], mode="lines+markers")])
    fig.update_yaxes(tickformat=".0%", rangemode="tozero")
    return _layout(fig, title)


def em_levels(em: pd.DataFrame, title: str = "E/M levels: provider against the practice") -> go.Figure:
    """Per provider and level, the provider's share of established visits beside the practice's."""
    est = em[em["category"].eq("established")]
    fig = go.Figure()
    for npi, rows in est.groupby("rendering_npi"):
        fig.add_bar(name=str(npi), x=rows["procedure_code"], y=rows["share"])
    practice = est.drop_duplicates("procedure_code").sort_values("procedure_code")
    fig.add_scatter(
        name="practice",
        x=practice["procedure_code"],
        y=practice["practice_share"],
        mode="markers",
        marker={"symbol": "diamond", "size": 12, "color": "black"},
    )
    fig.update_layout(barmode="group")
    fig.update_yaxes(tickformat=".0%")
    return _layout(fig, title)


def kpi_cards_html(kpis: Mapping[str, Any], max_rows: int = 25) -> str:
    """Each KPI as a card: value, numerator/denominator, its definition, and its rows in a
    collapsible drill-down (``<details>``, no script needed)."""
    cards = []
    for k in kpis.values():
        d = k.definition
        facts = "".join(
            f"<dt>{html.escape(label)}</dt><dd>{html.escape(str(d[key]))}</dd>"
            for key, label in (
                ("formula", "Formula"),
                ("numerator", "Numerator"),
                ("denominator", "Denominator"),
                ("inclusions", "Includes"),
                ("exclusions", "Excludes"),
                ("standard", "Standard"),
                ("notes", "Notes"),
            )
            if d.get(key)
        )
        cards.append(
            '<div class="medbill-kpi" style="border:1px solid #ccc;border-radius:6px;padding:8px 12px;margin:8px 0">'
            f"<h3 style='margin:4px 0'>{html.escape(k.name)}: {html.escape(k.display())}</h3>"
            f"<p>{k.numerator:,.2f} / {k.denominator:,.2f} ({html.escape(d['better'])} is better)</p>"
            f"<details><summary>Definition</summary><dl>{facts}</dl></details>"
            f"<details><summary>Drill down: {len(k.rows):,} rows</summary>{table_html(k.rows, max_rows)}</details>"
            "</div>"
        )
    return "".join(cards)


def show_kpi_cards(kpis: Mapping[str, Any], max_rows: int = 25) -> None:
    """Display :func:`kpi_cards_html`."""
    _display_html(kpi_cards_html(kpis, max_rows=max_rows))


def grouped_bars(frame: pd.DataFrame, x: str, y: str, group: str, title: str) -> go.Figure:
    """Bars of ``y`` per ``x``, one series per ``group`` value (e.g. mean paid per procedure by payer)."""
    fig = go.Figure(
        [go.Bar(name=str(g), x=rows[x].astype(str), y=rows[y]) for g, rows in frame.groupby(group)]
    )
    fig.update_layout(barmode="group")
    return _layout(fig, title)
