"""CPT (Current Procedural Terminology) codes: format, medbill's own labels, user-supplied descriptors.

CPT descriptors are the AMA's copyrighted text, so medbill ships none. It knows:

- the format: five digits (Category I), or four digits and A (vaccine product administration,
  Category I), F (Category II), M (multianalyte assays with algorithmic analyses), T (Category III)
  or U (proprietary laboratory analyses);
- its own plain-language labels for about 250 commonly billed services and supplies
  (``medbill/_data/cpt_labels.csv``: label, category, typical global days, add-on flag), each
  marked ``label_source = "medbill plain-language label"``;
- descriptors from a file the user supplies and imports with ``medbill data import cpt PATH``:
  a CMS PFS relative value file (its DESCRIPTION column) or a plain CSV of code and descriptor.

Every lookup says where its text came from (``CptCode.source``).
"""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import io
import re
import threading
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from medbill.exceptions import ImportFailed, InvalidFormat, InvalidLength, UnknownCode
from medbill.refdata import _installed, _packaged, store
from medbill.refdata._text import clean, passes
from medbill.refdata._types import CodeRecord, Hit
from medbill.refdata._wordindex import WordIndex

__all__ = [
    "CptCode",
    "compact",
    "descriptors",
    "format",
    "get",
    "import_descriptors",
    "is_valid",
    "labels",
    "lookup",
    "search",
    "search_text",
    "validate",
]

SYSTEM = "cpt"
LABELS_FILE = "cpt_labels.csv"
PAYLOAD = "descriptors.parquet"
LICENCE = "AMA CPT descriptors from a user-supplied file; not redistributed by medbill"
EXPECTED = (
    "a CMS PFS relative value file (PPRRVUyyyy*.csv, with a 'HCPCS,MOD,DESCRIPTION,...' header row) "
    "or a CSV of code,descriptor"
)
# Five digits, or four and the letter of a CPT code family: 0001A, 0002M, 0001F, 0042T, 0001U.
FORMAT = r"[0-9]{5}|[0-9]{4}[AFMTU]"
_FORMAT = re.compile(FORMAT)
_PFS_HEADER = re.compile(r"^\s*HCPCS\s*,\s*MOD\s*,\s*DESCRIPTION\s*,", re.IGNORECASE | re.MULTILINE)
_PFS_TITLE = re.compile(r"(\d{4}) National Physician Fee Schedule Relative Value File (\w+) Release", re.I)


@dataclasses.dataclass(frozen=True)
class CptCode:
    code: str
    title: str  # the imported descriptor when there is one, else medbill's label
    source: str  # where ``title`` came from
    release: str
    label: str | None = None  # medbill's plain-language label, when it has one
    category: str | None = None
    global_days: str | None = None
    add_on: bool | None = None


def compact(code: Any) -> str:
    """Canonical form: upper case without spaces (``" 0001f"`` -> ``"0001F"``)."""
    return clean(code, "CPT code").upper()


def validate(code: Any) -> str:
    value = compact(code)
    if len(value) != 5:
        raise InvalidLength(f"CPT code {code!r} must be 5 characters.")
    if not _FORMAT.fullmatch(value):
        raise InvalidFormat(f"CPT code {code!r} must be 5 digits, or 4 digits followed by A, F, M, T or U.")
    return value


def is_valid(code: Any) -> bool:
    """True for a well-formed CPT code (format only; CPT's code list is not shipped); never raises."""
    return passes(validate, code)


def format(code: Any) -> str:
    return validate(code)


@store.lazy
def labels() -> pd.DataFrame:
    """medbill's own table: code (index and column), system (cpt/hcpcs), label, category,
    global_days, add_on (bool), label_source, synonyms (the words and abbreviations billers use,
    "EKG", "flu shot", in medbill's own words; searched, never shown as a title)."""
    df = _packaged.read_csv(LABELS_FILE)
    df["add_on"] = df["add_on"].map({"true": True, "false": False}).astype(bool)
    return df.set_index("code", drop=False)


def search_text(rows: pd.DataFrame) -> pd.Series:
    """medbill's label and synonyms of each row of :func:`labels`, as the text the search indexes."""
    synonyms = rows["synonyms"] if "synonyms" in rows.columns else ""
    return (rows["label"] + " " + synonyms).str.strip()


@store.lazy
def _labels_release() -> store.Provenance:
    return _packaged.provenance(
        SYSTEM, LABELS_FILE, len(labels()), "plain-language labels of common services written by medbill"
    )


# Imported descriptors ----------------------------------------------------------------------------

_lock = threading.RLock()  # _index() holds it while descriptors() takes it again


_order_cache: dict[tuple[tuple[str, str], ...], list[store.Provenance]] = {}


