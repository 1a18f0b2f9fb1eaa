"""Import a CMS Physician Fee Schedule release folder (``medbill data import pfs DIR``).

The folder holds CMS's files as published (for example the ``RVU25D`` zip unpacked):

- ``PPRRVU*.csv``: national relative values, a title block then a column header spread over
  several rows ending in a row that starts with ``HCPCS``. Each file is one quarterly release,
  named as CMS names it and in effect for its quarter only: ``RVU25A`` (January release) covers
  2025-01-01 to 2025-03-31, ``RVU25B`` (April) the second quarter, ``RVU25C`` (July) the third,
  ``RVU25D`` (October) the fourth. The quarter is read from the title ("... July Release"), else
  from the file name (JAN/APR/JUL/OCT). A folder with several PPRRVU files installs each.
- ``GPCI*.csv``: geographic practice cost indices by MAC and locality.
- ``*LOCCO*.csv``: the locality/county crosswalk (MAC numbers without leading zeros, state names
  only on the first row of each state).
- ``ANES*.csv``: anesthesia conversion factors by locality.
- ``OPPSCAP*.csv``: the OPPS-capped imaging prices by MAC and locality.

From CY2026 CMS's zips hold each file for QPs (``_QPP``) and for everyone else (``_nonQPP``); only
the non-QP files are read, since they differ only in the conversion factor.

The four locality files are shared by every PPRRVU release of the folder. Without a GPCI file
(CY2026 here) a release is installed for national pricing only (GPCIs of 1.0); with one, the
crosswalk, anesthesia and OPPS cap files must be there too.

Values are stored as scaled integers (RVUs in hundredths, GPCIs in thousandths, conversion
factors in ten-thousandths, prices in cents) so pricing can use exact integer arithmetic. The
AMA's CPT descriptors in the DESCRIPTION column are not stored. The conversion factors CMS set
for each year (one for all in CY2025; non-QP and QP from CY2026) are medbill's own table,
``medbill/_data/pfs_conversion_factors.csv``, with its CMS source; an RVU file whose CONV
FACTOR is not that year's is refused.
"""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import io
import re
from collections.abc import Callable, Mapping
from datetime import date
from decimal import Decimal
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from medbill.exceptions import ImportFailed
from medbill.refdata import store

SYSTEM = "pfs"
RVU_PLACES, GPCI_PLACES, CF_PLACES = 2, 3, 4

# Quarterly RVU releases: the month word of the title or file name, and the letter CMS gives them.
QUARTERS = {"JAN": "A", "APR": "B", "JUL": "C", "OCT": "D"}
_MONTH_WORDS = {"JANUARY": "JAN", "APRIL": "APR", "JULY": "JUL", "OCTOBER": "OCT"}
# First and last (month, day) of each quarter's release.
_QUARTER_DATES = {
    "A": ((1, 1), (3, 31)),
    "B": ((4, 1), (6, 30)),
    "C": ((7, 1), (9, 30)),
    "D": ((10, 1), (12, 31)),
}
# The locality name shown for national pricing (GPCIs of 1.0).
NATIONAL = "national"
CONVERSION_FACTORS_FILE = "pfs_conversion_factors.csv"

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
    """Import the PFS files in folder ``path``; the provenance of its newest release.

    Every PPRRVU file of the folder is installed as its own quarterly release (see
    :func:`import_releases`, which returns them all).
    """
    return import_releases(path)[-1]


def import_releases(path: Path) -> list[store.Provenance]:
    """Install each PPRRVU file of folder ``path`` as its quarterly release (``RVU25A`` ...),
    with the folder's GPCI, crosswalk, anesthesia and OPPS cap files; oldest first.

    Raises ``ImportFailed`` naming the file and what was expected; a failed import leaves the
    installed releases unchanged (every file is read before anything is installed), and
    importing the same files again is a no-op.
    """
    folder = store.as_path(path, "folder of CMS PFS files")
    if not folder.is_dir():
        raise ImportFailed(
            f"{folder} is not a folder; expected a folder of CMS PFS files (PPRRVU, GPCI, LOCCO, ANES, OPPSCAP)."
        )
    rvu_files = _rvu_files(folder)
    shared = _locality_files(folder)
    done = {p.sha256: p for p in store.installed(SYSTEM)}
    digests = [_digest({"rvu": rvu_path, **shared}) for rvu_path in rvu_files]
    if all(d in done for d in digests):  # the same files are already installed: nothing to read
        return sorted((done[d] for d in digests), key=lambda p: p.effective_from or date.min)
    tables = {
        "gpci.parquet": _read_gpci(shared["gpci"]) if shared else _empty(_GPCI_COLUMNS),
        "localities.parquet": _read_locco(shared["locco"]) if shared else _empty(_LOCCO_COLUMNS),
        "anesthesia.parquet": _read_anes(shared["anes"]) if shared else _empty(_ANES_COLUMNS),
        "oppscap.parquet": _read_oppscap(shared["oppscap"]) if shared else _empty(_OPPSCAP_COLUMNS),
    }
    pending = [
        _read_release(folder, rvu_path, shared, digest)
        for rvu_path, digest in zip(rvu_files, digests, strict=True)
    ]
    names = [p.release for p, _ in pending]
    if len(set(names)) < len(names):
        twice = next(n for n in names if names.count(n) > 1)
        raise ImportFailed(
            f"{folder} has two PPRRVU files of release {twice} ({', '.join(p.name for p in rvu_files)}); keep one."
        )
    installed = []
    for provenance, rvu in sorted(pending, key=lambda item: item[0].effective_from or date.min):
        if provenance.sha256 in done:
            installed.append(done[provenance.sha256])
            continue
        payload = {"rvu.parquet": rvu, **tables}

        def write(target: Path, payload: dict[str, pd.DataFrame] = payload) -> None:
            for name, table in payload.items():
                table.to_parquet(target / name, index=False)

        installed.append(store.install(provenance, write))
    return installed


