"""One real-browser run of the worklist widget in JupyterLab: the follow_up notebook in Debian's
Chromium. The server, browser and helpers are the encounter test's (``../shared/STACK.md``)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from test_jupyterlab_encounter import (  # the encounter test's server and browser helpers
    ARTIFACTS,
    TIMEOUT_MS,
    _jupyterlab,
    _run_all_cells,
    browser,
    workspace,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]
__all__ = ["browser", "workspace"]  # the encounter test's fixtures, used by name here


@pytest.fixture
def follow_up_lab(workspace: Path, tmp_path: Path) -> Iterator[str]:
    home = tmp_path / "home"
    home.mkdir()
    with _jupyterlab(workspace, tmp_path, home, "follow_up.ipynb") as url:
        yield url


def test_worklist_in_jupyterlab(browser, follow_up_lab: str) -> None:
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.set_default_timeout(TIMEOUT_MS)
    _run_all_cells(page, follow_up_lab)
    try:
        page.locator(".medbill-worklist-table table").wait_for(timeout=TIMEOUT_MS * 3)
        page.locator(".medbill-worklist-category select").select_option("denied")
        page.wait_for_function(
            "() => !(document.querySelector('.medbill-worklist-table')?.innerText || '').includes('no response')"
        )
        detail = page.locator(".medbill-worklist-detail")
        detail.get_by_text("Next:").wait_for()
        claim = page.locator(".medbill-worklist-claim select").input_value()
        page.locator("button.medbill-worklist-done").click()
        page.locator(".medbill-worklist-message").get_by_text(f"{claim}:").wait_for()
        page.wait_for_function(  # the done claim leaves the list
            "claim => ![...document.querySelectorAll('.medbill-worklist-claim select option')]"
            ".some(o => o.value === claim || o.textContent === claim)",
            arg=claim,
        )
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "jupyterlab-worklist.png"), full_page=True)
    except Exception:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "jupyterlab-worklist-failed.png"), full_page=True)
        raise
