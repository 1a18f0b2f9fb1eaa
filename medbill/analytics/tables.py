"""The claims and remittance tables as analytics sees them: typed, complete, filterable.

Every analytics function accepts ``data`` as a :class:`Tables`, a ``ClaimsData`` (anything with the
table names of docs/tables.md as attributes), a mapping of name to DataFrame, or a claims folder.
:func:`as_tables` turns each into a :class:`Tables` with the contract's dtypes (identifiers and codes
as strings, dates as datetimes, money as float) and an empty, correctly named frame for every
absent table, so a practice with no remittances yet gets zeros, not KeyErrors.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, overload, runtime_checkable

import pandas as pd

from medbill.claims.tables import DX_COLUMNS, SCHEMAS, TABLES, read_claims_dir
from medbill.exceptions import InvalidArgument

if TYPE_CHECKING:
    from medbill.analytics.rollup import Request

# The columns analytics reads, per table (docs/tables.md); their kinds come from the claims tables'
# contract, with money as plain float. Extra columns are kept.
_READS: dict[str, tuple[str, ...]] = {
    "claims": (
        "claim_id",
        "patient_id",
        "payer_id",
        "billing_npi",
        "rendering_npi",
        "place_of_service",
        "claim_frequency",
        "submitted_date",
        *DX_COLUMNS,
    ),
    "lines": (
        "claim_id",
        "line_number",
        "service_date",
        "procedure_code",
        "modifier1",
        "modifier2",
        "modifier3",
        "modifier4",
        "units",
        "charge",
    ),
    "patients": ("patient_id",),
    "providers": (
        "npi",
        "last_name",
        "first_name",
        "specialty",
    ),
    "payers": (
        "payer_id",
        "name",
        "kind",
    ),
    "remit_payments": (
        "payment_id",
        "payer_id",
        "payment_date",
        "amount",
    ),
    "remit_claims": (
        "payment_id",
        "claim_id",
        "status_code",
        "charge",
        "paid",
        "patient_responsibility",
        "received_date",
    ),
    "remit_lines": (
        "payment_id",
        "claim_id",
        "line_number",
        "procedure_code",
        "charge",
        "paid",
        "allowed",
        "units",
        "service_date",
    ),
    "remit_adjustments": (
        "payment_id",
        "claim_id",
        "line_number",
        "group",
        "reason",
        "amount",
    ),
    "remit_remarks": (
        "payment_id",
        "claim_id",
        "line_number",
        "code",
    ),
    "patient_payments": (
        "payment_id",
        "patient_id",
        "payment_date",
        "amount",
        "method",
        "claim_id",
    ),
}
SCHEMA: dict[str, dict[str, str]] = {
    name: {c: "float" if SCHEMAS[name][c] == "money" else SCHEMAS[name][c] for c in columns}
    for name, columns in _READS.items()
}


def _already(col: pd.Series, kind: str) -> bool:
    if kind == "str":
        return isinstance(col.dtype, pd.StringDtype)
    if kind == "date":
        return pd.api.types.is_datetime64_any_dtype(col)
    if kind == "int":
        return str(col.dtype) == "Int64"
    return str(col.dtype) == "float64"


def _typed(frame: pd.DataFrame, schema: Mapping[str, str]) -> pd.DataFrame:
    frame = frame.copy()
    for column, kind in schema.items():
        if column not in frame.columns:
            frame[column] = pd.Series(pd.NA, index=frame.index, dtype="object")
        col = frame[column]
        if _already(col, kind):  # read_claims_dir has typed it: converting again costs seconds at 1M rows
            continue
        if kind == "str":
            # Identifiers read as numbers (an NPI, POS "11" read as 11) become their text again.
            if pd.api.types.is_float_dtype(col):
                col = col.astype("Int64")
            frame[column] = col.astype("string").str.strip().replace("", pd.NA)
        elif kind == "date":
            frame[column] = pd.to_datetime(col, errors="raise")
        elif kind == "int":
            frame[column] = pd.to_numeric(col, errors="raise").astype("Int64")
        else:
            frame[column] = pd.to_numeric(col, errors="raise").astype("float64")
    return frame


@dataclass(frozen=True)
class Tables(Mapping[str, pd.DataFrame]):
    """Typed claims and remittance tables, by name (``t.claims`` or ``t["claims"]``).

    ``source`` is the folder the tables were read from, when they were read from one.
    """

    frames: dict[str, pd.DataFrame]
    source: Path | None = field(default=None)
    # Derived frames (claim facts per as-of date) computed once per Tables; the frames never change.
    cache: dict[Any, pd.DataFrame] = field(default_factory=dict, compare=False, repr=False)

    def __getitem__(self, name: str) -> pd.DataFrame:
        return self.frames[name]

    def __getattr__(self, name: str) -> pd.DataFrame:
        try:
            return self.frames[name]
        except KeyError:
            raise AttributeError(name) from None

    def __iter__(self) -> Iterator[str]:
        return iter(self.frames)

    def __len__(self) -> int:
        return len(self.frames)


@runtime_checkable
class Partitioned(Protocol):
    """A claims history split by patient into partitions that each hold every row of their claims
    (:class:`medbill.scale.claims.PartitionedClaims`). The billing summary's figures
    (:mod:`medbill.analytics.rollup`) are computed per partition and combined; the rest of analytics
    needs whole tables and refuses it."""

    @property
    def source(self) -> Path: ...

    def aggregate_many(self, requests: Sequence[Request]) -> list[pd.DataFrame]: ...

    def shared_tables(self) -> Tables: ...

    def filtered(self, **where: Any) -> Partitioned: ...

    def files(self) -> list[Path]: ...


def as_tables(data: Any) -> Tables:
    """Typed :class:`Tables` from a Tables, ClaimsData, mapping, or claims folder path."""
    if isinstance(data, Tables):
        return data
    if isinstance(data, Partitioned):
        raise InvalidArgument(
            f"{data.source} is a partitioned dataset: only the billing summary's figures "
            "(medbill.analytics.summary, facts.claim_facts, accounting) are computed on it; "
            "read the claims folder it was made from for this view"
        )
    if isinstance(data, (str, os.PathLike)):
        return read_dir(data)
    frames: dict[str, pd.DataFrame] = {}
    names = set(SCHEMA) | (set(data) if isinstance(data, Mapping) else set())
    for name in sorted(names):
        value = data.get(name) if isinstance(data, Mapping) else getattr(data, name, None)
        if value is None and name not in SCHEMA:
            continue
        frame = value if isinstance(value, pd.DataFrame) else pd.DataFrame()
        frames[name] = _typed(frame, SCHEMA.get(name, {}))
    return Tables(frames)


def read_dir(path: str | os.PathLike[str]) -> Tables:
    """Read a claims folder with :func:`medbill.claims.tables.read_claims_dir` and type it."""
    folder = Path(path)
    return Tables(as_tables(read_claims_dir(folder)).frames, source=folder)


def shared_tables(data: Any) -> Tables:
    """The tables of payers, providers and payments (names for identifiers): those of a partitioned
    dataset, read once for all its partitions, or :func:`as_tables` of ``data``."""
    return data.shared_tables() if isinstance(data, Partitioned) else as_tables(data)


def data_files(tables: Tables | Partitioned) -> list[Path]:
    """The table files a folder-backed :class:`Tables` was read from (for provenance): per table of
    docs/tables.md, its Parquet file or else its CSV file, as ``read_claims_dir`` chooses; every
    file of a partitioned dataset."""
    if isinstance(tables, Partitioned):
        return tables.files()
    if tables.source is None:
        return []
    found = []
    for name in TABLES:
        parquet, csv = tables.source / f"{name}.parquet", tables.source / f"{name}.csv"
        if parquet.is_file() or csv.is_file():
            found.append(parquet if parquet.is_file() else csv)
    return found


@overload
def filter_tables(
    data: Partitioned,
    *,
    provider_npi: str | None = None,
    payer_id: str | None = None,
    start: str | pd.Timestamp | None = None,
    end: str | pd.Timestamp | None = None,
) -> Partitioned: ...


@overload
def filter_tables(
    data: Any,
    *,
    provider_npi: str | None = None,
    payer_id: str | None = None,
    start: str | pd.Timestamp | None = None,
    end: str | pd.Timestamp | None = None,
) -> Tables: ...


def filter_tables(
    data: Any,
    *,
    provider_npi: str | None = None,
    payer_id: str | None = None,
    start: str | pd.Timestamp | None = None,
    end: str | pd.Timestamp | None = None,
) -> Tables | Partitioned:
    """Restrict every table to the claims of one rendering provider / payer / service-date range.

    A claim's service date is its earliest line's; ``start`` and ``end`` are inclusive. The
    remittance tables keep the rows of the kept claims (payments: those carrying one of them).
    A partitioned dataset is filtered partition by partition when its figures are computed.
    """
    if isinstance(data, Partitioned):
        return data.filtered(provider_npi=provider_npi, payer_id=payer_id, start=start, end=end)
    t = as_tables(data)
    if not (provider_npi or payer_id) and start is None and end is None:
        return t
    claims = t.claims
    keep = pd.Series(True, index=claims.index)
    if provider_npi:
        keep &= claims["rendering_npi"].eq(str(provider_npi)).fillna(False)
    if payer_id:
        keep &= claims["payer_id"].eq(str(payer_id)).fillna(False)
    if start is not None or end is not None:
        first = t.lines.groupby("claim_id")["service_date"].min()
        # reindex, not map: mapping no claim (an empty partition) would not keep the date dtype
        dates = pd.Series(first.reindex(claims["claim_id"]).to_numpy(), index=claims.index)
        if start is not None:
            keep &= dates.ge(pd.Timestamp(start)).fillna(False)
        if end is not None:
            keep &= dates.le(pd.Timestamp(end)).fillna(False)
    ids = set(claims.loc[keep, "claim_id"])
    frames = dict(t.frames)
    for name, frame in t.frames.items():
        if "claim_id" in frame.columns:
            frames[name] = frame[frame["claim_id"].isin(ids)].reset_index(drop=True)
    payment_ids = set(frames["remit_claims"]["payment_id"])
    frames["remit_payments"] = t.remit_payments[t.remit_payments["payment_id"].isin(payment_ids)]
    return Tables(frames, source=t.source)
