"""Reading one claims table file (CSV or Parquet) into text columns, or an ``ImportFailed`` that names
the file, the line and what to do.

A CSV must be UTF-8 (a BOM is allowed) with a header row; every row has exactly the header's number
of fields (a trailing comma or an extra field is an error, not a silent shift of every column), and
quotes are balanced. Arrow parses the file and stops at the first row of the wrong width, so a row
of 100,000 stray fields costs no more memory than its own text.

Large files are read without holding them whole: the checks above run over the file in chunks,
Arrow parses it from disk, and the columns named in ``codes`` (codes with few distinct values) are
read dictionary-encoded and arrive as pandas categoricals, one or two bytes a row.
"""

from __future__ import annotations

import codecs
import csv
from collections.abc import Collection
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from medbill.exceptions import ImportFailed

# More columns than any table of docs/tables.md could want: a header wider than this is not a table.
MAX_COLUMNS = 1000
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_CHUNK = 16 << 20  # bytes checked at a time


def read_table_file(path: Path, codes: Collection[str] = ()) -> pd.DataFrame:
    """The rows of ``path`` (``.csv`` or ``.parquet``) with their values as text (None when empty);
    the text columns named in ``codes`` as categoricals."""
    if not path.is_file():
        raise ImportFailed(f"{path} is not a file (a folder?); expected a {path.suffix[1:].upper()} table")
    if path.suffix == ".parquet":
        return _read_parquet(path, codes)
    try:
        if _looks_sound(path):
            return _read_csv(path, codes)
        raw = path.read_bytes()  # something is wrong: find it with the whole file at hand
    except OSError as exc:
        raise ImportFailed(f"Cannot read {path}: {exc.strerror or exc}") from None
    _check_text(path, raw)
    raise ImportFailed(f"{path} is not a readable CSV file")  # not reached: _check_text names the fault


def _read_parquet(path: Path, codes: Collection[str]) -> pd.DataFrame:
    try:
        names = pq.read_schema(path).names
        table = pq.read_table(path, read_dictionary=[c for c in names if c in codes])
        return table.to_pandas(self_destruct=True, split_blocks=True)
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise ImportFailed(
            f"{path} is not a readable Parquet file ({exc}); write it again or use CSV"
        ) from None


def _looks_sound(path: Path) -> bool:
    """One pass over the file in chunks: UTF-8 throughout, not empty, quotes balanced."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    quotes, content = 0, False
    with path.open("rb") as f:
        first = True
        while chunk := f.read(_CHUNK):
            if first and chunk.startswith(_UTF16_BOMS):
                return False
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError:
                return False
            quotes += chunk.count(b'"')
            content = content or bool(chunk.removeprefix(codecs.BOM_UTF8 if first else b"").strip())
            first = False
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return content and quotes % 2 == 0


def _check_text(path: Path, raw: bytes) -> None:
    """ImportFailed naming the line and character where ``raw`` is not usable UTF-8 CSV text."""
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
    if raw.count(b'"') % 2:
        line, column = _line_and_column(raw, raw.rfind(b'"'))
        raise ImportFailed(f"{path}, line {line}, character {column}: a quote opened here is never closed")


def _read_csv(path: Path, codes: Collection[str]) -> pd.DataFrame:
    with path.open("rb") as f:
        first_line = f.readline().decode("utf-8-sig").rstrip("\r\n")
    header = _header(path, first_line)
    bad_rows: list[pacsv.InvalidRow] = []

    def refuse(row: pacsv.InvalidRow) -> str:
        bad_rows.append(row)
        return "error"

    try:
        table = pacsv.read_csv(
            path,
            read_options=pacsv.ReadOptions(column_names=header, skip_rows=1, use_threads=False),
            parse_options=pacsv.ParseOptions(newlines_in_values=True, invalid_row_handler=refuse),
            convert_options=pacsv.ConvertOptions(
                column_types={c: _CODE if c in codes else pa.string() for c in header},
                strings_can_be_null=True,
                null_values=[""],
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
    return table.to_pandas(self_destruct=True, split_blocks=True)


_CODE = pa.dictionary(pa.int32(), pa.string())


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
