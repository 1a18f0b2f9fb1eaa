"""Installed reference releases, their provenance, and compiled caches.

Imported releases live under ``data_dir()/<system>/<release>/`` with a ``manifest.json`` holding
their :class:`Provenance`. Installs are atomic: the payload is written to a hidden folder and the
release's link is switched to it in one rename, so a failed import leaves what was installed
untouched and a reader never finds the release missing. Compiled caches are
pickles under ``cache_dir()`` keyed by the checksum of their source, behind a header (medbill's
version, key, SHA-256 of the pickle) that is checked before anything is unpickled, and written
atomically so that two processes starting together cannot corrupt them.
"""

from __future__ import annotations

import contextlib
import contextvars
import dataclasses
import hashlib
import json
import os
import pickle
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

from medbill.exceptions import DataNotAvailable, ImportFailed, InvalidArgument
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


def as_path(value: Any, what: str = "file") -> Path:
    """``value`` as a Path, or ``ImportFailed`` for anything that is not a path (a number would
    otherwise be taken as an open file descriptor: ``open(1)`` is standard output) or is longer
    than a file system allows."""
    text = str(value) if isinstance(value, (str, os.PathLike)) else ""
    too_long = len(text) > 4096 or any(len(part) > 255 for part in Path(text).parts)
    if not text.strip() or "\x00" in text or too_long:
        shown = repr(value) if len(repr(value)) <= 60 else repr(value)[:57] + "..."
        raise ImportFailed(f"{shown} is not the path of a {what}; pass the path of the downloaded file.")
    return Path(value)