def _installed_newest_first() -> list[store.Provenance]:
    """Imported descriptor sets, the most recently imported first (it wins on overlap)."""
    found = _installed.installed(SYSTEM)
    key = tuple((p.release, p.sha256) for p in found)
    if key not in _order_cache:
        stamp = {
            p.release: (store.release_dir(SYSTEM, p.release) / "manifest.json").stat().st_mtime for p in found
        }
        _order_cache.clear()
        _order_cache[key] = sorted(found, key=lambda p: (-stamp[p.release], p.release))
    return _order_cache[key]


_descriptors: dict[tuple[tuple[str, str], ...], pd.DataFrame] = {}


def descriptors() -> pd.DataFrame:
    """All imported descriptors: code (index), descriptor, release, source; newest import wins."""
    provs = _installed_newest_first()
    key = tuple((p.release, p.sha256) for p in provs)
    with _lock:
        if key in _descriptors:
            return _descriptors[key]
        frames = [
            pd.read_parquet(store.release_dir(SYSTEM, p.release) / PAYLOAD).assign(
                release=p.release, source=p.source
            )
            for p in provs
        ]
        if frames:
            table = (
                pd.concat(frames, ignore_index=True).drop_duplicates("code", keep="first").set_index("code")
            )
        else:
            table = pd.DataFrame(columns=["descriptor", "release", "source"], index=pd.Index([], name="code"))
        _descriptors.clear()
        _descriptors[key] = table
        _descriptor_dicts.clear()
        return table


_descriptor_dicts: dict[int, dict[str, tuple[str, str, str]]] = {}


def _descriptor_dict() -> dict[str, tuple[str, str, str]]:
    """code -> (descriptor, release, source) of the current ``descriptors()`` table."""
    table = descriptors()
    with _lock:
        if id(table) not in _descriptor_dicts:
            _descriptor_dicts.clear()
            _descriptor_dicts[id(table)] = dict(
                zip(
                    table.index,
                    zip(table["descriptor"], table["release"], table["source"], strict=True),
                    strict=True,
                )
            )
        return _descriptor_dicts[id(table)]


def import_descriptors(path: str | Path) -> store.Provenance:
    """Import CPT descriptors from a CMS PFS relative value file or a code,descriptor CSV.

    Re-importing the same file is a no-op; a wrong file raises ``ImportFailed`` and changes nothing.
    """
    path = store.as_path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ImportFailed(f"Cannot read {path}: {exc}. Expected {EXPECTED}.") from exc
    sha = store.file_sha256(path)
    for prov in store.installed(SYSTEM):
        if prov.sha256 == sha:
            return prov
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:  # CMS files are often Windows-1252
        text = raw.decode("cp1252", errors="replace")
    if "\x00" in text:
        raise ImportFailed(f"{path} is a binary file, not CSV text. Expected {EXPECTED}.")
    if _PFS_HEADER.search(text):
        table, release, kind = _read_pfs(path, text)
    else:
        table, release, kind = _read_plain_csv(path, text)
    provenance = store.Provenance(
        system=SYSTEM,
        release=release,
        effective_from=None,
        effective_to=None,
        source=path.name,
        sha256=sha,
        rows=len(table),
        licence=LICENCE,
        note=f"{len(table)} CPT descriptors from {kind}",
    )
    return store.install(provenance, lambda folder: table.to_parquet(folder / PAYLOAD, index=False))


def _read_pfs(path: Path, text: str) -> tuple[pd.DataFrame, str, str]:
    start = _PFS_HEADER.search(text).start()  # type: ignore[union-attr]
    try:
        df = pd.read_csv(io.StringIO(text[start:]), dtype=str, keep_default_na=False, usecols=[0, 1, 2])
    except (ValueError, pd.errors.ParserError) as exc:
        raise ImportFailed(f"{path}: the PFS table cannot be read ({exc}). Expected {EXPECTED}.") from exc
    df.columns = ["code", "mod", "descriptor"]
    df["code"] = df["code"].str.strip().str.upper()
    # One descriptor per code: the row without a modifier; only CPT-format codes (HCPCS Level II
    # rows belong to the HCPCS system).
    keep = (df["mod"].str.strip() == "") & df["code"].str.fullmatch(_FORMAT)
    table = df.loc[keep, ["code", "descriptor"]].drop_duplicates("code")
    table["descriptor"] = table["descriptor"].str.strip()
    if table.empty:
        raise ImportFailed(f"{path} has a PFS header but no CPT rows. Expected {EXPECTED}.")
    m = _PFS_TITLE.search(text[:start])
    release = f"pfs-{m[1]}-{m[2].lower()}" if m else f"pfs-{path.stem.lower()}"
    return table.reset_index(drop=True), release, "a CMS PFS relative value file"


