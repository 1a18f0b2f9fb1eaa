"""Every report opens in a real headless Chromium with every network request blocked: its title,
names instead of identifiers, $ and % formats, charts drawn, tables holding every row, sorting,
filtering, and a CSV download that holds the same rows. A full-page screenshot of each report is
kept under reports/screenshots/ (gitignored; MEDBILL_SCREENSHOTS overrides the folder)."""

from __future__ import annotations

import csv
import io
import os
import re
from pathlib import Path

import pandas as pd
import pytest

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(
    os.environ.get("MEDBILL_SCREENSHOTS", Path(__file__).resolve().parents[2] / "reports" / "screenshots")
)
MONEY = re.compile(r"\$\d{1,3}(,\d{3})*\.\d{2}")
PERCENT = re.compile(r"\b\d{1,3}\.\d%")

# report: (a payer name shown, a provider name shown, $ amounts shown, % rates shown)
EXPECT = {
    "ar_aging": (True, True, True, True),
    "billing_summary": (True, True, True, True),
    "coding_audit": (False, True, False, True),
    "denial_worklist": (True, True, True, True),
    "denials": (True, True, True, True),
    "kpi_dashboard": (True, True, True, True),
    # statements are about patients: their names are checked below, providers' are not shown
    "patient_statements": (True, False, True, True),
    "payer_comparison": (True, False, True, True),
    "provider_scorecard": (True, True, True, True),
}


def need_chromium() -> None:
    if CHROMIUM.exists():
        return
    reason = f"{CHROMIUM} is absent (install Debian's chromium: apt-get install -y chromium)"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def rendered(sample_dir, tmp_path_factory):
    """Every report run once on the sample practice (about two and a half minutes for the nine)."""
    from medbill.reports import list_reports, run_report

    out = tmp_path_factory.mktemp("rendered")
    return {r.name: run_report(r.name, data_dir=sample_dir, out_dir=out) for r in list_reports()}


@pytest.fixture(scope="module")
def browser():
    need_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield chromium
        chromium.close()


def open_offline(browser, html: Path):
    """A page showing ``html`` with everything but file: URLs blocked; returns (page, blocked, errors)."""
    page = browser.new_page(accept_downloads=True, viewport={"width": 1400, "height": 900})
    blocked: list[str] = []
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    def route(r):
        if r.request.url.startswith(("file:", "blob:", "data:")):
            r.continue_()
        else:
            blocked.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    page.goto(html.as_uri(), wait_until="load")
    return page, blocked, errors


def test_all_reports_are_listed():
    from medbill.reports import list_reports

    assert sorted(r.name for r in list_reports()) == sorted(EXPECT)


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(EXPECT))
def test_report_opens_offline_with_names_formats_and_full_tables(name, rendered, browser, sample_dir):
    from medbill.reports import get_report

    payer_shown, provider_shown, money, rates = EXPECT[name]
    payers = pd.read_csv(sample_dir / "payers.csv", dtype=str)
    providers = pd.read_csv(sample_dir / "providers.csv", dtype=str)
    people = providers[providers["entity_type"].eq("1")]
    output = rendered[name]
    page, blocked, errors = open_offline(browser, output.html)
    try:
        page.wait_for_selector(".js-plotly-plot .main-svg", timeout=30_000)
        title = page.title()
        text = page.evaluate("() => document.body.textContent")  # closed drill-downs included
        shown = page.inner_text("body")
        charts = page.locator(".js-plotly-plot").count()
        tables = page.evaluate(
            """() => Array.from(document.querySelectorAll('.medbill-table')).map(t => ({
                id: t.id, rows: +t.dataset.rows, shown: t.querySelectorAll('tbody tr').length,
                visible: t.checkVisibility()}))"""
        )
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        shot = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(shot), full_page=True)
        print(f"screenshot: {shot}")

        # The biggest table in view: a filter narrows it and the CSV holds all its rows.
        big = max((t for t in tables if t["visible"]), key=lambda t: t["rows"])
        box = page.locator(f"#{big['id']}")
        box.scroll_into_view_if_needed()
        with page.expect_download() as download:
            box.locator(".medbill-csv").click()
        path = download.value.path()
        rows = list(csv.reader(io.StringIO(Path(path).read_text(encoding="utf-8-sig"))))
        headers = box.locator("thead th").evaluate_all("ths => ths.map(th => th.textContent)")
        first_cell = box.locator("tbody tr").first.locator("td").first.inner_text()
        box.locator(".medbill-filter").fill(first_cell)
        narrowed = box.locator(".medbill-count").inner_text()
        visible = box.locator("tbody tr:not([hidden])").count()
    finally:
        page.close()

    assert blocked == [], f"{name} tried to fetch: {blocked}"
    assert errors == []
    assert title == f"{get_report(name).description} · medbill"
    assert charts >= 1
    if payer_shown:
        assert any(n in text for n in payers["name"]), f"{name}: no payer name"
        assert "MCR01" not in text and "COM01" not in text, f"{name} shows payer ids"
    if provider_shown:
        assert any(f"{r.first_name} {r.last_name}" in text for r in people.itertuples()), (
            f"{name}: no provider name"
        )
    if money:
        assert MONEY.search(shown), f"{name}: no $1,234.56 amounts"
    if rates:
        assert PERCENT.search(shown), f"{name}: no 12.3% rates"
    assert "-$0.00" not in shown and "-0.00" not in shown
    assert all(t["rows"] == t["shown"] for t in tables), "a table lost rows"
    assert rows[0] == headers
    assert len(rows) - 1 == big["rows"]
    assert 1 <= visible < big["rows"] or big["rows"] == 1
    assert narrowed.startswith(f"{visible:,} of ") or visible == big["rows"]


