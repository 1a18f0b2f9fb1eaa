"""Money as the coding screens show it."""

from __future__ import annotations

from typing import Any

import pandas as pd


def money(value: Any) -> str:
    """$1,234.50; never "-$0.00" (a zero that rounding left negative is zero); empty when missing."""
    if value is None or pd.isna(value):
        return ""
    v = float(value)
    v = 0.0 if abs(v) < 0.005 else v
    return f"-${-v:,.2f}" if v < 0 else f"${v:,.2f}"