def _read_plain_csv(path: Path, text: str) -> tuple[pd.DataFrame, str, str]:
    rows = [r for r in csv.reader(io.StringIO(text)) if any(cell.strip() for cell in r)]
    if rows and rows[0] and not _FORMAT.fullmatch(rows[0][0].strip().upper()):
        rows = rows[1:]  # a header row such as "code,descriptor"
    if not rows:
        raise ImportFailed(f"{path} has no data rows. Expected {EXPECTED}.")
    for n, row in enumerate(rows, start=1):
        if len(row) < 2 or not _FORMAT.fullmatch(row[0].strip().upper()) or not row[1].strip():
            raise ImportFailed(
                f"{path} data row {n} ({','.join(row)[:60]!r}) is not 'code,descriptor' with a CPT code. "
                f"Expected {EXPECTED}."
            )
    table = pd.DataFrame(
        {"code": [r[0].strip().upper() for r in rows], "descriptor": [r[1].strip() for r in rows]}
    )
    dupes = table[table["code"].duplicated()]
    if len(dupes):
        raise ImportFailed(f"{path} lists CPT code {dupes['code'].iloc[0]} more than once.")
    return table, f"user-{path.stem.lower()}", "a user CSV"


# Lookups -----------------------------------------------------------------------------------------


@store.lazy
def _label_fields() -> dict[str, dict[str, Any]]:
    """code -> label fields, for dict-speed lookups."""
    lab = labels()
    return {
        code: {"label": label, "category": category, "global_days": days, "add_on": bool(add_on)}
        for code, label, category, days, add_on in zip(
            lab.index, lab["label"], lab["category"], lab["global_days"], lab["add_on"], strict=True
        )
    }


def get(code: Any) -> CptCode | None:
    """The code with its best descriptor (imported file, else medbill label), or None."""
    try:
        value = validate(code)
    except InvalidFormat:
        return None
    label_fields = _label_fields().get(value, {})
    desc = _descriptor_dict()
    if value in desc:
        descriptor, release, source = desc[value]
        return CptCode(value, descriptor, f"{source} (user-supplied descriptor)", release, **label_fields)
    if label_fields:
        return CptCode(
            value, label_fields["label"], _packaged.LABEL_SOURCE, _labels_release().release, **label_fields
        )
    return None


def lookup(code: Any) -> CptCode:
    value = validate(code)
    found = get(value)
    if found is None:
        raise UnknownCode(
            f"CPT code {value} has no descriptor here: medbill ships labels for {len(labels())} common "
            "codes only. Import CMS's PFS relative value file or a code,descriptor CSV with "
            "`medbill data import cpt PATH`."
        )
    return found


_index_cache: dict[tuple[str, ...], tuple[WordIndex, dict[str, str]]] = {}


def _index() -> tuple[WordIndex, dict[str, str]]:
    key = tuple(sorted(p.sha256 for p in _installed.installed(SYSTEM)))
    with _lock:
        if key not in _index_cache:
            ours = labels()
            ours = ours[ours["system"] == SYSTEM]
            lab = ours["label"]
            desc = descriptors()["descriptor"]
            titles = pd.concat([desc, lab[~lab.index.isin(desc.index)]]).sort_index()
            # Searchable by the descriptor, medbill's label and the words billers use ("EKG").
            text = titles + " " + search_text(ours).reindex(titles.index).fillna("")
            # Building the index over ~11k descriptors takes most of a second: keep it on disk,
            # keyed by the imported files and the label table.
            cache_key = hashlib.sha256(repr((key, _labels_release().sha256)).encode()).hexdigest()[:20]
            index = store.cached(f"cpt-index-{cache_key}", lambda: WordIndex(titles.index, text))
            _index_cache.clear()
            _index_cache[key] = (index, titles.to_dict())
        return _index_cache[key]


def search(text: str, limit: int = 10) -> list[Hit]:
    """Ranked search over imported descriptors and medbill's labels."""
    index, titles = _index()
    return [
        Hit(SYSTEM, code, titles[code], None, score, matched)
        for code, score, matched in index.search(text, limit)
    ]


# Registry protocol -------------------------------------------------------------------------------


def lookup_record(code: str, on: date | None = None) -> CodeRecord:
    found = lookup(code)
    extra = {
        k: v
        for k, v in {
            "label": found.label,
            "category": found.category,
            "global_days": found.global_days,
            "add_on": found.add_on,
        }.items()
        if v is not None
    }
    return CodeRecord(SYSTEM, found.code, found.title, None, found.release, found.source, extra=extra)


def search_hits(text: str, limit: int, on: date | None = None) -> list[Hit]:
    return search(text, limit)


def embedded_releases() -> list[store.Provenance]:
    return [_labels_release()]