@pytest.mark.browser
@pytest.mark.slow
def test_denials_list_every_denied_claim_and_sort_by_amount(rendered, browser, sample_dir):
    """The denied-claims table holds every first-pass denial (not the first 100 in claim order)."""
    from medbill.analytics import claim_facts, read_dir

    denied = int(claim_facts(read_dir(sample_dir))["denied_first_pass"].sum())
    page, blocked, _errors = open_offline(browser, rendered["denials"].html)
    try:
        box = page.locator(".medbill-table", has=page.locator("strong", has_text="Denied claims")).first
        claims = set(box.locator("tbody tr td:first-child").all_inner_texts())
        amount = box.locator("thead th", has_text="Amount")
        amount.click(force=True)
        amount.click(force=True)  # second click: largest first
        column = amount.evaluate("th => th.cellIndex")
        values = box.locator(f"tbody tr td:nth-child({column + 1})").all_inner_texts()
    finally:
        page.close()
    assert blocked == []
    assert denied > 100 and len(claims) == denied
    numbers = [float(v.replace("$", "").replace(",", "")) for v in values if v]
    assert numbers == sorted(numbers, reverse=True)


def _table_cells(page, caption: str) -> list[list[str]]:
    """The displayed cells of the report table whose caption starts with ``caption``."""
    box = page.locator(".medbill-table", has=page.locator("strong", has_text=caption)).first
    return box.locator("tbody tr").evaluate_all(
        "trs => trs.map(tr => Array.from(tr.cells).map(td => td.textContent))"
    )


def _headers(page, caption: str) -> list[str]:
    box = page.locator(".medbill-table", has=page.locator("strong", has_text=caption)).first
    return box.locator("thead th").evaluate_all("ths => ths.map(th => th.textContent)")


@pytest.mark.browser
@pytest.mark.slow
def test_worklist_lists_every_claim_by_name_with_reason_text(rendered, browser, sample_dir):
    """Every worklist row is on the page with its payer's and provider's names and the CARC text
    beside the code (the rows computed here by medbill.followup, the page by the report)."""
    from medbill.analytics import read_dir
    from medbill.analytics.facts import default_as_of
    from medbill.followup import worklist, worklist_findings
    from medbill.refdata import carc

    data = read_dir(sample_dir)
    day = default_as_of(data)
    expected = worklist(data, as_of=day, findings=worklist_findings(data, as_of=day))
    page, blocked, errors = open_offline(browser, rendered["denial_worklist"].html)
    try:
        caption = f"Every claim to work on {day.date()}"
        headers = _headers(page, caption)
        cells = _table_cells(page, caption)
        by_provider = _table_cells(page, "By provider")
    finally:
        page.close()
    assert blocked == [] and errors == []
    shown = pd.DataFrame(cells, columns=headers)
    assert sorted(shown["Claim"]) == sorted(expected["claim_id"])
    assert set(shown["Payer"]) == set(expected["payer"]) and not set(shown["Payer"]) & set(
        expected["payer_id"]
    )
    assert set(shown["Provider"]) == set(expected["provider"])
    assert set(shown["Provider"]).isdisjoint(expected["provider_npi"])
    co16 = shown[shown["Reason (CARC)"].eq("CO-16")]
    assert (
        len(co16) and co16["What the codes mean"].str.startswith(carc.table().loc["16", "description"]).all()
    )
    assert all(row[0].endswith(")") and "(NPI 1" in row[0] for row in by_provider)


@pytest.mark.browser
@pytest.mark.slow
def test_statements_list_every_patient_who_owes_by_name(rendered, browser, sample_dir):
    """The statements list holds every patient with an amount due or a credit, by name; what is still
    with insurance is listed by payer name."""
    from medbill.analytics import read_dir, statements
    from medbill.analytics.facts import default_as_of

    data = read_dir(sample_dir)
    day = default_as_of(data).date()
    each = statements.patient_statements(data, statement_date=day)
    owing = each[each["amount_due"].ne(0)]
    page, blocked, errors = open_offline(browser, rendered["patient_statements"].html)
    try:
        cells = _table_cells(page, f"Statements on {day}")
        headers = _headers(page, f"Statements on {day}")
        payers = _table_cells(page, "Still with insurance, by payer")
    finally:
        page.close()
    assert blocked == [] and errors == []
    shown = pd.DataFrame(cells, columns=headers)
    assert sorted(shown["Patient"]) == sorted(owing["patient_id"])
    assert dict(zip(shown["Patient"], shown["Name"], strict=True)) == dict(
        zip(owing["patient_id"], owing["name"], strict=True)
    )
    assert shown["Amount due"].str.fullmatch(r"-?\$\d{1,3}(,\d{3})*\.\d{2}").all()
    names = set(data.payers["name"])
    assert payers and {row[0] for row in payers} <= names
