"""Importers: Tuva Project layout, a folder of 835s, generic CSV with a column mapping."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest

from medbill.exceptions import ImportFailed
from medbill.ingest import load
from medbill.ingest.csvmap import load_csv
from medbill.ingest.remits import load_835_folder
from medbill.ingest.tuva import load_tuva
from medbill.synth import generate
from medbill.synth.x12_835 import write_835s


@pytest.fixture(scope="module")
def tuva_dir(shared_data) -> Path:
    return shared_data("tuva/medical_claim_sample.csv").parent


def test_tuva_demo_every_line_accounted_for(tuva_dir: Path) -> None:
    with open(tuva_dir / "medical_claim_sample.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    result = load_tuva(tuva_dir)
    assert result.input_lines == len(rows) == 6075
    assert len(result.data.lines) + len(result.unmapped) == len(rows)
    keys = {(r["CLAIM_ID"], int(r["CLAIM_LINE_NUMBER"])) for r in rows}
    mapped = set(zip(result.data.lines["claim_id"], result.data.lines["line_number"], strict=True))
    unmapped = set(zip(result.unmapped["claim_id"], result.unmapped["line_number"].astype(int), strict=True))
    assert mapped | unmapped == keys and not (mapped & unmapped)
    institutional = sum(r["CLAIM_TYPE"] == "institutional" for r in rows)
    assert (result.unmapped["reason"].str.startswith("institutional")).sum() == institutional
    assert result.unmapped["reason"].notna().all()


def test_tuva_demo_tables_are_consistent(tuva_dir: Path) -> None:
    data = load_tuva(tuva_dir).data
    assert data.claims["claim_id"].is_unique
    assert set(data.lines["claim_id"]) == set(data.claims["claim_id"])
    assert set(data.claims["patient_id"]) <= set(data.patients["patient_id"])
    assert set(data.claims["payer_id"]) <= set(data.payers["payer_id"])
    assert data.patients["sex"].isin(["F", "M", "U"]).all()
    assert data.patients["state"].dropna().str.fullmatch(r"[A-Z]{2}").all()
    # A known demo line: claim 1000557 line 1 is an ECG (93000) for patient 10429 on 2018-09-17.
    line = data.lines[(data.lines["claim_id"] == "1000557") & (data.lines["line_number"] == 1)].iloc[0]
    assert (line["procedure_code"], line["service_date"], line["charge"]) == (
        "93000",
        pd.Timestamp("2018-09-17"),
        16.37,
    )
    claim = data.claims.set_index("claim_id").loc["1000557"]
    assert (claim["patient_id"], claim["dx1"], claim["payer_id"]) == ("10429", "Z951", "medicare")


HEADER = "CLAIM_ID,CLAIM_LINE_NUMBER,CLAIM_TYPE,PATIENT_ID,CLAIM_START_DATE,HCPCS_CODE,CHARGE_AMOUNT,SERVICE_UNIT_QUANTITY,DIAGNOSIS_CODE_1\n"


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        ("C1,1,institutional,P1,2024-01-02,99213,100,1,I10", "institutional"),  # UB-04 line
        (",1,professional,P1,2024-01-02,99213,100,1,I10", "no claim_id"),  # no claim id
        ("C1,x,professional,P1,2024-01-02,99213,100,1,I10", "claim_line_number"),  # line number not a number
        ("C1,1,professional,P1,2024-01-02,,100,1,I10", "no HCPCS"),  # no procedure code
        ("C1,1,professional,P1,02/01/2024,99213,100,1,I10", "date of service"),  # not ISO
        ("C1,1,professional,P1,2024-01-02,99213,abc,1,I10", "charge_amount"),  # charge not a number
        ("C1,1,professional,P1,2024-01-02,99213,100,one,I10", "service_unit_quantity"),  # units not a number
    ],
)
def test_tuva_lines_that_cannot_map_say_why(tmp_path: Path, row: str, reason: str) -> None:
    (tmp_path / "medical_claim.csv").write_text(HEADER + row + "\n")
    (tmp_path / "eligibility.csv").write_text("patient_id,payer,payer_type\nP1,acme,commercial\n")
    result = load_tuva(tmp_path)
    assert len(result.data.lines) == 0
    assert len(result.unmapped) == 1 and reason in result.unmapped["reason"].iloc[0]


def test_tuva_duplicate_line_is_reported(tmp_path: Path) -> None:
    row = "C1,1,professional,P1,2024-01-02,99213,100,1,I10\n"
    (tmp_path / "medical_claim.csv").write_text(HEADER + row + row)
    (tmp_path / "eligibility.csv").write_text("patient_id,payer,payer_type\nP1,acme,commercial\n")
    result = load_tuva(tmp_path)
    assert len(result.data.lines) == 1
    assert list(result.unmapped["reason"]) == ["duplicate claim_id and claim_line_number"]


@pytest.mark.parametrize(
    "files",
    [
        {},  # empty folder
        {"medical_claim.csv": HEADER},  # no eligibility file
        {"medical_claim.csv": "CLAIM_ID,HCPCS_CODE\n", "eligibility.csv": "patient_id\n"},  # columns missing
    ],
)
def test_tuva_folder_problems_raise_import_failed(tmp_path: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    with pytest.raises(ImportFailed):
        load_tuva(tmp_path)


def test_cli_data_load_tuva(tuva_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from medbill.claims.tables import read_claims_dir
    from medbill.cli import main

    assert main(["data", "load", "tuva", str(tuva_dir), "--out", str(tmp_path)]) == 0
    assert "mapped_lines: 4,870" in capsys.readouterr().out
    back = read_claims_dir(tmp_path)
    assert len(back.lines) + len(pd.read_csv(tmp_path / "unmapped.csv")) == 6075


_DOC_COLUMNS = {
    "remit_payments": ["payment_id", "payer_id", "payee_npi", "payment_date", "method", "amount"],
    "remit_claims": [
        "payment_id",
        "claim_id",
        "status_code",
        "charge",
        "paid",
        "patient_responsibility",
        "payer_claim_control",
    ],
    "remit_lines": [
        "payment_id",
        "claim_id",
        "line_number",
        "procedure_code",
        "modifier1",
        "charge",
        "paid",
        "allowed",
        "service_date",
    ],
    "remit_adjustments": ["payment_id", "claim_id", "line_number", "group", "reason", "amount"],
    "remit_remarks": ["payment_id", "claim_id", "line_number", "code"],
}


def _canonical(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    out = frame[columns].copy()
    for c in columns:
        if pd.api.types.is_numeric_dtype(out[c]) and not pd.api.types.is_integer_dtype(out[c]):
            out[c] = out[c].astype(float).round(2)
        elif pd.api.types.is_datetime64_any_dtype(out[c]):
            out[c] = out[c].astype("datetime64[ns]")
        else:
            out[c] = out[c].astype("string").fillna("")
    return out.sort_values(columns, kind="stable").reset_index(drop=True)


@pytest.mark.slow
def test_835_folder_round_trips_the_generated_remittances(tmp_path: Path) -> None:
    data = generate(lines=300, seed=13)
    write_835s(data, tmp_path / "835")
    (tmp_path / "835" / "broken.835").write_text("ISA*00*not an 835")
    result = load_835_folder(tmp_path / "835")
    assert result.files == len(data.remit_payments) + 1
    assert list(result.failures["source_file"]) == ["broken.835"]
    for name, columns in _DOC_COLUMNS.items():
        got = _canonical(result.tables[name], columns)
        want = _canonical(getattr(data, name), columns)
        if "line_number" in columns:
            got["line_number"] = got["line_number"].astype("Int64")
            want["line_number"] = want["line_number"].astype("Int64")
        pd.testing.assert_frame_equal(got, want, check_dtype=False, obj=name)


def _write_csv(path: Path, rows: list[dict[str, str]]) -> None:
    pd.DataFrame(rows).to_csv(path, index=False)


# One source row the mapping below maps in full.
ONE_LINE = {
    "Claim No": "A1",
    "MRN": "M1",
    "Dx": "I10",
    "DOS": "01/02/2026",
    "CPT": "99213",
    "Qty": "1",
    "Billed": "150",
}
MAPPING = {
    "claims": {"claim_id": "Claim No", "patient_id": "MRN", "dx1": "Dx"},
    "lines": {"service_date": "DOS", "procedure_code": "CPT", "units": "Qty", "charge": "Billed"},
    "date_format": "%m/%d/%Y",
}


def test_generic_csv_with_mapping(tmp_path: Path) -> None:
    rows = [
        {**ONE_LINE, "Billed": "$150.00"},
        {
            "Claim No": "A1",
            "MRN": "M1",
            "Dx": "I10",
            "DOS": "01/02/2026",
            "CPT": "93000",
            "Qty": "1",
            "Billed": "45",
        },
        {
            "Claim No": "A2",
            "MRN": "M2",
            "Dx": "E11.9",
            "DOS": "2026-01-03",
            "CPT": "99214",
            "Qty": "1",
            "Billed": "200",
        },
        {
            "Claim No": "",
            "MRN": "M3",
            "Dx": "J06.9",
            "DOS": "01/04/2026",
            "CPT": "99212",
            "Qty": "1",
            "Billed": "90",
        },
        {
            "Claim No": "A4",
            "MRN": "M4",
            "Dx": "J06.9",
            "DOS": "01/04/2026",
            "CPT": "99212",
            "Qty": "1",
            "Billed": "ninety",
        },
    ]
    _write_csv(tmp_path / "in.csv", rows)
    result = load_csv(tmp_path / "in.csv", MAPPING)
    assert result.input_rows == 5
    assert len(result.data.lines) + len(result.unmapped) == 5
    assert list(result.data.lines["line_number"]) == [1, 2]
    assert list(result.data.lines["charge"]) == [150.0, 45.0]
    assert list(result.data.claims["claim_id"]) == ["A1"]
    reasons = dict(zip(result.unmapped["source_row"], result.unmapped["reason"], strict=True))
    assert "date format" in reasons[4] and reasons[5] == "no claim id" and "not a number" in reasons[6]


def test_generic_csv_mapping_from_yaml(tmp_path: Path) -> None:
    import yaml

    _write_csv(tmp_path / "in.csv", [ONE_LINE])
    (tmp_path / "map.yaml").write_text(yaml.safe_dump(MAPPING))
    summary = load("csv", tmp_path / "in.csv", tmp_path / "out", mapping=str(tmp_path / "map.yaml"))
    assert summary["mapped_lines"] == 1 and summary["unmapped_rows"] == 0
    assert (tmp_path / "out" / "lines.csv").exists()


@pytest.mark.parametrize(
    "mapping",
    [
        {
            "claims": {"claim_id": "Claim No", "colour": "X"},
            "lines": MAPPING["lines"],
        },  # not a column of claims
        {"claims": {"patient_id": "MRN"}, "lines": MAPPING["lines"]},  # no claim_id
        {"claims": MAPPING["claims"], "lines": {"procedure_code": "CPT"}},  # no charge
        {"claims": ["claim_id"], "lines": MAPPING["lines"]},  # section is not a dict
        {"claims": {"claim_id": "Nope"}, "lines": MAPPING["lines"]},  # source column absent from the CSV
        {"claims": MAPPING["claims"], "lines": MAPPING["lines"], "extra": 1},  # unknown section
        "not a mapping",  # a bare string path that does not exist
    ],
)
def test_bad_mappings_raise_import_failed(tmp_path: Path, mapping) -> None:
    _write_csv(tmp_path / "in.csv", [ONE_LINE])
    with pytest.raises(ImportFailed):
        load_csv(tmp_path / "in.csv", mapping)


def test_unknown_source_raises(tmp_path: Path) -> None:
    with pytest.raises(ImportFailed):
        load("fhir", tmp_path, tmp_path / "out")


JUNK = [
    None,  # nothing
    "",  # empty text
    0,  # a number
    "x" * 5000,  # a huge path that does not exist
    "١٢٣",  # unicode digits
]


@pytest.mark.parametrize("junk", JUNK)
def test_importers_answer_junk_with_import_failed(junk, tmp_path: Path) -> None:
    with pytest.raises(ImportFailed):
        load_tuva(junk)
    with pytest.raises(ImportFailed):
        load_835_folder(junk)
    with pytest.raises(ImportFailed):
        load_csv(junk, MAPPING)


def test_csv_that_is_empty_or_binary_raises_import_failed(tmp_path: Path) -> None:
    (tmp_path / "empty.csv").write_text("")
    (tmp_path / "binary.csv").write_bytes(b"\xff\xfe\x00\x01garbage")
    for name in ("empty.csv", "binary.csv"):
        with pytest.raises(ImportFailed):
            load_csv(tmp_path / name, MAPPING)


def test_load_835_folder_writes_typed_remittance_tables(tmp_path: Path) -> None:
    data = generate(lines=80, seed=2)
    write_835s(data, tmp_path / "in")
    summary = load("835", tmp_path / "in", tmp_path / "out")
    assert summary["failed"] == 0 and summary["remit_claims"] == len(data.remit_claims)
    text = (tmp_path / "out" / "remit_claims.csv").read_text().splitlines()
    charge = text[1].split(",")[text[0].split(",").index("charge")]
    assert charge.count(".") == 1 and len(charge.split(".")[1]) == 2  # money keeps two decimals
