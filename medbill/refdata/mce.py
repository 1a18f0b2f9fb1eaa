"""Medicare Code Editor (MCE) code lists: import the CMS "Definitions of Medicare Code Edits" lists.

Accepted layouts (``medbill data import mce FILE``):

- the tab-separated list file CMS publishes with the definitions (``MCE_Simple_Code_Edits_v37.txt``):
  header ``MCE_Version ICD_Version MCE_Section MCE_Subsection MCE_Edit_Type ICD_Code_Type ICD_Code
  ICD_Desc``, one row per code and edit (``Newborn_Only``, ``Pediatric_Only``, ``Maternity_Only``,
  ``Adult_Only``, ``Female_Only``, ``Male_Only``, ``Principal_Manifestation`` ...);
- the plain list layout of the definitions document: a heading line naming the list (``Newborn
  diagnoses``, ``Female diagnoses``, ``Manifestation codes not allowed as principal diagnosis`` ...)
  followed by ``CODE  description`` lines.

Only diagnosis lists (code type ``D``) matter to professional claims; procedure (ICD-10-PCS) rows
are kept in the table for completeness. Age limits of the age edits are those of the MCE definitions
and are stored with each release (``AGE_LIMITS``).
"""

from __future__ import annotations

import io
import re
from datetime import date
from pathlib import Path

import pandas as pd

from medbill.exceptions import ImportFailed
from medbill.refdata import _tablefiles, store

SYSTEM = "mce"
# Patient age in years (inclusive) each age edit allows; MCE "Definitions of Medicare Code Edits", section 4.
AGE_LIMITS: dict[str, tuple[int, int]] = {
    "Newborn_Only": (0, 0),
    "Pediatric_Only": (0, 17),
    "Maternity_Only": (12, 55),
    "Adult_Only": (15, 124),
}
SEX_EDITS = {"Female_Only": "F", "Male_Only": "M"}
_HEADINGS = [
    (r"newborn", "Newborn_Only"),
    (r"pediatric", "Pediatric_Only"),
    (r"maternity", "Maternity_Only"),
    (r"adult", "Adult_Only"),
    (r"female", "Female_Only"),
    (r"\bmale", "Male_Only"),
    (r"manifestation", "Principal_Manifestation"),
    (r"unacceptable principal", "Principal_Unacceptable"),
]
_COLUMNS = ["MCE_Version", "MCE_Edit_Type", "ICD_Code_Type", "ICD_Code", "ICD_Desc"]


def _parse_table(text: str, source: str) -> tuple[pd.DataFrame, int | None]:
    raw = pd.read_csv(io.StringIO(text), sep="\t", dtype=str, keep_default_na=False)
    missing = [c for c in _COLUMNS if c not in raw.columns]
    if missing:
        raise ImportFailed(f"{source}: columns {missing} are missing; found {list(raw.columns)}.")
    code = raw["ICD_Code"].str.strip().str.upper().str.replace(".", "", regex=False)
    bad = raw.index[~code.str.fullmatch(r"[0-9A-Z]{3,7}") | raw["MCE_Edit_Type"].str.strip().eq("")]
    if len(bad):
        raise ImportFailed(
            f"{source}: {len(bad)} unreadable row(s), first at line {int(bad[0]) + 2}: {raw.loc[bad[0]].to_dict()}."
        )
    versions = pd.to_numeric(raw["MCE_Version"], errors="coerce").dropna().unique()
    table = pd.DataFrame(
        {
            "edit": raw["MCE_Edit_Type"].str.strip().to_numpy(),
            "code_type": raw["ICD_Code_Type"].str.strip().to_numpy(),
            "code": code.to_numpy(),
            "title": raw["ICD_Desc"].str.strip().to_numpy(),
        }
    )
    return table, int(versions.max()) if len(versions) else None


def _parse_lists(text: str, source: str) -> pd.DataFrame:
    lines = _tablefiles.lines_frame(text).str.strip()
    row = lines.str.extract(
        r"^(?P<code>[A-Z](?:[0-9][0-9A-Z]|[A-Z][0-9])(?:\.?[0-9A-Z]{1,4})?)\s+(?P<title>\S.*)$"
    )
    heading = pd.Series(pd.NA, index=lines.index, dtype="string")
    is_code = row["code"].notna()
    for pattern, edit in _HEADINGS:
        hit = ~is_code & heading.isna() & lines.str.lower().str.contains(pattern, regex=True)
        heading[hit] = edit
    current = heading.ffill()
    rows = row[is_code & current.notna()]
    if rows.empty:
        raise ImportFailed(
            f"{source}: no MCE code lists found (expected list headings followed by code lines)."
        )
    return pd.DataFrame(
        {
            "edit": current[rows.index].astype("str").to_numpy(),
            "code_type": "D",
            "code": rows["code"].str.replace(".", "", regex=False).astype("str").to_numpy(),
            "title": rows["title"].astype("str").to_numpy(),
        }
    )


def parse(text: str, source: str = "") -> tuple[pd.DataFrame, int | None]:
    _tablefiles.require_text(text, source)
    first = text.split("\n", 1)[0]
    if "MCE_Edit_Type" in first:
        return _parse_table(text, source)
    version = re.search(r"v(?:ersion)?\s*(\d{2})", text[:5000], flags=re.IGNORECASE)
    return _parse_lists(text, source), int(version.group(1)) if version else None


def import_release(path: Path) -> store.Provenance:
    """Import one MCE list file; the release is the MCE version (``v37``)."""
    path = store.as_path(path)
    (name, text), *_ = _tablefiles.read_text_members(path)
    table, version = parse(text, name)
    if version is None:
        found = re.search(r"v(\d{2})", path.name)
        version = int(found.group(1)) if found else None
    if version is None:
        raise ImportFailed(
            f"{path.name}: the MCE version is neither in the file nor in its name (e.g. _v37)."
        )
    table = table.drop_duplicates(["edit", "code_type", "code"]).reset_index(drop=True)
    # MCE version N serves fiscal year 2000 + N - 17 (v37 = FY2020, from 1 October 2019).
    fy = 2000 + version - 17
    ages = "; ".join(f"{k} {lo}-{hi}" for k, (lo, hi) in AGE_LIMITS.items())
    return _tablefiles.install_table(
        SYSTEM,
        f"v{version}",
        table,
        path,
        effective_from=date(fy - 1, 10, 1),
        effective_to=date(fy, 9, 30),
        licence="CMS MCE definitions (public domain)",
        note=f"age limits in years: {ages}",
    )


def load() -> list[tuple[store.Provenance, pd.DataFrame]]:
    """Installed MCE releases by effective date, each with its table."""
    provs = sorted(_tablefiles.releases(SYSTEM), key=lambda p: (p.effective_from or date.min, p.release))
    return [(p, _tablefiles.load(p)) for p in provs]
