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
modifier, 9 not applicable) and the rationale. Each quarterly file carries the full history, so when
several versions are installed the newest version's row wins for an edit.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from medbill.exceptions import ImportFailed
from medbill.refdata import _tablefiles, store

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


def import_release(path: Path, setting: str | None = None) -> store.Provenance:
    """Import one CMS PTP file (or zip) into the data directory; returns its provenance."""
    path = store.as_path(path)
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
        effective_from=table["effective"].min().date(),
        licence="CMS NCCI (public domain); CPT codes © AMA",
        note=f"{chosen} PTP edits",
    )


def _version_key(release: str) -> tuple[int, int]:
    m = re.search(r"v(\d+)r(\d+)", release)
    return (int(m.group(1)), int(m.group(2))) if m else (-1, -1)


_combined: dict[tuple[tuple[str, str], ...], pd.DataFrame] = {}


def load(setting: str = "practitioner") -> tuple[pd.DataFrame, list[store.Provenance]]:
    """All installed PTP edits of one setting, newest version winning per edit, with a ``release`` column."""
    setting = _tablefiles.require_setting(setting, SETTINGS)
    provs = _tablefiles.releases(SYSTEM, lambda p: p.release.startswith(setting + "-"))
    provs = sorted(provs, key=lambda p: (_version_key(p.release), p.release))
    key = tuple((p.release, p.sha256) for p in provs)
    if key not in _combined:
        _combined.clear()  # only the current combination is worth keeping
        _combined[key] = _combine(provs)
    return _combined[key], provs


def _combine(provs: list[store.Provenance]) -> pd.DataFrame:
    parts = []
    for rank, p in enumerate(provs):
        t = _tablefiles.load(p).copy()
        t["release"] = p.release
        t["_rank"] = rank
        parts.append(t)
    table = pd.concat(parts, ignore_index=True).sort_values("_rank", kind="stable")
    table = table.drop_duplicates(["column1", "column2", "effective"], keep="last").drop(columns="_rank")
    return table.reset_index(drop=True)
