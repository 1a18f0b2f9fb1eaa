"""Small helpers shared by the rule modules."""

from __future__ import annotations

import importlib
from types import ModuleType

import numpy as np
import pandas as pd

from medbill.exceptions import DataNotAvailable


def require(module: str, *names: str) -> ModuleType:
    """Import a medbill module a rule depends on (with ``names``); if missing, the rule skips, saying why."""
    try:
        found = importlib.import_module(module)
    except ImportError as exc:
        raise DataNotAvailable(f"{module} is not available in this installation ({exc}).") from exc
    lacking = [n for n in names if not hasattr(found, n)]
    if lacking:
        raise DataNotAvailable(f"{module} does not provide {', '.join(lacking)} in this installation.")
    return found


def modifier_text(lines: pd.DataFrame) -> pd.Series:
    """Modifiers of each line joined for messages: ``"26 TC"``."""
    text = lines["modifier1"].fillna("")
    for i in range(2, 5):
        text = text + " " + lines[f"modifier{i}"].fillna("")
    return text.str.replace(r"\s+", " ", regex=True).str.strip()


def dates(s: pd.Series) -> pd.Series:
    """ISO dates as text for messages (empty for NaT); numpy's formatter, much faster than strftime."""
    days = s.to_numpy(dtype="datetime64[D]")
    text = np.datetime_as_string(days, unit="D").astype(object)
    text[np.isnat(days)] = ""
    return pd.Series(text, index=s.index, dtype=object)


def positions(mask: pd.Series | np.ndarray) -> np.ndarray:
    return np.flatnonzero(np.asarray(mask))
