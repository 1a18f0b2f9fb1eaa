"""The two pieces every code system's verb set shares (python-stdnum style)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from numbers import Integral
from typing import TYPE_CHECKING, Any

from medbill.exceptions import CodeError, InvalidArgument, InvalidFormat

if TYPE_CHECKING:
    import pandas as pd

# Longer search text is refused before any work: no code title is anywhere near this long.
MAX_SEARCH_TEXT = 1000
# No code set holds more codes than this; larger limits are the same as this one.
MAX_SEARCH_LIMIT = 1_000_000


def clean(code: Any, what: str, drop: str = r"\s") -> str:
    """``code`` without the characters matching ``drop``; ``InvalidFormat`` naming ``what`` for non-text."""
    if not isinstance(code, str):
        raise InvalidFormat(f"{what} must be text, got {type(code).__name__} {code!r}.")
    return re.sub(drop, "", code)


def passes(validate: Callable[[Any], object], code: Any) -> bool:
    """True when ``validate(code)`` accepts ``code``; never raises for bad code text."""
    try:
        validate(code)
    except CodeError:
        return False
    return True


def search_args(text: Any, limit: Any) -> tuple[str, int]:
    """``(text, limit)`` checked for every search: text of at most ``MAX_SEARCH_TEXT`` characters and
    a whole-number limit of 0 or more (``InvalidFormat`` / ``InvalidArgument`` naming the value).
    Anything but text finds nothing (limit 0)."""
    if isinstance(text, str) and len(text) > MAX_SEARCH_TEXT:
        raise InvalidFormat(
            f"Search text is {len(text):,} characters long; at most {MAX_SEARCH_TEXT:,} are searched."
        )
    if isinstance(limit, bool) or not isinstance(limit, Integral):
        raise InvalidArgument(f"limit must be a whole number, got {type(limit).__name__} {_shown(limit)}.")
    if limit < 0:
        raise InvalidArgument(f"limit must be 0 or more, got {limit}.")
    if not isinstance(text, str):
        return "", 0  # like ICD-10-CM's search always did: no text, no hits
    return text, min(int(limit), MAX_SEARCH_LIMIT)


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def as_series(values: Any, what: str = "values") -> pd.Series:
    """``values`` as a Series for the vectorised ``*_many`` functions (a list or array is wrapped);
    ``InvalidArgument`` for a single value, which belongs to the scalar function instead."""
    import numpy as np
    import pandas as pd

    if isinstance(values, pd.Series):
        return values
    if isinstance(values, (list, tuple, np.ndarray, pd.Index, pd.api.extensions.ExtensionArray)):
        return pd.Series(values)
    raise InvalidArgument(
        f"{what} must be a pandas Series (one value per row), got {type(values).__name__} {_shown(values)}; "
        "use the scalar function for one value."
    )


def dates_many(values: Any, what: str = "dates") -> pd.Series:
    """``values`` as datetime64 (NaT for anything that is not a date or ISO date text).

    Parsed as ISO 8601 only: pandas' guessing parser takes minutes on a long run of digits.
    """
    import pandas as pd

    s = as_series(values, what)
    if pd.api.types.is_datetime64_any_dtype(s):
        return s
    if s.dtype == object:
        s = s.where(s.map(lambda v: isinstance(v, (str, date))), None)
    return pd.to_datetime(s, format="ISO8601", errors="coerce")
