"""National Provider Identifier (NPI): ten digits, the last a Luhn check digit.

CMS issues NPIs beginning with 1 or 2 only: a number with
another first digit and a correct check digit is well formed but was never issued, and
``issued_note`` says so (``lookup_record`` and the error messages repeat it).

The check digit is the Luhn digit of the card-issuer prefix ``80840`` followed by the first nine
digits (CMS, "Requirements for NPI check digit"). The prefix contributes a constant 24 to the Luhn
sum, so ``calc_check_digit`` only walks the nine identifier digits.

>>> validate("1234567893")
'1234567893'
>>> calc_check_digit("123456789")
'3'
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd

from medbill.exceptions import InvalidChecksum, InvalidFormat, InvalidLength
from medbill.refdata._text import as_series, passes
from medbill.refdata._types import CodeRecord

__all__ = ["calc_check_digit", "compact", "format", "is_valid", "is_valid_many", "issued_note", "validate"]

ISSUED_FIRST_DIGITS = "12"  # NPPES: every NPI issued begins with 1 or 2

# Luhn contribution of the "80840" prefix when it is followed by ten more digits.
_PREFIX_SUM = 24
_SEPARATORS = re.compile(r"[\s\-]")
_ASCII_DIGITS = re.compile(r"[0-9]+")
# Luhn doubling table: 2*d, minus 9 when above 9.
_DOUBLED = np.array([0, 2, 4, 6, 8, 1, 3, 5, 7, 9])


def compact(number: Any) -> str:
    """Strip spaces and dashes: ``" 1234-567 893 "`` -> ``"1234567893"``.

    Raises ``InvalidFormat`` for anything that is not text.
    """
    if not isinstance(number, str):
        raise InvalidFormat(f"NPI must be text, got {type(number).__name__} {number!r}.")
    return _SEPARATORS.sub("", number)


def calc_check_digit(first9: str) -> str:
    """The check digit for nine NPI digits (Luhn over ``"80840" + first9``)."""
    if not isinstance(first9, str) or len(first9) != 9 or not _ASCII_DIGITS.fullmatch(first9):
        raise InvalidFormat(f"calc_check_digit needs exactly nine ASCII digits, got {first9!r}.")
    total = _PREFIX_SUM
    # Counting from the right of the full 10-digit number, the rightmost identifier digit is doubled.
    for i, ch in enumerate(reversed(first9)):
        d = int(ch)
        total += int(_DOUBLED[d]) if i % 2 == 0 else d
    return str((10 - total % 10) % 10)


def issued_note(number: str) -> str | None:
    """None when ``number`` begins with a digit CMS issues NPIs with (1 or 2), else why not."""
    number = compact(number)
    if number[:1] and number[0] in ISSUED_FIRST_DIGITS:
        return None
    return (
        "CMS issues NPIs beginning with 1 or 2 only; "
        f"{number} begins with {number[:1] or 'nothing'}, so it is not an NPI CMS has issued."
    )


def validate(number: Any) -> str:
    """Return the compact NPI or raise InvalidFormat / InvalidLength / InvalidChecksum."""
    value = compact(number)
    if not value or not _ASCII_DIGITS.fullmatch(value):
        raise InvalidFormat(f"NPI {number!r} must contain only the digits 0-9.")
    if len(value) != 10:
        raise InvalidLength(f"NPI {number!r} has {len(value)} digits; an NPI has exactly 10.")
    if calc_check_digit(value[:9]) != value[9]:
        unissued = issued_note(value)
        raise InvalidChecksum(
            f"NPI {number!r} fails its check digit (expected {calc_check_digit(value[:9])}); "
            "check for a mistyped digit." + (f" Also: {unissued}" if unissued else "")
        )
    return value


def is_valid(number: Any) -> bool:
    """True when ``number`` is a well-formed NPI with a correct check digit; never raises."""
    return passes(validate, number)


def format(number: Any) -> str:
    """Display form. NPIs are printed as the plain ten digits."""
    return validate(number)


def is_valid_many(numbers: pd.Series | Any) -> pd.Series:
    """Vectorised ``is_valid``: one bool per input value (NA and non-text give False), same index."""
    s = as_series(numbers, "numbers")
    if not pd.api.types.is_string_dtype(s.dtype):
        s = s.astype(object)
    # Non-text values (ints, floats, bytes) become NA -> False, as the scalar ``is_valid`` says.
    text = s.where(s.map(type).eq(str)).astype("string")
    clean = text.str.replace(r"[\s\-]", "", regex=True)
    shaped = clean.str.fullmatch(r"[0-9]{10}").fillna(False).astype(bool).to_numpy()
    out = np.zeros(len(s), dtype=bool)
    if shaped.any():
        joined = "".join(clean[shaped].tolist()).encode("ascii")
        digits = (np.frombuffer(joined, dtype=np.uint8) - ord("0")).reshape(-1, 10).astype(np.int64)
        body = digits[:, :9]
        # Positions 0, 2, 4, 6, 8 of the nine digits are doubled (rightmost identifier digit doubled).
        doubled = _DOUBLED[body[:, 0::2]].sum(axis=1)
        plain = body[:, 1::2].sum(axis=1)
        check = (10 - (_PREFIX_SUM + doubled + plain) % 10) % 10
        out[shaped] = check == digits[:, 9]
    return pd.Series(out, index=s.index, name=s.name, dtype=bool)


# Registry protocol (``medbill codes lookup 1234567893 --system npi``) ---------------------------


def lookup_record(code: str, on: Any = None) -> CodeRecord:
    """An NPI has no title to look up offline: the record reports the check-digit verdict."""
    value = validate(code)
    unissued = issued_note(value)
    return CodeRecord(
        system="npi",
        code=value,
        title="well-formed NPI (check digit correct); registry details are not looked up",
        billable=None,
        release="n/a",
        source="NPI check-digit algorithm (Luhn over 80840, CMS)",
        extra={"issued_first_digit": False, "note": unissued} if unissued else {},
    )


def embedded_releases() -> list[Any]:
    return []
