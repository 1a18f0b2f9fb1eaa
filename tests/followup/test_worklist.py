"""The follow-up worklist and its action table."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pandas as pd
import pytest

from medbill.claims.tables import ClaimsData, read_claims_dir
from medbill.cli import main
from medbill.followup import action_table, resolve, worklist, worklist_findings, worklist_summary
from medbill.followup.actions import ACTIONS, DEADLINES, routine_keys
from medbill.refdata import carc, rarc

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample"
AS_OF = "2026-06-30"


def _sample_keys() -> list[tuple[str, str, str]]:
    """Every (group, CARC, RARC or '') an adjustment of the sample carries, with its line's remarks."""
    adj = pd.read_csv(SAMPLE / "remit_adjustments.csv", dtype=str, keep_default_na=False)
    remarks = pd.read_csv(SAMPLE / "remit_remarks.csv", dtype=str, keep_default_na=False)
    paired = adj.merge(remarks, on=["payment_id", "claim_id", "line_number"], how="left").fillna("")
    return sorted(set(zip(paired["group"], paired["reason"], paired["code"], strict=True)))


def test_the_table_uses_known_codes_actions_and_deadlines() -> None:
    table = action_table()
    assert set(table["action"]) <= set(ACTIONS)
    assert set(table["deadline_kind"]) <= set(DEADLINES)
    assert set(table["group"]) <= {*carc.GROUP_CODES, "*"}
    codes = table.loc[table["carc"].ne("*"), "carc"]
    assert [c for c in codes if not carc.is_valid(c)] == []
    remarks = table.loc[table["rarc"].ne("*"), "rarc"]
    assert [r for r in remarks if not rarc.is_valid(r)] == []
    assert not table.duplicated(["group", "carc", "rarc"]).any()
    assert table["why"].str.len().gt(20).all()
    # contractual write-offs and cost sharing never reach the list; denials always may
    assert {("CO", "45"), ("CO", "253"), ("PR", "1"), ("PR", "2"), ("PR", "3")} <= routine_keys()
    assert not {("CO", "16"), ("CO", "97"), ("CO", "50")} & routine_keys()


@pytest.mark.parametrize(("group", "code", "remark"), _sample_keys(), ids=lambda v: v or "-")
def test_every_adjustment_in_the_sample_has_a_specific_action(group: str, code: str, remark: str) -> None:
    row = resolve(pd.Series([group]), pd.Series([code]), pd.Series([remark or None])).iloc[0]
    # a row written for this group and CARC (and the RARC when the table has one), not a fallback
    assert row["specificity"] >= 2, row["rule"]
    assert row["rule"].startswith(f"{group}-{code}-")
    contractual_or_share = (group, code) in {
        ("CO", "45"),
        ("CO", "253"),
        ("PR", "1"),
        ("PR", "2"),
        ("PR", "3"),
    }
    assert bool(row["work"]) == (not contractual_or_share)


@pytest.mark.parametrize(
    ("key", "rule", "action"),
    [
        (("CO", "16", "M76"), "CO-16-M76", "correct and resubmit"),  # group + CARC + RARC
        (("CO", "16", "N999"), "CO-16-*", "correct and resubmit"),  # unknown remark: group + CARC
        (("CO", "16", None), "CO-16-*", "correct and resubmit"),  # no remark
        (("CO", "8", None), "CO-*-*", "appeal with records"),  # CARC not in the table: the group's row
        (("pr", " 3 ", None), "PR-3-*", "bill the patient"),  # case and spaces normalised
        (("XX", "1", None), "*-*-*", "appeal with records"),  # not a group code: the catch-all
    ],
)
def test_the_most_specific_row_wins(key: tuple, rule: str, action: str) -> None:
    row = resolve(*(pd.Series([k]) for k in key)).iloc[0]
    assert (row["rule"], row["action"]) == (rule, action)


@pytest.fixture(scope="module")
def sample() -> ClaimsData:
    return read_claims_dir(SAMPLE)


@pytest.fixture(scope="module")
def sample_list(sample: ClaimsData) -> pd.DataFrame:
    return worklist(sample, as_of=AS_OF)


