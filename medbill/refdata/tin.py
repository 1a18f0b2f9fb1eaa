"""Taxpayer identification numbers on claims: EIN (employer, ``NN-NNNNNNN``) and SSN (``NNN-NN-NNNN``).

Format checks only (no check digit exists for either). EIN prefixes must be ones the IRS assigns;
SSNs follow the SSA's never-issued rules (area 000, 666 or 900-999; group 00; serial 0000).
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

from medbill.exceptions import InvalidFormat, InvalidLength
from medbill.refdata._text import as_series, clean

__all__ = [
    "compact",
    "ein_is_valid",
    "ein_is_valid_many",
    "ein_validate",
    "format_ein",
    "format_ssn",
    "ssn_is_valid",
    "ssn_validate",
]

# EIN campus prefixes the IRS assigns (IRS "How EINs are assigned and valid EIN prefixes").
EIN_PREFIXES = frozenset(
    f"{n:02d}"
    for n in [
        *range(1, 7),
        *range(10, 17),
        *range(20, 28),
        *range(30, 49),
        *range(50, 69),
        *range(71, 78),
        *range(80, 89),
        *range(90, 96),
        98,
        99,
    ]
)
_DIGITS = re.compile(r"[0-9]+")


def compact(number: Any) -> str:
    """Digits only: spaces and dashes removed; ``InvalidFormat`` for non-text."""
    return clean(number, "Tax ID", r"[\s\-]")


def _nine_digits(number: Any, what: str) -> str:
    value = compact(number)
    if not value or not _DIGITS.fullmatch(value):
        raise InvalidFormat(f"{what} {number!r} must contain only the digits 0-9.")
    if len(value) != 9:
        raise InvalidLength(f"{what} {number!r} has {len(value)} digits; it needs 9.")
    return value


def ein_validate(number: Any) -> str:
    value = _nine_digits(number, "EIN")
    if value[:2] not in EIN_PREFIXES:
        raise InvalidFormat(f"EIN {number!r} starts with {value[:2]}, a prefix the IRS does not assign.")
    return value


def ssn_validate(number: Any) -> str:
    value = _nine_digits(number, "SSN")
    area, group, serial = value[:3], value[3:5], value[5:]
    if area in {"000", "666"} or area >= "900" or group == "00" or serial == "0000":
        raise InvalidFormat(f"SSN {number!r} uses an area, group or serial number that is never issued.")
    return value


def ein_is_valid(number: Any) -> bool:
    try:
        ein_validate(number)
    except InvalidFormat:
        return False
    return True


def ssn_is_valid(number: Any) -> bool:
    try:
        ssn_validate(number)
    except InvalidFormat:
        return False
    return True


def format_ein(number: Any) -> str:
    value = ein_validate(number)
    return f"{value[:2]}-{value[2:]}"


def format_ssn(number: Any) -> str:
    value = ssn_validate(number)
    return f"{value[:3]}-{value[3:5]}-{value[5:]}"


def ein_is_valid_many(numbers: pd.Series) -> pd.Series:
    """Vectorised ``ein_is_valid`` (NA and non-text give False)."""
    s = as_series(numbers, "numbers").astype(object)
    text = s.where(s.map(type).eq(str)).astype("string").str.replace(r"[\s\-]", "", regex=True)
    shaped = text.str.fullmatch(r"[0-9]{9}").fillna(False).astype(bool)
    return (shaped & text.str[:2].isin(EIN_PREFIXES).fillna(False)).astype(bool)
