"""The two pieces every code system's verb set shares (python-stdnum style)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from medbill.exceptions import CodeError, InvalidFormat


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
