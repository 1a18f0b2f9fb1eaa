"""Reading a claims folder compactly: code columns as categoricals with the values plain reading gives,
CSV files checked in chunks with the same messages as a whole-file check."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from medbill import synth
from medbill.claims import _table_files
from medbill.claims.tables import CODE_COLUMNS, TABLES, ClaimsData, read_claims_dir, write_claims_dir
from medbill.exceptions import ImportFailed, InvalidArgument


@pytest.fixture(scope="module")
def practice() -> ClaimsData:
    generated = synth.generate(lines=400, seed=3)
    return ClaimsData(**{name: getattr(generated, name) for name in TABLES})


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_compact_reading_holds_the_same_values(practice: ClaimsData, tmp_path: Path, fmt: str) -> None:
    write_claims_dir(practice, tmp_path, fmt=fmt)
    plain, compact = read_claims_dir(tmp_path), read_claims_dir(tmp_path, compact=True)
    for name in ("claims", "lines"):
        small, full = getattr(compact, name), getattr(plain, name)
        codes = sorted(CODE_COLUMNS[name])
        assert full[codes].dtypes.eq("string").all()  # plain reading is unchanged
        compacted = {c for c in small if isinstance(small[c].dtype, pd.CategoricalDtype)}
        # the code columns, and the text columns holding no value at all
        empty = {c for c in full if full[c].dtype == "string" and full[c].isna().all()}
        assert compacted == set(codes) | empty and empty - set(codes)
        pd.testing.assert_frame_equal(small.astype(dict.fromkeys(compacted, "string")), full, obj=name)
        assert small.memory_usage(deep=True).sum() < full.memory_usage(deep=True).sum()


def test_code_categories_are_stripped_and_empty_is_missing(tmp_path: Path) -> None:
    (tmp_path / "claims.csv").write_text('claim_id,place_of_service\nA1, 11\nA2,11 \nA3," "\n')
    (tmp_path / "lines.csv").write_text("claim_id,line_number,procedure_code,charge\nA1,1, 99213,10\n")
    data = read_claims_dir(tmp_path, compact=True)
    pos = data.claims["place_of_service"]
    assert pos.cat.categories.tolist() == ["11"] and pos.isna().tolist() == [False, False, True]
    assert data.lines["procedure_code"].tolist() == ["99213"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("claim_id\nA1\nA\xe92\n".encode("latin-1"), "line 3, character 2: byte 0xe9 is not UTF-8"),
        (b'claim_id\nA1\n"A2\n', "line 3, character 1: a quote opened here is never closed"),
        (b"\n \n", "is empty"),
        ("claim_id\nA1\n".encode("utf-16"), "UTF-16"),
    ],
)
def test_faults_found_in_chunks_are_named_as_before(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, body: bytes, message: str
) -> None:
    monkeypatch.setattr(_table_files, "_CHUNK", 3)  # the fault lies in a later chunk than the first
    path = tmp_path / "claims.csv"
    path.write_bytes(body)
    with pytest.raises(ImportFailed, match=message):
        _table_files.read_table_file(path)


def test_a_character_split_across_chunks_is_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_table_files, "_CHUNK", 3)
    path = tmp_path / "claims.csv"
    path.write_text("claim_id,note\nA1,Zoë née Ågren\n", encoding="utf-8")
    assert _table_files.read_table_file(path)["note"].tolist() == ["Zoë née Ågren"]


def test_only_the_named_tables_are_read(practice: ClaimsData, tmp_path: Path) -> None:
    write_claims_dir(practice, tmp_path, fmt="parquet")
    data = read_claims_dir(tmp_path, compact=True, only=("payers",))
    read = {name for name in TABLES if getattr(data, name) is not None}
    assert read == {"claims", "lines", "payers"} and practice.remit_claims is not None
    pd.testing.assert_frame_equal(data.lines, read_claims_dir(tmp_path, compact=True).lines)
    with pytest.raises(InvalidArgument, match="'remits'"):
        read_claims_dir(tmp_path, only=("remits",))
