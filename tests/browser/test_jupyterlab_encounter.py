"""One real-browser run of the encounter coder: JupyterLab and the Voila app, in Debian's Chromium.

Follows ``../shared/STACK.md``: a temporary copy of the notebooks, a token, ``--allow-root``, a
settings folder that turns off the news toast, and waiting for the kernel's ``kernel_info_reply`` on
its websocket before running anything. In CI (``CI=true``) the test must run; elsewhere it skips
when /usr/bin/chromium is absent. Screenshots go to ``test-artifacts/`` (gitignored).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from medbill.bundled import notebooks_dir

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TIMEOUT_MS = 60_000


def _require_chromium() -> None:
    if CHROMIUM.exists():
        return
    reason = (
        f"{CHROMIUM} is absent: install Debian's Chromium (apt-get install chromium) to run browser tests"
    )
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(reason)
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_http(url: str, process: subprocess.Popen, log: Path, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"server exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise AssertionError(f"server did not answer {url} within {seconds} s:\n{log.read_text()[-3000:]}")


def _wait_port(port: int, process: subprocess.Popen, log: Path, seconds: float = 90) -> None:
    """Wait until the server listens. (A Voila page request runs the notebook in a new kernel, so
    polling the page itself would start one kernel per poll.)"""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"server exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.3)
    raise AssertionError(f"nothing listened on port {port} within {seconds} s:\n{log.read_text()[-3000:]}")


def _stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _server_env(home: Path) -> dict[str, str]:
    env = dict(os.environ, MEDBILL_HOME=str(home), PYTHONUNBUFFERED="1")
    env.pop("JUPYTER_TOKEN", None)
    return env


@pytest.fixture(scope="module")
def browser_home(tmp_path_factory: pytest.TempPathFactory, shared_data) -> Path:
    """A MEDBILL_HOME for the servers with CMS's 2025 PFS imported, so the Medicare price can show."""
    home = tmp_path_factory.mktemp("browser_home")
    subprocess.run(
        [sys.executable, "-c", "import sys; from medbill.cli import main; sys.exit(main())", "data", "import", "pfs",
         str(shared_data("cms/pfs/2025"))],
        env=_server_env(home),
        check=True,
        capture_output=True,
    )  # fmt: skip
    return home


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """A temporary copy of the notebooks, with ``../data`` pointing at the repository's sample data."""
    shutil.copytree(
        notebooks_dir(), tmp_path / "notebooks", ignore=shutil.ignore_patterns("reports", "teaching")
    )
    (tmp_path / "data").symlink_to(ROOT / "data")
    return tmp_path / "notebooks"


@contextlib.contextmanager
def _jupyterlab(workspace: Path, tmp_path: Path, home: Path, notebook: str) -> Iterator[str]:
    """JupyterLab serving ``workspace`` as ``../shared/STACK.md`` says; yields the URL opening ``notebook``."""
    _require_chromium()
    settings = tmp_path / "lab-settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True)
    (settings / "notification.jupyterlab-settings").write_text(json.dumps({"fetchNews": "false"}))
    port, token = _free_port(), "medbill-browser-test"
    log = tmp_path / "jupyterlab.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "jupyterlab",
                "--no-browser",
                "--allow-root",
                f"--port={port}",
                "--ServerApp.ip=127.0.0.1",
                f"--IdentityProvider.token={token}",
                f"--ServerApp.root_dir={workspace}",
                f"--LabApp.user_settings_dir={tmp_path / 'lab-settings'}",
                f"--LabApp.workspaces_dir={tmp_path / 'lab-workspaces'}",
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=_server_env(home),
        )
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_http(f"{base}/api/status?token={token}", process, log)
        yield f"{base}/lab/tree/{notebook}?token={token}"
    finally:
        _stop(process)


def _run_all_cells(page, url: str) -> None:
    """Open ``url`` in JupyterLab and Run All Cells once the kernel websocket is connected (a
    Shift+Enter sent before it is dropped)."""
    kernel_ready: list[bool] = []

    def watch(ws) -> None:
        if "/api/kernels/" in ws.url and "/channels" in ws.url:

            def frame(payload) -> None:
                data = payload if isinstance(payload, bytes) else str(payload).encode()
                if b"kernel_info_reply" in data:
                    kernel_ready.append(True)

            ws.on("framereceived", frame)

    page.on("websocket", watch)
    page.goto(url)
    deadline = time.monotonic() + TIMEOUT_MS / 1000
    while not kernel_ready and time.monotonic() < deadline:
        page.wait_for_timeout(200)  # lets Playwright deliver websocket events
    assert kernel_ready, "the kernel websocket never sent kernel_info_reply"
    page.locator(".lm-MenuBar-item", has_text="Run").first.click()
    run_all = page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Run All Cells$"))
    page.locator(".lm-Menu-item", has=run_all).click()


@pytest.fixture
def jupyterlab(workspace: Path, tmp_path: Path, browser_home: Path) -> Iterator[str]:
    with _jupyterlab(workspace, tmp_path, browser_home, "code_an_encounter.ipynb") as url:
        yield url


