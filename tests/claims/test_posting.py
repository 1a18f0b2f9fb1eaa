"""Posting remittances against submitted claims: matching rules, statuses, amounts, reasons."""

from __future__ import annotations

from datetime import datetime

import pytest
from claim_strategies import make_claim
from test_x12_835 import ERA

from medbill.claims.models import claims_to_tables
from medbill.claims.posting import COLUMNS, post
from medbill.claims.tables import ClaimsData, read_claims_dir
from medbill.claims.x12 import read_835

CREATED = datetime(2025, 3, 4, 10, 30)


@pytest.fixture
def submitted() -> ClaimsData:
    return claims_to_tables([make_claim(), make_claim(claim_id="C1002"), make_claim(claim_id="C9999")])


def _without_line_numbers(text: str) -> str:
    return text.replace("REF*6R*1~", "").replace("REF*6R*2~", "").replace("SE*30*", "SE*28*")


@pytest.mark.parametrize(
    ("era", "expected_match"),
    [
        (ERA, ["line number", "line number"]),  # the payer echoed REF*6R
        (_without_line_numbers(ERA), ["exact", "exact"]),  # procedure + modifiers + date
        (
            _without_line_numbers(ERA).replace("HC:83036:QW", "HC:83036"),
            ["exact", "modifier dropped"],
        ),  # QW dropped
    ],
)
def test_line_matching_rules(submitted: ClaimsData, era: str, expected_match: list[str]) -> None:
    posted = post(read_835(era), submitted)
    c1001 = posted[posted["claim_id"] == "C1001"]
    assert list(c1001["match"]) == expected_match
    assert list(c1001["status"]) == ["partially paid", "denied"]
    first = c1001.iloc[0]
    assert (
        first["paid"],
        first["allowed"],
        first["contractual_adjustment"],
        first["patient_responsibility"],
    ) == (90.0, 100.0, 50.0, 10.0)
    assert first["reasons"] == "CO-45, PR-2" and "Coinsurance" in first["reason_descriptions"]
    assert first["remarks"] == "N130"


def test_claim_without_service_lines_posts_claim_level(submitted: ClaimsData) -> None:
    posted = post(read_835(ERA), submitted)
    c1002 = posted[posted["claim_id"] == "C1002"]
    assert list(c1002["status"]) == ["denied", "denied"] and set(c1002["match"]) == {"claim level"}
    assert set(c1002["reasons"]) == {"CO-29"} and set(c1002["remarks"]) == {"MA130"}


def test_every_line_is_accounted_for(submitted: ClaimsData) -> None:
    # a remitted line nobody submitted: 99499 on C1001
    era = ERA.replace("REF*6R*2~", "REF*6R*2~SVC*HC:99499*0*0**1~DTM*472*20250303~").replace(
        "SE*30*", "SE*32*"
    )
    posted = post(read_835(era), submitted)
    assert list(posted.columns) == COLUMNS
    stray = posted[posted["match"] == "not submitted"]
    assert list(stray["procedure_code"]) == ["99499"] and list(stray["status"]) == ["not found"]
    # C9999 was not remitted: it is outstanding, not posted
    assert "C9999" not in set(posted["claim_id"])
    assert (posted["match"] != "not submitted").sum() == 4  # the 4 submitted lines of the 2 remitted claims


