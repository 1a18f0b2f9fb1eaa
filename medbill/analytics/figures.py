"""Plotly figures for the reports, and helpers that display them (and tables) so the exported HTML
works offline.

:func:`show` renders a figure as an HTML fragment: the first one shown in a kernel embeds plotly.js
(about 4.5 MB), later ones reuse it, and nothing points at a CDN. That is what lets
``nbconvert --to html`` keep every chart in a file that opens with no network (see
../shared/STACK.md: the default ``plotly_mimetype`` output is dropped by nbconvert). Axes and hovers
use the formats of :mod:`medbill.analytics.formats`; tables are
:func:`medbill.analytics.datatable.datatable_html` (every row, sortable, filterable, CSV).
"""

from __future__ import annotations

import html
import os
from collections.abc import Mapping
from typing import Any

import pandas as pd
import plotly.graph_objects as go
from plotly.colors import qualitative

from medbill.analytics.datatable import datatable_html
from medbill.analytics.formats import D3_FORMATS, format_values
from medbill.analytics.labels import named

_state = {"plotlyjs_embedded": False}
# "directory": pages load plotly.min.js from their own folder (a fan-out writes it once there).
PLOTLYJS_ENV = "MEDBILL_PLOTLYJS"

# 24 distinct colours (plotly's Dark24) then 26 more (Alphabet): a practice's 18 providers get 18
# different colours, where the default 10-colour cycle repeats after the tenth.
PALETTE: tuple[str, ...] = (*qualitative.Dark24, *qualitative.Alphabet)

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
    """The figure as an HTML fragment, carrying plotly.js only if no earlier figure did (or, with
    ``MEDBILL_PLOTLYJS=directory``, a script tag loading ``plotly.min.js`` beside the page)."""
    shared = os.environ.get(PLOTLYJS_ENV) == "directory"
    first: bool | str = "directory" if shared else True
    fragment = fig.to_html(
        full_html=False,
        include_plotlyjs=first if not _state["plotlyjs_embedded"] else False,
        include_mathjax=False,
        config={"displaylogo": False, "responsive": True},
    )
    _state["plotlyjs_embedded"] = True
    return fragment


def show(fig: go.Figure) -> None:
    """Display ``fig`` in the notebook so that it also survives HTML export offline."""
    _display_html(figure_html(fig))


def show_note(text: str) -> None:
    """Display one line of text in bold (a figure the reader should see first)."""
    _display_html(f"<p><strong>{html.escape(text)}</strong></p>")


def reset_plotlyjs() -> None:
    """Forget that plotly.js was embedded (the next figure embeds it again), e.g. after clearing outputs."""
    _state["plotlyjs_embedded"] = False


def show_table(frame: pd.DataFrame, caption: str = "", *, kinds: Mapping[str, str] | None = None) -> None:
    """Display a table with every row, sortable, filterable and downloadable as CSV
    (:func:`medbill.analytics.datatable.datatable_html`)."""
    _display_html(table_html(frame, caption=caption, kinds=kinds))


def table_html(frame: pd.DataFrame, caption: str = "", *, kinds: Mapping[str, str] | None = None) -> str:
    """The interactive table of :func:`show_table` as HTML."""
    return datatable_html(frame, caption, kinds=kinds)


def _layout(fig: go.Figure, title: str) -> go.Figure:
    fig.update_layout(
        title=title, template="plotly_white", height=420, legend_title_text="", colorway=list(PALETTE)
    )
    return fig


def _hover(kind: str, axis: str = "y") -> str:
    """A hover template showing the other axis's label and this value in ``kind``'s format."""
    other = "x" if axis == "y" else "y"
    fmt = D3_FORMATS.get(kind, "")
    value = f"%{{{axis}:{fmt}}}" if fmt else f"%{{{axis}}}"
    return f"%{{{other}}}: {value}<extra>%{{fullData.name}}</extra>"


def _value_axis(fig: go.Figure, kind: str, axis: str = "y") -> None:
    tick = {"money": "$,.0f", "rate": ".0%", "count": ",d", "days": ",.0f"}.get(kind)
    if tick:
        (fig.update_yaxes if axis == "y" else fig.update_xaxes)(tickformat=tick)


def money_by_period(
    summary: pd.DataFrame, by: str = "month", title: str = "Money by month of service"
) -> go.Figure:
    """Grouped bars of charges, payments, adjustments and patient responsibility per ``by`` value."""
    rows = summary[summary[by].ne("total")]
    fig = go.Figure(
        [
            go.Bar(name=label, x=rows[by].astype(str), y=rows[col], hovertemplate=_hover("money"))
            for col, label in MONEY_SERIES.items()
        ]
    )
    fig.update_layout(barmode="group", yaxis_title="Dollars")
    _value_axis(fig, "money")
    return _layout(fig, title)


def bar(
    frame: pd.DataFrame,
    x: str,
    y: str,
    title: str,
    *,
    horizontal: bool = False,
    kind: str = "count",
) -> go.Figure:
    """A single-series bar chart of ``y`` per ``x``; ``kind`` (money, rate, count, days) formats the
    axis and the hover as the tables do."""
    xs, ys = frame[x].astype(str), frame[y]
    axis = "x" if horizontal else "y"
    trace = (
        go.Bar(x=ys, y=xs, orientation="h", hovertemplate=_hover(kind, "x"), name="")
        if horizontal
        else go.Bar(x=xs, y=ys, hovertemplate=_hover(kind, "y"), name="")
    )
    fig = go.Figure([trace])
    if horizontal:
        fig.update_yaxes(autorange="reversed", automargin=True)
    _value_axis(fig, kind, axis)
    return _layout(fig, title)


