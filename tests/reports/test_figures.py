"""Figure and card helpers: plotly.js embedded once, no CDN, KPI cards carry definitions and rows."""

from __future__ import annotations

import re

from medbill.analytics import aging, figures, kpis, summary

CDN = re.compile(r"<script[^>]+src=\"https?://")


def test_plotlyjs_is_embedded_in_the_first_figure_only(tables):
    fig = figures.money_by_period(summary.money_summary(tables, "month"))
    figures.reset_plotlyjs()
    first, second = figures.figure_html(fig), figures.figure_html(fig)
    assert "plotly.js v" in first and "plotly.js v" not in second
    assert CDN.search(first) is None and CDN.search(second) is None
    figures.reset_plotlyjs()
    assert "plotly.js v" in figures.figure_html(fig)


def test_figure_builders_draw_every_series(practice, tables):
    money = figures.money_by_period(summary.money_summary(tables, "month"))
    assert [t.name for t in money.data] == list(figures.MONEY_SERIES.values())
    assert list(money.data[0].x) == ["2024-12", "2025-01", "2025-02", "2025-03"]  # no "total" bar
    aged = figures.aging_bars(aging.ar_aging(tables, as_of=practice.as_of, by="payer_id"))
    assert [t.name for t in aged.data] == ["0–30", "31–60", "61–90", "91–120", ">120"]
    em = figures.em_levels(summary.em_distribution(tables))
    assert {t.name for t in em.data} >= {"practice"}


def test_kpi_cards_show_definition_and_drill_down(practice, tables, findings):
    html = figures.kpi_cards_html(kpis.all_kpis(tables, findings, as_of=practice.as_of), max_rows=2)
    assert html.count('class="medbill-kpi"') == 10
    assert "Clean claim rate: 80.0%" in html
    assert "HFMA MAP Keys" in html and "<details><summary>Drill down: 5 rows</summary>" in html
    assert "Showing 2 of 5 rows." in html
    assert html.count("<dt>Notes</dt>") == 1  # only the net collection rate has notes


def test_table_html_caps_rows_and_says_so(tables):
    html = figures.table_html(summary.top_procedures(tables), max_rows=3, caption="Top")
    assert html.count("<tr>") == 3  # three body rows (the header row carries a style)
    assert "Showing 3 of 6 rows." in html and "<strong>Top</strong>" in html
