"""Fixtures shared by the whole suite.

``shared_data``: the public reference files beside the checkout (``../shared/data``) or at
``$MEDBILL_SHARED_DATA``. In CI (``CI=true``) a missing file fails the test; elsewhere it skips
with the reason. Every test runs with ``MEDBILL_HOME`` in a temporary folder. ``pyx12_verdict``:
pyx12's verdict on an X12 text (the external oracle).
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _shared_root() -> Path:
    env = os.environ.get("MEDBILL_SHARED_DATA")
    return Path(env) if env else ROOT.parent / "shared" / "data"


class SharedData:
    """Resolves paths inside the shared reference data, failing or skipping when absent."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def __call__(self, relative: str) -> Path:
        path = self.root / relative
        if not path.exists():
            reason = f"shared reference file {path} is missing (set MEDBILL_SHARED_DATA)"
            if os.environ.get("CI", "").lower() == "true":
                pytest.fail(reason)
            pytest.skip(reason)
        return path


@pytest.fixture(scope="session")
def shared_data() -> SharedData:
    """``shared_data("cms/pfs/2025/PFREV25C.txt")`` -> Path, or fail (CI) / skip (elsewhere)."""
    return SharedData(_shared_root())


@pytest.fixture(scope="session")
def _session_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("medbill_home")


@pytest.fixture(autouse=True)
def medbill_home(_session_home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point MEDBILL_HOME at a per-session temporary folder (compiled caches are shared in a session).

    Tests that import releases and must not see other tests' imports use ``fresh_home``.
    """
    monkeypatch.setenv("MEDBILL_HOME", str(_session_home))
    return _session_home


@pytest.fixture
def fresh_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty MEDBILL_HOME for one test."""
    home = tmp_path / "home"
    monkeypatch.setenv("MEDBILL_HOME", str(home))
    return home


@pytest.fixture(scope="session")
def pyx12_verdict() -> Callable[[str], tuple[bool, str]]:
    """``pyx12_verdict(text)`` -> (pyx12's OK, its JSON error report) for an 837P, 837I or 835."""
    import pyx12.params
    import pyx12.x12n_document

    def verdict(text: str) -> tuple[bool, str]:
        report = io.StringIO()
        ok = pyx12.x12n_document.x12n_document(
            param=pyx12.params.params(),
            src_file=io.StringIO(text),
            fd_997=io.StringIO(),
            fd_html=None,
            fd_json=report,
        )
        return bool(ok), report.getvalue()

    return verdict
