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
import threading
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from medbill.exceptions import ImportFailed, InvalidArgument
from medbill.refdata import _tablefiles, code_numbers, coverage, store

if TYPE_CHECKING:
    import pyarrow as pa

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
    """Installed PTP releases of one setting by effective date, each with its table (every row and
    column of the files, as imported). The scrubber uses :func:`edits` instead.

    CMS splits a quarter's practitioner edits into several files (``-f1`` to ``-f4``): the installed
    parts of one version are one release here (``practitioner-v322r0``), their tables concatenated.
    """
    out = [_one_release(prov, parts) for prov, parts in _releases(setting)]
    return sorted(out, key=lambda pt: (pt[0].effective_from or date.min, pt[0].release))


def _releases(setting: str) -> list[tuple[store.Provenance, list[store.Provenance]]]:
    """(provenance of the release, provenances of its installed files) per release of ``setting``."""
    setting = _tablefiles.require_setting(setting, SETTINGS)
    provs = _tablefiles.releases(SYSTEM, lambda p: p.release.startswith(setting + "-"))
    groups: dict[str, list[store.Provenance]] = {}
    for p in sorted(provs, key=lambda p: p.release):
        groups.setdefault(re.sub(r"-f\d+$", "", p.release), []).append(p)
    return [(_release_provenance(name, parts), parts) for name, parts in groups.items()]


def _release_provenance(name: str, parts: list[store.Provenance]) -> store.Provenance:
    """The provenance of a release installed as ``parts`` (one file: that file's)."""
    if len(parts) == 1:
        return parts[0]
    return dataclasses.replace(
        parts[0],
        release=name,
        source=" + ".join(p.source for p in parts),
        sha256=hashlib.sha256("".join(p.sha256 for p in parts).encode()).hexdigest(),
        rows=sum(p.rows for p in parts),
        note=f"{parts[0].note}; {len(parts)} files: "
        + ", ".join(p.release.rsplit("-", 1)[-1] for p in parts),
    )


def _one_release(
    prov: store.Provenance, parts: list[store.Provenance]
) -> tuple[store.Provenance, pd.DataFrame]:
    if len(parts) == 1:
        return prov, _tablefiles.load(parts[0])
    key = tuple((p.release, p.sha256) for p in parts)
    if key not in _parts_memo:
        if len(_parts_memo) >= 8:
            _parts_memo.clear()
        _parts_memo[key] = (prov, pd.concat([_tablefiles.load(p) for p in parts], ignore_index=True))
    return _parts_memo[key]


# -- the compact form the scrubber holds ----------------------------------------------------------

NO_DELETION = np.iinfo(np.int32).max
"""The deletion day of an edit without one: after every date of service."""


@dataclasses.dataclass(frozen=True, eq=False)
class PtpEdits:
    """The edits of one PTP release that can fire on a date it covers, compact for the scrubber.

    Left out: indicator 9 edits (never applied) and edits deleted before the release's first day or
    effective after its last (a line is edited only by the release in effect on its date, see
    :mod:`medbill.refdata.coverage`, so those never apply). Codes are :mod:`code_numbers` (int32),
    dates are days since 1970-01-01 (int32), the rationale a categorical: about 18 bytes an edit,
    where :func:`load`'s table takes about 80 and a dict of code strings more. Rows are ordered by
    column 1 code and keep the files' order within one code.
    """

    provenance: store.Provenance
    column1: np.ndarray  # int32 code number, ascending
    column2: np.ndarray  # int32 code number
    effective: np.ndarray  # int32 day
    deletion: np.ndarray  # int32 day, the last the edit applies on; NO_DELETION for none
    indicator: np.ndarray  # int8 modifier indicator: 0 or 1
    rationale: pd.Categorical

    def __len__(self) -> int:
        return len(self.column1)

    @property
    def nbytes(self) -> int:
        """Bytes held by the edits' arrays."""
        arrays = (self.column1, self.column2, self.effective, self.deletion, self.indicator)
        return sum(a.nbytes for a in arrays) + int(self.rationale.memory_usage(deep=True))

    def rows(self, codes: np.ndarray) -> np.ndarray:
        """Positions (ascending) of the edits between two of ``codes`` (code numbers, -1 ignored):
        a binary search per distinct code, so a one-claim scrub does not scan the release."""
        known = np.unique(codes[codes >= 0]).astype(np.int32)
        lo = np.searchsorted(self.column1, known, "left")
        count = np.searchsorted(self.column1, known, "right") - lo
        rows = np.repeat(lo, count) + np.arange(count.sum()) - np.repeat(np.cumsum(count) - count, count)
        return rows[np.isin(self.column2[rows], known)]

    def table(self, rows: np.ndarray) -> pd.DataFrame:
        """The edits at ``rows`` with :func:`load`'s columns (``prior_1996`` aside): codes as text,
        dates as datetime64 (NaT for no deletion), the rationale as text."""
        deletion = self.deletion[rows]
        return pd.DataFrame(
            {
                "column1": pd.Series(code_numbers.codes(self.column1[rows]), dtype="str"),
                "column2": pd.Series(code_numbers.codes(self.column2[rows]), dtype="str"),
                "effective": self.effective[rows].astype("datetime64[D]"),
                "deletion": np.where(
                    deletion == NO_DELETION, np.datetime64("NaT", "D"), deletion.astype("datetime64[D]")
                ),
                "modifier_indicator": self.indicator[rows],
                "rationale": pd.Series(np.asarray(self.rationale.take(rows)), dtype="str"),
            }
        )