def test_status_rules() -> None:
    """paid / partially paid / adjusted (deductible, reversal) / denied from the amounts."""
    claims = [make_claim(claim_id=f"S{i}") for i in range(4)]
    body = (
        "CLP*S0*1*175.5*175.5*0*12*A~SVC*HC:99214*150*150**1~REF*6R*1~SVC*HC:83036:QW*25.5*25.5**1~REF*6R*2~"
        "CLP*S1*1*175.5*0*175.5*12*B~SVC*HC:99214*150*0**1~CAS*PR*1*150~REF*6R*1~SVC*HC:83036:QW*25.5*0**1~CAS*PR*1*25.5~REF*6R*2~"
        "CLP*S2*22*-175.5*-175.5*0*12*C~SVC*HC:99214*-150*-150**1~REF*6R*1~SVC*HC:83036:QW*-25.5*-25.5**1~REF*6R*2~"
        "CLP*S3*4*175.5*0*0*12*D~SVC*HC:99214*150*0**1~CAS*CO*50*150~REF*6R*1~SVC*HC:83036:QW*25.5*0**1~CAS*CO*50*25.5~REF*6R*2~"
    )
    head = ERA[: ERA.index("LX*1~") + len("LX*1~")].replace("BPR*I*100*", "BPR*I*0*")
    n_segments = (head[head.index("ST*835") :] + body).count("~") + 1
    era = head + body + f"SE*{n_segments}*0001~GE*1*42~IEA*1*000000042~"
    remit = read_835(era)
    assert remit.is_balanced
    posted = post(remit, claims_to_tables(claims))
    assert posted.groupby("claim_id")["status"].first().to_dict() == {
        "S0": "paid",
        "S1": "adjusted",  # all to the deductible: the patient owes it
        "S2": "adjusted",  # reversal
        "S3": "denied",
    }


def test_posts_synthetic_remit_tables() -> None:
    """The synthetic practice's remit_* tables (no claim_seq/line_index) post against its claims."""
    from pathlib import Path

    sample = Path(__file__).resolve().parents[2] / "data" / "sample"
    if not (sample / "remit_lines.csv").exists():
        pytest.skip("no synthetic sample in data/sample")
    data = read_claims_dir(sample)
    posted = post(data, data)
    remitted_claims = set(data.remit_claims["claim_id"])
    submitted_lines = data.lines[data.lines["claim_id"].isin(remitted_claims)]
    assert (posted["match"] != "not submitted").sum() == len(
        submitted_lines.merge(data.remit_claims[["claim_id"]], on="claim_id")
    )
    assert (posted["status"] == "not found").sum() == 0
    assert set(posted["status"]) <= {"paid", "partially paid", "denied", "adjusted"}


def _renumbered(submitted: ClaimsData) -> ClaimsData:
    """C1001's table lines numbered 2 and 3 (the row for line 1 was deleted before billing)."""
    lines = submitted.lines.copy()
    first = lines["claim_id"] == "C1001"
    lines.loc[first, "line_number"] = lines.loc[first, "line_number"] + 1
    return ClaimsData(
        claims=submitted.claims,
        lines=lines,
        patients=submitted.patients,
        providers=submitted.providers,
        payers=submitted.payers,
    )


def test_control_numbers_are_the_tables_own_line_numbers(submitted: ClaimsData) -> None:
    """The 837P sends table lines 2 and 3 as REF*6R 2 and 3, and the 835 echoing them posts to them."""
    from medbill.claims.models import claims_from_tables
    from medbill.claims.x12 import write_837p

    data = _renumbered(submitted)
    (claim,) = [c for c in claims_from_tables(data) if c.claim_id == "C1001"]
    text = write_837p([claim], created=CREATED)
    assert "LX*1~" in text and "REF*6R*2~" in text and "REF*6R*3~" in text and "REF*6R*1~" not in text
    era = ERA.replace("REF*6R*2~", "REF*6R*3~").replace("REF*6R*1~", "REF*6R*2~")
    posted = post(read_835(era), data)
    c1001 = posted[posted["claim_id"] == "C1001"]
    assert list(c1001["line_number"]) == [2, 3] and list(c1001["match"]) == ["line number"] * 2
    assert list(c1001["procedure_code"]) == ["99214", "83036"] and list(c1001["paid"]) == [90.0, 0.0]


def test_an_echoed_control_number_with_another_code_is_not_trusted(submitted: ClaimsData) -> None:
    # the payer swapped the control numbers: REF*6R*2 on the 99214 line, REF*6R*1 on the 83036 line
    era = (
        ERA.replace("REF*6R*1~", "REF*6R*X~")
        .replace("REF*6R*2~", "REF*6R*1~")
        .replace("REF*6R*X~", "REF*6R*2~")
    )
    posted = post(read_835(era), submitted)
    c1001 = posted[posted["claim_id"] == "C1001"].set_index("procedure_code")
    assert list(c1001["match"]) == ["exact", "exact"]  # matched by code, modifiers and date instead
    assert c1001.loc["99214", "paid"] == 90.0 and c1001.loc["99214", "line_number"] == 1
