"""Remittance advice remark codes (RARC, the M/MA/N codes in 835 LQ and MOA segments).

No maintained, freely licensed RARC list ships in a Python package (``validedi`` carries CARC
only), so medbill writes its own short summaries of the most common remark codes
(``medbill/_data/rarc.csv``), marked as medbill's wording, not the official X12 text. X12's full
list, with each code's start and stop dates, replaces it once imported (``medbill data import rarc
PAGE``, see :mod:`medbill.refdata.x12_codes`).
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from medbill.exceptions import CodeError, InvalidFormat, UnknownCode
from medbill.refdata import _packaged, store, x12_codes
from medbill.refdata._text import clean, passes
from medbill.refdata._types import CodeRecord

__all__ = [
    "compact",
    "get",
    "import_release",
    "is_active",
    "is_valid",
    "is_well_formed",
    "lookup",
    "table",
    "validate",
]

SYSTEM = "rarc"
FILE = "rarc.csv"


def table() -> pd.DataFrame:
    """code (index and column), summary, label_source, start, stop: X12's imported list when one is
    installed (its official text), else medbill's short list (its own wording, no dates)."""
    found = x12_codes.installed_list(SYSTEM)
    if found is None:
        return _medbill_table()
    prov, codes = found
    return codes.assign(
        summary=codes["description"], label_source=f"X12 RARC list {prov.release} ({prov.source})"
    )


@store.lazy
def _medbill_table() -> pd.DataFrame:
    return _packaged.read_csv(FILE).assign(start=None, stop=None).set_index("code", drop=False)


def import_release(path: str | Path) -> store.Provenance:
    """Import X12's RARC list page (HTML) or a code,description,start,stop CSV."""
    return x12_codes.import_list(SYSTEM, path, "X12 Remittance Advice Remark Codes (imported by the user)")


def is_active(code: Any, on: date | str) -> bool:
    """True when the remark code may be used on ``on`` (between its start and stop dates)."""
    return x12_codes.active_in(table(), compact(code) if is_valid(code) else None, on)


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
    """The CLI's record; with ``on``, ``valid_on_date`` says whether the code may be used that day."""
    summary = lookup(code)
    found = x12_codes.installed_list(SYSTEM)
    release = found[0].release if found else embedded_releases()[0].release
    value, codes = validate(code), table()
    return x12_codes.code_record(SYSTEM, value, summary, codes, release, codes.at[value, "label_source"], on)


def embedded_releases() -> list[store.Provenance]:
    return [
        _packaged.provenance(
            SYSTEM, FILE, len(table()), "common remark codes summarised by medbill; not the official X12 text"
        )
    ]
