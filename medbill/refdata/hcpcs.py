"""HCPCS Level II: codes A0000-V9999 and the Level II modifiers, from the official CMS file.

Nothing ships with medbill: import the CMS release once with ``medbill data import hcpcs PATH``
(the zip or its ANWEB text file), ``medbill data fetch hcpcs`` or :func:`import_release`. Each
release covers its calendar quarter (the annual January file: January to March) and is used only
for dates in it (:mod:`medbill.refdata.coverage`); within it, each record's own added and
termination dates decide validity per date of service (:func:`is_valid_on`).

``is_valid`` checks the format only (no data needed, never raises); ``is_valid_on`` checks that the
code exists in the imported release in effect and is active on the date.
"""

from __future__ import annotations

import dataclasses
import re
import threading
import warnings
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from medbill.exceptions import DataNotAvailable, ImportFailed, InvalidFormat, InvalidLength, UnknownCode
from medbill.refdata import _installed, coverage, store
from medbill.refdata._text import as_series, clean, dates_many, passes
from medbill.refdata._types import CodeRecord, Hit
from medbill.refdata._wordindex import WordIndex
from medbill.refdata.hcpcs_parser import parse

__all__ = [
    "HcpcsCode",
    "HcpcsRelease",
    "compact",
    "coverage_on",
    "covered_many",
    "for_date",
    "format",
    "get",
    "import_release",
    "is_valid",
    "is_valid_on",
    "latest",
    "lookup",
    "release",
    "releases",
    "search",
    "valid_on_many",
    "validate",
]

SYSTEM = "hcpcs"
LICENCE = "public domain (CMS HCPCS Level II)"
PAYLOAD = "hcpcs.parquet"
_FORMAT = re.compile(r"[A-V][0-9]{4}")
_QUARTER_MONTH = {"JAN": 1, "APR": 4, "JUL": 7, "OCT": 10}


def compact(code: Any) -> str:
    """Canonical form: upper case without spaces or dots (``" j1100 "`` -> ``"J1100"``)."""
    return clean(code, "HCPCS code", r"[\s.]").upper()


def validate(code: Any) -> str:
    """Return the compact code if it has the Level II format (a letter A-V and four digits)."""
    value = compact(code)
    if len(value) != 5:
        raise InvalidLength(f"HCPCS Level II code {code!r} must be 5 characters (a letter A-V and 4 digits).")
    if not _FORMAT.fullmatch(value):
        raise InvalidFormat(f"HCPCS Level II code {code!r} must be a letter A-V followed by 4 digits.")
    return value


def is_valid(code: Any) -> bool:
    """True when ``code`` has the Level II format; never raises and needs no imported data."""
    return passes(validate, code)


def format(code: Any) -> str:
    """Display form (the same five characters)."""
    return validate(code)


@dataclasses.dataclass(frozen=True)
class HcpcsCode:
    """One HCPCS procedure code or modifier from an imported release."""

    code: str
    kind: str  # "procedure" or "modifier"
    long_description: str
    short_description: str
    added: date | None
    action_effective: date | None
    terminated: date | None
    action: str
    coverage: str
    betos: str
    type_of_service: str
    pricing_indicators: str
    release: str

    @property
    def title(self) -> str:
        return self.long_description

    def in_effect(self, on: date) -> bool:
        """Active on ``on``: added on or before it and not terminated before it."""
        started = self.added is None or self.added <= on
        return started and (self.terminated is None or on <= self.terminated)


