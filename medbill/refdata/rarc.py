"""Remittance advice remark codes (RARC, the M/MA/N codes in 835 LQ and MOA segments).

No maintained, freely licensed RARC list ships in a Python package (``validedi`` carries CARC
only), so medbill writes its own short summaries of the most common remark codes
(``medbill/_data/rarc.csv``), marked as medbill's wording, not the official X12 text.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pandas as pd

from medbill.exceptions import CodeError, InvalidFormat, UnknownCode
from medbill.refdata import _packaged, store
from medbill.refdata._text import clean, passes
from medbill.refdata._types import CodeRecord

__all__ = ["compact", "get", "is_valid", "is_well_formed", "lookup", "table", "validate"]

SYSTEM = "rarc"
FILE = "rarc.csv"


@store.lazy
def table() -> pd.DataFrame:
    """code (index and column), summary (medbill's wording), label_source."""
    return _packaged.read_csv(FILE).set_index("code", drop=False)


def compact(code: Any) -> str:
    return clean(code, "Remark code").upper()


def is_well_formed(code: Any) -> bool:
    """True for text shaped like a remark code (M, MA or N and 1-3 digits); never raises."""
    return passes(_shape, code)


def _shape(code: Any) -> str:
    value = compact(code)
    if not re.fullmatch(r"(M|MA|N)[0-9]{1,3}", value):
        raise InvalidFormat(f"Remark code {code!r} must be M, MA or N followed by 1-3 digits.")
    return value


def get(code: Any) -> str | None:
    """medbill's summary, or None when malformed or not in its table; never raises."""
    try:
        value = _shape(code)
    except CodeError:
        return None
    t = table()
    return t.at[value, "summary"] if value in t.index else None


def lookup(code: Any) -> str:
    """The summary; ``InvalidFormat`` for malformed text, ``UnknownCode`` when not in the table."""
    value = _shape(code)
    found = get(value)
    if found is None:
        raise UnknownCode(
            f"Remark code {value} is not in medbill's list of common remark codes (it ships "
            f"{len(table())}, not the full X12 list); see the X12 RARC list for its text."
        )
    return found


def validate(code: Any) -> str:
    """The compact code when medbill's table holds it (exactly when ``is_valid``); raises otherwise."""
    lookup(code)
    return _shape(code)


def is_valid(code: Any) -> bool:
    """True when medbill's remark-code table holds the code (exactly when ``validate`` passes and
    ``get`` finds it); :func:`is_well_formed` checks the shape only. Never raises."""
    return get(code) is not None


def lookup_record(code: str, on: date | None = None) -> CodeRecord:
    summary = lookup(code)
    return CodeRecord(
        SYSTEM, validate(code), summary, None, embedded_releases()[0].release, _packaged.LABEL_SOURCE
    )


def embedded_releases() -> list[store.Provenance]:
    return [
        _packaged.provenance(
            SYSTEM, FILE, len(table()), "common remark codes summarised by medbill; not the official X12 text"
        )
    ]