def test_every_denied_sample_claim_is_listed_once(sample: ClaimsData, sample_list: pd.DataFrame) -> None:
    ar = pd.read_csv(SAMPLE / "ar.csv", dtype={"claim_id": str})
    denied = set(ar.loc[ar["status"].isin(["denied", "partial"]), "claim_id"])
    listed = sample_list.loc[sample_list["category"].isin(["denied", "partly denied"]), "claim_id"]
    assert set(listed) == denied
    assert sample_list["claim_id"].is_unique
    # what is at stake on a denial is what the payer denied (A/R's denied amount)
    at_stake = sample_list.set_index("claim_id")["amount_at_stake"]
    assert (at_stake[list(denied)].round(2) == ar.set_index("claim_id").loc[list(denied), "denied"]).all()


def test_rows_are_sorted_by_priority_then_amount(sample_list: pd.DataFrame) -> None:
    keys = list(zip(sample_list["priority"], -sample_list["amount_at_stake"], strict=True))
    assert keys == sorted(keys)
    urgent = sample_list[sample_list["priority"].eq(1)]
    assert urgent["days_left"].between(0, 14).all()
    assert sample_list.loc[sample_list["priority"].eq(5), "days_left"].lt(0).all()


def test_deadlines_follow_the_payer(sample: ClaimsData, sample_list: pd.DataFrame) -> None:
    appeal_days = sample.payers.set_index("payer_id")["appeal_days"].astype(float)
    filing_days = sample.payers.set_index("payer_id")["timely_filing_days"].astype(float)
    for kind, start, days in (
        ("appeal", "remit_date", appeal_days),
        ("timely_filing", "service_date", filing_days),
    ):
        rows = sample_list[sample_list["deadline_kind"].eq(kind)]
        assert len(rows) > 0
        expected = rows[start] + pd.to_timedelta(rows["payer_id"].map(days), unit="D")
        assert (rows["deadline"] == expected).all()
        assert (rows["days_left"] == (rows["deadline"] - pd.Timestamp(AS_OF)).dt.days).all()


def test_payer_rules_override_the_appeal_window(sample: ClaimsData, sample_list: pd.DataFrame) -> None:
    rules = pd.DataFrame({"payer_id": ["MCR01"], "appeal_days": [10]})
    changed = worklist(sample, as_of=AS_OF, payer_rules=rules).set_index("claim_id")
    before = sample_list.set_index("claim_id")
    medicare = before.index[before["payer_id"].eq("MCR01") & before["deadline_kind"].eq("appeal")]
    assert len(medicare) > 0
    assert (
        changed.loc[medicare, "deadline"] == changed.loc[medicare, "remit_date"] + pd.Timedelta(days=10)
    ).all()


def _small(**extra: pd.DataFrame) -> ClaimsData:
    """Four claims of payer COM (filing limit 90 days, appeal window 60): A paid at the expected
    amount, B paid short, C sent and never answered, D not sent. Peers of 99213 set the usual
    allowed at 80.00."""
    ids = ["A", "B", "C", "D", "P1", "P2"]
    claims = pd.DataFrame(
        {
            "claim_id": ids,
            "patient_id": ["P"] * 6,
            "payer_id": ["COM"] * 6,
            "submitted_date": ["2026-01-05", "2026-01-05", "2026-01-05", None, "2026-01-05", "2026-01-05"],
        }
    )
    lines = pd.DataFrame(
        {
            "claim_id": ids,
            "line_number": [1] * 6,
            "service_date": ["2026-01-02"] * 6,
            "procedure_code": ["99213"] * 6,
            "units": [1.0] * 6,
            "charge": [120.0] * 6,
        }
    )
    paid_ids = ["A", "B", "P1", "P2"]
    allowed = [80.0, 60.0, 80.0, 80.0]
    remit_claims = pd.DataFrame(
        {
            "payment_id": ["T1"] * 4,
            "claim_id": paid_ids,
            "status_code": ["1"] * 4,
            "paid": allowed,
            "received_date": ["2026-02-01"] * 4,
        }
    )
    remit_lines = pd.DataFrame(
        {
            "payment_id": ["T1"] * 4,
            "claim_id": paid_ids,
            "line_number": [1] * 4,
            "procedure_code": ["99213"] * 4,
            "charge": [120.0] * 4,
            "paid": allowed,
            "allowed": allowed,
            "units": [1.0] * 4,
        }
    )
    remit_adjustments = pd.DataFrame(
        {
            "payment_id": ["T1"] * 4,
            "claim_id": paid_ids,
            "line_number": [1] * 4,
            "group": ["CO"] * 4,
            "reason": ["45"] * 4,
            "amount": [120.0 - a for a in allowed],
        }
    )
    payers = pd.DataFrame(
        {"payer_id": ["COM"], "kind": ["commercial"], "timely_filing_days": [90], "appeal_days": [60]}
    )
    tables = {
        "claims": claims,
        "lines": lines,
        "payers": payers,
        "remit_claims": remit_claims,
        "remit_lines": remit_lines,
        "remit_adjustments": remit_adjustments,
        **extra,
    }
    return ClaimsData(**tables)


