"""NUCC Health Care Provider Taxonomy codes (the provider's specialty on claims, PRV segment).

Import the NUCC CSV once (``medbill data import taxonomy nucc_taxonomy_251.csv``); lookups then
give grouping, classification, specialization and display name. ``is_valid`` checks the format
only (three digits, six letters or digits, and a closing ``X``).
"""

from __future__ import annotations

import dataclasses
import io
import re
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from medbill.exceptions import DataNotAvailable, ImportFailed, InvalidFormat, InvalidLength, UnknownCode
from medbill.refdata import store
from medbill.refdata._text import clean, passes
from medbill.refdata._types import CodeRecord

__all__ = [
    "TaxonomyCode",
    "compact",
    "get",
    "import_release",
    "is_valid",
    "lookup",
    "release_dates",
    "table",
    "validate",
]

SYSTEM = "taxonomy"
PAYLOAD = "taxonomy.parquet"
LICENCE = "NUCC Health Care Provider Taxonomy (free to use under NUCC terms)"
REQUIRED = ("Code", "Grouping", "Classification", "Specialization", "Display Name")
EXPECTED = f"the NUCC taxonomy CSV (nucc_taxonomy_NNN.csv) with columns {', '.join(REQUIRED)}"
_FORMAT = re.compile(r"[0-9]{3}[A-Z0-9]{6}X")
_VERSION = re.compile(r"taxonomy_(\d{2})([01])\b", re.IGNORECASE)


@dataclasses.dataclass(frozen=True)
class TaxonomyCode:
    code: str
    grouping: str
    classification: str
    specialization: str
    display_name: str
    section: str
    release: str


def compact(code: Any) -> str:
    return clean(code, "Taxonomy code").upper()


def validate(code: Any) -> str:
    value = compact(code)
    if len(value) != 10:
        raise InvalidLength(f"Taxonomy code {code!r} must be 10 characters (e.g. 207Q00000X).")
    if not _FORMAT.fullmatch(value):
        raise InvalidFormat(f"Taxonomy code {code!r} must be 3 digits, 6 letters or digits, and X.")
    return value


def is_valid(code: Any) -> bool:
    """True for a well-formed taxonomy code; never raises and needs no imported data."""
    return passes(validate, code)


def release_dates(release: str) -> tuple[date, date]:
    """The dates NUCC states for taxonomy version ``YY.0`` or ``YY.1``.

    NUCC publishes on January 1 (YY.0) and July 1 (YY.1); after a three-month implementation period
    the January version is effective April 1 and the July version October 1, each until the next
    takes over (YY.0: April 1 to September 30; YY.1: October 1 to March 31 of the next year).
    """
    m = re.fullmatch(r"(\d{2})\.([01])", clean(release, "NUCC taxonomy version"))
    if m is None:
        raise InvalidFormat(f"NUCC taxonomy version {release!r} must be YY.0 or YY.1 (e.g. 25.1).")
    year = 2000 + int(m[1])
    if m[2] == "0":
        return date(year, 4, 1), date(year, 9, 30)
    return date(year, 10, 1), date(year + 1, 3, 31)


def import_release(path: str | Path) -> store.Provenance:
    """Import the NUCC CSV; the same file again is a no-op; a wrong file raises ``ImportFailed``."""
    path = store.as_path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ImportFailed(f"Cannot read {path}: {exc}. Expected {EXPECTED}.") from exc
    sha = store.file_sha256(path)
    for prov in store.installed(SYSTEM):
        if prov.sha256 == sha:
            return prov
    try:
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:  # older NUCC files are Windows-1252
            text = raw.decode("cp1252", errors="replace")
        df = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    except (ValueError, pd.errors.ParserError) as exc:
        raise ImportFailed(f"{path} is not a readable CSV ({exc}). Expected {EXPECTED}.") from exc
    missing = [c for c in REQUIRED if c not in df.columns]
    if missing or df.empty:
        raise ImportFailed(f"{path} lacks columns {missing or 'rows'}. Expected {EXPECTED}.")
    df["Code"] = df["Code"].str.strip().str.upper()
    bad = df[~df["Code"].str.fullmatch(_FORMAT)]
    if len(bad):
        raise ImportFailed(f"{path} row {bad.index[0] + 2}: {bad['Code'].iloc[0]!r} is not a taxonomy code.")
    m = _VERSION.search(path.name)
    release = f"{m[1]}.{m[2]}" if m else sha[:12]
    effective_from, effective_to = release_dates(release) if m else (None, None)
    provenance = store.Provenance(
        system=SYSTEM,
        release=release,
        effective_from=effective_from,
        effective_to=effective_to,
        source=path.name,
        sha256=sha,
        rows=len(df),
        licence=LICENCE,
        note=f"{len(df)} taxonomy codes",
    )
    out = df.rename(columns=lambda c: c.strip().lower().replace(" ", "_"))
    return store.install(provenance, lambda folder: out.to_parquet(folder / PAYLOAD, index=False))


_loaded: dict[tuple[str, str], pd.DataFrame] = {}


def _table() -> tuple[store.Provenance, pd.DataFrame]:
    """The newest imported release and its table (read once per release checksum)."""
    found = store.installed(SYSTEM)
    if not found:
        raise DataNotAvailable(
            "No NUCC taxonomy is imported. Import it with `medbill data import taxonomy PATH` "
            "(the NUCC CSV, e.g. nucc_taxonomy_251.csv)."
        )
    prov = max(found, key=lambda p: p.release)
    key = (prov.release, prov.sha256)
    if key not in _loaded:
        path = store.release_dir(SYSTEM, prov.release) / PAYLOAD
        _loaded[key] = pd.read_parquet(path).set_index("code", drop=False)
    return prov, _loaded[key]


def table() -> pd.DataFrame:
    """The newest imported taxonomy: code (index and column), grouping, classification, ..."""
    return _table()[1]


def get(code: Any) -> TaxonomyCode | None:
    """The taxonomy entry, or None when malformed or absent (``DataNotAvailable`` if none imported)."""
    prov, t = _table()
    if not is_valid(code) or compact(code) not in t.index:
        return None
    row = t.loc[compact(code)]
    return TaxonomyCode(
        row["code"],
        row["grouping"],
        row["classification"],
        row["specialization"],
        row["display_name"],
        row.get("section", ""),
        prov.release,
    )


def lookup(code: Any) -> TaxonomyCode:
    value = validate(code)
    found = get(value)
    if found is None:
        raise UnknownCode(f"Taxonomy code {value} is not in NUCC taxonomy {_table()[0].release}.")
    return found


def lookup_record(code: str, on: date | None = None) -> CodeRecord:
    found = lookup(code)
    prov = _table()[0]
    return CodeRecord(
        SYSTEM,
        found.code,
        found.display_name,
        None,
        found.release,
        f"NUCC taxonomy {prov.release} ({prov.source})",
        extra={
            "grouping": found.grouping,
            "classification": found.classification,
            "specialization": found.specialization,
        },
    )


def embedded_releases() -> list[store.Provenance]:
    return []