class HcpcsRelease:
    """One imported release: its table (indexed by code) and a lazily built search index."""

    def __init__(self, provenance: store.Provenance, table: pd.DataFrame) -> None:
        self.provenance = provenance
        self.name = provenance.release
        self.table = table
        self.procedures = table[table["kind"] == "procedure"]
        self.modifiers = table[table["kind"] == "modifier"]
        # Procedure dates as datetime64 arrays aligned with ``procedures`` for vectorised checks.
        self._added = pd.to_datetime(self.procedures["added"]).to_numpy(dtype="datetime64[ns]")
        self._ended = pd.to_datetime(self.procedures["terminated"]).to_numpy(dtype="datetime64[ns]")
        self._index: WordIndex | None = None
        self._by_code: dict[str, HcpcsCode] | None = None
        self._lock = threading.Lock()

    @classmethod
    def from_installed(cls, provenance: store.Provenance) -> HcpcsRelease:
        path = store.release_dir(SYSTEM, provenance.release) / PAYLOAD
        table = pd.read_parquet(path).set_index("code")
        for col in ("added", "action_effective", "terminated"):
            table[col] = table[col].astype(object).where(table[col].notna(), None)
        return cls(provenance, table)

    def get(self, code: Any) -> HcpcsCode | None:
        key = compact(code) if isinstance(code, str) else None
        return self._records().get(key) if key else None

    def _records(self) -> dict[str, HcpcsCode]:
        """Every record as an ``HcpcsCode``, built once (a dict lookup beats a DataFrame row)."""
        with self._lock:
            if self._by_code is None:
                t = self.table
                self._by_code = {
                    code: HcpcsCode(
                        code=code,
                        kind=str(kind),
                        long_description=long,
                        short_description=short,
                        added=added,
                        action_effective=effective,
                        terminated=ended,
                        action=action,
                        coverage=coverage,
                        betos=betos,
                        type_of_service=tos,
                        pricing_indicators=price,
                        release=self.name,
                    )
                    for code, kind, long, short, added, effective, ended, action, coverage, betos, tos, price in zip(
                        t.index,
                        t["kind"],
                        t["long_description"],
                        t["short_description"],
                        t["added"],
                        t["action_effective"],
                        t["terminated"],
                        t["action"],
                        t["coverage"],
                        t["betos"],
                        t["type_of_service"],
                        t["pricing_indicators"],
                        strict=True,
                    )
                }
            return self._by_code

    def valid_on_many(self, codes: pd.Series, when: pd.Series) -> np.ndarray:
        """Bool array: each compact code is a procedure of this release, active on its date."""
        pos = self.procedures.index.get_indexer(codes.astype(object))
        found = pos >= 0
        safe = np.where(found, pos, 0)
        d = when.to_numpy(dtype="datetime64[ns]")
        added, ended = self._added[safe], self._ended[safe]
        started = np.isnat(added) | (added <= d)
        not_ended = np.isnat(ended) | (d <= ended)
        return found & ~np.isnat(d) & started & not_ended

    def index(self) -> WordIndex:
        with self._lock:
            if self._index is None:
                procs = self.procedures
                # Kept on disk per source checksum: the next process skips the build.
                self._index = store.cached(
                    f"hcpcs-index-{self.provenance.sha256[:20]}",
                    lambda: WordIndex(procs.index, procs["long_description"]),
                )
            return self._index

    def search(self, text: str, limit: int = 10) -> list[Hit]:
        hits = []
        for code, score, matched in self.index().search(text, limit):
            hits.append(Hit(SYSTEM, code, self._records()[code].long_description, None, score, matched))
        return hits


_loaded: dict[tuple[str, str], HcpcsRelease] = {}
_loaded_lock = threading.Lock()


def _load(provenance: store.Provenance) -> HcpcsRelease:
    key = (provenance.release, provenance.sha256)
    with _loaded_lock:
        if key not in _loaded:
            _loaded[key] = HcpcsRelease.from_installed(provenance)
        return _loaded[key]


def releases() -> list[store.Provenance]:
    """Imported HCPCS releases, oldest first."""
    return sorted(_installed.installed(SYSTEM), key=lambda p: (p.effective_from or date.min, p.release))


def _require_releases() -> list[store.Provenance]:
    found = releases()
    if not found:
        raise DataNotAvailable(
            "No HCPCS Level II release is imported. Import the CMS file with "
            "`medbill data import hcpcs PATH` (the yearly Alpha-Numeric HCPCS zip)."
        )
    return found


def release(name: str) -> HcpcsRelease:
    """The imported release called ``name`` (e.g. "2020")."""
    return _load(store.installed_release(SYSTEM, name))


def latest() -> HcpcsRelease:
    """The newest imported release."""
    return _load(_require_releases()[-1])


