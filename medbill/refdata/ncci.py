"""NCCI procedure-to-procedure (PTP) edits: import CMS release files and load them for the scrubber.

Accepted layouts (``medbill data import ncci FILE``):

- the official CMS practitioner (``ccipra-v322r0-f1.txt``) and hospital (``ccioph-...``) PTP files,
  tab-delimited or space-aligned, with their copyright preamble and two-line header, or the zip
  they ship in;
- the tidy layout: ``#`` comment lines, one header row (column1, column2, prior_1996, effective,
  deletion, modifier, rationale), tab- or comma-separated.

Columns: column 1 code, column 2 code, in existence prior to 1996 (``*``), effective date,
deletion date (``*`` = none; the edit applies through the deletion date, which CMS sets to the
last day of a quarter), modifier indicator (0 never bypassed, 1 bypassed by an NCCI-associated
modifier, 9 not applicable) and the rationale. Each quarterly file carries the full history of
edits, but a release is used only for the quarter it was published for: version N.q (``v322r0`` is
32.2) covers calendar quarter q+1 of year 1994+N (v32.2: 2026-07-01 to 2026-09-30), as CMS numbers
them; a file whose name carries no version needs its effective date (``effective=``, or a date in
the name). Within the release each row's own effective and deletion dates apply.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from datetime import date
from pathlib import Path

import pandas as pd

from medbill.exceptions import ImportFailed, InvalidArgument
from medbill.refdata import _tablefiles, coverage, store

SYSTEM = "ncci"
SETTINGS = ("practitioner", "hospital")
_ROW = re.compile(
    r"^\s*(?P<column1>[0-9A-Z]{5})[\t ,]+(?P<column2>[0-9A-Z]{5})[\t ,]+(?P<prior_1996>\*?)[\t ,]*"
    r"(?P<effective>\d{8})[\t ,]+(?P<deletion>\d{8}|\*)[\t ,]+(?P<modifier_indicator>[019])"
    r"(?:[\t ,]+\"?(?P<rationale>[^\"]*?)\"?)?\s*$"
)
# A line that starts like a PTP row (two five-character codes) but does not parse is an error.
_LOOKS_LIKE_ROW = re.compile(r"^\s*[0-9A-Z]{5}[\t ,]+[0-9A-Z]{5}\b")


def _setting(name: str) -> str:
    low = name.lower()
    if "ccioph" in low or "hospital" in low or "oph" in low.split("-")[0]:
        return "hospital"
    return "practitioner"


def _release_name(name: str, setting: str) -> str:
    low = Path(name).stem.lower()
    version = re.search(r"v(\d+)r(\d+)", low)
    part = re.search(r"[-_]f(\d+)", low)
    if version:
        return f"{setting}-v{version.group(1)}r{version.group(2)}" + (f"-f{part.group(1)}" if part else "")
    return f"{setting}-" + re.sub(r"[^a-z0-9]+", "-", low).strip("-")


def parse(text: str, source: str = "") -> pd.DataFrame:
    """Rows of one PTP file as a typed DataFrame; raises ImportFailed naming unreadable lines."""
    _tablefiles.require_text(text, source)
    lines = _tablefiles.lines_frame(text)
    lines = lines[~lines.str.lstrip().str.startswith("#")]
    got = lines.str.extract(_ROW)
    ok = got["column1"].notna()
    bad = lines[~ok & lines.str.match(_LOOKS_LIKE_ROW)]
    if not bad.empty:
        sample = "; ".join(f"line {i}: {t[:60]!r}" for i, t in bad.head(3).items())
        raise ImportFailed(
            f"{source}: {len(bad)} PTP row(s) could not be read ({sample}). "
            "Expected column 1, column 2, prior-1996 flag, effective date, deletion date, modifier indicator, rationale."
        )
    rows = got[ok]
    if rows.empty:
        raise ImportFailed(f"{source}: no NCCI PTP rows found; is this a CMS PTP file?")
    eff = pd.to_datetime(rows["effective"], format="%Y%m%d", errors="coerce")
    dele = pd.to_datetime(rows["deletion"].where(rows["deletion"] != "*"), format="%Y%m%d", errors="coerce")
    bad_dates = rows.index[eff.isna() | (rows["deletion"].ne("*") & dele.isna())]
    if len(bad_dates):
        raise ImportFailed(
            f"{source}: impossible dates on line(s) {list(bad_dates[:5])}; nothing was installed."
        )
    return pd.DataFrame(
        {
            "column1": rows["column1"].astype("str").to_numpy(),
            "column2": rows["column2"].astype("str").to_numpy(),
            "prior_1996": rows["prior_1996"].eq("*").to_numpy(),
            "effective": eff.to_numpy(),
            "deletion": dele.to_numpy(),
            "modifier_indicator": rows["modifier_indicator"].astype("int8").to_numpy(),
            "rationale": rows["rationale"].fillna("").str.strip().astype("str").to_numpy(),
            "line": rows.index.to_numpy(),
        }
    )


def quarter_of(name: str) -> date | None:
    """First day of the quarter a CMS NCCI file name's version covers (``v322r0`` -> 2026-07-01)."""
    if not isinstance(name, str):
        raise InvalidArgument(f"A file name is text, not {name!r}.")
    m = re.search(r"v(\d\d)(\d)r\d+", Path(name).stem.lower())
    if not m or int(m.group(2)) > 3:
        return None
    return date(1994 + int(m.group(1)), 1 + 3 * int(m.group(2)), 1)


