"""Procedure code modifiers (CPT two-digit and HCPCS Level II two-character).

Meanings are medbill's own plain-language wording (``medbill/_data/modifiers.csv``), with the
modifier's kind (``pricing`` when it changes the allowed amount, else ``informational``), whether
NCCI lets it bypass a procedure-to-procedure edit, and whether it names a body site. When an
HCPCS release is imported, its official Level II modifier text is reported alongside.
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
from medbill.refdata._types import CodeRecord, Hit
from medbill.refdata._wordindex import WordIndex

__all__ = [
    "NCCI_BYPASS",
    "Modifier",
    "ModifierAccessor",
    "compact",
    "get",
    "is_valid",
    "is_valid_many",
    "known_codes",
    "lookup",
    "search",
    "table",
    "validate",
]

SYSTEM = "modifier"
FILE = "modifiers.csv"
_FORMAT = re.compile(r"[A-Z0-9]{2}")

# Modifiers that NCCI accepts to bypass a PTP edit whose modifier indicator is 1 (NCCI Policy
# Manual, chapter I): anatomic, global-surgery, and the 59/X{EPSU}/27/91 distinct-service modifiers.
NCCI_BYPASS: frozenset[str] = frozenset(
    [
        "E1",
        "E2",
        "E3",
        "E4",
        "FA",
        "F1",
        "F2",
        "F3",
        "F4",
        "F5",
        "F6",
        "F7",
        "F8",
        "F9",
        "LC",
        "LD",
        "LM",
        "RC",
        "RI",
        "LT",
        "RT",
        "TA",
        "T1",
        "T2",
        "T3",
        "T4",
        "T5",
        "T6",
        "T7",
        "T8",
        "T9",
        "24",
        "25",
        "57",
        "58",
        "78",
        "79",
        "27",
        "59",
        "91",
        "XE",
        "XS",
        "XP",
        "XU",
    ]
)


@dataclasses.dataclass(frozen=True)
class Modifier:
    modifier: str
    meaning: str
    kind: str  # "pricing" or "informational"
    ncci_associated: bool
    anatomic: bool
    source: str  # "medbill plain-language label", or the HCPCS release when only it knows the code
    hcpcs_description: str | None = None


@store.lazy
def table() -> pd.DataFrame:
    """modifier (index and column), meaning, kind, ncci_associated, anatomic, label_source."""
    df = _packaged.read_csv(FILE)
    for col in ("ncci_associated", "anatomic"):
        df[col] = df[col].map({"true": True, "false": False}).astype(bool)
    df["kind"] = df["kind"].astype("category")
    return df.set_index("modifier", drop=False)


def compact(code: Any) -> str:
    """Canonical form: upper case without spaces or a leading dash (``"-lt"`` -> ``"LT"``)."""
    return clean(code, "Modifier").lstrip("-").upper()


def validate(code: Any) -> str:
    """Return the compact modifier if it is two letters or digits (known or not)."""
    value = compact(code)
    if len(value) != 2:
        raise InvalidLength(f"Modifier {code!r} must be exactly 2 characters.")
    if not _FORMAT.fullmatch(value):
        raise InvalidFormat(f"Modifier {code!r} must be 2 ASCII letters or digits.")
    return value


def _hcpcs_modifiers() -> pd.DataFrame | None:
    """Level II modifiers of the newest imported HCPCS release, or None when none is imported."""
    from medbill.refdata import hcpcs

    if not hcpcs.releases():
        return None
    return hcpcs.latest().modifiers


@store.lazy
def _ours() -> dict[str, Modifier]:
    t = table()
    return {
        code: Modifier(code, meaning, str(kind), bool(ncci), bool(anatomic), source)
        for code, meaning, kind, ncci, anatomic, source in zip(
            t.index,
            t["meaning"],
            t["kind"],
            t["ncci_associated"],
            t["anatomic"],
            t["label_source"],
            strict=True,
        )
    }


def get(code: Any) -> Modifier | None:
    """The modifier, or None when malformed or unknown (to medbill and any imported HCPCS release)."""
    try:
        value = validate(code)
    except InvalidFormat:
        return None
    hcpcs_mods = _hcpcs_modifiers()
    official = None
    if hcpcs_mods is not None and value in hcpcs_mods.index:
        official = hcpcs_mods.at[value, "long_description"]
    ours = _ours().get(value)
    if ours is not None:
        return dataclasses.replace(ours, hcpcs_description=official) if official else ours
    if official is not None:
        return Modifier(
            value,
            official,
            "informational",
            value in NCCI_BYPASS,
            False,
            f"CMS HCPCS Level II {_hcpcs_release_name()}",
            official,
        )
    return None


def _hcpcs_release_name() -> str:
    from medbill.refdata import hcpcs

    return hcpcs.latest().name


def lookup(code: Any) -> Modifier:
    """The modifier; ``InvalidFormat`` when malformed, ``UnknownCode`` when unknown."""
    value = validate(code)
    found = get(value)
    if found is None:
        raise UnknownCode(
            f"Modifier {value} is not in medbill's modifier table"
            + (
                ""
                if _hcpcs_modifiers() is not None
                else " (import an HCPCS release for all Level II modifiers)"
            )
            + "."
        )
    return found


def is_valid(code: Any) -> bool:
    """True for a known modifier (medbill's table or an imported HCPCS release); never raises."""
    return get(code) is not None


def known_codes() -> frozenset[str]:
    """Every modifier medbill can describe now."""
    codes = set(table().index)
    hcpcs_mods = _hcpcs_modifiers()
    if hcpcs_mods is not None:
        codes |= set(hcpcs_mods.index)
    return frozenset(codes)


def is_valid_many(values: pd.Series) -> pd.Series:
    """Vectorised ``is_valid``: NA and unknown give False (same index)."""
    clean = as_series(values, "values").astype("string").str.strip().str.lstrip("-").str.upper()
    return clean.isin(known_codes()).fillna(False).astype(bool)


@store.lazy
def _index() -> WordIndex:
    t = table()
    return WordIndex(t.index, t["meaning"])


def search(text: str, limit: int = 10) -> list[Hit]:
    """Ranked search of the plain-language meanings."""
    t = table()
    return [
        Hit(SYSTEM, code, t.at[code, "meaning"], None, score, matched)
        for code, score, matched in _index().search(text, limit)
    ]


# Registry protocol -------------------------------------------------------------------------------


def lookup_record(code: str, on: date | None = None) -> CodeRecord:
    found = lookup(code)
    extra: dict[str, Any] = {
        "kind": found.kind,
        "ncci_associated": found.ncci_associated,
        "anatomic": found.anatomic,
    }
    if found.hcpcs_description is not None:
        extra["hcpcs_description"] = found.hcpcs_description
    release = (
        embedded_releases()[0].release if found.source == _packaged.LABEL_SOURCE else _hcpcs_release_name()
    )
    return CodeRecord(SYSTEM, found.modifier, found.meaning, None, release, found.source, extra=extra)


def search_hits(text: str, limit: int, on: date | None = None) -> list[Hit]:
    return search(text, limit)


def embedded_releases() -> list[store.Provenance]:
    return [
        _packaged.provenance(
            SYSTEM, FILE, len(table()), "modifier meanings written by medbill in its own words"
        )
    ]


@pd.api.extensions.register_series_accessor("modifier")
class ModifierAccessor:
    """``s.modifier``: vectorised modifier helpers (NA-safe; index preserved)."""

    def __init__(self, series: pd.Series) -> None:
        self._s = series

    def compact(self) -> pd.Series:
        return self._s.astype("string").str.replace(r"\s", "", regex=True).str.lstrip("-").str.upper()

    def is_valid(self) -> pd.Series:
        return is_valid_many(self._s)

    def meaning(self) -> pd.Series:
        return self.compact().map(table()["meaning"]).astype("string")

    def kind(self) -> pd.Series:
        return self.compact().map(table()["kind"].astype(str)).astype("string")

    def is_ncci_bypass(self) -> pd.Series:
        """True for modifiers NCCI accepts to bypass a PTP edit (False for NA)."""
        return self.compact().isin(NCCI_BYPASS).fillna(False).astype(bool)

    def is_anatomic(self) -> pd.Series:
        return self.compact().map(table()["anatomic"]).fillna(False).astype(bool)
