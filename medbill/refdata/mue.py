"""Medically Unlikely Edits (MUE): import CMS release files and load them for the scrubber.

Accepted layouts (``medbill data import mue FILE``):

- the official CMS CSV (``MCR_MUE_PractitionerServices_Eff_07-01-2026.csv`` or its zip): a
  copyright preamble, then the header ``HCPCS/CPT Code, Practitioner Services MUE Values,
  MUE Adjudication Indicator, MUE Rationale`` where the indicator reads ``2 Date of Service Edit: Policy``;
- the tidy layout: ``#`` comment lines, then ``hcpcs, practitioner_mue, mai, mai_text, rationale``.

The MUE adjudication indicator (MAI) decides how units are counted: 1 per claim line, 2 and 3 per
day (2 is an absolute policy limit, 3 a clinical one that an appeal with records may overturn).
The release's effective date comes from the file name (``Eff_07-01-2026``, ``2026-07-01``); CMS
publishes MUEs quarterly, so a release covers the calendar quarter of that date and no other.
"""

from __future__ import annotations

import dataclasses
import io
import threading
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from medbill.exceptions import ImportFailed
from medbill.refdata import _tablefiles, code_numbers, coverage, store

SYSTEM = "mue"
SETTINGS = ("practitioner", "outpatient", "dme")


def _setting(text: str) -> str:
    low = text.lower()
    if "outpatient" in low or "facility" in low:
        return "outpatient"
    if "dme" in low:
        return "dme"
    return "practitioner"


def _pick(columns: list[str], *needles: str, avoid: tuple[str, ...] = ()) -> str | None:
    for c in columns:
        low = c.lower()
        if all(n in low for n in needles) and not any(a in low for a in avoid):
            return c
    return None


def parse(text: str, source: str = "") -> pd.DataFrame:
    """The MUE rows of one file: code, mue (units), mai (1/2/3), rationale."""
    _tablefiles.require_text(text, source)
    lines = text.splitlines()
    start = next(
        (
            i
            for i, line in enumerate(lines)
            if not line.lstrip().startswith("#") and "hcpcs" in line.lower() and "mue" in line.lower()
        ),
        None,
    )
    if start is None:
        raise ImportFailed(f"{source}: no MUE header row (HCPCS ... MUE ...) found; is this a CMS MUE file?")
    sep = "\t" if "\t" in lines[start] else ","
    raw = pd.read_csv(io.StringIO("\n".join(lines[start:])), sep=sep, dtype=str, keep_default_na=False)
    cols = list(raw.columns)
    code_col = _pick(cols, "hcpcs") or _pick(cols, "code")
    value_col = _pick(cols, "mue", avoid=("rationale", "adjudication", "mai", "hcpcs"))
    mai_col = _pick(cols, "adjudication") or next((c for c in cols if c.strip().lower() == "mai"), None)
    why_col = _pick(cols, "rationale")
    if not (code_col and value_col and mai_col):
        raise ImportFailed(
            f"{source}: could not find the code, MUE value and adjudication indicator columns in {cols}."
        )
    raw = raw[raw[code_col].str.strip().ne("")]
    code = raw[code_col].str.strip().str.upper()
    value = pd.to_numeric(raw[value_col].str.strip(), errors="coerce")
    mai = pd.to_numeric(raw[mai_col].str.extract(r"^\s*([123])", expand=False), errors="coerce")
    bad = raw.index[~code.str.fullmatch(r"[0-9A-Z]{5}") | value.isna() | (value < 0) | mai.isna()]
    if len(bad):
        first = raw.loc[bad[0]].to_dict()
        raise ImportFailed(
            f"{source}: {len(bad)} MUE row(s) are unreadable (first: {first}); nothing was installed."
        )
    return pd.DataFrame(
        {
            "code": code.astype("str").to_numpy(),
            "mue": value.astype("int64").to_numpy(),
            "mai": mai.astype("int8").to_numpy(),
            "rationale": (raw[why_col].str.strip() if why_col else pd.Series("", index=raw.index)).to_numpy(),
        }
    )


