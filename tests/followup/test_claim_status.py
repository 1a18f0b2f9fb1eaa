"""Claim status: 276 requests the LinuxForHealth x12 library accepts, 277 responses read and explained."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pandas as pd
import pytest

from medbill.claims.tables import read_claims_dir
from medbill.claims.x12.status_request import write_276
from medbill.claims.x12.status_response import read_277, status_categories
from medbill.cli import main
from medbill.exceptions import ImportFailed, X12Error
from medbill.followup import worklist

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample"
AS_OF = "2026-06-30"
CREATED = datetime(2026, 6, 30, 9, 0)

# pyx12 4.0 has no map for 005010X212; the LinuxForHealth x12 library validates 276/277 models. It
# is written for pydantic's v1 API, which pydantic 2 still ships as ``pydantic.v1``: run it in its
# own process with that module standing in for ``pydantic``.
_LFH = """
import sys
import pydantic.v1
sys.modules["pydantic"] = pydantic.v1
from linuxforhealth.x12.io import X12ModelReader
with X12ModelReader(sys.argv[1]) as reader:
    for model in reader.models():
        print(type(model).__name__)
"""


def _lfh_models(path: Path) -> list[str]:
    done = subprocess.run(
        [sys.executable, "-c", _LFH, str(path)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout.split()


@pytest.fixture(scope="module")
def sample():
    return read_claims_dir(SAMPLE)


def _no_response(sample) -> pd.DataFrame:
    rows = worklist(sample, as_of=AS_OF)
    return rows[rows["category"].eq("no response")]


def test_a_276_for_unanswered_claims_is_accepted_by_linuxforhealth(sample, tmp_path: Path) -> None:
    waiting = _no_response(sample)
    payer = waiting["payer_id"].value_counts().index[0]
    ids = waiting.loc[waiting["payer_id"].eq(payer), "claim_id"].tolist()
    remitted = sample.remit_claims.merge(sample.claims[["claim_id", "payer_id"]], on="claim_id")
    ids.append(remitted.loc[remitted["payer_id"].eq(payer), "claim_id"].iloc[0])  # one with a REF*1K
    text = write_276(sample, ids, created=CREATED, control_number=7)
    path = tmp_path / "request.276"
    path.write_text(text, encoding="ascii")
    assert _lfh_models(path) == ["HealthCareClaimsStatusRequest"]
    segments = text.split("~")
    traces = [s.split("*")[2] for s in segments if s.startswith("TRN*1*")]
    assert traces == sorted(ids, key=ids.index) or sorted(traces) == sorted(ids)
    assert sum(s.startswith("REF*1K*") for s in segments) >= 1
    assert f"NM1*PR*2*{sample.payers.set_index('payer_id').loc[payer, 'name'].upper()}" in text


def test_a_dependents_claim_gets_its_own_patient_level(sample, tmp_path: Path) -> None:
    claim_id = _no_response(sample)["claim_id"].iloc[0]
    claims = sample.claims.copy()
    holder = claims.loc[claims["claim_id"].ne(claim_id), "patient_id"].iloc[0]
    mine = claims["claim_id"].eq(claim_id)
    claims.loc[mine, "subscriber_relationship"] = "19"
    claims.loc[mine, "subscriber_id"] = holder
    data = dataclasses.replace(sample, claims=claims)
    text = write_276(data, [claim_id], created=CREATED)
    assert "HL*5*4*23~" in text and "NM1*QC*1*" in text
    path = tmp_path / "dependent.276"
    path.write_text(text, encoding="ascii")
    assert _lfh_models(path) == ["HealthCareClaimsStatusRequest"]


@pytest.mark.parametrize(
    ("ids", "message"),
    [
        (["NOPE"], "no such claim"),
        ([], "none given"),
    ],
)
def test_bad_requests_are_refused(sample, ids: list[str], message: str) -> None:
    with pytest.raises(ImportFailed, match=message):
        write_276(sample, ids, created=CREATED)


def test_one_payer_per_request(sample) -> None:
    first_of_each = sample.claims.drop_duplicates("payer_id")
    two = first_of_each[first_of_each["payer_id"].isin(["MCR01", "COM01"])]["claim_id"].tolist()
    with pytest.raises(ImportFailed, match="one payer"):
        write_276(sample, two, created=CREATED)
    with pytest.raises(X12Error, match="control number"):
        write_276(sample, two[:1], created=CREATED, control_number=0)


# (file, rows, [(level, category, status code, claim id or trace)]) read from the LinuxForHealth samples
CASES = [
    (
        "lfh_277_005010X212__claim-level-status.277",
        [
            ("claim", "P3", "317", "SM123456"),
            ("claim", "F0", "3", "J0234567"),
            ("claim", "F2", "88", "MA345678"),
            ("line", "F2", "88", "MA345678"),
        ],
    ),
    ("lfh_277_005010X212__claim-level-status-ncpdp.277", [("claim", "F2", "80", "ABCXYZ1")]),
    (
        "lfh_277_005010X212__information-receiver-level-status.277",
        [("information receiver", "E0", "0", "ABC276XXX")],
    ),
    (
        "lfh_277_005010X212__provider-level-status.277",
        [("claim", "P3", "317", "SM123456"), ("provider", "E0", "24", "0")],
    ),
]


@pytest.mark.parametrize(("name", "expected"), CASES, ids=[c[0] for c in CASES])
def test_the_shared_277s_are_read(shared_data, name: str, expected: list[tuple]) -> None:
    rows = read_277(shared_data(f"x12/276_277/{name}"))
    got = [
        (r.level, r.category, r.status_code, r.claim_id or r.trace)
        for r in rows[["level", "category", "status_code", "claim_id", "trace"]].itertuples()
    ]
    assert got == expected
    assert rows["category_meaning"].str.len().gt(10).all()
    assert not rows["category_meaning"].str.contains("not in medbill").any()


def test_a_277_line_status_carries_the_service(shared_data) -> None:
    rows = read_277(shared_data("x12/276_277/lfh_277_005010X212__claim-level-status.277"))
    line = rows[rows["level"].eq("line")].iloc[0]
    assert (line["procedure_code"], line["charge"], line["paid"]) == ("99203", 150.0, 0.0)
    assert line["service_date"] == pd.Timestamp("2005-05-01")
    assert line["patient_name"] == "JOSEPH MANN" and line["entity"] == "patient"
    first = rows.iloc[0]
    assert (first["service_date"], first["service_date_to"]) == (
        pd.Timestamp("2005-08-31"),
        pd.Timestamp("2005-09-06"),
    )
    assert first["next_action"] == status_categories().loc["P3", "next_action"]


@pytest.mark.parametrize(
    "junk",
    [
        "ISA*00*          *00*          *ZZ*A              *ZZ*B              *260101*1200*^*00501*000000001*0*P*:~"
        "GS*HP*A*B*20260101*1200*1*X*005010X221A1~ST*835*0001~SE*2*0001~GE*1*1~IEA*1*000000001~",  # an 835
        "not x12 at all",
        b"",
    ],
)
def test_anything_but_a_277_is_refused(junk) -> None:
    with pytest.raises(X12Error):
        read_277(junk)


def test_cli_writes_a_276_per_payer_and_reads_a_277(shared_data, tmp_path: Path, capsys) -> None:
    assert main(["status", "request", str(SAMPLE), "--as-of", AS_OF, "--out", str(tmp_path)]) == 0
    files = sorted(tmp_path.glob("276_*.x12"))
    payers = sorted(_no_response(read_claims_dir(SAMPLE))["payer_id"].unique())
    assert [f.stem.removeprefix("276_") for f in files] == payers
    capsys.readouterr()
    path = shared_data("x12/276_277/lfh_277_005010X212__claim-level-status.277")
    assert main(["status", "read", str(path), "--json"]) == 0
    assert '"category": "P3"' in capsys.readouterr().out
