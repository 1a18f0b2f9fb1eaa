"""The claims tables (``docs/tables.md``): read and write a ``CLAIMS_DIR`` of CSV or Parquet files.

Every table is typed the same way whatever its source: text columns as pandas ``string`` (codes keep
their leading zeros), dates as ``datetime64[ns]``, money and units as ``float64``, line numbers as
nullable ``Int64``. Columns the contract does not name are carried through untouched.
"""

from __future__ import annotations

import dataclasses
import functools
import os
import weakref
from collections.abc import Collection, Iterator
from pathlib import Path
from typing import Protocol

import numpy as np
import pandas as pd

from medbill._memory import release_freed
from medbill.claims._table_files import read_table_file
from medbill.exceptions import ImportFailed, InvalidArgument

DX_COLUMNS: tuple[str, ...] = tuple(f"dx{i}" for i in range(1, 13))
MODIFIER_COLUMNS: tuple[str, ...] = tuple(f"modifier{i}" for i in range(1, 5))

# column -> kind ("str", "date", "money", "float", "int"); the contract of docs/tables.md.
SCHEMAS: dict[str, dict[str, str]] = {
    "claims": {
        "claim_id": "str",
        "patient_id": "str",
        "patient_birth_date": "date",
        "patient_sex": "str",
        "payer_id": "str",
        "member_id": "str",
        "group_number": "str",
        "subscriber_relationship": "str",
        "subscriber_id": "str",
        "billing_npi": "str",
        "rendering_npi": "str",
        "referring_npi": "str",
        "facility_npi": "str",
        "place_of_service": "str",
        "claim_frequency": "str",
        "original_claim_ref": "str",
        "prior_authorization": "str",
        "onset_date": "date",
        "accident_code": "str",
        "accident_state": "str",
        "accident_date": "date",
        "submitted_date": "date",
        **dict.fromkeys(DX_COLUMNS, "str"),
        "dx_code_set": "str",
        "provider_signature": "str",
        "assignment": "str",
        "benefits_assigned": "str",
        "release_of_information": "str",
        "payer_responsibility": "str",
        "referring_last_name": "str",
        "referring_first_name": "str",
        "referring_middle_name": "str",
        "group_name": "str",
        "insurance_type": "str",
        "patient_signature_source": "str",
        "pay_to_address1": "str",
        "pay_to_address2": "str",
        "pay_to_city": "str",
        "pay_to_state": "str",
        "pay_to_zip": "str",
        "x12_kept": "str",
        "x12_not_carried": "str",
    },
    "lines": {
        "claim_id": "str",
        "line_number": "int",
        "service_date": "date",
        "service_date_to": "date",
        "procedure_code": "str",
        **dict.fromkeys(MODIFIER_COLUMNS, "str"),
        "units": "float",
        "unit_code": "str",
        "charge": "money",
        "dx_pointers": "str",
        "ndc": "str",
        "place_of_service": "str",
        "rendering_npi": "str",
        "control_number": "str",
        "ndc_quantity": "float",
        "ndc_unit": "str",
        "emergency": "str",
        "description": "str",
        "x12_kept": "str",
    },
    "patients": {
        "patient_id": "str",
        "last_name": "str",
        "first_name": "str",
        "middle_name": "str",
        "birth_date": "date",
        "sex": "str",
        "address1": "str",
        "address2": "str",
        "city": "str",
        "state": "str",
        "zip": "str",
    },
    "providers": {
        "npi": "str",
        "entity_type": "str",
        "last_name": "str",
        "first_name": "str",
        "taxonomy": "str",
        "tax_id": "str",
        "tax_id_type": "str",
        "address1": "str",
        "address2": "str",
        "city": "str",
        "state": "str",
        "zip": "str",
        "phone": "str",
        "specialty": "str",
        "middle_name": "str",
    },
    "payers": {
        "payer_id": "str",
        "name": "str",
        "kind": "str",
        "claim_filing_indicator": "str",
        "address1": "str",
        "address2": "str",
        "city": "str",
        "state": "str",
        "zip": "str",
        "timely_filing_days": "int",
        "id_qualifier": "str",
        "appeal_days": "int",
    },
    "remit_payments": {
        "payment_id": "str",
        "payer_id": "str",
        "payer_name": "str",
        "payee_npi": "str",
        "payment_date": "date",
        "method": "str",
        "amount": "money",
        "plb_amount": "money",
        "source_file": "str",
    },
    "remit_claims": {
        "payment_id": "str",
        "claim_id": "str",
        "status_code": "str",
        "charge": "money",
        "paid": "money",
        "patient_responsibility": "money",
        "payer_claim_control": "str",
        "received_date": "date",
    },
    "remit_lines": {
        "payment_id": "str",
        "claim_id": "str",
        "line_number": "int",
        "procedure_code": "str",
        **dict.fromkeys(MODIFIER_COLUMNS, "str"),
        "charge": "money",
        "paid": "money",
        "allowed": "money",
        "units": "float",
        "service_date": "date",
    },
    "remit_adjustments": {
        "payment_id": "str",
        "claim_id": "str",
        "line_number": "int",
        "group": "str",
        "reason": "str",
        "amount": "money",
        "quantity": "float",
    },
    "remit_remarks": {
        "payment_id": "str",
        "claim_id": "str",
        "line_number": "int",
        "code": "str",
    },
    "patient_payments": {
        "payment_id": "str",
        "patient_id": "str",
        "payment_date": "date",
        "amount": "money",
        "method": "str",
        "claim_id": "str",
    },
}

