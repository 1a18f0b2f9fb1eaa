"""ClaimExplorer headless: filters, bars and the rows behind a bar."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from medbill.widgets.claim_explorer import ALL, ClaimExplorer


@pytest.fixture
def explorer(synth_practice) -> ClaimExplorer:
    return ClaimExplorer(synth_practice)


def test_every_claim_is_a_row(explorer: ClaimExplorer, synth_practice) -> None:
    assert len(explorer.table) == len(synth_practice.claims)
    assert set(explorer.table["claim_id"]) == set(synth_practice.claims["claim_id"])
    # The bars account for every filtered claim.
    assert explorer.grouped()["value"].sum() == len(explorer.filtered())


@pytest.mark.parametrize(
    ("group_by", "column"),
    [
        ("payer", "payer_id"),  # one bar per payer
        ("status", "status"),  # not adjudicated / denied / reversed / open balance / closed
        ("service month", "service_month"),  # one bar per YYYY-MM
    ],
)
def test_bars_match_the_table(explorer: ClaimExplorer, group_by: str, column: str) -> None:
    explorer.group_by.value = group_by
    bars = explorer.grouped()
    expected = explorer.table[column].astype("string").value_counts().sort_index()
    assert dict(zip(bars["group"], bars["value"], strict=True)) == expected.to_dict()
    assert list(explorer.figure.data[0].x) == bars["group"].tolist()


def test_filters_narrow_the_rows(explorer: ClaimExplorer, synth_practice) -> None:
    explorer.payer.value = "MCR01"
    rows = explorer.filtered()
    assert len(rows) and set(rows["payer_id"]) == {"MCR01"}
    explorer.payer.value = ALL
    explorer.procedure.value = "99213"
    lines = synth_practice.lines
    with_code = set(lines.loc[lines["procedure_code"] == "99213", "claim_id"])
    assert set(explorer.filtered()["claim_id"]) == with_code
    explorer.procedure.value = ""
    first = explorer.table["service_date"].min()
    explorer.end.value = first.date()
    assert (explorer.filtered()["service_date"] <= first).all()


def test_selecting_a_bar_shows_its_rows(explorer: ClaimExplorer) -> None:
    explorer.group_by.value = "payer"
    bars = explorer.grouped()
    # A click on the first bar, as plotly reports it.
    explorer._on_bar_click(SimpleNamespace(x=tuple(bars["group"])), SimpleNamespace(point_inds=[0]), None)
    shown = explorer.shown_rows()
    assert set(shown["payer_id"]) == {bars["group"].iloc[0]}
    assert len(shown) == bars["value"].iloc[0]
    assert explorer.bar.value == bars["group"].iloc[0]
    assert f"{len(shown):,} claim(s) in" in explorer.summary.value
    explorer.bar.value = ALL
    assert len(explorer.shown_rows()) == len(explorer.filtered())


def test_the_table_shows_at_most_max_rows(synth_practice) -> None:
    small = ClaimExplorer(synth_practice, max_rows=5)
    html = small.rows_view.value
    assert html.split("<tbody>")[1].count("<tr") == 5
    assert "showing the first 5" in small.summary.value
