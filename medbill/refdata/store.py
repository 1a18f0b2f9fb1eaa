"""Installed reference releases, their provenance, and compiled caches.

Imported releases live under ``data_dir()/<system>/<release>/`` with a ``manifest.json`` holding
their :class:`Provenance`. Installs are atomic: the payload is written to a temporary folder and
renamed into place, so a failed import leaves what was installed untouched. Compiled caches are
pickles under ``cache_dir()`` keyed by the checksum of their source, written atomically so that two
processes starting together cannot corrupt them.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import pickle
import shutil
import tempfile
import threading
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

from medbill.exceptions import DataNotAvailable, ImportFailed
from medbill.refdata._home import cache_dir, data_dir

T = TypeVar("T")

# Systems whose releases are chosen by date of service: each must say which dates it covers.
DATED = frozenset({"icd10cm", "hcpcs", "ncci", "mue", "mce", "pfs"})


@dataclasses.dataclass(frozen=True)
class Provenance:
    """Where a loaded table came from: system, release, effective dates, source file and checksum."""

    system: str
    release: str
    effective_from: date | None
    effective_to: date | None
    source: str
    sha256: str
    rows: int
    licence: str = ""
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        d = dataclasses.asdict(self)
        for k in ("effective_from", "effective_to"):
            d[k] = d[k].isoformat() if d[k] else None
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Provenance:
        d = dict(d)
        for k in ("effective_from", "effective_to"):
            d[k] = date.fromisoformat(d[k]) if d.get(k) else None
        return cls(**d)


def file_sha256(path: str | os.PathLike[str]) -> str:
    """Hex SHA-256 of a file, read in chunks."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so readers see either the old file or the whole new one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def cached(key: str, build: Callable[[], T]) -> T:
    """Return the compiled object stored under ``key``, building and storing it on a miss.

    ``key`` must change whenever the source changes (include its checksum). An unreadable cache
    file is rebuilt rather than trusted.
    """
    path = cache_dir() / f"{key}.pickle"
    try:
        with open(path, "rb") as f:
            return pickle.load(f)
    except (FileNotFoundError, EOFError, pickle.UnpicklingError, AttributeError, ImportError):
        pass
    value = build()
    atomic_write_bytes(path, pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
    return value


def lazy(fn: Callable[[], T]) -> Callable[[], T]:
    """Call ``fn`` once, under a lock, on first use; later calls return the same object."""
    lock = threading.Lock()
    box: list[T] = []

    def get() -> T:
        if not box:
            with lock:
                if not box:
                    box.append(fn())
        return box[0]

    get.__doc__ = fn.__doc__
    get.cache_clear = box.clear  # type: ignore[attr-defined]
    return get


def release_dir(system: str, release: str) -> Path:
    return data_dir() / system / release


def installed(system: str | None = None) -> list[Provenance]:
    """Provenance of every imported release (of one system when given), sorted by system and release."""
    root = data_dir()
    pattern = f"{system}/*/manifest.json" if system else "*/*/manifest.json"
    found = []
    for manifest in root.glob(pattern):
        try:
            found.append(Provenance.from_dict(json.loads(manifest.read_text())))
        except (ValueError, TypeError, KeyError):
            continue  # a half-written or foreign folder is not an installed release
    return sorted(found, key=lambda p: (p.system, p.release))


def installed_release(system: str, release: str) -> Provenance:
    """Provenance of one imported release, or ``DataNotAvailable`` naming what is installed."""
    for p in installed(system):
        if p.release == release:
            return p
    have = ", ".join(p.release for p in installed(system)) or "none"
    raise DataNotAvailable(
        f"{system} release {release!r} is not installed; installed: {have}. "
        f"Import an official release with `medbill data import {system} PATH`."
    )


def install(provenance: Provenance, write_payload: Callable[[Path], None]) -> Provenance:
    """Install a release atomically; re-installing the same source checksum is a no-op.

    ``write_payload(folder)`` writes the release's files into ``folder``. If it raises, nothing
    that was installed before changes.
    """
    if provenance.system in DATED and not (provenance.effective_from and provenance.effective_to):
        raise ImportFailed(
            f"{provenance.system} release {provenance.release} from {provenance.source} does not say which "
            "dates of service it covers (effective_from and effective_to); nothing was installed."
        )
    target = release_dir(provenance.system, provenance.release)
    manifest = target / "manifest.json"
    if manifest.exists():
        try:
            current = Provenance.from_dict(json.loads(manifest.read_text()))
        except (ValueError, TypeError, KeyError):
            current = None
        if current is not None and current.sha256 == provenance.sha256:
            return current
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{provenance.release}."))
    try:
        write_payload(tmp)
        (tmp / "manifest.json").write_text(json.dumps(provenance.to_dict(), indent=2))
        old = None
        if target.exists():
            old = target.with_name(f".{target.name}.old")
            shutil.rmtree(old, ignore_errors=True)
            os.replace(target, old)
        os.replace(tmp, target)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return provenance
