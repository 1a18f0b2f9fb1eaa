"""The official releases medbill knows how to fetch: publisher URL, file, size, checksum, dates.

The catalog is data (``medbill/_data/catalog.csv``), one row per downloadable file. ``confirmed``
says where each URL and checksum were confirmed. ``medbill data sources`` prints it;
``medbill data fetch`` downloads from it; coverage messages name its releases.

Columns beyond the obvious: ``members`` lists checksums of files inside a zip
(``name=sha256;name=sha256``) where only those were recorded; ``install`` is "yes" for the files
``medbill data fetch`` downloads and imports (a release may list others for reference, such as the
ICD-10-CM tabular XML beside the order file); ``unpack`` is "yes" when the system's importer takes
the zip's extracted folder rather than the zip (the PFS RVU files).
"""

from __future__ import annotations

import csv
import dataclasses
import io
from datetime import date
from importlib import resources

from medbill.exceptions import DataNotAvailable, InvalidArgument
from medbill.refdata.coverage import as_date
from medbill.refdata.store import lazy

FILE = "catalog.csv"


@dataclasses.dataclass(frozen=True)
class Entry:
    """One official release file."""

    system: str
    release: str
    effective_from: date
    effective_to: date
    url: str
    file: str
    bytes: int | None  # size when recorded
    sha256: str | None  # checksum when recorded from an independent download
    members: dict[str, str]  # file inside the zip -> its recorded sha256
    install: bool  # fetched and imported by `medbill data fetch`
    unpack: bool  # the importer takes the extracted folder
    contents: str
    confirmed: str

    def covers(self, day: date) -> bool:
        return self.effective_from <= day <= self.effective_to


@lazy
def entries_all() -> list[Entry]:
    text = (resources.files("medbill") / "_data" / FILE).read_text(encoding="utf-8")
    out = []
    for row in csv.DictReader(io.StringIO(text)):
        out.append(
            Entry(
                system=row["system"],
                release=row["release"],
                effective_from=date.fromisoformat(row["effective_from"]),
                effective_to=date.fromisoformat(row["effective_to"]),
                url=row["url"],
                file=row["file"],
                bytes=int(row["bytes"]) if row["bytes"] else None,
                sha256=row["sha256"] or None,
                members=_members(row["members"]),
                install=row["install"] == "yes",
                unpack=row["unpack"] == "yes",
                contents=row["contents"],
                confirmed=row["confirmed"],
            )
        )
    return out


def _members(text: str) -> dict[str, str]:
    pairs = (item.split("=", 1) for item in text.split(";") if item)
    return {name: sha for name, sha in pairs}


def entries(system: str | None = None) -> list[Entry]:
    """Catalog rows, of one system when given, in file order."""
    if system is not None and not isinstance(system, str):
        raise InvalidArgument(f"system must be a system name such as 'icd10cm', got {system!r:.60}.")
    return [e for e in entries_all() if system is None or e.system == system]


def covering(system: str, day: date) -> Entry | None:
    """The catalog release of ``system`` in effect on ``day`` (latest start wins), or None."""
    day = as_date(day)
    found = [e for e in entries(system) if e.covers(day)]
    return max(found, key=lambda e: e.effective_from) if found else None


def releases(system: str) -> list[str]:
    """Release names of ``system`` in catalog order, once each."""
    return list(dict.fromkeys(e.release for e in entries(system)))


def find(system: str, release: str) -> list[Entry]:
    """The files of one release (a release may have several); ``DataNotAvailable`` naming the known ones."""
    if not isinstance(release, str):
        raise InvalidArgument(f"release must be a release name such as 'FY2026', got {release!r:.60}.")
    wanted = release.strip().upper()
    # fiscal-year releases answer to their year alone: `medbill data fetch icd10cm 2027`
    found = [e for e in entries(system) if e.release.upper() in (wanted, f"FY{wanted}")]
    if not found:
        known = ", ".join(releases(system)) or "none"
        raise DataNotAvailable(
            f"medbill's catalog has no {system} release {release!r}; known: {known}. "
            "See `medbill data sources`, or import a file you downloaded with `medbill data import`."
        )
    return found
