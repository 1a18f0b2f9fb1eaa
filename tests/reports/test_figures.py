"""Figure and card helpers: plotly.js embedded once, no CDN, KPI cards carry definitions and rows."""

from __future__ import annotations

import json
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


def test_kpi_cards_show_definition_formatted_parts_and_every_row(practice, tables, findings):
    html = figures.kpi_cards_html(kpis.all_kpis(tables, findings, as_of=practice.as_of), tables)
    assert html.count('class="medbill-kpi"') == 10
    assert "Clean claim rate: 80.0%" in html
    # counts as integers (not 4.00 / 5.00), each part saying what it counts
    assert "<p>4 clean claims / 5 claims submitted (higher is better)</p>" in html
    # Gross collection: $180.00 paid over $470.00 charged on the three adjudicated claims.
    assert "<p>$180.00 payments / $470.00 gross charges (higher is better)</p>" in html
    assert "<p>92 days from service to submission / 5 claims (lower is better)</p>" in html
    for k in kpis.all_kpis(tables, findings, as_of=practice.as_of).values():  # every card, both parts
        assert all(re.search(r"\d [a-z]", part) for part in figures.kpi_parts(k).split(" / ")), k.key
    assert "HFMA MAP Keys" in html and "<details><summary>Drill down: 5 rows</summary>" in html
    assert "Ann Avery" in html and "Medicare Part B" in html  # names, not NPIs and payer ids
    assert html.count("<dt>Notes</dt>") == 5  # where medbill departs from the standard


def test_table_html_keeps_every_row_with_headers_in_words(tables):
    html = figures.table_html(summary.top_procedures(tables, n=100), caption="Top")
    data = json.loads(re.search(r'class="medbill-data">(.*?)</script>', html).group(1))
    assert data["headers"] == ["Procedure", "Lines", "Units", "Charges"]
    assert data["kinds"] == ["text", "count", "count", "money"]
    assert len(data["rows"]) == 6 and 'data-rows="6"' in html and "<strong>Top</strong>" in html
    assert CDN.search(html) is None


def test_palette_does_not_repeat_across_eighteen_providers(tables):
    assert len(set(figures.PALETTE[:18])) == 18
    fig = figures.bar(summary.top_procedures(tables), "procedure_code", "charge", "t", kind="money")
    assert fig.layout.colorway[:18] == figures.PALETTE[:18]
    assert "$,.2f" in fig.data[0].hovertemplate and fig.layout.yaxis.tickformat == "$,.0f"
