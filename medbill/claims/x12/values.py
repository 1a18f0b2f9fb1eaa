"""Strict X12 element values shared by the readers and ``validate``: R-type amounts and CCYYMMDD dates.

An X12 R (decimal) element is an optional minus sign and digits with at most one decimal point: no
exponent, no digit grouping, no ``inf``/``nan``, at most 18 digits. Python's ``float`` and ``Decimal``
accept far more (``1e999``, ``Infinity``, ``1_0``), so every amount is matched first. Dates must be
eight digits, a real calendar day, and within the range pandas can hold (``datetime64[ns]``), since
every table medbill builds stores them so.
"""

from __future__ import annotations

import re
from datetime import date

from medbill.claims.x12.tokenizer import Segment
from medbill.exceptions import X12Error

_R = re.compile(r"-?(?:\d+\.?\d*|\.\d+)")
MAX_DIGITS = 18
# The whole days pandas' datetime64[ns] can hold (pd.Timestamp.min/max, 1677-09-21 00:12 to
# 2262-04-11 23:47); literal so that reading an 835 summary does not import pandas.
FIRST_DAY = date(1677, 9, 22)
LAST_DAY = date(2262, 4, 11)


def element_position(seg: Segment, index: int) -> int:
    """Byte offset of element ``index`` of ``seg`` in the input (one separator between elements)."""
    return seg.position + sum(len(e) + 1 for e in seg.elements[:index])


def _error(seg: Segment, index: int, message: str) -> X12Error:
    return X12Error(
        f"{seg.id}{index:02d} {message}", segment_number=seg.number, position=element_position(seg, index)
    )


def is_amount(text: str) -> bool:
    """True when ``text`` is an X12 R-type number."""
    return len(text) <= MAX_DIGITS + 2 and _R.fullmatch(text) is not None


def amount_problem(text: str) -> str:
    """Why ``text`` is not an R-type amount (for messages)."""
    return f"{text[:30]!r} is not an X12 decimal amount (digits, one optional '.', optional leading '-')"


def cents(seg: Segment, index: int, required: bool = False) -> int:
    """Element ``index`` of ``seg`` in integer cents (0 when empty and not required)."""
    elements = seg.elements
    text = elements[index] if index < len(elements) else ""
    if not text:
        if required:
            raise _error(seg, index, "amount is missing")
        return 0
    if len(text) > MAX_DIGITS + 2 or _R.fullmatch(text) is None:
        raise _error(seg, index, amount_problem(text))
    return round(float(text) * 100)


def number(seg: Segment, index: int) -> float | None:
    """Element ``index`` of ``seg`` as a float (None when empty), R-type checked."""
    text = seg.get(index)
    if not text:
        return None
    if not is_amount(text):
        raise _error(seg, index, amount_problem(text))
    return float(text)


def date_problem(text: str) -> str | None:
    """Why ``text`` is not a CCYYMMDD date medbill can hold, or None when it is one."""
    if len(text) != 8 or not text.isdigit() or not text.isascii():
        return f"{text[:30]!r} is not a CCYYMMDD date"
    try:
        day = date(int(text[:4]), int(text[4:6]), int(text[6:8]))
    except ValueError:
        return f"{text!r} is not a calendar date"
    if not FIRST_DAY <= day <= LAST_DAY:
        return f"{text!r} is outside the dates medbill can hold ({FIRST_DAY} to {LAST_DAY})"
    return None


def ccyymmdd(seg: Segment, index: int, text: str | None = None) -> date:
    """Element ``index`` of ``seg`` (or ``text`` from inside it, e.g. one end of an RD8 range) as a date."""
    value = seg.get(index) if text is None else text
    problem = date_problem(value)
    if problem:
        raise _error(seg, index, problem)
    return date(int(value[:4]), int(value[4:6]), int(value[6:8]))