def import_release(path: Path, effective: date | None = None) -> store.Provenance:
    """Import one CMS MUE file (or zip); the effective date is read from the file name unless given."""
    path = store.as_path(path)
    members = _tablefiles.read_text_members(path, (".csv", ".txt", ".tsv"))
    table = pd.concat([parse(text, name) for name, text in members], ignore_index=True)
    table = table.drop_duplicates("code", keep="last")
    eff = effective or _tablefiles.find_date(path.name)
    if eff is None:
        raise ImportFailed(
            f"{path.name}: the effective date is not in the file name; pass it: import_release(path, effective=date(...))."
        )
    setting = _setting(path.name + " " + members[0][1][:2000])
    return _tablefiles.install_table(
        SYSTEM,
        f"{setting}-{eff.isoformat()}",
        table,
        path,
        effective_from=eff,
        effective_to=coverage.quarter_end(eff),
        licence="CMS MUE (public domain); CPT codes © AMA",
        note=f"{setting} MUE values",
    )


def load(setting: str = "practitioner") -> list[tuple[store.Provenance, pd.DataFrame]]:
    """Installed MUE releases of one setting, by effective date, each with its table (as imported).
    The scrubber uses :func:`values` instead."""
    return [(p, _tablefiles.load(p)) for p in _releases(setting)]


def _releases(setting: str) -> list[store.Provenance]:
    setting = _tablefiles.require_setting(setting, SETTINGS)
    provs = _tablefiles.releases(SYSTEM, lambda p: p.release.startswith(setting + "-"))
    return sorted(provs, key=lambda p: (p.effective_from or date.min, p.release))


@dataclasses.dataclass(frozen=True, eq=False)
class MueValues:
    """The MUE values of one release, compact for the scrubber: codes as :mod:`code_numbers` (int32,
    ascending, each once), the value, the MAI (int8) and the rationale as a categorical; about 14
    bytes a code, where :func:`load`'s table and a dict keyed by code text take hundreds."""

    provenance: store.Provenance
    code: np.ndarray  # int32 code number, ascending
    mue: np.ndarray  # units
    mai: np.ndarray  # int8: 1, 2 or 3
    rationale: pd.Categorical

    def __len__(self) -> int:
        return len(self.code)

    @property
    def nbytes(self) -> int:
        """Bytes held by the values' arrays."""
        return (
            self.code.nbytes + self.mue.nbytes + self.mai.nbytes + int(self.rationale.memory_usage(deep=True))
        )

    def find(self, numbers: np.ndarray) -> np.ndarray:
        """The row of each code number, -1 where the release has no value for the code."""
        at = np.minimum(np.searchsorted(self.code, numbers), max(len(self.code) - 1, 0))
        found = self.code[at] == numbers if len(self.code) else np.zeros(len(numbers), dtype=bool)
        return np.where(found, at, -1)


_values_memo: dict[tuple[object, ...], MueValues] = {}
_values_lock = threading.Lock()


def values(setting: str = "practitioner") -> list[MueValues]:
    """Installed MUE releases of one setting by effective date, as :class:`MueValues`: read once
    per release straight from the installed file (not kept as :func:`load`'s table too)."""
    out = []
    for prov in _releases(setting):
        key = (prov.release, prov.sha256)
        with _values_lock:
            if key not in _values_memo:
                if len(_values_memo) >= 8:  # a few quarters at a time are worth keeping
                    _values_memo.clear()
                _values_memo[key] = _read_values(prov)
            out.append(_values_memo[key])
    return out


def _read_values(prov: store.Provenance) -> MueValues:
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pq.read_table(_tablefiles.table_path(prov), read_dictionary=["rationale"])
    code = code_numbers.from_arrow(table.column("code"))
    order = np.argsort(code, kind="stable")
    values = MueValues(
        provenance=prov,
        code=code[order],
        mue=table.column("mue").to_numpy()[order],
        mai=table.column("mai").to_numpy()[order].astype(np.int8),
        rationale=pd.Categorical(table.column("rationale").to_pandas()).take(order),
    )
    del table
    pa.default_memory_pool().release_unused()  # as in ncci._read_edits: pyarrow's allocator keeps freed pages
    return values