def _digest(files: dict[str, Path]) -> str:
    """The checksum of one release's source files (names and contents)."""
    digest = hashlib.sha256()
    for key in sorted(files):
        digest.update(f"{files[key].name}:{store.file_sha256(files[key])}\n".encode())
    return digest.hexdigest()


def _read_release(
    folder: Path, rvu_path: Path, shared: dict[str, Path], digest: str
) -> tuple[store.Provenance, pd.DataFrame]:
    """The provenance and RVU table of one PPRRVU file (the locality files are the folder's)."""
    rvu, title = _read_rvu(rvu_path)
    release = release_of(title, rvu_path)
    cf_note = _check_conversion_factor(rvu, release, rvu_path)
    scope = "" if shared else "; no GPCI file: national amounts only (GPCIs 1.0)"
    files = {"rvu": rvu_path, **shared}
    provenance = store.Provenance(
        system=SYSTEM,
        release=release.name,
        effective_from=release.effective_from,
        effective_to=release.effective_to,
        source=f"{folder} ({', '.join(files[k].name for k in sorted(files))})",
        sha256=digest,
        rows=len(rvu),
        licence="CMS public data; CPT codes are AMA property (descriptors not stored).",
        note=f"{title}; {cf_note}{scope}",
    )
    return provenance, rvu


@dataclasses.dataclass(frozen=True)
class Release:
    """A quarterly RVU release: ``RVU25C`` is CY2025's July release, in effect July 1 to September 30."""

    year: int
    letter: str  # A (January), B (April), C (July), D (October)

    @property
    def name(self) -> str:
        return f"RVU{self.year % 100:02d}{self.letter}"

    @property
    def effective_from(self) -> date:
        return date(self.year, *_QUARTER_DATES[self.letter][0])

    @property
    def effective_to(self) -> date:
        return date(self.year, *_QUARTER_DATES[self.letter][1])


def release_of(title: str, path: Path) -> Release:
    """The release of an RVU file from its title block ("2025 ... October Release"), else its name."""
    year = _release_year(title, path)
    words = re.findall(r"[A-Z]+", title.upper())
    month = next((_MONTH_WORDS[w] for w in words if w in _MONTH_WORDS), None)
    if month is None:
        month = next((m for m in QUARTERS if m in path.name.upper()), None)
    if month is None:
        raise ImportFailed(
            f"{path.name}: cannot tell the quarterly release from the title ({title!r}) or the file name; "
            "expected January, April, July or October (JAN/APR/JUL/OCT)."
        )
    return Release(year, QUARTERS[month])


# ----------------------------------------------------------------------------- conversion factors


@dataclasses.dataclass(frozen=True)
class ConversionFactor:
    """One year's PFS conversion factor for one kind of clinician, with its CMS source."""

    year: int
    qp: bool  # True: qualifying APM participants (from CY2026 CMS sets a separate factor)
    value: Decimal
    label: str
    source: str


@store.lazy
def conversion_factors() -> list[ConversionFactor]:
    """medbill's table of CMS's PFS conversion factors by year (``_data/pfs_conversion_factors.csv``)."""
    text = (resources.files("medbill") / "_data" / CONVERSION_FACTORS_FILE).read_text(encoding="utf-8")
    return [
        ConversionFactor(
            int(r["year"]), r["qp"] == "yes", Decimal(r["conversion_factor"]), r["label"], r["source"]
        )
        for r in csv.DictReader(io.StringIO(text))
    ]