# Text columns holding codes, or ids repeated over many rows (providers, patients), with few distinct
# values: ``read_claims_dir(compact=True)`` reads them as categoricals, a byte or a few a row instead
# of a string each.
CODE_COLUMNS: dict[str, frozenset[str]] = {
    "claims": frozenset(
        {
            "patient_id", "member_id", "subscriber_id", "group_number", "billing_npi", "rendering_npi",
            "referring_npi", "facility_npi",
            "patient_sex", "payer_id", "subscriber_relationship", "place_of_service", "claim_frequency",
            "accident_code", "accident_state", *DX_COLUMNS, "dx_code_set", "provider_signature",
            "assignment", "benefits_assigned", "release_of_information", "payer_responsibility",
            "insurance_type", "patient_signature_source", "pay_to_state",
        }
    ),
    "lines": frozenset(
        {"procedure_code", *MODIFIER_COLUMNS, "unit_code", "dx_pointers", "place_of_service", "ndc_unit",
         "emergency", "rendering_npi", "ndc"}
    ),
}  # fmt: skip

# Columns a table must have to be usable at all; the others are optional and added empty.
REQUIRED: dict[str, tuple[str, ...]] = {
    "claims": ("claim_id",),
    "lines": ("claim_id", "line_number", "procedure_code", "charge"),
    "patients": ("patient_id",),
    "providers": ("npi",),
    "payers": ("payer_id",),
    "remit_payments": ("payment_id",),
    "remit_claims": ("payment_id", "claim_id"),
    "remit_lines": ("payment_id", "claim_id"),
    "remit_adjustments": ("payment_id", "claim_id", "group", "reason", "amount"),
    "remit_remarks": ("payment_id", "claim_id", "code"),
    "patient_payments": ("payment_id", "patient_id", "payment_date", "amount"),
}

TABLES: tuple[str, ...] = tuple(SCHEMAS)
# In a patient-partitioned dataset (medbill.scale.partition), each row's position in the input table.
SOURCE_ROW = "source_row"


