"""X12's external code lists (CARC, RARC) with each code's start and stop dates, imported from X12.

X12 publishes the claim adjustment reason codes and remittance advice remark codes on its site,
one page per list, each code with "Start: MM/DD/YYYY | Last Modified: ... | Stop: MM/DD/YYYY". A
code with a stop date may not be used in an original 835 after that date (it stays valid in
derivative transactions reporting older adjudications). Save the page (HTML) and import it with
``medbill data import carc|rarc PATH``; a CSV with columns code, description, start, stop (and
optionally last_modified) is accepted too. medbill ships no copy of either list.
"""

from __future__ import annotations

import html
import io
import re
import threading
from datetime import date
from pathlib import Path

import pandas as pd

from medbill.exceptions import ImportFailed, InvalidArgument
from medbill.refdata import _installed, store
from medbill.refdata._types import CodeRecord

PAYLOAD = "codes.parquet"
COLUMNS = ["code", "description", "start", "last_modified", "stop"]
_ROW = re.compile(
    r'<td[^>]*class="code"[^>]*>\s*(?P<code>[^<]+?)\s*</td>\s*<td[^>]*class="description"[^>]*>(?P<body>.*?)</td>',
    re.S | re.I,
)
_DATE = r"(\d{2}/\d{2}/\d{4})"


def _date(text: str | None) -> date | None:
    if not text:
        return None
    month, day, year = (int(x) for x in text.split("/"))
    return date(year, month, day)


def _from_html(text: str, source: str) -> pd.DataFrame:
    rows = []
    for m in _ROW.finditer(text):
        body = m.group("body")
        dates = re.sub(r"<[^>]+>", " ", body[body.find("Start:") :]) if "Start:" in body else ""
        description = body.split("<span", 1)[0]
        found = {
            k: re.search(rf"{label}:\s*{_DATE}", dates)
            for k, label in (("start", "Start"), ("last_modified", "Last Modified"), ("stop", "Stop"))
        }
        rows.append(
            {
                "code": html.unescape(m.group("code")).strip().upper(),
                "description": " ".join(html.unescape(re.sub(r"<[^>]+>", " ", description)).split()),
                **{k: _date(v.group(1)) if v else None for k, v in found.items()},
            }
        )
    if not rows:
        raise ImportFailed(f"{source}: no code rows found; expected X12's code list page saved as HTML.")
    return pd.DataFrame(rows, columns=COLUMNS)


def _from_csv(text: str, source: str) -> pd.DataFrame:
    try:
        raw = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, index_col=False)
    except (ValueError, pd.errors.ParserError) as exc:
        raise ImportFailed(f"{source}: not a readable CSV ({exc}).") from exc
    raw.columns = [c.strip().lower().replace(" ", "_") for c in raw.columns]
    missing = {"code", "description", "start", "stop"} - set(raw.columns)
    if missing:
        raise ImportFailed(f"{source}: columns {sorted(missing)} are missing; found {list(raw.columns)}.")
    out = pd.DataFrame(
        {"code": raw["code"].str.strip().str.upper(), "description": raw["description"].str.strip()}
    )
    for col in ("start", "last_modified", "stop"):
        values = raw[col] if col in raw else pd.Series("", index=raw.index)
        try:
            out[col] = [_date(v.strip()) if v.strip() else None for v in values]
        except ValueError as exc:
            raise ImportFailed(
                f"{source}: column {col} holds a date that is not MM/DD/YYYY ({exc})."
            ) from exc
    return out


def parse(path: Path) -> pd.DataFrame:
    """The list in an X12 code list page (HTML) or CSV: code, description, start, last_modified, stop."""
    path = store.as_path(path)
    try:
        text = path.read_bytes().decode("utf-8-sig", errors="replace")
    except OSError as exc:
        raise ImportFailed(f"Cannot read {path}: {exc}.") from exc
    table = _from_html(text, path.name) if "<td" in text.lower() else _from_csv(text, path.name)
    bad = table[table["code"].eq("") | table["start"].isna()]
    if len(bad):
        raise ImportFailed(
            f"{path.name}: {len(bad)} row(s) without a code or a start date, first {bad.iloc[0].to_dict()}."
        )
    dupes = table["code"][table["code"].duplicated()]
    if len(dupes):
        raise ImportFailed(f"{path.name}: code {dupes.iloc[0]} is listed twice.")
    return table


def import_list(system: str, path: str | Path, licence: str) -> store.Provenance:
    """Install an X12 code list as a release of ``system`` named after its latest date."""
    path = store.as_path(path)
    table = parse(path)
    dates = pd.concat([table[c] for c in ("start", "last_modified", "stop")]).dropna()
    newest = max(dates)
    active = table["stop"].isna().sum()
    provenance = store.Provenance(
        system=system,
        release=f"x12-{newest.isoformat()}",
        effective_from=None,
        effective_to=None,
        source=path.name,
        sha256=store.file_sha256(path),
        rows=len(table),
        licence=licence,
        note=f"{len(table)} codes from X12's list ({active} active, {len(table) - active} with a stop date); latest change {newest}",
    )
    for col in ("start", "last_modified", "stop"):
        table[col] = pd.to_datetime(table[col])
    return store.install(provenance, lambda folder: table.to_parquet(folder / PAYLOAD, index=False))


_loaded: dict[tuple[str, str], pd.DataFrame] = {}
_lock = threading.Lock()


def installed_list(system: str) -> tuple[store.Provenance, pd.DataFrame] | None:
    """The newest imported list of ``system`` (by its release name) with its table, or None."""
    if not isinstance(system, str) or system not in ("carc", "rarc"):
        raise InvalidArgument(f"X12 code lists are 'carc' and 'rarc', not {system!r}.")
    found = _installed.installed(system)
    if not found:
        return None
    prov = max(found, key=lambda p: p.release)
    key = (prov.release, prov.sha256)
    with _lock:
        if key not in _loaded:
            table = pd.read_parquet(store.release_dir(system, prov.release) / PAYLOAD)
            for col in ("start", "last_modified", "stop"):
                table[col] = table[col].dt.date.astype(object).where(table[col].notna(), None)
            _loaded[key] = table.set_index("code", drop=False)
        return prov, _loaded[key]


def active_on(start: date | None, stop: date | None, on: date) -> bool:
    """A code may be used on ``on`` from its start date through its stop date."""
    return (start is None or start <= on) and (stop is None or on <= stop)


def active_in(table: pd.DataFrame, code: str | None, on: date | str) -> bool:
    """True when ``code`` (compact, None when not a code) is a row of ``table`` usable on ``on``;
    the date is checked first, so a bad date is refused whatever the code."""
    from medbill.refdata.coverage import as_date

    day = as_date(on)
    if code is None or code not in table.index:
        return False
    return active_on(table.at[code, "start"], table.at[code, "stop"], day)


def code_record(
    system: str, code: str, text: str, table: pd.DataFrame, release: str, source: str, on: date | str | None
) -> CodeRecord:
    """The CLI's record of a CARC or RARC ``code`` (compact, a row of ``table``): its start and stop
    dates as extras and, with ``on``, whether it may be used that day."""
    row = table.loc[code]
    extra = {k: row[k].isoformat() for k in ("start", "stop") if isinstance(row[k], date)}
    valid = active_in(table, code, on) if on is not None else None
    return CodeRecord(system, code, text, None, release, source, valid_on_date=valid, extra=extra)