def conversion_factor(year: int, qp: bool) -> ConversionFactor | None:
    """CMS's conversion factor of ``year`` for QPs (``qp=True``) or everyone else; None when not recorded."""
    return next((c for c in conversion_factors() if c.year == year and c.qp == qp), None)


def _check_conversion_factor(rvu: pd.DataFrame, release: Release, path: Path) -> str:
    """Which of the year's conversion factors the file carries, for the provenance note; a CONV
    FACTOR that is not one of them is refused."""
    values = sorted(set(rvu["cf"][rvu["cf"] > 0].tolist()))
    known = [c for c in conversion_factors() if c.year == release.year]
    shown = ", ".join(str(Decimal(v).scaleb(-CF_PLACES)) for v in values) or "none"
    if not known:
        return f"CONV FACTOR {shown} (CY{release.year} is not in medbill's conversion factor table)"
    match = [c for c in known if [int(c.value.scaleb(CF_PLACES))] == values]
    if not match:
        expected = ", ".join(f"{c.value} ({c.label})" for c in known)
        raise ImportFailed(
            f"{path.name}: CONV FACTOR {shown} is not CMS's CY{release.year} conversion factor ({expected}, "
            f"medbill/_data/{CONVERSION_FACTORS_FILE})."
        )
    return f"CONV FACTOR {shown} ({', '.join(dict.fromkeys(c.label for c in match))})"


# ----------------------------------------------------------------------------- file discovery


def _find(folder: Path, pattern: str, what: str) -> Path:
    found = _non_qp(sorted(p for p in folder.iterdir() if p.is_file() and _glob_ci(p.name, pattern)))
    if not found:
        raise ImportFailed(f"{folder} has no {pattern} file; expected {what}.")
    return found[-1]


def _glob_ci(name: str, pattern: str) -> bool:
    regex = "^" + re.escape(pattern.upper()).replace(r"\*", ".*") + "$"
    return re.match(regex, name.upper()) is not None


def _is_qp_variant(name: str) -> bool:
    text = name.upper().replace("-", "").replace("_", "")
    return "QPP" in text and "NONQPP" not in text


def _non_qp(found: list[Path]) -> list[Path]:
    """From CY2026 CMS publishes each file twice, for qualifying APM participants (``_QPP``) and
    for everyone else (``_nonQPP``), the same but for the conversion factor: keep the non-QP ones
    (QP prices apply the QP factor of medbill's table). A QPP file alone is kept."""
    kept = [p for p in found if not _is_qp_variant(p.name)]
    return kept or found


def _rvu_files(folder: Path) -> list[Path]:
    found = _non_qp(sorted(p for p in folder.iterdir() if p.is_file() and _glob_ci(p.name, "PPRRVU*.csv")))
    if not found:
        raise ImportFailed(
            f"{folder} has no PPRRVU*.csv file; expected the national relative value file (PPRRVU<year>_<quarter>.csv)."
        )
    return found


def _locality_files(folder: Path) -> dict[str, Path]:
    """The GPCI, crosswalk, anesthesia and OPPS cap files; none at all without a GPCI file."""
    if not any(p.is_file() and _glob_ci(p.name, "GPCI*.csv") for p in folder.iterdir()):
        return {}
    return {
        "gpci": _find(folder, "GPCI*.csv", "the GPCI file (GPCI<year>.csv)"),
        "locco": _find(
            folder, "*LOCCO*.csv", "the locality/county crosswalk (<yy>LOCCO.csv) beside the GPCI file"
        ),
        "anes": _find(
            folder, "ANES*.csv", "the anesthesia conversion factors (ANES<year>.csv) beside the GPCI file"
        ),
        "oppscap": _find(
            folder, "OPPSCAP*.csv", "the OPPS imaging cap file (OPPSCAP*.csv) beside the GPCI file"
        ),
    }


_GPCI_COLUMNS = {"mac": str, "locality": str, "state": str, "name": str, "gpci_work": "int64",
                 "gpci_pe": "int64", "gpci_mp": "int64"}  # fmt: skip
_LOCCO_COLUMNS = {"mac": str, "locality": str, "state_name": str, "area": str, "counties": str}
_ANES_COLUMNS = {"mac": str, "locality": str, "anes_cf": "int64"}
_OPPSCAP_COLUMNS = {"hcpcs": str, "mod": str, "status": str, "mac": str, "locality": str,
                    "cap_fac_cents": "int64", "cap_nonfac_cents": "int64"}  # fmt: skip


def _empty(columns: Mapping[str, object]) -> pd.DataFrame:
    """A table with no rows and the columns (and dtypes) its reader writes."""
    return pd.DataFrame({name: pd.Series(dtype=dtype) for name, dtype in columns.items()})


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
