"""`medbill app encounter` served for real: a token guards it, the page has a title and a how-to,
says which fee schedule to import, labels are not cut off, and SIGTERM stops the server. A
screenshot of the page is kept under reports/screenshots/ (MEDBILL_SCREENSHOTS overrides it)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = Path(os.environ.get("MEDBILL_SCREENSHOTS", ROOT / "reports" / "screenshots"))
TIMEOUT_S = 90


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _listening(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture
def app(tmp_path: Path):
    """The app on a free port with an empty MEDBILL_HOME; yields (process, url with token, port, save dir)."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is absent (apt-get install -y chromium)")
    port = _free_port()
    saved = tmp_path / "saved"
    env = {**os.environ, "MEDBILL_HOME": str(tmp_path / "home"), "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from medbill.cli import main; sys.exit(main())",
            "app",
            "encounter",
            f"--port={port}",
            "--no-browser",
            f"--practice={ROOT / 'data' / 'sample'}",
            f"--save-dir={saved}",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
    )
    try:
        url = process.stdout.readline().strip().rsplit(" ", 1)[-1]
        deadline = time.monotonic() + TIMEOUT_S
        while not _listening(port):
            assert process.poll() is None, "the app exited before serving"
            assert time.monotonic() < deadline, "the app did not start serving"
            time.sleep(0.3)
        yield process, url, port, saved
    finally:
        if process.poll() is None:  # SIGTERM, so the app stops its Voila server too
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()


@pytest.mark.browser
@pytest.mark.slow
def test_app_has_token_title_how_to_and_stops_on_sigterm(app) -> None:
    from playwright.sync_api import sync_playwright

    process, url, port, saved = app
    assert "?token=" in url
    with urllib.request.urlopen(
        f"http://127.0.0.1:{port}/", timeout=30
    ) as anonymous:  # no token: the login page
        assert "/login" in anonymous.url and "medbill-encounter" not in anonymous.read().decode()

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(url, timeout=TIMEOUT_S * 1000)
            page.locator(".medbill-encounter").wait_for(timeout=TIMEOUT_S * 1000)
            title = page.title()
            heading = page.locator("h1").first.inner_text()
            text = page.inner_text("body")
            # Every widget label shows whole: its text fits its box ("Date of service", not "Date of se...").
            cut = page.evaluate(
                """() => [...document.querySelectorAll('.medbill-encounter .widget-label')]
                    .filter(l => l.offsetParent !== null && l.scrollWidth > l.clientWidth + 1)
                    .map(l => l.textContent)"""
            )
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            shot = SCREENSHOTS / "app-encounter.png"
            page.screenshot(path=str(shot), full_page=True)
            print(f"screenshot: {shot}")
        finally:
            browser.close()
    assert title == "medbill encounter coder"
    assert heading.startswith("medbill encounter coder")
    assert "Code one visit as a claim" in text
    assert f"Saved encounters go to {saved}" in text
    assert "No Medicare fee schedule is imported" in text and "medbill data import pfs DIR" in text
    assert cut == []

    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=30) is not None
    deadline = time.monotonic() + 15
    while _listening(port) and time.monotonic() < deadline:
        time.sleep(0.3)
    assert not _listening(port), "SIGTERM left the Voila server running"