def test_underpaid_no_response_and_not_sent() -> None:
    findings = pd.DataFrame(
        {"claim_id": ["D"], "severity": ["error"], "rule_id": ["DX-POINTER"], "message": ["points past dx"]}
    )
    rows = worklist(_small(), as_of="2026-03-01", findings=findings).set_index("claim_id")
    assert sorted(rows.index) == ["B", "C", "D"]  # A and the peers were paid as expected
    assert rows.loc["B", ["category", "amount_at_stake", "deadline"]].tolist() == [
        "underpaid",
        20.0,
        pd.Timestamp("2026-04-02"),  # 60 days after the remittance
    ]
    assert rows.loc["C", ["category", "action", "amount_at_stake"]].tolist() == [
        "no response",
        "check claim status",
        120.0,
    ]
    assert rows.loc["C", "deadline"] == pd.Timestamp("2026-04-02")  # 90 days after the service
    assert rows.loc["D", ["category", "finding"]].tolist() == ["not sent", "DX-POINTER: points past dx"]


def test_no_response_waits_the_given_days() -> None:
    early = worklist(_small(), as_of="2026-02-10")  # 36 days after sending
    assert "C" not in set(early["claim_id"])
    assert "C" in set(worklist(_small(), as_of="2026-02-10", no_response_days=30)["claim_id"])


