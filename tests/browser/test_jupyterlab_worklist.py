"""One real-browser run of the worklist widget in JupyterLab: the follow_up notebook in Debian's
Chromium. The server, browser and helpers are the encounter test's (``../shared/STACK.md``)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_jupyterlab_encounter import (  # the encounter test's server and browser helpers
    ARTIFACTS,
    TIMEOUT_MS,
    _free_port,
    _require_chromium,
    _server_env,
    _stop,
    _wait_http,
    browser,
    workspace,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]
__all__ = ["browser", "workspace"]  # the encounter test's fixtures, used by name here


@pytest.fixture
def follow_up_lab(workspace: Path, tmp_path: Path) -> Iterator[str]:
    _require_chromium()
    settings = tmp_path / "lab-settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True)
    (settings / "notification.jupyterlab-settings").write_text(json.dumps({"fetchNews": "false"}))
    port, token = _free_port(), "medbill-browser-test"
    log = tmp_path / "jupyterlab.log"
    home = tmp_path / "home"
    home.mkdir()
    with log.open("w") as out:
        process = subprocess.Popen(
            [
                sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root", f"--port={port}",
                "--ServerApp.ip=127.0.0.1", f"--IdentityProvider.token={token}",
                f"--ServerApp.root_dir={workspace}", f"--LabApp.user_settings_dir={tmp_path / 'lab-settings'}",
                f"--LabApp.workspaces_dir={tmp_path / 'lab-workspaces'}",
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=_server_env(home),
        )  # fmt: skip
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_http(f"{base}/api/status?token={token}", process, log)
        yield f"{base}/lab/tree/follow_up.ipynb?token={token}"
    finally:
        _stop(process)


def test_worklist_in_jupyterlab(browser, follow_up_lab: str) -> None:
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.set_default_timeout(TIMEOUT_MS)
    ready: list[bool] = []

    def watch(ws) -> None:
        if "/api/kernels/" in ws.url and "/channels" in ws.url:
            ws.on(
                "framereceived",
                lambda p: ready.append(
                    b"kernel_info_reply" in (p if isinstance(p, bytes) else str(p).encode())
                ),
            )

    page.on("websocket", watch)
    page.goto(follow_up_lab)
    deadline = time.monotonic() + TIMEOUT_MS / 1000
    while not any(ready) and time.monotonic() < deadline:
        page.wait_for_timeout(200)
    assert any(ready), "the kernel websocket never sent kernel_info_reply"
    page.locator(".lm-MenuBar-item", has_text="Run").first.click()
    run_all = page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Run All Cells$"))
    page.locator(".lm-Menu-item", has=run_all).click()
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