@dataclasses.dataclass
class ClaimsData:
    """The tables of one ``CLAIMS_DIR``; the remittance and patient payment tables are None when absent."""

    claims: pd.DataFrame
    lines: pd.DataFrame
    patients: pd.DataFrame | None = None
    providers: pd.DataFrame | None = None
    payers: pd.DataFrame | None = None
    remit_payments: pd.DataFrame | None = None
    remit_claims: pd.DataFrame | None = None
    remit_lines: pd.DataFrame | None = None
    remit_adjustments: pd.DataFrame | None = None
    remit_remarks: pd.DataFrame | None = None
    patient_payments: pd.DataFrame | None = None

    def __post_init__(self) -> None:
        for name in TABLES:
            frame = getattr(self, name)
            if frame is not None:
                setattr(self, name, coerce_table(name, frame))

    def items(self) -> Iterator[tuple[str, pd.DataFrame]]:
        """(name, table) for each table present."""
        for name in TABLES:
            frame = getattr(self, name)
            if frame is not None:
                yield name, frame


class ClaimTables(Protocol):
    """Read access to the claims tables by attribute: a :class:`ClaimsData` (absent tables None) or
    the analytics ``Tables`` (every table present, maybe empty)."""

    @property
    def claims(self) -> pd.DataFrame: ...
    @property
    def lines(self) -> pd.DataFrame: ...
    @property
    def payers(self) -> pd.DataFrame | None: ...
    @property
    def remit_claims(self) -> pd.DataFrame | None: ...
    @property
    def remit_adjustments(self) -> pd.DataFrame | None: ...
    @property
    def patient_payments(self) -> pd.DataFrame | None: ...


def coerce_table(name: str, frame: pd.DataFrame, source: str = "") -> pd.DataFrame:
    """``frame`` typed per the contract of table ``name``: known columns converted, missing optional
    columns added empty, extra columns kept. Raises ImportFailed naming the column and a bad value."""
    if not isinstance(name, str) or name not in SCHEMAS:
        raise InvalidArgument(f"{name!r:.60} is not a claims table; the tables are {', '.join(TABLES)}")
    if not isinstance(frame, pd.DataFrame):
        raise InvalidArgument(f"table {name} must be a DataFrame, got {type(frame).__name__}")
    schema = SCHEMAS[name]
    typed = _TYPED.get(id(frame))
    if typed is not None and typed[0] == name and typed[1]() is frame:  # already typed by this function
        return frame
    where = f" in {source}" if source else ""
    missing = [c for c in REQUIRED[name] if c not in frame.columns]
    if missing:
        raise ImportFailed(
            f"table {name}{where} lacks required column(s) {', '.join(missing)}; see docs/tables.md"
        )
    out = frame.copy(deep=False)  # every contract column is replaced below; copy-on-write keeps frame
    for column, kind in schema.items():
        if column not in out.columns:
            out[column] = pd.Series(None, index=out.index, dtype=_DTYPES[kind])
            continue
        out[column] = _convert(out[column], kind, f"{name}.{column}{where}")
    extra = [c for c in out.columns if c not in schema]
    return _typed(name, out[[*schema, *extra]])


def _typed(name: str, table: pd.DataFrame) -> pd.DataFrame:
    """Remember that ``table`` is typed as table ``name``, so ``ClaimsData`` does not type it again."""
    key = id(table)
    _TYPED[key] = (name, weakref.ref(table, functools.partial(_forget, key)))
    return table


def _forget(key: int, _ref: weakref.ref) -> None:
    _TYPED.pop(key, None)


# frames this module typed (id -> table name, weak reference), so ClaimsData does not type them twice
_TYPED: dict[int, tuple[str, weakref.ref]] = {}


_DTYPES = {"str": "string", "date": "datetime64[ns]", "money": "float64", "float": "float64", "int": "Int64"}


# Whole numbers travel through float64 when parsed from text; beyond 2**53 they are no longer exact.
_MAX_WHOLE = 2**53


def clean_text(values: pd.Series) -> pd.Series:
    """Text as every table holds it: surrounding spaces stripped, empty text missing."""
    text = values.astype("string").str.strip()
    return text.mask(text == "")