def import_release(path: Path, setting: str | None = None, effective: date | None = None) -> store.Provenance:
    """Import one CMS PTP file (or zip) into the data directory; returns its provenance.

    The release covers the quarter its version names (``ccipra-v322r0-f1`` covers 2026 Q3), or the
    quarter of ``effective`` / of a date in the file name.
    """
    path = store.as_path(path)
    given = coverage.as_date(effective) if effective is not None else None
    start = given or quarter_of(path.name) or _tablefiles.find_date(path.name)
    if start is None:
        raise ImportFailed(
            f"{path.name}: the quarter this PTP file is for is neither in its name (a CMS version such "
            "as v322r0, or a date) nor given; rename it as CMS names it or pass effective=date(...)."
        )
    start = date(start.year, (start.month - 1) // 3 * 3 + 1, 1)
    members = _tablefiles.read_text_members(path)
    tables = [parse(text, name) for name, text in members]
    table = pd.concat(tables, ignore_index=True).drop(columns="line")
    chosen = _setting(path.name) if setting is None else setting
    if not isinstance(chosen, str) or chosen not in SETTINGS:
        raise ImportFailed(f"NCCI setting {chosen!r} is not one of {SETTINGS}.")
    return _tablefiles.install_table(
        SYSTEM,
        _release_name(path.name, chosen),
        table,
        path,
        effective_from=start,
        effective_to=coverage.quarter_end(start),
        licence="CMS NCCI (public domain); CPT codes © AMA",
        note=f"{chosen} PTP edits",
    )


_parts_memo: dict[tuple[tuple[str, str], ...], tuple[store.Provenance, pd.DataFrame]] = {}


def load(setting: str = "practitioner") -> list[tuple[store.Provenance, pd.DataFrame]]:
    """Installed PTP releases of one setting by effective date, each with its table; the scrubber
    applies to each line the release in effect on its date of service.

    CMS splits a quarter's practitioner edits into several files (``-f1`` to ``-f4``): the installed
    parts of one version are one release here (``practitioner-v322r0``), their tables concatenated.
    """
    setting = _tablefiles.require_setting(setting, SETTINGS)
    provs = _tablefiles.releases(SYSTEM, lambda p: p.release.startswith(setting + "-"))
    groups: dict[str, list[store.Provenance]] = {}
    for p in sorted(provs, key=lambda p: p.release):
        groups.setdefault(re.sub(r"-f\d+$", "", p.release), []).append(p)
    out = [_one_release(name, parts) for name, parts in groups.items()]
    return sorted(out, key=lambda pt: (pt[0].effective_from or date.min, pt[0].release))


def _one_release(name: str, parts: list[store.Provenance]) -> tuple[store.Provenance, pd.DataFrame]:
    if len(parts) == 1:
        return parts[0], _tablefiles.load(parts[0])
    key = tuple((p.release, p.sha256) for p in parts)
    if key not in _parts_memo:
        if len(_parts_memo) >= 8:
            _parts_memo.clear()
        table = pd.concat([_tablefiles.load(p) for p in parts], ignore_index=True)
        prov = dataclasses.replace(
            parts[0],
            release=name,
            source=" + ".join(p.source for p in parts),
            sha256=hashlib.sha256("".join(p.sha256 for p in parts).encode()).hexdigest(),
            rows=len(table),
            note=f"{parts[0].note}; {len(parts)} files: "
            + ", ".join(p.release.rsplit("-", 1)[-1] for p in parts),
        )
        _parts_memo[key] = (prov, table)
    return _parts_memo[key]