def for_date(on: date | str) -> HcpcsRelease:
    """The release in effect on ``on``; ``NotCovered`` naming the command that installs one.

    Each record's own added/termination dates then decide whether a code was active on ``on``.
    """
    return _load(coverage.require(SYSTEM, _require_releases(), coverage.as_date(on)))


def coverage_on(on: date | str) -> coverage.Coverage:
    """Which release answers for ``on`` and whether its dates cover it."""
    return coverage.coverage(SYSTEM, _require_releases(), coverage.as_date(on))


def _choose(on: date | str | None, release_name: str | None) -> HcpcsRelease:
    """The named release, else the one in effect on ``on`` (the nearest with a ``CoverageWarning``
    when none covers it), else the latest."""
    if release_name is not None:
        return release(release_name)
    if on is None:
        return latest()
    cov = coverage_on(on)
    coverage.warn_not_covered(cov, stacklevel=4)
    return _load(cov.release)  # type: ignore[arg-type]


def get(code: Any, on: date | None = None, release: str | None = None) -> HcpcsCode | None:
    """The code's record, or None when it is malformed or not in the chosen release (never raises
    for the code; raises ``DataNotAvailable`` when no release is imported)."""
    return _choose(on, release).get(code)


def lookup(code: Any, on: date | None = None, release: str | None = None) -> HcpcsCode:
    """The code's record; ``InvalidFormat`` for malformed text, ``UnknownCode`` when absent."""
    value = validate(code)
    rel = _choose(on, release)
    found = rel.get(value)
    if found is None:
        raise UnknownCode(f"HCPCS code {value} is not in HCPCS release {rel.name}.")
    return found


def is_valid_on(code: Any, on: date | str) -> bool:
    """True when ``code`` exists in the release in effect on ``on`` and is active that day.

    False for malformed or unknown codes and for a date no release covers (``coverage_on`` tells
    them apart); ``DataNotAvailable`` when no release is imported.
    """
    day = coverage.as_date(on)
    if not is_valid(code) or not coverage_on(day).covered:
        return False
    found = for_date(day).get(code)
    return found is not None and found.in_effect(day)


def search(text: str, limit: int = 10, on: date | str | None = None) -> list[Hit]:
    """Ranked search of procedure long descriptions (see ``medbill.refdata._wordindex`` for scores)."""
    return _choose(on, None).search(text, limit)


def covered_many(dates: pd.Series) -> np.ndarray:
    """Bool per date: an imported release covers it (False for NaT and when none is imported)."""
    when = dates_many(dates).to_numpy(dtype="datetime64[ns]")
    return coverage.in_effect_many(releases(), when) >= 0


def valid_on_many(codes: pd.Series, dates: pd.Series) -> pd.Series:
    """Vectorised ``is_valid_on`` for compact codes and dates (same index; NA date and a date no
    release covers -> False; :func:`covered_many` tells the two apart)."""
    codes, dates = as_series(codes, "codes"), as_series(dates, "dates")
    found = _require_releases()
    when = dates_many(dates).reindex(codes.index)
    which = coverage.in_effect_many(found, when.to_numpy(dtype="datetime64[ns]"))
    out = np.zeros(len(codes), dtype=bool)
    for i, prov in enumerate(found):
        mask = which == i
        if mask.any():
            out[mask] = _load(prov).valid_on_many(codes[mask], when[mask])
    return pd.Series(out, index=codes.index, dtype=bool)


