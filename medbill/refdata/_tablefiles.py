"""Installed NCCI / MUE / MCE releases: import helpers, loading, and picking the release for a date.

Each release is one ``table.parquet`` beside its ``manifest.json`` (see ``medbill.refdata.store.install``).
Loaded tables are memoised per release checksum, so a re-import in the same process is seen.
"""

from __future__ import annotations

import io
import re
import threading
import zipfile
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pandas as pd

from medbill.exceptions import DataNotAvailable, ImportFailed, InvalidArgument
from medbill.refdata import store

TABLE = "table.parquet"
_memo: dict[tuple[str, str, str], pd.DataFrame] = {}
_lock = threading.Lock()


def read_text_members(
    path: Path, suffixes: tuple[str, ...] = (".txt", ".csv", ".tsv")
) -> list[tuple[str, str]]:
    """(name, text) of a text file, or of each text member of a zip (CMS ships releases zipped)."""
    if not path.exists():
        raise ImportFailed(f"{path} does not exist; pass the path of the downloaded CMS file.")
    if path.is_dir():
        raise ImportFailed(
            f"{path} is a folder; pass the path of the downloaded CMS file (.zip, .txt or .csv)."
        )
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as z:
            names = sorted(n for n in z.namelist() if n.lower().endswith(suffixes))
            if not names:
                raise ImportFailed(f"{path} holds no {'/'.join(suffixes)} file; is it the right download?")
            return [(n, z.read(n).decode("latin-1")) for n in names]
    return [(path.name, path.read_bytes().decode("latin-1"))]


def require_text(text: object, source: str) -> None:
    """``ImportFailed`` unless ``text`` is the decoded text of a release file."""
    if not isinstance(text, str):
        where = source if isinstance(source, str) and source else "the release"
        raise ImportFailed(f"{where}: expected the file's text, got {type(text).__name__}.")


def require_setting(setting: object, known: tuple[str, ...]) -> str:
    """``setting`` when it is one of ``known`` (NCCI/MUE settings), else ``InvalidArgument``."""
    if not isinstance(setting, str) or setting not in known:
        raise InvalidArgument(f"setting must be one of {', '.join(known)}, got {setting!r:.60}.")
    return setting


def install_table(
    system: str,
    release: str,
    table: pd.DataFrame,
    source: Path,
    *,
    effective_from: date | None,
    effective_to: date | None = None,
    licence: str = "",
    note: str = "",
) -> store.Provenance:
    prov = store.Provenance(
        system=system,
        release=release,
        effective_from=effective_from,
        effective_to=effective_to,
        source=str(source.name),
        sha256=store.file_sha256(source),
        rows=len(table),
        licence=licence,
        note=note,
    )

    def write(folder: Path) -> None:
        table.to_parquet(folder / TABLE, index=False)

    return store.install(prov, write)


def load(prov: store.Provenance) -> pd.DataFrame:
    """The table of one installed release (memoised by checksum)."""
    key = (prov.system, prov.release, prov.sha256)
    with _lock:
        if key not in _memo:
            _memo[key] = pd.read_parquet(table_path(prov))
        return _memo[key]


def table_path(prov: store.Provenance) -> Path:
    """The table file of one installed release; DataNotAvailable saying how to re-import it if gone."""
    path = store.release_dir(prov.system, prov.release) / TABLE
    if not path.is_file():
        raise DataNotAvailable(
            f"{prov.system} release {prov.release} is registered but {path} is missing; "
            f"re-import it with `medbill data import {prov.system} PATH`."
        )
    return path


def releases(
    system: str, keep: Callable[[store.Provenance], bool] = lambda p: True
) -> list[store.Provenance]:
    """Installed releases of ``system`` (filtered), or DataNotAvailable saying how to import one."""
    found = [p for p in store.installed(system) if keep(p)]
    if not found:
        raise DataNotAvailable(
            f"No {system} release is installed; import the CMS file with `medbill data import {system} PATH`."
        )
    return found


def find_date(text: str) -> date | None:
    """A date in a CMS file name: ``2026-07-01``, ``07-01-2026``/``07_01_2026`` or ``20260701``."""
    m = re.search(r"(20\d\d)[-_]?(\d\d)[-_]?(\d\d)", text)
    if m:
        y, mo, d = map(int, m.groups())
    else:
        m = re.search(r"(\d\d)[-_](\d\d)[-_](20\d\d)", text)
        if not m:
            return None
        mo, d, y = map(int, m.groups())
    try:
        return date(y, mo, d)
    except ValueError:
        return None


def lines_frame(text: str) -> pd.Series:
    """File text as a Series of lines (for vectorised parsing), with 1-based line numbers as index."""
    lines = pd.Series(io.StringIO(text).read().splitlines(), dtype="str")
    lines.index = lines.index + 1
    return lines