def file_sha256(path: str | os.PathLike[str]) -> str:
    """Hex SHA-256 of a file, read in chunks."""
    h = hashlib.sha256()
    path = as_path(path)
    try:
        with open(path, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
    except OSError as exc:
        raise ImportFailed(f"Cannot read {path}: {exc.strerror or exc}") from None
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


CACHE_MAGIC = b"MEDBILL-CACHE 1\n"


def cached(key: str, build: Callable[[], T]) -> T:
    """Return the compiled object stored under ``key``, building and storing it on a miss.

    ``key`` must change whenever the source changes (include its checksum). A cache file is a
    header line (medbill's version, the key, the body's size and SHA-256) then a pickle; it is
    unpickled only when the header matches, so a file medbill did not write, a flipped bit, a cache
    of another key or one written by another medbill version is rebuilt, never trusted. When the
    cache folder is not writable the object is built and used without being stored.
    """
    path = cache_dir() / f"{key}.pickle"
    body = _verified_cache_body(path, key)
    if body is not None:
        # medbill wrote it (the header matches); it can still name a class that has since changed
        with contextlib.suppress(Exception):
            return pickle.loads(body)
    value = build()
    body = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    # read-only or full MEDBILL_HOME: the cache is an optimisation, the answer is still right
    with contextlib.suppress(OSError):
        atomic_write_bytes(path, CACHE_MAGIC + _cache_header(key, body) + body)
    return value


def _cache_header(key: str, body: bytes) -> bytes:
    from medbill import __version__

    header = {
        "medbill": __version__,
        "key": key,
        "size": len(body),
        "sha256": hashlib.sha256(body).hexdigest(),
    }
    return json.dumps(header, sort_keys=True).encode() + b"\n"


def _verified_cache_body(path: Path, key: str) -> bytes | None:
    """The pickle bytes of cache file ``path`` when its header vouches for them, else None."""
    try:
        raw = path.read_bytes()
    except OSError:
        return None
    if not raw.startswith(CACHE_MAGIC):
        return None
    end = raw.find(b"\n", len(CACHE_MAGIC))
    if end < 0:
        return None
    body = raw[end + 1 :]
    return body if raw[len(CACHE_MAGIC) : end + 1] == _cache_header(key, body) else None


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
    return data_dir() / folder_name(system, "system") / folder_name(release, "release")


def folder_name(value: Any, what: str) -> str:
    """``value`` when it can name one folder under ``data_dir()`` (text, no path separator, not
    hidden, not too long); ``InvalidArgument`` otherwise."""
    if (
        not isinstance(value, str)
        or not value.strip()
        or value.startswith(".")
        or len(value) > 200
        or any(c in value for c in "/\\\x00")
    ):
        raise InvalidArgument(f"{value!r:.60} is not a {what} name.")
    return value


def installed(system: str | None = None) -> list[Provenance]:
    """Provenance of every imported release (of one system when given), sorted by system and release."""
    root = data_dir()
    if system is not None:
        folder_name(system, "system")
    pattern = f"{system}/*/manifest.json" if system else "*/*/manifest.json"
    found = []
    for manifest in root.glob(pattern):
        if manifest.parent.name.startswith("."):
            continue  # a payload folder behind a release link, or an import in progress
        current = _read_manifest(manifest)
        if current is not None:
            found.append(current)
    return sorted(found, key=lambda p: (p.system, p.release))


def _read_manifest(manifest: Path) -> Provenance | None:
    try:
        return Provenance.from_dict(json.loads(manifest.read_text()))
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return None  # missing, half-written or foreign: not an installed release


def installed_release(system: str, release: str) -> Provenance:
    """Provenance of one imported release, or ``DataNotAvailable`` naming what is installed."""
    folder_name(release, "release")
    for p in installed(system):
        if p.release == release:
            return p
    have = ", ".join(p.release for p in installed(system)) or "none"
    raise DataNotAvailable(
        f"{system} release {release!r} is not installed; installed: {have}. "
        f"Import an official release with `medbill data import {system} PATH`."
    )


# A re-import of a release that keeps less than this share of the installed release's rows is
# refused as a probable truncated download unless forced (quarterly updates move a few percent).
MIN_ROW_SHARE = 0.9
# Folders of an import that died (kill -9) are removed by a later import once this old.
STALE_SECONDS = 3600

_force = contextvars.ContextVar("medbill_force_import", default=False)


def install(provenance: Provenance, write_payload: Callable[[Path], None]) -> Provenance:
    """Install a release atomically; re-installing the same source checksum is a no-op.

    ``write_payload(folder)`` writes the release's files into ``folder``. The release's path
    (:func:`release_dir`) is a symbolic link to a hidden payload folder, switched in one
    ``os.replace``: readers see the old payload or the new one, never none, and two processes
    installing the same release both succeed. If anything raises, what was installed is unchanged.
    A release much smaller than the installed one of the same name is refused (``MIN_ROW_SHARE``)
    unless the import is forced.
    """
    if provenance.system in DATED and not (provenance.effective_from and provenance.effective_to):
        raise ImportFailed(
            f"{provenance.system} release {provenance.release} from {provenance.source} does not say which "
            "dates of service it covers (effective_from and effective_to); nothing was installed."
        )
    target = release_dir(provenance.system, provenance.release)
    current = _read_manifest(target / "manifest.json")
    if current is not None and current.sha256 == provenance.sha256:
        return current
    if current is not None and not _force.get() and provenance.rows < current.rows * MIN_ROW_SHARE:
        raise ImportFailed(
            f"{provenance.system} release {provenance.release} from {provenance.source} has "
            f"{provenance.rows:,} rows, the installed one (from {current.source}) {current.rows:,}: "
            "that looks like a truncated or partial file, so the installed release is unchanged. "
            "Compare the file's size and checksum with the publisher's, or pass --force to install it anyway."
        )
    parent = target.parent
    _writable(parent)
    _remove_stale(parent, keep=target)
    payload = Path(tempfile.mkdtemp(dir=parent, prefix=f".{provenance.release}.{os.getpid()}."))
    link = payload.with_name(f"{payload.name}-link")
    try:
        write_payload(payload)
        (payload / "manifest.json").write_text(json.dumps(provenance.to_dict(), indent=2))
        if target.exists() and not target.is_symlink():
            # a release installed by an older medbill as a plain folder: move it behind a link first
            legacy = Path(tempfile.mkdtemp(dir=parent, prefix=f".{provenance.release}.{os.getpid()}."))
            os.replace(target, legacy / "old")
        os.symlink(payload.name, link)
        os.replace(link, target)
    except BaseException:
        link.unlink(missing_ok=True)
        shutil.rmtree(payload, ignore_errors=True)
        raise
    return provenance


def _writable(folder: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as exc:
        raise ImportFailed(
            f"cannot write to {folder} ({exc.strerror or exc}): MEDBILL_HOME is read-only or full. "
            "Point MEDBILL_HOME at a writable folder to import; installed data is unchanged."
        ) from None


def _remove_stale(parent: Path, keep: Path) -> None:
    """Remove the hidden folders (``.<release>.<pid>.<random>``) no release links to once the
    process that made them has ended, or once ``STALE_SECONDS`` old: imports killed midway and
    payloads a later install replaced."""
    linked = {os.readlink(p) for p in parent.iterdir() if p.is_symlink() and not p.name.startswith(".")}
    for entry in parent.iterdir():
        if not entry.name.startswith(".") or entry.name in linked:
            continue
        parts = entry.name.rsplit(".", 2)
        pid = int(parts[1]) if len(parts) == 3 and parts[1].isdigit() else None
        try:
            age = time.time() - entry.lstat().st_mtime
        except FileNotFoundError:
            continue
        if age > STALE_SECONDS or (pid is not None and pid != os.getpid() and not _alive(pid)):
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                entry.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    return True


@contextlib.contextmanager
def guarded(path: Any, force: bool, what: str) -> Iterator[Path]:
    """The checked path of an import, with the truncation guards on unless ``force``: a file whose
    last record is cut off is refused (:func:`medbill.refdata._truncation.check_complete`), and so is
    a release much smaller than the installed one of the same name (:func:`install`)."""
    if not isinstance(force, bool):
        raise InvalidArgument(f"force must be True or False, got {force!r:.60}.")
    from medbill.refdata._truncation import check_complete

    checked = as_path(path, what)
    if not force:
        check_complete(checked)
    token = _force.set(force)
    try:
        yield checked
    finally:
        _force.reset(token)
