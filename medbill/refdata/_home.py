"""Where imported releases and compiled caches live.

``MEDBILL_HOME`` overrides everything (tests point it at a temporary directory); otherwise the
platform's user data and cache directories are used.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs


def data_dir() -> Path:
    """Directory holding imported reference releases."""
    home = os.environ.get("MEDBILL_HOME")
    return Path(home) / "data" if home else Path(platformdirs.user_data_dir("medbill"))


def cache_dir() -> Path:
    """Directory holding compiled caches; safe to delete at any time."""
    home = os.environ.get("MEDBILL_HOME")
    return Path(home) / "cache" if home else Path(platformdirs.user_cache_dir("medbill"))
