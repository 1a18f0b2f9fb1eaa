"""The claims tables: typing from CSV and Parquet, round trips to the models, and refusals."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from claim_strategies import make_claim

from medbill.claims.models import Claim, claims_from_tables, claims_to_tables
from medbill.claims.tables import (
    DX_COLUMNS,
    MODIFIER_COLUMNS,
    SCHEMAS,
    ClaimsData,
    read_claims_dir,
    write_claims_dir,
)
from medbill.exceptions import ImportFailed, UnknownCode


@pytest.fixture
def data() -> ClaimsData:
    return claims_to_tables([make_claim(), make_claim(claim_id="C1002", rendering_provider=None)])


def test_column_name_constants() -> None:
    assert DX_COLUMNS[0] == "dx1" and DX_COLUMNS[-1] == "dx12" and len(DX_COLUMNS) == 12
    assert MODIFIER_COLUMNS == ("modifier1", "modifier2", "modifier3", "modifier4")


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_round_trip_through_folder_keeps_types_and_claims(data: ClaimsData, tmp_path: Path, fmt: str) -> None:
    write_claims_dir(data, tmp_path, fmt=fmt)
    back = read_claims_dir(tmp_path)
    assert back.claims["billing_npi"].dtype == "string"
    assert back.claims["patient_birth_date"].dtype == "datetime64[ns]"
    assert back.lines["charge"].dtype == "float64" and back.lines["line_number"].dtype == "Int64"
    assert list(back.lines.columns[: len(SCHEMAS["lines"])]) == list(SCHEMAS["lines"])
    assert claims_from_tables(back) == claims_from_tables(data)
    assert back.remit_claims is None


def test_csv_keeps_leading_zeros_and_extra_columns(tmp_path: Path) -> None:
    (tmp_path / "claims.csv").write_text("claim_id,place_of_service,my_note\nA1,02,keep me\n")
    (tmp_path / "lines.csv").write_text(
        "claim_id,line_number,procedure_code,charge,service_date\nA1,1,0001U,12.3456,2025-01-02\n"
    )
    data = read_claims_dir(tmp_path)
    assert data.claims.loc[0, "place_of_service"] == "02"  # a POS code, not the number 2
    assert data.claims.loc[0, "my_note"] == "keep me"  # extra columns are carried through
    assert data.lines.loc[0, "charge"] == 12.35  # money rounded to cents
    assert pd.isna(data.claims.loc[0, "dx1"])  # contract columns exist even when the file lacks them


@pytest.mark.parametrize(
    ("lines_csv", "message"),
    [
        ("claim_id,line_number,procedure_code\nA1,1,99213\n", "charge"),  # required column missing
        (
            "claim_id,line_number,procedure_code,charge,service_date\nA1,1,99213,10,03/04/2025\n",
            "03/04/2025",
        ),  # US date
        ("claim_id,line_number,procedure_code,charge\nA1,1,99213,ten\n", "ten"),  # not a number
        (
            "claim_id,line_number,procedure_code,charge\nA1,1.5,99213,10\n",
            "whole numbers",
        ),  # fractional line number
    ],
)
def test_bad_files_name_the_problem(tmp_path: Path, lines_csv: str, message: str) -> None:
    (tmp_path / "claims.csv").write_text("claim_id\nA1\n")
    (tmp_path / "lines.csv").write_text(lines_csv)
    with pytest.raises(ImportFailed, match=message):
        read_claims_dir(tmp_path)


def test_missing_folder_and_tables(tmp_path: Path) -> None:
    with pytest.raises(ImportFailed, match="does not exist"):
        read_claims_dir(tmp_path / "nope")
    (tmp_path / "claims.csv").write_text("claim_id\nA1\n")
    with pytest.raises(ImportFailed, match="lines"):
        read_claims_dir(tmp_path)


def test_from_tables_one_claim_and_unknown(data: ClaimsData) -> None:
    claim = Claim.from_tables(data, "C1002")
    assert claim.claim_id == "C1002" and claim.rendering_provider is None
    with pytest.raises(UnknownCode, match="C9999"):
        Claim.from_tables(data, "C9999")


def test_from_tables_reports_missing_side_rows(data: ClaimsData) -> None:
    data.providers = data.providers[data.providers["npi"] != "9876543213"]
    with pytest.raises(UnknownCode, match="claim C1001: provider '9876543213'"):
        claims_from_tables(data)


def test_orphan_lines_and_duplicate_claims_are_refused(data: ClaimsData) -> None:
    orphan = data.lines.iloc[:1].assign(claim_id="GHOST")
    with pytest.raises(ImportFailed, match="GHOST"):
        claims_from_tables(
            ClaimsData(
                data.claims, pd.concat([data.lines, orphan]), data.patients, data.providers, data.payers
            )
        )
    with pytest.raises(ImportFailed, match="not unique"):
        claims_from_tables(
            ClaimsData(
                pd.concat([data.claims, data.claims]), data.lines, data.patients, data.providers, data.payers
            )
        )


def test_lines_are_ordered_by_line_number(data: ClaimsData) -> None:
    shuffled = ClaimsData(data.claims, data.lines.iloc[::-1], data.patients, data.providers, data.payers)
    assert [line.procedure_code for line in claims_from_tables(shuffled)[0].lines] == ["99214", "83036"]
