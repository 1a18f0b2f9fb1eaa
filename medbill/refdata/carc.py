"""Claim adjustment group codes (CAS01) and claim adjustment reason codes (CARC, CAS02).

The CARC table is read at run time from the MIT-licensed ``validedi`` package
(``validedi/config/code_sets/adjustment_reason_codes.yaml``); medbill ships no copy. X12's own list,
with each code's start and stop dates, replaces it once imported (``medbill data import carc
PAGE``, see :mod:`medbill.refdata.x12_codes`): a code past its stop date is then still a CARC,
reported as deactivated with its date (:func:`stop_date`, :func:`is_active`). The group code
meanings are medbill's wording.
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

from medbill.exceptions import CodeError, DataNotAvailable, InvalidFormat, InvalidLength, UnknownCode
from medbill.refdata import store, x12_codes
from medbill.refdata._text import as_series, clean
from medbill.refdata._types import CodeRecord

__all__ = [
    "GROUP_CODES",
    "compact",
    "describe",
    "describe_many",
    "get",
    "import_release",
    "is_active",
    "is_valid",
    "lookup",
    "stop_date",
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


def table() -> pd.DataFrame:
    """code (index and column), description, start, stop: X12's imported list when one is installed,
    else every CARC of the ``validedi`` table (start and stop None: that table has no dates)."""
    found = x12_codes.installed_list(SYSTEM)
    return found[1] if found else _validedi_table()


def import_release(path: str | Path) -> store.Provenance:
    """Import X12's CARC list page (HTML) or a code,description,start,stop CSV."""
    return x12_codes.import_list(SYSTEM, path, "X12 Claim Adjustment Reason Codes (imported by the user)")


def stop_date(code: Any) -> date | None:
    """The date after which a CARC may not be used in an original 835 (None: active or not dated)."""
    value = validate(code)
    stop = table().at[value, "stop"]
    return stop if isinstance(stop, date) else None


def is_active(code: Any, on: date | str) -> bool:
    """True when the CARC may be used on ``on`` (between its start and stop dates); never raises for
    the code (False when it is not a CARC)."""
    return x12_codes.active_in(table(), compact(code) if is_valid(code) else None, on)


@store.lazy
def _validedi_table() -> pd.DataFrame:
    raw = _source_bytes()

    def build() -> dict[str, str]:
        data = yaml.load(raw, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        return {str(k): str(v) for k, v in data["codes"].items()}

    # YAML parsing is the slow part; the parsed dict is cached per checksum of the package file.
    codes = store.cached(f"carc-{hashlib.sha256(raw).hexdigest()[:16]}", build)
    df = pd.DataFrame({"code": list(codes), "description": list(codes.values()), "start": None, "stop": None})
    return df.set_index("code", drop=False)


def compact(code: Any) -> str:
    """Canonical form: upper case, no spaces (``" a1 "`` -> ``"A1"``); ``"045"`` keeps its digits."""
    return clean(code, "Adjustment reason code").upper()


def _shape(code: Any) -> str:
    value = compact(code)
    if not 1 <= len(value) <= 3:
        raise InvalidLength(f"Adjustment reason code {code!r} must be 1 to 3 characters.")
    if not re.fullmatch(r"[A-Z]?[0-9]{1,3}|[A-Z][0-9A-Z]", value):
        raise InvalidFormat(f"Adjustment reason code {code!r} must be digits, optionally after a letter.")
    return value


def get(code: Any) -> str | None:
    """The description, or None when malformed or not in the table; never raises."""
    try:
        value = _shape(code)
    except CodeError:
        return None
    t = table()
    return t.at[value, "description"] if value in t.index else None


def lookup(code: Any) -> str:
    """The description; ``InvalidFormat`` for malformed text, ``UnknownCode`` when not in the table."""
    value = _shape(code)
    found = get(value)
    if found is None:
        listed = x12_codes.installed_list(SYSTEM)
        where = (
            f"X12's list {listed[0].release}"
            if listed
            else f"the CARC table of validedi {embedded_releases()[0].release}"
        )
        raise UnknownCode(
            f"Adjustment reason code {value} is not in {where}; check the code on the remittance."
        )
    return found


def validate(code: Any) -> str:
    """The compact code when it is a CARC of the table (exactly when ``is_valid``); raises otherwise."""
    lookup(code)
    return _shape(code)


def is_valid(code: Any) -> bool:
    """True when the code is in the CARC table (exactly when ``validate`` passes); never raises."""
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
    """The CLI's record; with ``on``, ``valid_on_date`` says whether the code may be used that day."""
    description = lookup(code)
    found = x12_codes.installed_list(SYSTEM)
    prov = found[0] if found else embedded_releases()[0]
    return x12_codes.code_record(SYSTEM, validate(code), description, table(), prov.release, prov.source, on)


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
