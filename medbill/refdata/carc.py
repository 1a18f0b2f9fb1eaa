"""Claim adjustment group codes (CAS01) and claim adjustment reason codes (CARC, CAS02).

The CARC table is read at run time from the MIT-licensed ``validedi`` package
(``validedi/config/code_sets/adjustment_reason_codes.yaml``); medbill ships no copy. The group
code meanings are medbill's wording.
"""

from __future__ import annotations

import hashlib
import importlib.util
import re
from datetime import date
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from medbill.exceptions import DataNotAvailable, InvalidFormat, InvalidLength, UnknownCode
from medbill.refdata import store
from medbill.refdata._text import as_series, clean
from medbill.refdata._types import CodeRecord

__all__ = [
    "GROUP_CODES",
    "compact",
    "describe",
    "describe_many",
    "get",
    "is_valid",
    "lookup",
    "table",
    "validate",
]

SYSTEM = "carc"
_PACKAGE_FILE = ("validedi", "config/code_sets/adjustment_reason_codes.yaml")

GROUP_CODES: dict[str, str] = {
    "CO": "Contractual obligation: the provider writes it off; the patient is not billed",
    "PR": "Patient responsibility: deductible, coinsurance, copay or non-covered amount the patient owes",
    "OA": "Other adjustment: neither the provider's contract nor the patient (e.g. prior payer paid)",
    "PI": "Payer-initiated reduction: the payer's own reduction outside the contract; the patient is not billed",
    "CR": "Correction or reversal of a prior claim's adjustment",
}


def _source_bytes() -> bytes:
    package, path = _PACKAGE_FILE
    # Locate the package without importing it: validedi's __init__ pulls in its whole parser stack.
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise DataNotAvailable(f"The {package} package is not installed; it carries the CARC table.")
    return (Path(next(iter(spec.submodule_search_locations))) / path).read_bytes()


@store.lazy
def table() -> pd.DataFrame:
    """code (index and column), description: every CARC in the installed ``validedi`` table."""
    raw = _source_bytes()

    def build() -> dict[str, str]:
        data = yaml.load(raw, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        return {str(k): str(v) for k, v in data["codes"].items()}

    # YAML parsing is the slow part; the parsed dict is cached per checksum of the package file.
    codes = store.cached(f"carc-{hashlib.sha256(raw).hexdigest()[:16]}", build)
    df = pd.DataFrame({"code": list(codes), "description": list(codes.values())})
    return df.set_index("code", drop=False)


def compact(code: Any) -> str:
    """Canonical form: upper case, no spaces (``" a1 "`` -> ``"A1"``); ``"045"`` keeps its digits."""
    return clean(code, "Adjustment reason code").upper()


def validate(code: Any) -> str:
    value = compact(code)
    if not 1 <= len(value) <= 3:
        raise InvalidLength(f"Adjustment reason code {code!r} must be 1 to 3 characters.")
    if not re.fullmatch(r"[A-Z]?[0-9]{1,3}|[A-Z][0-9A-Z]", value):
        raise InvalidFormat(f"Adjustment reason code {code!r} must be digits, optionally after a letter.")
    return value


def get(code: Any) -> str | None:
    """The description, or None when malformed or not in the table."""
    try:
        value = validate(code)
    except InvalidFormat:
        return None
    t = table()
    return t.at[value, "description"] if value in t.index else None


def lookup(code: Any) -> str:
    value = validate(code)
    found = get(value)
    if found is None:
        raise UnknownCode(
            f"Adjustment reason code {value} is not in the CARC table of validedi "
            f"{embedded_releases()[0].release}; check the code on the remittance."
        )
    return found


def is_valid(code: Any) -> bool:
    return get(code) is not None


def describe(group: Any, code: Any) -> str:
    """One readable line for a CAS pair, e.g. ``describe("CO", "45")``.

    ``InvalidFormat`` for a group code that is not CO/PR/OA/PI/CR; ``UnknownCode`` for an unknown CARC.
    """
    g = group.strip().upper() if isinstance(group, str) else None
    if g not in GROUP_CODES:
        raise InvalidFormat(f"Adjustment group code {group!r} must be one of {', '.join(GROUP_CODES)}.")
    return f"{g}-{validate(code)}: {lookup(code)} ({GROUP_CODES[g].split(':')[0].lower()})"


def describe_many(groups: pd.Series, codes: pd.Series) -> pd.Series:
    """Vectorised descriptions of CAS pairs; NA where the group or the reason code is unknown."""
    groups, codes = as_series(groups, "groups"), as_series(codes, "codes")
    g = groups.astype("string").str.strip().str.upper()
    c = codes.astype("string").str.strip().str.upper()
    reason = c.map(table()["description"])
    group = g.map({k: v.split(":")[0].lower() for k, v in GROUP_CODES.items()})
    return (g + "-" + c + ": " + reason + " (" + group + ")").astype("string")


def lookup_record(code: str, on: date | None = None) -> CodeRecord:
    description = lookup(code)
    prov = embedded_releases()[0]
    return CodeRecord(SYSTEM, validate(code), description, None, prov.release, prov.source)


def embedded_releases() -> list[store.Provenance]:
    raw = _source_bytes()
    version = metadata.version("validedi")
    return [
        store.Provenance(
            system=SYSTEM,
            release=f"validedi-{version}",
            effective_from=None,
            effective_to=None,
            source=f"validedi {version}: {_PACKAGE_FILE[1]}",
            sha256=hashlib.sha256(raw).hexdigest(),
            rows=len(table()),
            licence="MIT (validedi); CARC list maintained by X12",
            note="claim adjustment reason codes read from the validedi package at run time",
        )
    ]
