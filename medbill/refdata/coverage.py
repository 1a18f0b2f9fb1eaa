"""The one rule for "the release in effect on date D", used by every code system and table.

A release covers a date of service D when ``effective_from <= D <= effective_to`` (both
inclusive). Where several available releases cover D, the one that starts latest wins (an April
ICD-10-CM update over the October release, RVU25B over RVU25A); on the same start the one listed
later wins, so callers list embedded releases before imported ones. A release without dates
(medbill's own modifier and place-of-service tables) covers every date.

No release is used outside its dates. When none covers D the answer says so: scalar lookups
answer from the *nearest* release (the latest one starting on or before D, else the earliest)
with ``covered=False`` and a :class:`CoverageWarning`; ``require`` raises :class:`NotCovered`;
the scrubber skips the rule for those lines. Every message names the command that fixes it.
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from medbill.exceptions import DataNotAvailable

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd


class Dated(Protocol):
    """Anything with a release name and effective dates (a ``Provenance``, an ICD-10-CM source)."""

    @property
    def release(self) -> str: ...
    @property
    def effective_from(self) -> date | None: ...
    @property
    def effective_to(self) -> date | None: ...


D = TypeVar("D", bound=Dated)

# How each dated system is named in messages.
LABELS: dict[str, str] = {
    "icd10cm": "ICD-10-CM",
    "hcpcs": "HCPCS Level II",
    "cpt": "CPT descriptor",
    "ncci": "NCCI PTP",
    "mue": "MUE",
    "mce": "MCE",
    "pfs": "Medicare PFS",
    "taxonomy": "NUCC taxonomy",
    "carc": "CARC",
    "rarc": "RARC",
}


class CoverageWarning(UserWarning):
    """An answer came from a release whose dates do not cover the date asked about."""


class NotCovered(DataNotAvailable):
    """No available release of a system covers a date of service; ``fix`` is the command to run."""

    message = "No installed release covers the date of service."

    def __init__(
        self, message: str | None = None, *, system: str = "", on: date | None = None, fix: str = ""
    ) -> None:
        super().__init__(message)
        self.system = system
        self.on = on
        self.fix = fix


def as_date(value: Any) -> date:
    """A date of service from a ``date``, ``datetime``, pandas Timestamp or ISO text.

    ``ValueError`` (medbill's ``InvalidDate``) naming the value for anything else.
    """
    from medbill.exceptions import InvalidDate

    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str) and len(value) <= 40:
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    shown = repr(value) if len(repr(value)) <= 60 else repr(value)[:57] + "..."
    raise InvalidDate(f"Date of service {shown} is not a date; give a datetime.date or 'YYYY-MM-DD'.")


def covers(release: Dated, day: date) -> bool:
    """True when ``release``'s dates include ``day`` (an undated release covers every day)."""
    start, end = release.effective_from, release.effective_to
    return (start is None or start <= day) and (end is None or day <= end)


def in_effect(releases: Sequence[D], day: date) -> D | None:
    """The release in effect on ``day`` (see the module docstring), or None."""
    best: D | None = None
    for p in releases:
        if covers(p, day) and (
            best is None or (p.effective_from or date.min) >= (best.effective_from or date.min)
        ):
            best = p
    return best


def in_effect_many(releases: Sequence[Dated], days: pd.Series | np.ndarray) -> np.ndarray:
    """Vectorised :func:`in_effect`: the index into ``releases`` per date, -1 where none covers
    it (NaT included). Same precedence: a later start wins, then the later listed."""
    import numpy as np

    d = np.asarray(days, dtype="datetime64[ns]")
    out = np.full(len(d), -1, dtype=np.int64)
    start_of = np.full(len(d), np.datetime64("NaT"), dtype="datetime64[ns]")
    for i, p in enumerate(releases):
        start = (
            np.datetime64(p.effective_from, "ns") if p.effective_from else np.datetime64("1678-01-01", "ns")
        )
        end = np.datetime64(p.effective_to, "ns") if p.effective_to else np.datetime64("2261-12-31", "ns")
        hit = (d >= start) & (d <= end)
        better = hit & ((out < 0) | (start >= start_of))
        out[better] = i
        start_of[better] = start
    return out


def nearest(releases: Sequence[D], day: date) -> D | None:
    """The release to answer from when none covers ``day``: the latest starting on or before it,
    else the earliest. None when there are no releases."""
    if not releases:
        return None
    ordered = sorted(releases, key=lambda p: p.effective_from or date.min)
    before = [p for p in ordered if (p.effective_from or date.min) <= day]
    return before[-1] if before else ordered[0]


def describe(releases: Sequence[Dated]) -> str:
    """'FY2025 (2024-10-01 to 2025-09-30), FY2026 (...)' or 'none', for messages."""
    return ", ".join(f"{p.release} ({p.effective_from} to {p.effective_to})" for p in releases) or "none"


def fix_command(system: str, day: date) -> str:
    """The command that installs a release of ``system`` covering ``day``: a ``medbill data fetch``
    of the catalog's release when medbill knows one, else a ``medbill data import``."""
    from medbill.refdata import catalog

    day = as_date(day)
    entry = catalog.covering(system, day)
    if entry is not None:
        return f"medbill data fetch {system} {entry.release}"
    return f"medbill data import {system} PATH (the official {LABELS.get(system, system)} release for {day})"


def not_covered_message(system: str, day: date, releases: Sequence[Dated]) -> str:
    label = LABELS.get(system, system)
    return (
        f"No {label} release covers {day} (available: {describe(releases)}). "
        f"Run `{fix_command(system, day)}`."
    )


@dataclasses.dataclass(frozen=True)
class Coverage:
    """Which release answers for a date, and whether it really covers it."""

    system: str
    on: date | None
    release: Dated | None  # the release in effect, or the nearest one when not covered
    covered: bool
    message: str = ""  # why not covered, with the command that fixes it ("" when covered)

    def to_dict(self) -> dict[str, Any]:
        return {
            "system": self.system,
            "on": self.on.isoformat() if self.on else None,
            "release": self.release.release if self.release else None,
            "covered": self.covered,
            "message": self.message,
        }


def coverage(system: str, releases: Sequence[Dated], day: date | None) -> Coverage:
    """The release answering for ``day`` among ``releases``; with ``day`` None, the newest."""
    if day is None:
        newest = max(releases, key=lambda p: p.effective_from or date.min, default=None)
        return Coverage(
            system,
            None,
            newest,
            newest is not None,
            "" if newest else f"No {LABELS.get(system, system)} release is available.",
        )
    found = in_effect(releases, day)
    if found is not None:
        return Coverage(system, day, found, True)
    return Coverage(system, day, nearest(releases, day), False, not_covered_message(system, day, releases))


def require(system: str, releases: Sequence[D], day: date) -> D:
    """The release in effect on ``day``; :class:`NotCovered` naming the fix when there is none."""
    found = in_effect(releases, day)
    if found is None:
        raise NotCovered(
            not_covered_message(system, day, releases), system=system, on=day, fix=fix_command(system, day)
        )
    return found


def quarter_end(start: date) -> date:
    """Last day of the calendar quarter that ``start`` falls in (HCPCS, NCCI, MUE, PFS releases)."""
    start = as_date(start)
    month = (start.month - 1) // 3 * 3 + 3
    following = date(start.year + (month == 12), month % 12 + 1, 1)
    return date.fromordinal(following.toordinal() - 1)


def uncovered_groups(
    system: str, releases: Sequence[Dated], days: np.ndarray
) -> list[tuple[np.ndarray, str]]:
    """(mask, reason) per fix command for the dates (datetime64) no release covers: one reason for
    all the dates one catalog release would cover, naming its dates and the command; one for NaT."""
    labels, reasons = uncovered_labels(system, releases, days)
    return [(labels == k, reason) for k, reason in enumerate(reasons)]


def uncovered_labels(
    system: str, releases: Sequence[Dated], days: np.ndarray
) -> tuple[np.ndarray, list[str]]:
    """:func:`uncovered_groups` as one label per date (index into the reasons, -1 where a release
    covers it) and the reasons: one pass over the dates however many reasons there are."""
    import numpy as np

    d = np.asarray(days, dtype="datetime64[D]")
    which = in_effect_many(releases, d.astype("datetime64[ns]"))
    label = LABELS.get(system, system)
    labels = np.full(len(d), -1, dtype=np.int64)
    reasons: list[str] = []
    undated = np.isnat(d)
    if undated.any():
        labels[undated] = 0
        reasons.append(f"No date of service: the {label} release in effect is unknown.")
    todo = (which < 0) & ~undated
    if not todo.any():
        return labels, reasons
    from medbill.refdata import catalog

    distinct, inverse = np.unique(d[todo], return_inverse=True)
    fixes = [fix_command(system, x.item()) for x in distinct]
    earliest: dict[str, int] = {}  # one reason per fix, in order of the earliest date it fixes
    for k, fix in enumerate(fixes):
        earliest.setdefault(fix, k)
    number = {fix: len(reasons) + k for k, fix in enumerate(earliest)}
    labels[todo] = np.array([number[f] for f in fixes], dtype=np.int64)[inverse.reshape(-1)]
    for fix, k in earliest.items():
        first = distinct[k]
        # The reason names the dates the fix covers (the catalog release's), not the dates this batch
        # holds, so scrubbing a batch in parts (per patient, on Dask) gives the same reasons.
        entry = catalog.covering(system, first.item())
        span = (
            f"{first}"
            if entry is None
            else f"dates of service {entry.effective_from} to {entry.effective_to}"
        )
        reasons.append(f"No {label} release covers {span} (available: {describe(releases)}). Run `{fix}`.")
    return labels, reasons


def warn_not_covered(cov: Coverage, stacklevel: int = 3) -> None:
    """Emit a :class:`CoverageWarning` for an answer given outside its release's dates."""
    if not cov.covered and cov.release is not None:
        warnings.warn(
            f"{cov.message} Answered from {cov.release.release}, which does not cover it.",
            CoverageWarning,
            stacklevel=stacklevel,
        )
