"""Replacement (7) and void (8) claims with the payer's claim control number, valid for pyx12."""

from __future__ import annotations

from pathlib import Path

import pytest

from medbill.claims.control_numbers import payer_control_numbers
from medbill.claims.tables import read_claims_dir
from medbill.cli import main
from medbill.exceptions import ImportFailed
from medbill.followup.corrections import mark_claims

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample"


@pytest.fixture(scope="module")
def sample():
    return read_claims_dir(SAMPLE)


def _denied_by(sample, reason: str) -> list[str]:
    adj = sample.remit_adjustments
    payer = sample.claims.set_index("claim_id")["payer_id"]
    ids = adj.loc[adj["reason"].eq(reason), "claim_id"].drop_duplicates()
    # one payer per file, as a clearinghouse batch would be
    return ids[ids.map(payer).eq("MCR01")].head(3).tolist()


def test_control_number_is_the_latest_remittances(sample) -> None:
    control = payer_control_numbers(sample)
    rc = sample.remit_claims.set_index("claim_id")
    some = rc.index[0]
    assert control[some] == rc.loc[some, "payer_claim_control"]
    assert control.index.is_unique


@pytest.mark.parametrize(("flag", "frequency"), [("--corrected", "7"), ("--void", "8")])
def test_cli_writes_replacements_and_voids_that_pyx12_accepts(
    sample, tmp_path: Path, flag: str, frequency: str, pyx12_verdict
) -> None:
    ids = _denied_by(sample, "97")  # bundled lines: a replacement with the right modifier
    assert len(ids) == 3
    out = tmp_path / "resend.837"
    assert main(["claims", "to-837p", str(SAMPLE), flag, ",".join(ids), "--out", str(out)]) == 0
    text = out.read_text(encoding="ascii")
    segments = [s.strip() for s in text.split("~") if s.strip()]
    clms = [s for s in segments if s.startswith("CLM*")]
    assert sorted(s.split("*")[1] for s in clms) == sorted(ids)
    assert all(s.split("*")[5] == f"11:B:{frequency}" for s in clms)
    control = payer_control_numbers(sample)
    refs = [s for s in segments if s.startswith("REF*F8*")]
    assert sorted(r.split("*")[2] for r in refs) == sorted(control[ids])
    ok, report = pyx12_verdict(text)
    assert ok, report


@pytest.mark.parametrize(
    ("ids", "frequency", "message"),
    [
        (["NOPE"], "7", "not in the claims table"),
        ([], "8", "name the claims"),
    ],
)
def test_bad_requests_are_refused(sample, ids: list[str], frequency: str, message: str) -> None:
    with pytest.raises(ImportFailed, match=message):
        mark_claims(sample, ids, frequency)


def test_a_claim_the_payer_never_processed_cannot_be_replaced(sample, capsys) -> None:
    remitted = set(sample.remit_claims["claim_id"])
    waiting = sample.claims.loc[
        sample.claims["submitted_date"].notna() & ~sample.claims["claim_id"].isin(remitted), "claim_id"
    ].iloc[0]
    assert main(["claims", "to-837p", str(SAMPLE), "--void", waiting, "--out", "/dev/null"]) == 2
    assert "no payer claim control number" in capsys.readouterr().err
    with pytest.raises(ValueError, match="frequency"):
        mark_claims(sample, [waiting], "1")