@pytest.fixture
def voila_app(tmp_path: Path, browser_home: Path) -> Iterator[str]:
    _require_chromium()
    port = _free_port()
    log = tmp_path / "voila.log"
    with log.open("w") as out:
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
                "--payer=MCR01",
                "--locality=15202-00",
                "--service-date=2025-11-03",
                "--no-token",
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=_server_env(browser_home),
        )
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_port(port, process, log)
        yield base + "/"
    finally:
        _stop(process)


@pytest.fixture
def browser() -> Iterator[object]:
    _require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


def _code_an_encounter(page, shot: str) -> None:
    """Drive the widgets the notebook (or the app) shows; on failure keep a screenshot of the page."""
    try:
        _drive(page, shot)
    except Exception:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / shot.replace(".png", "-failed.png")), full_page=True)
        raise


def _drive(page, shot: str) -> None:
    """Search, pick, add a line, and read the findings and the price."""
    # The diagnosis search comes first; the procedure search below it has the same parts.
    search = page.locator(".medbill-search-input input").first
    search.wait_for(timeout=TIMEOUT_MS)
    search.click()
    search.press_sequentially("diabetes", delay=40)
    # Results of the whole word, not of a prefix the debounce let through while typing.
    page.wait_for_function(
        "() => /for diabetes\\s*$/.test(document.querySelector('.medbill-search-status')?.innerText || '')",
        timeout=TIMEOUT_MS,
    )
    options = page.locator(".medbill-search-results select").first.locator("option")
    options.first.wait_for(timeout=TIMEOUT_MS)
    labels = options.all_inner_texts()
    # The Type 2 diabetes category when ranked (a header the scrubber flags), else the first hit.
    index = next((i for i, t in enumerate(labels) if t.split()[0] == "E11"), 0)
    page.locator(".medbill-search-results select").first.select_option(index=index)
    page.wait_for_function(
        "() => !document.querySelector('button.medbill-use-code').disabled", timeout=TIMEOUT_MS
    )
    page.locator("button.medbill-use-code").first.click()
    code = labels[index].split()[0]
    page.locator(".medbill-dx-list").get_by_text(code).first.wait_for(timeout=TIMEOUT_MS)

    page.locator("button.medbill-add-line").click()
    line_code = page.locator(".medbill-line-code input").last
    line_code.fill("99214")
    line_code.press("Tab")
    modifiers = page.locator(".medbill-line-modifiers input").last
    modifiers.fill("25")  # 25 on an E/M with no other procedure: a warning whatever the diagnosis
    modifiers.press("Tab")
    charge = page.locator(".medbill-line-charge input").last
    charge.fill("180")
    charge.press("Tab")

    # The price of the typed line (not of the blank line first added): 99214, its charge, an amount.
    page.wait_for_function(
        r"""() => {
            const text = document.querySelector('.medbill-price')?.innerText || '';
            return text.includes('99214') && text.includes('$180.00') && /Expected allowed: \$[1-9]/.test(text);
        }""",
        timeout=TIMEOUT_MS,
    )
    # Modifier 25 with no other procedure that day: the scrubber's warning, with its explanation.
    page.wait_for_function(
        "() => (document.querySelector('.medbill-findings')?.innerText || '').includes('MOD-25-NOPROC')",
        timeout=TIMEOUT_MS,
    )
    page.locator(".medbill-price").scroll_into_view_if_needed()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / shot), full_page=True)
    assert page.locator(".medbill-findings .medbill-finding").count() >= 1
    assert re.search(r"Expected allowed: \$[1-9]", page.locator(".medbill-price").inner_text())
    assert "MOD-25-NOPROC" in page.locator(".medbill-findings").inner_text()


def test_encounter_in_jupyterlab(browser, jupyterlab: str) -> None:
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.set_default_timeout(TIMEOUT_MS)
    _run_all_cells(page, jupyterlab)
    # Every code cell has run once its prompt reads [n] and none reads [*].
    page.wait_for_function(
        """() => {
            const prompts = [...document.querySelectorAll('.jp-CodeCell .jp-InputPrompt')].map(p => p.innerText);
            return prompts.length > 0 && prompts.every(t => /\\[\\d+\\]/.test(t));
        }""",
        timeout=TIMEOUT_MS * 2,
    )
    errors = page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")
    assert page.locator(".jp-RenderedText[data-mime-type='application/vnd.jupyter.error']").count() == 0, (
        errors.all_inner_texts()
    )
    _code_an_encounter(page, "jupyterlab-encounter.png")


def test_encounter_in_voila_app(browser, voila_app: str) -> None:
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(voila_app)
    _code_an_encounter(page, "voila-encounter.png")
    # App mode hides the code: no code input is rendered (the title and how-to are markdown).
    assert page.locator(".jp-CodeCell .jp-InputArea").count() == 0
    assert "from_practice_dir" not in page.inner_text("body")
