"""``medbill data fetch``: download an official release from the catalog, verify it, import it.

A fetch downloads every file the catalog marks ``install`` for the release (resuming a partial
download with an HTTP Range request), checks each one's size and SHA-256 where the catalog records
them (and the checksums of files inside a zip), and only when every file passed imports them
through the system's importer, which installs atomically. A file that fails a check is deleted and
refused with both values named; nothing is installed.

A mirror holds the files under the official URL with its scheme stripped
(``MIRROR/www.cms.gov/files/zip/...``): a local folder, or an http(s) base URL. ``MEDBILL_MIRROR``
sets a default. Only the standard library's ``urllib`` is used.
"""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import BinaryIO

from medbill.exceptions import DataNotAvailable, ImportFailed, InvalidArgument
from medbill.refdata import catalog, coverage, registry, store
from medbill.refdata._home import cache_dir

CHUNK = 1 << 16
TIMEOUT = 60  # seconds without data before a download is abandoned (it resumes on the next run)


def downloads_dir() -> Path:
    """Where downloads (and partial downloads, ``*.part``) are kept until imported."""
    return cache_dir() / "downloads"


def mirror_location(url: str, mirror: str) -> str:
    """Where ``url`` lives on ``mirror``: a URL for an http(s) mirror, else a local path."""
    parts = urllib.parse.urlsplit(url)
    relative = parts.netloc + parts.path
    if mirror.startswith(("http://", "https://")):
        return mirror.rstrip("/") + "/" + relative
    return str(Path(mirror.removeprefix("file://")) / urllib.parse.unquote(relative))


def choose_release(system: str, release: str | None, on: date) -> str:
    """The catalog release named ``release``, or the one in effect on ``on`` when None."""
    if release is not None:
        return catalog.find(system, release)[0].release
    entry = catalog.covering(system, on)
    if entry is None:
        known = ", ".join(catalog.releases(system)) or "none"
        raise DataNotAvailable(
            f"medbill's catalog has no {system} release in effect on {on}; known: {known}. "
            f"Name one (`medbill data fetch {system} RELEASE`) or import a file with `medbill data import`."
        )
    return entry.release


def fetch(
    system: str,
    release: str | None = None,
    *,
    on: date | None = None,
    mirror: str | None = None,
    progress: bool = True,
) -> list[store.Provenance]:
    """Download, verify and import ``system``'s ``release`` (default: in effect on ``on``, today)."""
    day = coverage.as_date(on) if on is not None else date.today()
    if mirror is not None and not isinstance(mirror, str | os.PathLike):
        raise InvalidArgument(f"mirror must be a folder or an http(s) URL, not {mirror!r}.")
    name = choose_release(system, release, day)
    files = [e for e in catalog.find(system, name) if e.install]
    if not files:
        raise DataNotAvailable(f"medbill's catalog lists no installable file for {system} {name}.")
    mirror = str(mirror) if mirror else os.environ.get("MEDBILL_MIRROR") or None
    paths = [download(entry, mirror=mirror, progress=progress) for entry in files]
    installed = [_import(entry, path) for entry, path in zip(files, paths, strict=True)]
    for path in paths:
        path.unlink(missing_ok=True)  # imported: the installed release holds what it needs
    return installed


def download(entry: catalog.Entry, *, mirror: str | None = None, progress: bool = True) -> Path:
    """Download ``entry``'s file (resuming a ``.part`` file) and verify it; returns its path."""
    folder = downloads_dir() / entry.system / entry.release
    folder.mkdir(parents=True, exist_ok=True)
    final = folder / entry.file
    if final.exists():  # downloaded before but not imported: verify again rather than trust it
        final.rename(folder / f"{entry.file}.part")
    part = folder / f"{entry.file}.part"
    where = mirror_location(entry.url, mirror) if mirror else entry.url
    _transfer(where, part, entry, progress)
    verify(entry, part)
    part.rename(final)
    return final


def verify(entry: catalog.Entry, path: Path) -> None:
    """Check size, SHA-256 and member checksums recorded in the catalog; delete and refuse on a mismatch."""
    problem = ""
    size = path.stat().st_size
    if entry.bytes is not None and size != entry.bytes:
        problem = f"is {size:,} bytes; the catalog records {entry.bytes:,}"
    elif entry.sha256 and (got := store.file_sha256(path)) != entry.sha256:
        problem = f"has sha256 {got}; the catalog records {entry.sha256}"
    elif entry.members:
        problem = _member_problem(path, entry.members)
    if problem:
        path.unlink(missing_ok=True)
        raise ImportFailed(
            f"Refused {entry.file} ({entry.system} {entry.release}): the download {problem}. Nothing was "
            f"installed. Check the source ({entry.url}) or the mirror, then run the fetch again."
        )