def import_release(path: str | Path) -> store.Provenance:
    """Import a CMS HCPCS Level II file (zip or ANWEB text); re-importing the same file is a no-op.

    Raises ``ImportFailed`` naming the file and what was expected; installed data is untouched.
    """
    path = store.as_path(path)
    try:
        sha = store.file_sha256(path)
    except OSError as exc:
        raise ImportFailed(f"Cannot read {path}: {exc}.") from exc
    for prov in store.installed(SYSTEM):
        if prov.sha256 == sha:
            return prov
    parsed = parse(path)
    year, _, quarter = parsed.release.partition("-")
    counts = parsed.table["kind"].value_counts()
    start = date(int(year), _QUARTER_MONTH.get(quarter, 1), 1)
    provenance = store.Provenance(
        system=SYSTEM,
        release=parsed.release,
        effective_from=start,
        effective_to=coverage.quarter_end(start),
        source=path.name if parsed.member == path.name else f"{path.name}:{parsed.member}",
        sha256=sha,
        rows=len(parsed.table),
        licence=LICENCE,
        note=f"{counts.get('procedure', 0)} procedure codes, {counts.get('modifier', 0)} modifiers",
    )
    table = parsed.table.astype({"kind": "string"})
    installed = store.install(provenance, lambda folder: table.to_parquet(folder / PAYLOAD, index=False))
    with _loaded_lock:
        _loaded.clear()
    return installed


# Registry protocol -------------------------------------------------------------------------------


def lookup_record(code: str, on: date | None = None) -> CodeRecord:
    """Registry record. With no release imported, medbill's own label answers for the common
    supplies and drugs it labels (marked as such); other codes raise ``DataNotAvailable``."""
    if not releases():
        return _label_record(validate(code))
    cov = coverage_on(on) if on is not None else None
    with warnings.catch_warnings():  # the record itself says when its release does not cover ``on``
        warnings.simplefilter("ignore", coverage.CoverageWarning)
        found = lookup(code, on=on)
        rel = _choose(on, None)
    day = coverage.as_date(on) if on is not None else rel.provenance.effective_from or date.today()
    covered = cov.covered if cov is not None else None
    return CodeRecord(
        system=SYSTEM,
        code=found.code,
        title=found.long_description,
        billable=found.kind == "procedure" and found.in_effect(day),
        release=found.release,
        source=f"CMS HCPCS Level II {rel.name} ({rel.provenance.source})",
        valid_on_date=found.in_effect(day) if covered else None,
        covered=covered,
        extra={
            **({"coverage_message": cov.message} if cov is not None and not cov.covered else {}),
            "short_description": found.short_description,
            "added": found.added.isoformat() if found.added else None,
            "terminated": found.terminated.isoformat() if found.terminated else None,
            "action": found.action,
            "coverage": found.coverage,
            "betos": found.betos,
        },
    )


def _label_record(value: str) -> CodeRecord:
    from medbill.refdata import cpt  # the label table covers both CPT and common HCPCS codes

    labels = cpt.labels()
    if value not in labels.index or labels.at[value, "system"] != SYSTEM:
        _require_releases()  # raises DataNotAvailable with the import hint
    row = labels.loc[value]
    return CodeRecord(
        system=SYSTEM,
        code=value,
        title=row["label"],
        billable=None,
        release=cpt.embedded_releases()[0].release,
        source=row["label_source"],
        extra={"category": row["category"], "note": "import the CMS HCPCS file for the official text"},
    )


def search_hits(text: str, limit: int, on: date | None = None) -> list[Hit]:
    """Registry search over medbill's labels of common HCPCS codes (with the words billers use,
    "flu shot"), and over the imported release's descriptions when there is one; a code found both
    ways keeps its better score and the release's title."""
    index, titles = _label_index()
    ours = [
        Hit(SYSTEM, c, titles[c], None, score, "medbill label") for c, score, _ in index.search(text, limit)
    ]
    if not releases():
        return ours
    official = search(text, limit, on=on)
    best = {h.code: h for h in official}
    for h in ours:
        if h.code not in best:
            best[h.code] = h
        elif h.score > best[h.code].score:
            best[h.code] = dataclasses.replace(best[h.code], score=h.score)
    return sorted(best.values(), key=lambda h: (-h.score, h.code))[:limit]


@store.lazy
def _label_index() -> tuple[WordIndex, dict[str, str]]:
    from medbill.refdata import cpt

    labels = cpt.labels()
    ours = labels[labels["system"] == SYSTEM]
    return WordIndex(ours.index, cpt.search_text(ours)), ours["label"].to_dict()


def embedded_releases() -> list[store.Provenance]:
    """HCPCS ships nothing: releases come from ``medbill data import hcpcs``."""
    return []
