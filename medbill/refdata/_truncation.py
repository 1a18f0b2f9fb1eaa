"""Is an official release file complete? A cheap look at its end before an import replaces anything.

A download cut short usually stops in the middle of a record. Text files (CSV, TSV, fixed-width)
are complete when they end with a line break, or when their last line has as many fields as the
line before it (as many characters, for fixed-width records) and no open quote. A zip is complete
when its members pass their CRC check. Files cut exactly at a line end pass here; the row-count
check of :func:`medbill.refdata.store.install` catches those when a release of the same name is
installed.
"""

from __future__ import annotations

import csv
import zipfile
from pathlib import Path

from medbill.exceptions import ImportFailed

TEXT_SUFFIXES = (".csv", ".txt", ".tsv")
_TAIL_BYTES = 1 << 16


def check_complete(path: Path) -> None:
    """Raise ``ImportFailed`` when ``path`` (a file, or each text/zip file in a folder) looks cut off."""
    if path.is_dir():
        for child in sorted(path.iterdir()):
            if child.is_file() and child.suffix.lower() in (*TEXT_SUFFIXES, ".zip"):
                check_complete(child)
        return
    if not path.is_file():
        return  # the importer names a missing path in its own words
    problem = _zip_problem(path) if zipfile.is_zipfile(path) else _text_problem(path)
    if problem:
        raise ImportFailed(
            f"{path} looks truncated ({problem}); installed data is unchanged. Download it again and "
            "compare its size and checksum with the publisher's, or pass --force to import it anyway."
        )


def _zip_problem(path: Path) -> str | None:
    try:
        with zipfile.ZipFile(path) as z:
            bad = z.testzip()
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        return f"unreadable zip: {exc}"
    return f"member {bad} fails its CRC check" if bad else None


def _text_problem(path: Path) -> str | None:
    if path.suffix.lower() not in TEXT_SUFFIXES:
        return None
    with open(path, "rb") as f:
        size = f.seek(0, 2)
        f.seek(max(0, size - _TAIL_BYTES))
        tail = f.read().decode("latin-1")
    if not tail or tail.endswith(("\n", "\r")):
        return None
    lines = tail.splitlines()
    if len(lines) < 3:
        return None  # too little to compare (the first line of the tail may itself be partial)
    last, before = lines[-1], lines[-2]
    for sep in (",", "\t"):
        if sep in before:
            if last.count('"') % 2:
                return f"the last line ends inside a quoted field: {last[-40:]!r}"
            got, want = _fields(last, sep), _fields(before, sep)
            return f"the last line has {got} fields, the one before {want}" if got < want else None
    widths = {len(line) for line in lines[-6:-1]}
    if len(widths) == 1 and len(last) < len(before):
        return f"the last record has {len(last)} characters, the others {len(before)}"
    return None


def _fields(line: str, sep: str) -> int:
    return len(next(csv.reader([line], delimiter=sep)))