def _convert(values: pd.Series, kind: str, label: str) -> pd.Series:
    if kind == "str" and isinstance(values.dtype, pd.CategoricalDtype):
        return _stripped_categories(values)
    if kind == "str":
        return clean_text(values)
    if kind == "date":
        return _convert_date(values, label)
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        numeric = values.astype("float64")
    else:
        text = values.astype("string").str.strip().replace("", pd.NA)
        numeric = pd.to_numeric(text, errors="coerce").astype("float64")
        _refuse(text.notna() & numeric.isna(), text, label, "is not a number")
    shown = numeric.astype("string")
    _refuse(np.isinf(numeric), shown, label, "is not a finite number")
    if kind == "int":
        _refuse((numeric % 1).fillna(0) != 0, shown, label, "is not a whole number (whole numbers expected)")
        _refuse(numeric.abs() > _MAX_WHOLE, shown, label, f"is out of range (at most {_MAX_WHOLE:,})")
        return numeric.astype("Int64")
    return numeric.round(2) if kind == "money" else numeric


def _stripped_categories(values: pd.Series) -> pd.Series:
    """A categorical of text stripped like any text column, working on its categories only."""
    text = values.cat.categories.astype("string").str.strip()
    uniques, at = np.unique(text.to_numpy(dtype=object, na_value=""), return_inverse=True)
    keep = uniques != ""  # empty text is NA
    recode = np.where(keep[at], np.cumsum(keep)[at] - 1, -1)
    codes = values.cat.codes.to_numpy()
    return pd.Series(
        pd.Categorical.from_codes(
            np.where(codes >= 0, np.append(recode, -1)[codes], -1),
            categories=pd.Index(uniques[keep], dtype="str"),
        ),
        index=values.index,
    )


def _convert_date(values: pd.Series, label: str) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(values):
        parsed = values.dt.tz_localize(None) if getattr(values.dt, "tz", None) is not None else values
    else:
        text = values.astype("string").str.strip().replace("", pd.NA)
        parsed = pd.to_datetime(text, format="%Y-%m-%d", errors="coerce")
        _refuse(text.notna() & parsed.isna(), text, label, f"is not an ISO date (YYYY-MM-DD) {_DATE_RANGE}")
    too_far = parsed.notna() & ((parsed < _FIRST_DATE) | (parsed > _LAST_DATE))
    _refuse(too_far, parsed.astype("string"), label, f"is not a date {_DATE_RANGE}")
    return parsed.astype("datetime64[ns]")


# dates pandas can hold at nanosecond precision (9999-12-31 is not one of them)
_FIRST_DATE, _LAST_DATE = pd.Timestamp("1678-01-01"), pd.Timestamp("2261-12-31")
_DATE_RANGE = "between 1678-01-01 and 2261-12-31"


def _refuse(bad: pd.Series, shown: pd.Series, label: str, problem: str) -> None:
    """ImportFailed naming the first bad row (1-based, header not counted) and its value."""
    bad = bad.fillna(False).to_numpy(dtype=bool)
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        raise ImportFailed(
            f"{label}, row {first + 1}: {shown.iloc[first]!r} {problem} ({int(bad.sum())} bad rows)"
        )