def _member_problem(path: Path, members: dict[str, str]) -> str:
    if not zipfile.is_zipfile(path):
        return "is not a zip file"
    with zipfile.ZipFile(path) as zf:
        by_base = {name.rsplit("/", 1)[-1]: name for name in zf.namelist()}
        for member, expected in members.items():
            if member not in by_base:
                return f"lacks {member}"
            h = hashlib.sha256()
            with zf.open(by_base[member]) as f:
                for chunk in iter(lambda: f.read(CHUNK), b""):
                    h.update(chunk)
            if h.hexdigest() != expected:
                return f"holds {member} with sha256 {h.hexdigest()}; the catalog records {expected}"
    return ""


def _transfer(where: str, part: Path, entry: catalog.Entry, progress: bool) -> None:
    """Append to ``part`` from ``where`` (URL or local path), starting at its current size."""
    from tqdm import tqdm

    offset = part.stat().st_size if part.exists() else 0
    with _open_source(where, offset) as (stream, start, total):
        if start == offset == total:
            return  # already complete (the server answered 416, or the local file is that long)
        if start not in (0, offset):
            raise DataNotAvailable(
                f"{where} answered from byte {start:,}, not {offset:,}; delete {part} and retry."
            )
        mode = "ab" if start else "wb"
        with (
            open(part, mode) as out,
            tqdm(
                total=total,
                initial=start,
                unit="B",
                unit_scale=True,
                desc=entry.file,
                disable=not progress,
            ) as bar,
        ):
            try:
                for chunk in iter(lambda: stream.read(CHUNK), b""):
                    out.write(chunk)
                    bar.update(len(chunk))
            except OSError as exc:
                raise DataNotAvailable(
                    f"Download of {entry.file} was interrupted ({exc}); run the same command again to "
                    "resume it."
                ) from exc
    got = part.stat().st_size
    if total is not None and got < total:
        raise DataNotAvailable(
            f"Download of {entry.file} stopped at {got:,} of {total:,} bytes; run the same command "
            "again to resume it."
        )


@contextmanager
def _open_source(where: str, offset: int) -> Iterator[tuple[BinaryIO, int, int | None]]:
    """(stream, start offset actually served, total size or None) for a URL or a local file."""
    if not where.startswith(("http://", "https://")):
        path = Path(where)
        try:
            found = path.is_file()
        except OSError:  # a name no file system holds (too long ...)
            found = False
        if not found:
            raise DataNotAvailable(
                f"{path} is not in the mirror; a mirror holds each file under its official URL "
                "without the scheme (MIRROR/www.cms.gov/files/zip/...)."
            )
        size = path.stat().st_size
        total: int | None = size
        start = offset if offset <= size else 0
        with open(path, "rb") as f:
            f.seek(start)
            yield f, start, total
        return
    request = urllib.request.Request(where, headers={"User-Agent": "medbill (reference data fetch)"})
    if offset:
        request.add_header("Range", f"bytes={offset}-")
    try:
        response = urllib.request.urlopen(request, timeout=TIMEOUT)
    except urllib.error.HTTPError as exc:
        if exc.code == 416 and offset:  # nothing after the bytes we hold: the file is complete
            yield _empty(), offset, offset
            return
        raise DataNotAvailable(
            f"Could not download {where}: HTTP {exc.code} {exc.reason}. If the publisher moved the "
            "file, download it yourself and run `medbill data import`; offline, use --mirror."
        ) from exc
    except (urllib.error.URLError, OSError) as exc:
        raise DataNotAvailable(
            f"Could not reach {where} ({getattr(exc, 'reason', exc)}). Offline or air-gapped, pass "
            "--mirror DIR|URL (or set MEDBILL_MIRROR)."
        ) from exc
    with response:
        length = response.headers.get("Content-Length")
        if response.status == 206:
            # Content-Range: bytes START-END/TOTAL
            span, _, whole = response.headers.get("Content-Range", "").partition("/")
            start = int(span.split()[-1].split("-")[0]) if span else offset
            total = int(whole) if whole.isdigit() else None
        else:  # the server ignored the Range header: start again from the beginning
            start, total = 0, int(length) if length else None
        yield response, start, total


def _empty() -> BinaryIO:
    return io.BytesIO(b"")


def _import(entry: catalog.Entry, path: Path) -> store.Provenance:
    if not entry.unpack:
        return registry.import_file(entry.system, path)
    folder = path.parent / path.stem  # named after the zip, so the provenance names it too
    shutil.rmtree(folder, ignore_errors=True)
    try:
        with zipfile.ZipFile(path) as zf:
            zf.extractall(folder)
        return registry.import_file(entry.system, folder)
    except zipfile.BadZipFile as exc:
        raise ImportFailed(f"{entry.file} is not a readable zip ({exc}); nothing was installed.") from exc
    finally:
        shutil.rmtree(folder, ignore_errors=True)