_edits_memo: dict[tuple[object, ...], PtpEdits] = {}
_edits_lock = threading.Lock()
# Rows read from a file at a time, so its text columns are never all in memory at once.
_READ_ROWS = 65_536


def edits(setting: str = "practitioner") -> list[PtpEdits]:
    """Installed PTP releases of one setting by effective date, as :class:`PtpEdits`.

    Read once per release straight from the installed files (not through :func:`load`, whose
    tables would stay in memory beside them) and kept for the process.
    """
    out = []
    for prov, parts in _releases(setting):
        key = (prov.release, prov.sha256, prov.effective_from, prov.effective_to)
        with _edits_lock:
            if key not in _edits_memo:
                if len(_edits_memo) >= 8:  # a few quarters at a time are worth keeping
                    _edits_memo.clear()
                _edits_memo[key] = _read_edits(prov, parts)
            out.append(_edits_memo[key])
    return sorted(out, key=lambda e: (e.provenance.effective_from or date.min, e.provenance.release))


def _read_edits(prov: store.Provenance, parts: list[store.Provenance]) -> PtpEdits:
    import pyarrow as pa
    import pyarrow.parquet as pq

    first = _day(prov.effective_from, np.iinfo(np.int32).min)
    last = _day(prov.effective_to, np.iinfo(np.int32).max)
    rationales: dict[str, int] = {}
    pieces: dict[str, list[np.ndarray]] = {name: [np.empty(0, dtype)] for name, dtype in _FIELDS.items()}
    for part in parts:
        with pq.ParquetFile(_tablefiles.table_path(part), read_dictionary=["rationale"]) as f:
            for batch in f.iter_batches(_READ_ROWS, columns=_EDIT_COLUMNS, use_threads=False):
                for name, values in zip(_FIELDS, _compact_batch(batch, first, last, rationales), strict=True):
                    pieces[name].append(values)
    # The reader's buffers are freed but pyarrow's allocator keeps the pages (tens of MB) unless asked.
    pa.default_memory_pool().release_unused()
    # One field at a time, so at most one field is in memory twice.
    fields = {
        name: np.concatenate(pieces.pop(name)).astype(dtype, copy=False) for name, dtype in _FIELDS.items()
    }
    column1 = fields["column1"]
    if (column1[1:] < column1[:-1]).any():  # CMS files come sorted by column 1; others are sorted here
        order = np.argsort(column1, kind="stable")
        for name in fields:
            fields[name] = fields[name][order]
    codes = fields.pop("rationale")
    categories = pd.Index(list(rationales), dtype=object)
    return PtpEdits(
        provenance=prov, **fields, rationale=pd.Categorical.from_codes(codes, categories=categories)
    )


# The PtpEdits arrays and their types, in the order _compact_batch returns them.
_FIELDS = {
    "column1": np.int32,
    "column2": np.int32,
    "effective": np.int32,
    "deletion": np.int32,
    "indicator": np.int8,
    "rationale": np.int32,
}
_EDIT_COLUMNS = ["column1", "column2", "effective", "deletion", "modifier_indicator", "rationale"]


def _day(value: date | None, default: int) -> int:
    return default if value is None else (value - date(1970, 1, 1)).days


def _compact_batch(
    batch: pa.RecordBatch, first: int, last: int, rationales: dict[str, int]
) -> tuple[np.ndarray, ...]:
    """(column1, column2, effective, deletion, indicator, rationale id) of the rows of ``batch``
    that can apply between days ``first`` and ``last``; ``rationales`` numbers the rationale texts."""
    import pyarrow as pa

    indicator = batch.column("modifier_indicator").to_numpy()
    effective = batch.column("effective").cast(pa.date32()).cast(pa.int32()).to_numpy()
    deletion = batch.column("deletion").cast(pa.date32()).cast(pa.int32()).fill_null(NO_DELETION).to_numpy()
    keep = np.flatnonzero((indicator != 9) & (effective <= last) & (deletion >= first))
    text = batch.column("rationale")
    ids = np.array(
        [rationales.setdefault(r, len(rationales)) for r in text.dictionary.to_pylist()], dtype=np.int32
    )
    return (
        code_numbers.from_arrow(batch.column("column1"))[keep],
        code_numbers.from_arrow(batch.column("column2"))[keep],
        effective[keep],
        deletion[keep],
        indicator[keep],
        ids[text.indices.to_numpy()[keep]],
    )