def read_claims_dir(
    path: str | Path, *, compact: bool = False, only: Collection[str] | None = None
) -> ClaimsData:
    """Read the tables of a ``CLAIMS_DIR`` (``<table>.parquet`` wins over ``<table>.csv``).

    ``claims`` and ``lines`` are required; the other tables are None when absent. Anything
    unreadable raises ``ImportFailed`` naming the file, the row and the column. ``compact`` reads
    the code columns of :data:`CODE_COLUMNS` as categoricals, a fraction of the memory, for tables
    that are only read (scrubbing or pricing a large folder): a categorical refuses a value outside
    its categories, so leave it off to edit the tables. ``only`` names the tables to read (claims
    and lines always), the others None: scrubbing reads claims, lines and payers, pricing two.
    """
    if not isinstance(path, (str, os.PathLike)) or not str(path).strip():
        raise ImportFailed(f"{path!r:.60} is not the path of a claims folder (docs/tables.md)")
    if not isinstance(compact, bool):
        raise InvalidArgument(f"compact is True or False, got {compact!r:.60}")
    wanted = set(TABLES) if only is None else {"claims", "lines", *_table_names(only)}
    folder = Path(path)
    try:
        is_folder = folder.is_dir()
    except OSError as exc:  # a name too long for the file system, for one
        raise ImportFailed(
            f"claims folder {str(folder)[:80]!r}... cannot be opened: {exc.strerror or exc}"
        ) from None
    if not is_folder:
        raise ImportFailed(
            f"claims folder {folder} does not exist; it should hold claims.csv and lines.csv (docs/tables.md)"
        )
    found: dict[str, pd.DataFrame] = {}
    for name in [t for t in TABLES if t in wanted]:
        parquet, csv = folder / f"{name}.parquet", folder / f"{name}.csv"
        chosen = parquet if parquet.exists() else csv if csv.exists() else None
        if chosen is not None:
            found[name] = read_table(name, chosen, compact=compact)
    release_freed()  # the parse buffers and the untyped tables: a large folder would keep them for good
    for name in ("claims", "lines"):
        if name not in found:
            raise ImportFailed(
                f"claims folder {folder} has no {name}.csv or {name}.parquet (see docs/tables.md)"
            )
    return ClaimsData(**found)


def _table_names(only: Collection[str]) -> list[str]:
    if not isinstance(only, str | list | tuple | set | frozenset):
        raise InvalidArgument(f"only= takes table names such as ('payers',), got {only!r:.60}")
    names = [only] if isinstance(only, str) else list(only)
    unknown = [n for n in names if not isinstance(n, str) or n not in TABLES]
    if unknown:
        raise InvalidArgument(
            f"only= names tables, not {unknown[0]!r:.60}; the tables are {', '.join(TABLES)}"
        )
    return names


def read_table(name: str, path: Path, *, compact: bool = False) -> pd.DataFrame:
    """Claims table ``name`` from one CSV or Parquet file, typed (``compact``: see :func:`read_claims_dir`)."""
    raw = read_table_file(path, CODE_COLUMNS.get(name, ()) if compact else ())
    table = coerce_table(name, raw, str(path))
    del raw  # the typed table replaces it
    return _empty_text_compact(name, table) if compact else table


def _empty_text_compact(name: str, table: pd.DataFrame) -> pd.DataFrame:
    """Text columns with no value at all as categoricals without categories: a byte a row instead of
    Arrow's eight-byte offsets (a claims folder has many such columns: pay-to address, names ...)."""
    empty = [
        c
        for c, kind in SCHEMAS[name].items()
        if kind == "str" and not isinstance(table[c].dtype, pd.CategoricalDtype) and table[c].isna().all()
    ]
    none = pd.Index([], dtype="str")
    compacted = table.assign(
        **{
            c: pd.Categorical.from_codes(np.full(len(table), -1, dtype=np.int8), categories=none)
            for c in empty
        }
    )
    return _typed(name, compacted)


def write_claims_dir(data: ClaimsData, path: str | Path, fmt: str = "csv") -> list[Path]:
    """Write every present table of ``data`` to ``path`` as ``<table>.csv`` or ``<table>.parquet``.

    Dates are written ISO (``YYYY-MM-DD``) and money with two decimals; returns the files written.
    """
    if fmt not in ("csv", "parquet"):
        raise ValueError(f"fmt {fmt!r} is not 'csv' or 'parquet'")
    folder = Path(path)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, frame in data.items():
        target = folder / f"{name}.{fmt}"
        if fmt == "parquet":
            frame.to_parquet(target, index=False)
        else:
            out = frame.copy()
            for column, kind in SCHEMAS[name].items():
                if kind == "date":
                    out[column] = out[column].dt.strftime("%Y-%m-%d")
                elif kind == "money":
                    values = out[column].to_numpy(dtype="float64", na_value=np.nan)
                    text = pd.Series(np.char.mod("%.2f", values), index=out.index, dtype="string")
                    out[column] = text.mask(np.isnan(values))
            out.to_csv(target, index=False)
        written.append(target)
    return written
