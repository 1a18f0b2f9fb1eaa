"""CMS place of service (POS) codes with the facility / non-facility flag used by fee schedules.

The table (``medbill/_data/place_of_service.csv``) is written by medbill from the CMS code list:
two-digit codes, a short name in medbill's wording, and whether Medicare prices services there at
the facility rate.
"""

from __future__ import annotations

import dataclasses
import re
from datetime import date
from typing import Any

import pandas as pd

from medbill.exceptions import InvalidFormat, InvalidLength, UnknownCode
from medbill.refdata import _packaged, store
from medbill.refdata._text import as_series, clean
from medbill.refdata._types import CodeRecord

__all__ = [
    "PlaceOfService",
    "compact",
    "get",
    "is_facility",
    "is_facility_many",
    "is_valid",
    "lookup",
    "table",
    "validate",
]

SYSTEM = "pos"
FILE = "place_of_service.csv"


@dataclasses.dataclass(frozen=True)
class PlaceOfService:
    code: str
    name: str
    facility: bool


@store.lazy
def table() -> pd.DataFrame:
    """code (index and column), name, facility (bool), note."""
    df = _packaged.read_csv(FILE)
    df["facility"] = df["facility"].map({"true": True, "false": False}).astype(bool)
    return df.set_index("code", drop=False)


def compact(code: Any) -> str:
    """Canonical two-digit form: ``"1"`` -> ``"01"``, ``" 11 "`` -> ``"11"``."""
    return clean(code, "Place of service").zfill(2)


def validate(code: Any) -> str:
    value = compact(code)
    if value == "00" and not re.sub(r"\s", "", code):
        raise InvalidFormat("Place of service is empty; give a two-digit code such as 11.")
    if len(value) != 2:
        raise InvalidLength(f"Place of service {code!r} must be a two-digit code.")
    if not re.fullmatch(r"[0-9]{2}", value):
        raise InvalidFormat(f"Place of service {code!r} must be two ASCII digits.")
    return value


def get(code: Any) -> PlaceOfService | None:
    try:
        value = validate(code)
    except InvalidFormat:
        return None
    t = table()
    if value not in t.index:
        return None
    return PlaceOfService(value, t.at[value, "name"], bool(t.at[value, "facility"]))


def lookup(code: Any) -> PlaceOfService:
    value = validate(code)
    found = get(value)
    if found is None:
        raise UnknownCode(f"Place of service {value} is not an assigned CMS place of service code.")
    return found


def is_valid(code: Any) -> bool:
    """True for an assigned POS code; never raises."""
    return get(code) is not None


def is_facility(code: Any) -> bool:
    """True where Medicare pays the facility rate; ``UnknownCode`` / ``InvalidFormat`` otherwise."""
    return lookup(code).facility


def is_facility_many(codes: pd.Series) -> pd.Series:
    """Vectorised facility flag: True/False per assigned code, NA for unknown or missing codes."""
    clean = as_series(codes, "codes").astype("string").str.strip().str.zfill(2)
    return clean.map(table()["facility"]).astype("boolean")


def lookup_record(code: str, on: date | None = None) -> CodeRecord:
    found = lookup(code)
    prov = embedded_releases()[0]
    return CodeRecord(
        SYSTEM,
        found.code,
        found.name,
        None,
        prov.release,
        "medbill POS table (from the CMS code list)",
        extra={"facility": found.facility},
    )


def embedded_releases() -> list[store.Provenance]:
    return [
        _packaged.provenance(
            SYSTEM,
            FILE,
            len(table()),
            "CMS place of service codes (public domain list), names in medbill's wording, facility flag",
        )
    ]