def test_a_denial_paid_on_resubmission_leaves_the_list() -> None:
    denial = pd.DataFrame(
        {
            "payment_id": ["T0"],
            "claim_id": ["C"],
            "status_code": ["4"],
            "paid": [0.0],
            "received_date": pd.to_datetime(["2026-01-20"]),
        }
    )
    data = _small()
    adjustments = pd.concat(
        [
            data.remit_adjustments,
            pd.DataFrame(
                {
                    "payment_id": ["T0"],
                    "claim_id": ["C"],
                    "line_number": [1],
                    "group": ["CO"],
                    "reason": ["16"],
                    "amount": [120.0],
                }
            ),
        ]
    )
    denied = ClaimsData(
        **{
            **dict(data.items()),
            "remit_claims": pd.concat([data.remit_claims, denial]),
            "remit_adjustments": adjustments,
        }
    )
    row = worklist(denied, as_of="2026-01-25").set_index("claim_id").loc["C"]
    assert (row["category"], row["reason"], row["action"]) == ("denied", "CO-16", "correct and resubmit")
    paid = pd.DataFrame(
        {
            "payment_id": ["T2"],
            "claim_id": ["C"],
            "status_code": ["1"],
            "paid": [80.0],
            "received_date": pd.to_datetime(["2026-02-20"]),
        }
    )
    later = ClaimsData(**{**dict(denied.items()), "remit_claims": pd.concat([denied.remit_claims, paid])})
    assert "C" not in set(worklist(later, as_of="2026-03-01")["claim_id"])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"as_of": None}, "as_of"),
        ({"as_of": AS_OF, "no_response_days": 0}, "no_response_days"),
        ({"as_of": AS_OF, "payer_rules": pd.DataFrame({"appeal_days": [3]})}, "payer_id"),
    ],
)
def test_bad_arguments_are_refused(kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        worklist(_small(), **kwargs)


def test_cli_lists_writes_and_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "worklist.csv"
    code = main(["worklist", str(SAMPLE), "--as-of", AS_OF, "--json", "--no-scrub", "--out", str(out)])
    assert code == 1
    rows = json.loads(capsys.readouterr().out)
    written = pd.read_csv(out, dtype={"claim_id": str})
    assert len(rows) == len(written) > 0
    assert rows[0]["claim_id"] == written["claim_id"].iloc[0]
    assert rows[0]["deadline"] == written["deadline"].iloc[0]  # ISO dates both ways


def test_rows_name_their_payer_and_provider(sample: ClaimsData, sample_list: pd.DataFrame) -> None:
    payers = sample.payers.set_index("payer_id")["name"]
    assert sample_list["payer"].tolist() == sample_list["payer_id"].map(payers).tolist()
    claims = sample.claims.set_index("claim_id")
    npi = sample_list["claim_id"].map(claims["rendering_npi"].fillna(claims["billing_npi"]))
    assert sample_list["provider_npi"].tolist() == npi.tolist()
    people = sample.providers.set_index("npi")
    full = npi.map(people["first_name"] + " " + people["last_name"])
    assert sample_list["provider"].tolist() == full.tolist()


def test_a_payer_without_a_name_and_an_unknown_npi_are_shown_as_they_are(sample: ClaimsData) -> None:
    medicare = sample.claims["payer_id"].eq("MCR01")
    claims = sample.claims.assign(
        payer_id=sample.claims["payer_id"].mask(medicare, "MCR99"),
        rendering_npi=sample.claims["rendering_npi"].mask(medicare, "1999999984"),
    )
    nameless = sample.payers[sample.payers["payer_id"].eq("MCR01")].assign(payer_id="MCR99", name=None)
    payers = pd.concat([sample.payers, nameless])
    rows = worklist(dataclasses.replace(sample, claims=claims, payers=payers), as_of=AS_OF)
    unknown = rows[rows["payer_id"].eq("MCR99")]
    assert len(unknown) and unknown["payer"].eq("MCR99").all() and unknown["provider"].eq("1999999984").all()


def test_cli_table_names_payers_and_providers_and_explains_codes(
    sample: ClaimsData, sample_list: pd.DataFrame, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["worklist", str(SAMPLE), "--as-of", AS_OF, "--no-scrub"]) == 1
    header, *lines, total = capsys.readouterr().out.splitlines()
    assert header.split()[:4] == ["Priority", "Claim", "Payer", "Provider"]
    assert header.rstrip().endswith("Reason")  # the long text last
    rows = sample_list
    assert len(lines) == len(rows) and total.startswith(f"{len(rows):,} claims to work")
    payers = sample.payers.set_index("payer_id")["name"]
    first = rows.iloc[0]
    assert lines[0].startswith(f"{first['priority']}  ") and payers[first["payer_id"]] in lines[0]
    assert f"${first['amount_at_stake']:,.2f}" in lines[0]
    assert not any(f" {payer_id} " in line for line in lines for payer_id in payers.index)
    co16 = carc.table().loc["16", "description"]
    assert any(f"CO-16 M76: {co16}; {rarc.get('M76')}" in line for line in lines)


@pytest.mark.parametrize(
    "argv",
    [
        ["worklist", "/no/such/folder"],
        ["worklist", str(SAMPLE), "--payer-rules", "/no/such/rules.csv"],
    ],
)
def test_cli_bad_input_exits_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2
    assert "medbill: error:" in capsys.readouterr().err


def test_summary_adds_up(sample_list: pd.DataFrame) -> None:
    by_action = worklist_summary(sample_list, by="action")
    assert by_action["claims"].sum() == len(sample_list)
    assert by_action["amount_at_stake"].sum() == pytest.approx(sample_list["amount_at_stake"].sum())
    assert by_action["amount_at_stake"].is_monotonic_decreasing
    assert by_action["amount_share"].sum() == pytest.approx(1.0, abs=1e-3)
    by_payer = worklist_summary(sample_list, by="payer")
    assert set(by_payer["payer"]) == set(sample_list["payer"])
    with pytest.raises(ValueError, match="nonsense"):
        worklist_summary(sample_list, by="nonsense")


@pytest.mark.slow
def test_findings_name_what_predicted_the_denial(sample: ClaimsData) -> None:
    findings = worklist_findings(sample, as_of=AS_OF)
    rows = worklist(sample, as_of=AS_OF, findings=findings)
    truth = pd.read_csv(SAMPLE / "truth.csv", dtype=str).set_index("claim_id")["defect"]
    seventh = rows[rows["claim_id"].map(truth).eq("missing_7th_character") & rows["category"].eq("denied")]
    assert len(seventh) > 0
    assert seventh["finding"].str.startswith("ICD-7TH").all()
    assert rows["category"].eq("not sent").any()  # unsent claims with errors
