"""Import a CMS Physician Fee Schedule release folder (``medbill data import pfs DIR``).

The folder holds CMS's files as published for one year (for example the ``RVU25D`` zip unpacked):

- ``PPRRVU*.csv``: national relative values, a title block then a column header spread over
  several rows ending in a row that starts with ``HCPCS``. When several quarterly releases are
  present the latest in the year is used (October > July > April > January).
- ``GPCI*.csv``: geographic practice cost indices by MAC and locality.
- ``*LOCCO*.csv``: the locality/county crosswalk (MAC numbers without leading zeros, state names
  only on the first row of each state).
- ``ANES*.csv``: anesthesia conversion factors by locality.
- ``OPPSCAP*.csv``: the OPPS-capped imaging prices by MAC and locality.

Values are stored as scaled integers (RVUs in hundredths, GPCIs in thousandths, conversion
factors in ten-thousandths, prices in cents) so pricing can use exact integer arithmetic. The
AMA's CPT descriptors in the DESCRIPTION column are not stored.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Callable
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from medbill.exceptions import ImportFailed
from medbill.refdata import store

SYSTEM = "pfs"
RVU_PLACES, GPCI_PLACES, CF_PLACES = 2, 3, 4

# Quarterly RVU releases in the order CMS publishes them; the latest present wins.
_QUARTERS = ("JAN", "APR", "JUL", "OCT")

# Our column name -> the RVU file's header text (rows joined with spaces, whitespace collapsed).
RVU_COLUMNS = {
    "hcpcs": "HCPCS",
    "mod": "MOD",
    "status": "STATUS CODE",
    "work_rvu": "WORK RVU",
    "nonfac_pe_rvu": "NON-FAC PE RVU",
    "nonfac_na": "NON-FAC NA INDICATOR",
    "fac_pe_rvu": "FACILITY PE RVU",
    "fac_na": "FACILITY NA INDICATOR",
    "mp_rvu": "MP RVU",
    "pctc": "PCTC IND",
    "global_days": "GLOB DAYS",
    "mult_proc": "MULT PROC",
    "bilat_surg": "BILAT SURG",
    "asst_surg": "ASST SURG",
    "co_surg": "CO- SURG",
    "team_surg": "TEAM SURG",
    "endo_base": "ENDO BASE",
    "cf": "CONV FACTOR",
    "imaging_family": "DIAGNOSTIC IMAGING FAMILY INDICATOR",
    "opps_nonfac_pe_rvu": "NON-FACILITY PE USED FOR OPPS PAYMENT AMOUNT",
    "opps_fac_pe_rvu": "FACILITY PE USED FOR OPPS PAYMENT AMOUNT",
    "opps_mp_rvu": "MP USED FOR OPPS PAYMENT AMOUNT",
}
_OPTIONAL_RVU = {"imaging_family", "opps_nonfac_pe_rvu", "opps_fac_pe_rvu", "opps_mp_rvu", "endo_base"}
_RVU_VALUES = (
    "work_rvu",
    "nonfac_pe_rvu",
    "fac_pe_rvu",
    "mp_rvu",
    "opps_nonfac_pe_rvu",
    "opps_fac_pe_rvu",
    "opps_mp_rvu",
)
_INDICATORS = ("pctc", "mult_proc", "bilat_surg", "asst_surg", "co_surg", "team_surg")

PAYLOAD_FILES = ("rvu.parquet", "gpci.parquet", "localities.parquet", "anesthesia.parquet", "oppscap.parquet")


def import_release(path: Path) -> store.Provenance:
    """Import the PFS files in folder ``path`` and install them as release ``<year>``.

    Raises ``ImportFailed`` naming the file and what was expected; a failed import leaves the
    installed releases unchanged, and importing the same files again is a no-op.
    """
    folder = store.as_path(path, "folder of CMS PFS files")
    if not folder.is_dir():
        raise ImportFailed(
            f"{folder} is not a folder; expected a folder of CMS PFS files (PPRRVU, GPCI, LOCCO, ANES, OPPSCAP)."
        )
    files = {
        "rvu": _pick_rvu(folder),
        "gpci": _find(folder, "GPCI*.csv", "the GPCI file (GPCI<year>.csv)"),
        "locco": _find(folder, "*LOCCO*.csv", "the locality/county crosswalk (<yy>LOCCO.csv)"),
        "anes": _find(folder, "ANES*.csv", "the anesthesia conversion factors (ANES<year>.csv)"),
        "oppscap": _find(folder, "OPPSCAP*.csv", "the OPPS imaging cap file (OPPSCAP*.csv)"),
    }
    digest = hashlib.sha256()
    for key in sorted(files):
        digest.update(f"{files[key].name}:{store.file_sha256(files[key])}\n".encode())
    for installed in store.installed(SYSTEM):
        if installed.sha256 == digest.hexdigest():
            return installed  # the same files are already installed: nothing to do
    rvu, title = _read_rvu(files["rvu"])
    year = _release_year(title, files["rvu"])
    tables = {
        "rvu.parquet": rvu,
        "gpci.parquet": _read_gpci(files["gpci"]),
        "localities.parquet": _read_locco(files["locco"]),
        "anesthesia.parquet": _read_anes(files["anes"]),
        "oppscap.parquet": _read_oppscap(files["oppscap"]),
    }
    provenance = store.Provenance(
        system=SYSTEM,
        release=str(year),
        effective_from=date(year, 1, 1),
        effective_to=date(year, 12, 31),
        source=f"{folder} ({', '.join(files[k].name for k in sorted(files))})",
        sha256=digest.hexdigest(),
        rows=len(rvu),
        licence="CMS public data; CPT codes are AMA property (descriptors not stored).",
        note=title,
    )

    def write(target: Path) -> None:
        for name, table in tables.items():
            table.to_parquet(target / name, index=False)

    return store.install(provenance, write)


# ----------------------------------------------------------------------------- file discovery


def _find(folder: Path, pattern: str, what: str) -> Path:
    found = sorted(p for p in folder.iterdir() if p.is_file() and _glob_ci(p.name, pattern))
    if not found:
        raise ImportFailed(f"{folder} has no {pattern} file; expected {what}.")
    return found[-1]


def _glob_ci(name: str, pattern: str) -> bool:
    regex = "^" + re.escape(pattern.upper()).replace(r"\*", ".*") + "$"
    return re.match(regex, name.upper()) is not None


def _pick_rvu(folder: Path) -> Path:
    found = [p for p in folder.iterdir() if p.is_file() and _glob_ci(p.name, "PPRRVU*.csv")]
    if not found:
        raise ImportFailed(
            f"{folder} has no PPRRVU*.csv file; expected the national relative value file (PPRRVU<year>_<quarter>.csv)."
        )

    def rank(p: Path) -> tuple[int, str]:
        hits = [i for i, q in enumerate(_QUARTERS) if q in p.name.upper()]
        return (max(hits) if hits else -1, p.name)

    return max(found, key=rank)


# ----------------------------------------------------------------------------- readers


def _text(path: Path) -> str:
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")


def _rows(path: Path, text: str | None = None, head: int | None = None) -> list[list[str]]:
    """CSV records of the file (only the first ``head`` lines when given: enough for a header)."""
    text = _text(path) if text is None else text
    if head is not None:
        text = "\n".join(text.splitlines()[:head])
    try:
        return list(csv.reader(io.StringIO(text)))
    except csv.Error as exc:
        raise ImportFailed(f"{path.name}: not a readable CSV file ({exc}).") from None


def _body(path: Path, text: str, header_row: int, positions: dict[str, int]) -> pd.DataFrame:
    """The data rows after ``header_row``, the columns at ``positions``, as stripped text."""
    try:
        df = pd.read_csv(
            io.StringIO(text),
            skiprows=header_row + 1,
            header=None,
            dtype=str,
            keep_default_na=False,
            usecols=sorted(positions.values()),
        )
    except (ValueError, pd.errors.ParserError) as exc:
        raise ImportFailed(f"{path.name}: the rows after the header cannot be read ({exc}).") from None
    df = df.rename(columns={i: name for name, i in positions.items()})[list(positions)]
    for name in df.columns:
        df[name] = df[name].str.strip()
    return df[df.iloc[:, 0] != ""]


def _header_index(rows: list[list[str]], path: Path, test: Callable[[list[str]], bool], what: str) -> int:
    for i, row in enumerate(rows[:60]):
        cells = [c.strip().upper() for c in row]
        if sum(bool(c) for c in cells) >= 3 and test(cells):  # a title line is one long cell
            return i
    raise ImportFailed(f"{path.name}: no header row found in the first 60 lines; expected {what}.")


def _read_rvu(path: Path) -> tuple[pd.DataFrame, str]:
    text = _text(path)
    rows = _rows(path, text, head=60)
    h = _header_index(rows, path, lambda r: bool(r) and r[0] == "HCPCS", "a row starting with HCPCS")
    width = len(rows[h])
    headers = [
        " ".join(
            " ".join(rows[k][c].split())
            for k in range(max(0, h - 4), h + 1)
            if c < len(rows[k]) and rows[k][c].strip()
        ).upper()
        for c in range(width)
    ]
    # The multi-row header can pick up title text above it: match on the header's ending.
    positions = {}
    for name, label in RVU_COLUMNS.items():
        hits = [i for i, text in enumerate(headers) if text == label or text.endswith(" " + label)]
        if hits:
            positions[name] = hits[0]
        elif name not in _OPTIONAL_RVU:
            raise ImportFailed(f"{path.name}: no {label!r} column in the header; expected the PPRRVU layout.")
    title = next(
        (" ".join(c.split()) for r in rows[:h] for c in r if "RELATIVE VALUE" in c.upper()), path.name
    )
    df = _body(path, text, h, positions)
    if df.empty:
        raise ImportFailed(f"{path.name}: no data rows after the header.")
    df = df[df["hcpcs"].str.fullmatch(r"[0-9A-Z]{5}")].reset_index(drop=True)
    for name in _OPTIONAL_RVU - set(df.columns):
        df[name] = "" if name in ("imaging_family", "endo_base") else "0"
    for name in _RVU_VALUES:
        df[name] = _scaled(df[name], RVU_PLACES, path, RVU_COLUMNS[name])
    df["cf"] = _scaled(df["cf"], CF_PLACES, path, "CONV FACTOR")
    for name in _INDICATORS:
        df[name] = df[name].str.lstrip("0").replace("", "0")  # "09" and "9" are the same indicator
    df["nonfac_na"] = df["nonfac_na"].str.upper().eq("NA")
    df["fac_na"] = df["fac_na"].str.upper().eq("NA")
    if df.duplicated(["hcpcs", "mod"]).any():
        dup = df.loc[df.duplicated(["hcpcs", "mod"]), ["hcpcs", "mod"]].iloc[0]
        raise ImportFailed(f"{path.name}: code {dup.hcpcs} modifier {dup['mod']!r} appears twice.")
    return df, title


def _scaled(values: pd.Series, places: int, path: Path, column: str) -> pd.Series:
    """Decimal text -> int64 scaled by 10**places; more decimals than that is an import error."""
    text = values.astype(str).str.strip().replace({"": "0", "NA": "0"})
    numbers = pd.to_numeric(text, errors="coerce")
    if numbers.isna().any():
        bad = text[numbers.isna()].iloc[0]
        raise ImportFailed(f"{path.name}: column {column!r} has non-numeric value {bad!r}.")
    scaled = numbers.to_numpy(dtype=float) * 10**places
    rounded = np.round(scaled)
    if (np.abs(scaled - rounded) > 1e-6).any():
        bad = text[np.abs(scaled - rounded) > 1e-6].iloc[0]
        raise ImportFailed(f"{path.name}: column {column!r} value {bad!r} has more than {places} decimals.")
    return pd.Series(rounded.astype("int64"), index=values.index)


def _release_year(title: str, path: Path) -> int:
    m = re.search(r"\b(20\d\d)\b", title) or re.search(r"(20\d\d)", path.name)
    if m:
        return int(m.group(1))
    m = re.search(r"PPRRVU(\d\d)", path.name.upper())
    if m:
        return 2000 + int(m.group(1))
    raise ImportFailed(f"{path.name}: cannot tell the fee schedule year from the title or the file name.")


def _mac(values: pd.Series) -> pd.Series:
    return values.astype(str).str.strip().str.zfill(5)


def _loc(values: pd.Series) -> pd.Series:
    return values.astype(str).str.strip().str.zfill(2)


def _table(path: Path, test: Callable[[list[str]], bool], what: str) -> tuple[list[str], list[list[str]]]:
    rows = _rows(path)
    h = _header_index(rows, path, test, what)
    return [c.strip().upper() for c in rows[h]], rows[h + 1 :]


def _column(header: list[str], path: Path, *needles: str) -> int:
    for needle in needles:
        hits = [i for i, c in enumerate(header) if needle in c]
        if hits:
            return hits[0]
    raise ImportFailed(f"{path.name}: no column containing {needles[0]!r} in the header {header}.")


def _read_gpci(path: Path) -> pd.DataFrame:
    header, body = _table(
        path,
        lambda r: any("LOCALITY" in c for c in r) and any("GPCI" in c for c in r),
        "a header naming Locality and the GPCIs",
    )
    i_mac = _column(header, path, "CONTRACTOR", "MAC", "CARRIER")
    i_state = _column(header, path, "STATE")
    i_loc = _column(header, path, "LOCALITY NUMBER", "LOCALITY")
    i_name = _column(header, path, "LOCALITY NAME", "NAME")
    i_work = _column(header, path, "WITH 1.0 FLOOR", "PW GPCI", "WORK GPCI")
    i_pe = _column(header, path, "PE GPCI")
    i_mp = _column(header, path, "MP GPCI", "MALPRACTICE GPCI")
    width = max(i_mac, i_state, i_loc, i_name, i_work, i_pe, i_mp) + 1
    body = [r for r in body if len(r) >= width and r[i_mac].strip().isdigit() and r[i_loc].strip().isdigit()]
    if not body:
        raise ImportFailed(f"{path.name}: no locality rows (MAC number, locality number, three GPCIs).")
    df = pd.DataFrame(
        {
            "mac": _mac(pd.Series([r[i_mac] for r in body])),
            "locality": _loc(pd.Series([r[i_loc] for r in body])),
            "state": [r[i_state].strip() for r in body],
            "name": [r[i_name].strip().rstrip("*") for r in body],
        }
    )
    for name, i in (("gpci_work", i_work), ("gpci_pe", i_pe), ("gpci_mp", i_mp)):
        df[name] = _scaled(pd.Series([r[i] for r in body]), GPCI_PLACES, path, header[i])
    if df.duplicated(["mac", "locality"]).any():
        raise ImportFailed(f"{path.name}: a MAC and locality pair appears twice.")
    return df


def _read_locco(path: Path) -> pd.DataFrame:
    header, body = _table(
        path,
        lambda r: any("LOCALITY" in c for c in r) and any("COUNT" in c for c in r),
        "a header naming Locality and Counties",
    )
    i_mac = _column(header, path, "CONTRACTOR", "CARRIER")
    i_loc = _column(header, path, "LOCALITY")
    i_state = _column(header, path, "STATE")
    i_area = _column(header, path, "FEE SCHEDULE AREA", "AREA")
    i_counties = _column(header, path, "COUNTIES")
    body = [
        r for r in body if len(r) > i_counties and r[i_mac].strip().isdigit() and r[i_loc].strip().isdigit()
    ]
    if not body:
        raise ImportFailed(f"{path.name}: no locality rows (MAC number, locality number, state, counties).")
    df = pd.DataFrame(
        {
            "mac": _mac(pd.Series([r[i_mac] for r in body])),
            "locality": _loc(pd.Series([r[i_loc] for r in body])),
            "state_name": [r[i_state].strip().upper() or None for r in body],
            "area": [" ".join(r[i_area].split()).rstrip("*") for r in body],
            "counties": [" ".join(r[i_counties].split()).upper() for r in body],
        }
    )
    df["state_name"] = df["state_name"].ffill()  # CMS names the state on its first row only
    return df


def _read_anes(path: Path) -> pd.DataFrame:
    header, body = _table(
        path,
        lambda r: any("CONTRACTOR" in c or "CARRIER" in c for c in r) and any("LOCALITY" in c for c in r),
        "a header naming Contractor and Locality",
    )
    i_mac = _column(header, path, "CONTRACTOR", "CARRIER")
    i_loc = _column(header, path, "LOCALITY")
    i_cf = len(header) - 1  # the last column holds the CF ("National Anes CF of 20.3178")
    body = [r for r in body if len(r) > i_cf and r[i_mac].strip().isdigit() and r[i_loc].strip().isdigit()]
    if not body:
        raise ImportFailed(f"{path.name}: no locality rows with an anesthesia conversion factor.")
    return pd.DataFrame(
        {
            "mac": _mac(pd.Series([r[i_mac] for r in body])),
            "locality": _loc(pd.Series([r[i_loc] for r in body])),
            "anes_cf": _scaled(pd.Series([r[i_cf] for r in body]), CF_PLACES, path, "anesthesia CF"),
        }
    )


def _read_oppscap(path: Path) -> pd.DataFrame:
    text = _text(path)
    rows = _rows(path, text, head=60)
    h = _header_index(rows, path, lambda r: r[0] == "HCPCS", "a header row starting with HCPCS")
    header = [c.strip().upper() for c in rows[h]]
    positions = {
        "hcpcs": 0,
        "mod": _column(header, path, "MOD"),
        "status": _column(header, path, "PROCSTAT", "STATUS"),
        "mac": _column(header, path, "CARRIER", "CONTRACTOR"),
        "locality": _column(header, path, "LOCALITY"),
        "cap_fac_cents": _column(header, path, "FACILITY PRICE"),
        "cap_nonfac_cents": _column(header, path, "NON-FACIL"),
    }
    df = _body(path, text, h, positions)
    if df.empty:
        raise ImportFailed(f"{path.name}: no capped price rows.")
    df["mac"], df["locality"] = _mac(df["mac"]), _loc(df["locality"])
    df["cap_fac_cents"] = _scaled(df["cap_fac_cents"], 2, path, "FACILITY PRICE")
    df["cap_nonfac_cents"] = _scaled(df["cap_nonfac_cents"], 2, path, "NON-FACILITY PRICE")
    return df.reset_index(drop=True)
