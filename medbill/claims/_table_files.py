"""Reading one claims table file (CSV or Parquet) into text columns, or an ``ImportFailed`` that names
the file, the line and what to do.

A CSV must be UTF-8 (a BOM is allowed) with a header row; every row has exactly the header's number
of fields (a trailing comma or an extra field is an error, not a silent shift of every column), and
quotes are balanced. Arrow parses the file and stops at the first row of the wrong width, so a row
of 100,000 stray fields costs no more memory than its own text.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from medbill.exceptions import ImportFailed

# More columns than any table of docs/tables.md could want: a header wider than this is not a table.
MAX_COLUMNS = 1000
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


def read_table_file(path: Path) -> pd.DataFrame:
    """The rows of ``path`` (``.csv`` or ``.parquet``) with their values as text (None when empty)."""
    if not path.is_file():
        raise ImportFailed(f"{path} is not a file (a folder?); expected a {path.suffix[1:].upper()} table")
    if path.suffix == ".parquet":
        return _read_parquet(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ImportFailed(f"Cannot read {path}: {exc.strerror or exc}") from None
    return _read_csv(path, raw)


def _read_parquet(path: Path) -> pd.DataFrame:
    try:
        return pq.read_table(path).to_pandas()
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise ImportFailed(
            f"{path} is not a readable Parquet file ({exc}); write it again or use CSV"
        ) from None


def _read_csv(path: Path, raw: bytes) -> pd.DataFrame:
    if raw.startswith(_UTF16_BOMS):
        raise ImportFailed(f"{path} is UTF-16 text; save it as UTF-8 CSV")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line, column = _line_and_column(raw, exc.start)
        raise ImportFailed(
            f"{path}, line {line}, character {column}: byte 0x{raw[exc.start]:02x} is not UTF-8 "
            "(Latin-1 or Windows-1252 text?); save the file as UTF-8 CSV"
        ) from None
    if not text.strip():
        raise ImportFailed(f"{path} is empty; expected a header row naming the columns (docs/tables.md)")
    quotes = np.flatnonzero(np.frombuffer(raw, dtype=np.uint8) == ord('"'))
    if len(quotes) % 2:
        line, column = _line_and_column(raw, int(quotes[-1]))
        raise ImportFailed(f"{path}, line {line}, character {column}: a quote opened here is never closed")
    header = _header(path, text)
    bad_rows: list[pacsv.InvalidRow] = []

    def refuse(row: pacsv.InvalidRow) -> str:
        bad_rows.append(row)
        return "error"

    try:
        table = pacsv.read_csv(
            pa.py_buffer(raw),
            read_options=pacsv.ReadOptions(column_names=header, skip_rows=1, use_threads=False),
            parse_options=pacsv.ParseOptions(newlines_in_values=True, invalid_row_handler=refuse),
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(header, pa.string()), strings_can_be_null=True, null_values=[""]
            ),
        )
    except pa.ArrowInvalid as exc:
        if bad_rows:
            row = bad_rows[0]
            shown = row.text if len(row.text) <= 60 else row.text[:60] + "..."
            raise ImportFailed(
                f"{path}, line {row.number}: {row.actual_columns} fields where the header has "
                f"{row.expected_columns} ({shown!r}); a stray or trailing comma? Quote values that hold commas"
            ) from None
        raise ImportFailed(f"{path} is not a readable CSV file ({exc})") from None
    return table.to_pandas()


def _header(path: Path, text: str) -> list[str]:
    first = text.split("\n", 1)[0]
    if first.count(",") >= MAX_COLUMNS:
        raise ImportFailed(f"{path}, line 1: the header has more than {MAX_COLUMNS} columns; is it a table?")
    names = [name.strip() for name in next(csv.reader([first]))]
    empty = [i + 1 for i, name in enumerate(names) if not name]
    if empty:
        raise ImportFailed(f"{path}, line 1: column {empty[0]} of the header has no name (a trailing comma?)")
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise ImportFailed(f"{path}, line 1: the header names column {name!r} twice")
        seen.add(name)
    return names


def _line_and_column(raw: bytes, offset: int) -> tuple[int, int]:
    """1-based line and character of byte ``offset``."""
    line_start = raw.rfind(b"\n", 0, offset) + 1
    return raw.count(b"\n", 0, offset) + 1, offset - line_start + 1
