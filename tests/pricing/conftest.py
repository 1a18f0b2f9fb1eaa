"""Fixtures for the pricing tests: CMS's 2025 PFS files imported into the session's MEDBILL_HOME."""

from __future__ import annotations

from pathlib import Path

import pytest

from medbill.pricing.pfs import FeeSchedule
from medbill.refdata.pfs import import_release

PFS_2025 = "cms/pfs/2025"


@pytest.fixture
def pfs_dir(shared_data) -> Path:
    return shared_data(PFS_2025)


@pytest.fixture
def fs(pfs_dir: Path) -> FeeSchedule:
    """The 2025 fee schedule (imported once per session; later imports are no-ops)."""
    import_release(pfs_dir)
    return FeeSchedule.load(2025)
