"""``medbill claims to-837p``, ``medbill x12 read --json`` and ``medbill x12 validate``."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest
from claim_strategies import make_claim
from test_x12_835 import ERA

from medbill.claims.models import claims_to_tables
from medbill.claims.tables import write_claims_dir
from medbill.claims.x12 import read_837p, validate, write_837p
from medbill.cli import main


@pytest.fixture
def claims_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "claims"
    write_claims_dir(claims_to_tables([make_claim(), make_claim(claim_id="C1002")]), folder)
    return folder


def test_to_837p_writes_a_file_that_reads_back(claims_dir: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "out.837"
    assert main(["claims", "to-837p", str(claims_dir), "--out", str(out), "--control-number", "7"]) == 0
    assert "wrote 2 claims (4 lines)" in capsys.readouterr().out
    assert [c.claim_id for c in read_837p(out)] == ["C1001", "C1002"]
    assert main(["x12", "validate", str(out)]) == 0


def test_to_837p_refuses_invalid_claims_unless_skipped(claims_dir: Path, tmp_path: Path, capsys) -> None:
    lines = (claims_dir / "lines.csv").read_text().replace(",AB,", ",ABC,", 1)  # pointer past the 2 diagnoses
    (claims_dir / "lines.csv").write_text(lines)
    out = tmp_path / "out.837"
    assert main(["claims", "to-837p", str(claims_dir), "--out", str(out)]) == 1
    assert "points past" in capsys.readouterr().err and not out.exists()
    assert main(["claims", "to-837p", str(claims_dir), "--out", str(out), "--skip-invalid"]) == 1
    assert [c.claim_id for c in read_837p(out)] == ["C1002"]
    assert "skipped: claim C1001" in capsys.readouterr().err


def test_read_837p_json(tmp_path: Path, capsys) -> None:
    path = tmp_path / "c.837"
    path.write_text(write_837p([make_claim()], created=datetime(2025, 1, 2)))
    assert main(["x12", "read", str(path), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    claim = out["claims"][0]
    assert (claim["claim_id"], claim["charge"]) == ("C1001", "175.50")
    assert [line["charge"] for line in claim["lines"]] == ["150.00", "25.50"]  # strings, two decimals


def test_read_835_json(tmp_path: Path, capsys) -> None:
    path = tmp_path / "r.835"
    path.write_text(ERA)
    assert main(["x12", "read", str(path), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["total_paid"] == "100.00"
    first = out["claims"][0]
    assert {
        k: first[k] for k in ("claim_id", "status", "charge", "paid", "patient_responsibility", "balanced")
    } == {
        "claim_id": "C1001",
        "status": "1",
        "charge": "175.50",
        "paid": "90.00",
        "patient_responsibility": "10.00",
        "balanced": True,
    }
    assert [a["amount"] for a in first["adjustments"]] == ["50.00", "10.00", "25.50"]


@pytest.mark.parametrize(
    ("text", "segment", "reason"),
    [
        # each case: one defect pyx12 would pass or the envelope hides, found with its segment number
        (ERA.replace("CAS*CO*45*50", "CAS*CO*45*49"), 16, "does not balance"),  # line off by 1.00
        (ERA.replace("CAS*CO*97*25.5", "CAS*CO*ZZ9*25.5"), 25, "not a known CARC"),
        (ERA.replace("SE*30*0001", "SE*31*0001"), 32, "SE01"),
    ],
)
def test_validate_finds_835_problems(tmp_path: Path, capsys, text: str, segment: int, reason: str) -> None:
    problems = validate(text)
    assert any(p.segment_number == segment and reason in p.reason for p in problems), problems
    path = tmp_path / "bad.835"
    path.write_text(text)
    assert main(["x12", "validate", str(path)]) == 1
    assert f"segment {segment}" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (("9876543213", "9876543210"), "check digit"),  # rendering NPI
        (("627011234", "62701"), "9 digits"),  # billing ZIP
        (("ABK:E119", "ABK:E11!9"), "diagnosis"),
        (("CLM*C1001*175.5", "CLM*C1001*175"), "not the sum"),
        (("***1:2~", "***1:3~"), "pointer"),
        (("D8*20250303", "D8*20250230"), "date"),
    ],
)
def test_validate_finds_837p_problems(change, reason) -> None:
    text = write_837p([make_claim()], created=datetime(2025, 1, 2)).replace(*change)
    problems = validate(text)
    assert any(reason in p.reason for p in problems), problems


def test_validate_clean_and_unreadable(tmp_path: Path, capsys) -> None:
    assert validate(write_837p([make_claim()])) == []
    assert validate(ERA) == []
    problems = validate("ISA*00*")
    assert len(problems) == 1 and "ISA" in problems[0].reason
    path = tmp_path / "junk.835"
    path.write_bytes(b"\x00\x01garbage")
    assert main(["x12", "validate", str(path)]) == 1


@pytest.mark.parametrize(
    "option",
    [
        ["--receiver-name", "X~CLM*FORGED*999***11:B:1*Y*A*Y*Y"],  # would inject a forged CLM segment
        ["--receiver-id", "R1*ZZ"],
        ["--submitter-name", "ACME^BILLING"],
        ["--submitter-id", "S1:2"],
    ],
)
def test_to_837p_refuses_separators_in_header_fields(
    claims_dir: Path, tmp_path: Path, capsys, option: list[str]
) -> None:
    out = tmp_path / "out.837"
    assert main(["claims", "to-837p", str(claims_dir), "--out", str(out), *option]) == 2
    assert not out.exists()
    assert "separators" in capsys.readouterr().err
