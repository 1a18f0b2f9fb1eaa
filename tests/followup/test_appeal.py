"""Appeal letter drafts filled from the worklist, the claim and the action table."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from medbill.claims.control_numbers import payer_control_numbers
from medbill.claims.tables import read_claims_dir
from medbill.cli import main
from medbill.followup import action_table, worklist
from medbill.followup.appeal import appeal_letter_html

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample"
AS_OF = "2026-06-30"


@pytest.fixture(scope="module")
def sample():
    return read_claims_dir(SAMPLE)


@pytest.fixture(scope="module")
def rows(sample) -> pd.DataFrame:
    return worklist(sample, as_of=AS_OF)


def test_the_letter_is_filled_from_the_claim_and_the_denial(sample, rows: pd.DataFrame) -> None:
    row = rows[rows["action"].eq("appeal with records") & rows["carc"].eq("50")].iloc[0]
    page = appeal_letter_html(sample, row["claim_id"], as_of=AS_OF, rows=rows)
    claim = sample.claims.set_index("claim_id").loc[row["claim_id"]]
    patient = sample.patients.set_index("patient_id").loc[claim["patient_id"]]
    assert f"Our claim number: {row['claim_id']}" in page
    assert f"Your claim control number: {payer_control_numbers(sample)[row['claim_id']]}" in page
    assert f"Member ID: {claim['member_id']}" in page
    assert f"{patient['first_name']} {patient['last_name']}" in page
    assert f"${row['amount_at_stake']:,.2f}" in page
    assert "CO-50, remark N115" in page and "medical necessity" in page
    attach = action_table().set_index("rule").loc["CO-50-N115", "attach"]
    assert f"Enclosed: {attach.replace(chr(39), '&#x27;')}" in page
    lines = sample.lines[sample.lines["claim_id"].eq(row["claim_id"])]
    assert page.count("<tr><td>") == len(lines)
    assert "<script" not in page


@pytest.mark.parametrize(
    ("pick", "message"),
    [
        (lambda r: r.loc[r["action"].eq("correct and resubmit"), "claim_id"].iloc[0], "not an appeal"),
        (lambda r: "C99999999", "not on the worklist"),
    ],
)
def test_claims_a_letter_does_not_serve_are_refused(sample, rows: pd.DataFrame, pick, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        appeal_letter_html(sample, pick(rows), as_of=AS_OF, rows=rows)


def test_cli_writes_one_letter_per_appeal(rows: pd.DataFrame, tmp_path: Path, capsys) -> None:
    code = main(["worklist", str(SAMPLE), "--as-of", AS_OF, "--no-scrub", "--letters", str(tmp_path)])
    assert code == 1
    written = sorted(p.name for p in tmp_path.glob("appeal_*.html"))
    expected = sorted(
        f"appeal_{c}.html" for c in rows.loc[rows["action"].eq("appeal with records"), "claim_id"]
    )
    assert written == expected and written
    assert f"wrote {len(expected):,} appeal letter drafts" in capsys.readouterr().err
