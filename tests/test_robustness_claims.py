"""Broken claims folders (issue 22): each ends in one medbill error naming the file, the line or row
and the column, and ``medbill scrub`` exits 2 (bad input), never 1 (findings) or a traceback."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from medbill import cli
from medbill.claims.tables import read_claims_dir
from medbill.exceptions import ImportFailed

CLAIMS = "claim_id,patient_id\nC1,P1\nC2,P2\n"
HEADER = "claim_id,line_number,service_date,procedure_code,charge"
GOOD_ROWS = ["C1,1,2025-01-02,99213,100.00", "C2,1,2025-01-03,99214,150.00"]


def _lines(*rows: str) -> bytes:
    return ("\n".join([HEADER, *rows]) + "\n").encode()


def _write(folder: Path, lines: bytes | None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "claims.csv").write_text(CLAIMS)
    if lines is not None:
        (folder / "lines.csv").write_bytes(lines)
    return folder


# (case id, lines.csv bytes, what the message must say) — one broken thing per case
BROKEN_CSV = [
    ("empty file", b"", "lines.csv is empty"),
    ("only blank lines", b"\n\n  \n", "lines.csv is empty"),
    (
        "latin-1",
        _lines(*GOOD_ROWS).replace(b"C2", b"C\xe92", 1),
        "line 3, character 2: byte 0xe9 is not UTF-8",
    ),
    ("utf-16", ("\n".join([HEADER, *GOOD_ROWS]) + "\n").encode("utf-16"), "UTF-16"),
    (
        "extra field",
        _lines(GOOD_ROWS[0], "C2,1,2025-01-03,99214,150.00,oops"),
        "line 3: 6 fields where the header has 5",
    ),
    (
        "missing field",
        _lines(GOOD_ROWS[0], "C2,1,2025-01-03,99214"),
        "line 3: 4 fields where the header has 5",
    ),
    ("trailing commas", _lines(*(r + "," for r in GOOD_ROWS)), "line 2: 6 fields"),
    (
        "unterminated quote",
        _lines(GOOD_ROWS[0], 'C2,1,2025-01-03,"99214,150.00'),
        "line 3, character 17: a quote",
    ),
    ("date 9999-12-31", _lines("C1,1,9999-12-31,99213,100.00"), "lines.service_date in"),
    ("US date", _lines(GOOD_ROWS[0], "C2,1,01/03/2025,99214,150.00"), "row 2: '01/03/2025'"),
    ("line number overflow", _lines("C1,99999999999999999999,2025-01-02,99213,100.00"), "lines.line_number"),
    ("infinite charge", _lines("C1,1,2025-01-02,99213,inf"), "not a finite number"),
    ("text charge", _lines(GOOD_ROWS[0], "C2,1,2025-01-03,99214,ten"), "row 2: 'ten' is not a number"),
    (
        "duplicate column",
        b"claim_id,claim_id,line_number,procedure_code,charge\nC1,C1,1,99213,1\n",
        "column 'claim_id' twice",
    ),
    (
        "unnamed column",
        b"claim_id,,line_number,procedure_code,charge\nC1,x,1,99213,1\n",
        "column 2 of the header has no name",
    ),
    ("header too wide", (HEADER + "," * 5000 + "\n").encode(), "more than 1000 columns"),
    (
        "required column missing",
        b"claim_id,line_number,procedure_code\nC1,1,99213\n",
        "lacks required column(s) charge",
    ),
    ("binary junk", b"\x00\x01\x02\xff\xfe\x00" * 50, "lines.csv"),
]


@pytest.mark.parametrize(("lines", "message"), [c[1:] for c in BROKEN_CSV], ids=[c[0] for c in BROKEN_CSV])
def test_broken_lines_csv_is_a_medbill_error_and_exit_2(tmp_path, capsys, lines, message):
    folder = _write(tmp_path / "claims", lines)
    with pytest.raises(ImportFailed, match="lines") as info:
        read_claims_dir(folder)
    assert message in str(info.value)
    assert cli.main(["scrub", str(folder)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("medbill: error:") and "lines" in err and len(err.strip().splitlines()) == 1


def test_the_100000_field_row_is_refused_at_its_line(tmp_path):
    # 384 KB whose first data row carries 100,000 stray fields: pandas without index_col=False
    # turned them into index levels (over 8 GB); Arrow stops at the row.
    stray = "C1,1,2025-01-02,99213,100.00" + ",x" * 100_000
    folder = _write(tmp_path / "claims", _lines(stray, GOOD_ROWS[1]))
    with pytest.raises(ImportFailed, match=r"line 2: 100005 fields where the header has 5"):
        read_claims_dir(folder)


@pytest.mark.parametrize(
    "make",
    [
        lambda f: (f / "lines.csv").mkdir(),  # lines.csv is a folder
        lambda f: (f / "lines.parquet").write_bytes(b""),  # empty Parquet
        lambda f: (f / "lines.parquet").write_bytes(b"PAR1 this is not parquet PAR1"),  # corrupt Parquet
        lambda f: (f / "lines.parquet").write_bytes(_truncated_parquet()),  # cut short
    ],
    ids=["folder", "empty parquet", "corrupt parquet", "truncated parquet"],
)
def test_unreadable_table_files(tmp_path, capsys, make):
    folder = _write(tmp_path / "claims", None)
    make(folder)
    with pytest.raises(ImportFailed, match="lines"):
        read_claims_dir(folder)
    assert cli.main(["scrub", str(folder)]) == 2


def _truncated_parquet() -> bytes:
    table = pa.table({"claim_id": ["C1"] * 100, "line_number": list(range(100))})
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink)
    data = sink.getvalue().to_pybytes()
    return data[: len(data) // 2]


def test_a_300_character_path(tmp_path, capsys):
    folder = tmp_path / ("x" * 300)
    assert cli.main(["scrub", str(folder)]) == 2
    assert "cannot be opened" in capsys.readouterr().err


def test_parquet_date_beyond_pandas_range(tmp_path):
    folder = _write(tmp_path / "claims", None)
    table = pa.table(
        {
            "claim_id": ["C1"],
            "line_number": [1],
            "service_date": pa.array([9999 * 365 * 86400 * 10**6 // 1], type=pa.timestamp("us")),
            "procedure_code": ["99213"],
            "charge": [1.0],
        }
    )
    pq.write_table(table, folder / "lines.parquet")
    with pytest.raises(ImportFailed, match=r"lines\.service_date.*row 1"):
        read_claims_dir(folder)


@pytest.mark.parametrize(
    "lines",
    [
        b"\xef\xbb\xbf" + _lines(*GOOD_ROWS),  # a UTF-8 byte-order mark is fine
        _lines(*GOOD_ROWS).replace(b"\n", b"\r\n"),  # Windows line ends
        _lines(*GOOD_ROWS)[:-1],  # no final line break
        _lines('C1,1,2025-01-02,"99213",100.00', GOOD_ROWS[1]),  # quoted values
    ],
)
def test_good_variants_still_read(tmp_path, lines):
    data = read_claims_dir(_write(tmp_path / "claims", lines))
    assert list(data.lines["claim_id"]) == ["C1", "C2"]
    assert list(data.lines["line_number"]) == [1, 1]
