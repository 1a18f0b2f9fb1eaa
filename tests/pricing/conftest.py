"""Fixtures for the pricing tests: CMS's PFS files imported into the session's MEDBILL_HOME.

The 2025 folder holds two quarterly releases (RVU25A, January; RVU25D, October) and the
locality files; the 2026 folder holds RVU26C (July) alone, without GPCIs.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from medbill.pricing.pfs import FeeSchedule
from medbill.refdata.pfs import import_releases

PFS_2025 = "cms/pfs/2025"
PFS_2026 = "cms/pfs/2026"


@pytest.fixture
def pfs_dir(shared_data) -> Path:
    return shared_data(PFS_2025)


@pytest.fixture
def pfs_2026_dir(shared_data) -> Path:
    return shared_data(PFS_2026)


@pytest.fixture
def fs(pfs_dir: Path) -> FeeSchedule:
    """RVU25D, the October 2025 release (imported once per session; later imports are no-ops)."""
    import_releases(pfs_dir)
    return FeeSchedule.load("RVU25D")


@pytest.fixture
def fs26(pfs_2026_dir: Path) -> FeeSchedule:
    """RVU26C, the July 2026 release (national pricing only: no GPCI file)."""
    import_releases(pfs_2026_dir)
    return FeeSchedule.load("RVU26C")