def aging_bars(aging: pd.DataFrame, title: str = "Insurance A/R by age") -> go.Figure:
    """Stacked bars: one per row of :func:`medbill.analytics.aging.ar_aging`, one colour per bucket."""
    buckets = [c for c in aging.columns if c != "total"]
    index = aging.index.astype(str)
    fig = go.Figure([go.Bar(name=b, x=index, y=aging[b], hovertemplate=_hover("money")) for b in buckets])
    fig.update_layout(barmode="stack", yaxis_title="Dollars")
    _value_axis(fig, "money")
    return _layout(fig, title)


def rate_over_time(frame: pd.DataFrame, x: str, y: str, title: str) -> go.Figure:
    """A line of a rate (0–1) over time, shown as a percentage."""
    fig = go.Figure(
        [
            go.Scatter(
                x=frame[x].astype(str),
                y=frame[y],
                mode="lines+markers",
                hovertemplate=_hover("rate"),
                name="",
            )
        ]
    )
    fig.update_yaxes(tickformat=".0%", rangemode="tozero")
    return _layout(fig, title)


def em_levels(
    em: pd.DataFrame, title: str = "E/M levels: provider against the practice", by: str = "rendering_npi"
) -> go.Figure:
    """Per provider (the ``by`` column, e.g. a provider name) and level, the provider's share of
    established visits beside the practice's."""
    est = em[em["category"].eq("established")]
    fig = go.Figure()
    for who, rows in est.groupby(by, sort=True):
        fig.add_bar(name=str(who), x=rows["procedure_code"], y=rows["share"], hovertemplate=_hover("rate"))
    practice = est.drop_duplicates("procedure_code").sort_values("procedure_code")
    fig.add_scatter(
        name="practice",
        x=practice["procedure_code"],
        y=practice["practice_share"],
        mode="markers",
        marker={"symbol": "diamond", "size": 12, "color": "black"},
        hovertemplate=_hover("rate"),
    )
    fig.update_layout(barmode="group")
    fig.update_yaxes(tickformat=".0%")
    return _layout(fig, title)


# What the numerator and denominator of each KPI count (the value's own unit is on the card).
KPI_PART_KINDS: dict[str, tuple[str, str]] = {
    "gross_collection_rate": ("money", "money"),
    "net_collection_rate": ("money", "money"),
    "denial_write_off_pct": ("money", "money"),
    "ar_over_90_pct": ("money", "money"),
    "days_in_ar": ("money", "money"),
    "charge_lag": ("days", "count"),
    "payment_lag": ("days", "count"),
}
# What the card says each part is ("215 claims denied at first pass / 2,609 claims adjudicated").
_PART_LABELS = {
    "clean_claim_rate": ("clean claims", "claims submitted"),
    "initial_denial_rate": ("claims denied at first pass", "claims adjudicated"),
    "gross_collection_rate": ("payments", "gross charges"),
    "net_collection_rate": ("payments", "charges less contractual adjustments"),
    "days_in_ar": ("insurance A/R", "average daily charges"),
    "ar_over_90_pct": ("over 90 days", "insurance A/R"),
    "charge_lag": ("days from service to submission", "claims"),
    "payment_lag": ("days from submission to first payment", "claims paid"),
    "first_pass_resolution_rate": ("claims resolved at first pass", "claims adjudicated"),
    "denial_write_off_pct": ("denial write-offs", "charges less contractual adjustments"),
}


def kpi_parts(k: Any) -> str:
    """A KPI's numerator and denominator as the card shows them, each in its format and words:
    "$293,974.94 payments / $435,612.26 charges less contractual adjustments"."""
    kinds = KPI_PART_KINDS.get(k.key, ("count", "count"))
    parts = [
        format_values(pd.Series([v]), kind).iloc[0]
        for v, kind in zip((k.numerator, k.denominator), kinds, strict=True)
    ]
    labels = _PART_LABELS.get(k.key)
    if labels:
        parts = [f"{p} {label}" for p, label in zip(parts, labels, strict=True)]
    return " / ".join(parts)


def kpi_cards_html(kpis: Mapping[str, Any], data: Any = None) -> str:
    """Each KPI as a card: value, numerator/denominator, its definition, and all its rows in a
    collapsible drill-down table (names for ids when ``data`` is given)."""
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
        rows = named(k.rows, data) if data is not None else k.rows
        cards.append(
            '<div class="medbill-kpi" style="border:1px solid #ccc;border-radius:6px;padding:8px 12px;margin:8px 0">'
            f"<h3 style='margin:4px 0'>{html.escape(k.name)}: {html.escape(k.display())}</h3>"
            f"<p>{html.escape(kpi_parts(k))} ({html.escape(d['better'])} is better)</p>"
            f"<details><summary>Definition</summary><dl>{facts}</dl></details>"
            f"<details><summary>Drill down: {len(k.rows):,} rows</summary>"
            f"{datatable_html(rows, f'{k.name}: claims', file=k.key)}</details>"
            "</div>"
        )
    return "".join(cards)


def show_kpi_cards(kpis: Mapping[str, Any], data: Any = None) -> None:
    """Display :func:`kpi_cards_html`."""
    _display_html(kpi_cards_html(kpis, data))


def grouped_bars(
    frame: pd.DataFrame, x: str, y: str, group: str, title: str, *, kind: str = "money"
) -> go.Figure:
    """Bars of ``y`` per ``x``, one series per ``group`` value (e.g. mean paid per procedure by payer)."""
    fig = go.Figure(
        [
            go.Bar(name=str(g), x=rows[x].astype(str), y=rows[y], hovertemplate=_hover(kind))
            for g, rows in frame.groupby(group)
        ]
    )
    fig.update_layout(barmode="group")
    _value_axis(fig, kind)
    return _layout(fig, title)
