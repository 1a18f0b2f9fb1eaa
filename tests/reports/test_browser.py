"""A report opens in a real headless Chromium with every network request blocked, and its charts
render (plotly.js embedded in the page, nothing fetched)."""

from __future__ import annotations

import os
from pathlib import Path

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


def _need_chromium() -> None:
    if CHROMIUM.exists():
        return
    reason = f"{CHROMIUM} is absent (install Debian's chromium: apt-get install -y chromium)"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.mark.browser
@pytest.mark.slow
def test_report_charts_render_offline_in_chromium(aging_report):
    _need_chromium()
    from playwright.sync_api import sync_playwright

    html = aging_report.html
    blocked: list[str] = []
    page_errors: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            page = browser.new_page()
            page.on("pageerror", lambda exc: page_errors.append(str(exc)))

            def route(r):
                if r.request.url.startswith("file:"):
                    r.continue_()
                else:
                    blocked.append(r.request.url)
                    r.abort()

            page.route("**/*", route)
            page.goto(html.as_uri(), wait_until="load")
            page.wait_for_selector(".js-plotly-plot .main-svg", timeout=30_000)
            charts = page.locator(".js-plotly-plot").count()
            bars = page.locator(".js-plotly-plot .bars path").count()
            has_plotly = page.evaluate("typeof window.Plotly !== 'undefined'")
        finally:
            browser.close()
    assert blocked == [], f"the report tried to fetch: {blocked}"
    assert page_errors == []
    assert has_plotly
    assert charts == 2  # by payer and by provider
    assert bars > 0  # the bars were drawn, not just the chart frames
