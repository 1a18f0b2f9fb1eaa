"""EncounterCoder headless: set values, click buttons, read findings, price and exports."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pandas as pd
import pytest

from medbill.widgets.encounter import EncounterCoder, render_findings

DOS = date(2025, 11, 3)


@pytest.fixture
def coder(practice) -> EncounterCoder:
    return EncounterCoder(practice, service_date=DOS)


def test_tables_follow_the_contract(coder: EncounterCoder) -> None:
    with coder.batch():  # one refresh for all the edits
        coder.age.value = 67
        coder.sex.value = "M"
        coder.add_diagnosis("E11.9")
        coder.add_diagnosis("I10")
        coder.add_line(procedure_code="99214", modifiers="25, gt", units=1, charge=180.0, dx_pointers="ab")
    claims, lines = coder.tables()
    assert len(claims) == 1 and len(lines) == 1
    row = claims.iloc[0]
    assert (row["dx1"], row["dx2"], row["patient_sex"]) == ("E11.9", "I10", "M")
    assert pd.isna(row["dx3"])
    # The birth date makes the patient exactly the age entered on the date of service.
    assert row["patient_birth_date"] == pd.Timestamp(1958, 11, 3)
    line = lines.iloc[0]
    assert (line["modifier1"], line["modifier2"], line["dx_pointers"]) == ("25", "GT", "AB")
    assert pd.isna(line["modifier3"])
    assert line["service_date"] == pd.Timestamp(DOS)


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        # Pointer B names the empty second diagnosis slot.
        ([{"procedure_code": "99214", "charge": 180.0, "dx_pointers": "B"}], {("DX-POINTER", 1, "error")}),
        # Modifier 25 on an E/M with no other procedure that day.
        (
            [{"procedure_code": "99214", "charge": 180.0, "dx_pointers": "A", "modifiers": "25"}],
            {("MOD-25-NOPROC", 1, "warning")},
        ),
    ],
)
def test_findings_appear_with_explanations(coder: EncounterCoder, lines: list, expected: set) -> None:
    with coder.batch():
        coder.add_diagnosis("E11.9")
        for line in lines:
            coder.add_line(**line)
    found = {
        (f.rule_id, None if pd.isna(f.line_number) else int(f.line_number), f.severity)
        for f in coder.findings.itertuples()
    }
    assert expected <= found
    html = coder.findings_view.value
    assert html.count("class='medbill-finding'") == len(coder.findings)
    assert "Fix:" in html  # each finding carries its rule's explanation and fix


def test_fixing_the_pointer_clears_the_finding(coder: EncounterCoder) -> None:
    coder.add_diagnosis("E11.9")
    row = coder.add_line(procedure_code="99214", charge=180.0, dx_pointers="B")
    assert "DX-POINTER" in set(coder.findings["rule_id"])
    row.pointers.value = "A"  # typing in the line's pointer box re-scrubs
    assert "DX-POINTER" not in set(coder.findings["rule_id"])


def test_medicare_price_from_the_imported_pfs(coder: EncounterCoder, pfs_home: str) -> None:
    from medbill.pricing.pfs import FeeSchedule

    coder.payer.value = "MCR01"
    # Medicare Part B 2025 fills the plan fields: the $257 deductible, then 20%.
    assert (coder.deductible_left.value, coder.coinsurance.value) == (257.0, 20.0)
    coder.add_diagnosis("E11.9")
    coder.add_line(procedure_code="99214", charge=180.0)
    assert "locality" in coder.price_view.value and coder.prices is None
    coder.locality.value = "01112-05"
    expected = FeeSchedule.load("RVU25D").price("99214", "01112-05").amount
    assert Decimal(str(coder.prices["allowed"].iloc[0])).quantize(Decimal("0.01")) == expected
    assert f"${expected:,.2f}" in coder.price_view.value
    assert coder.price_source.startswith("Medicare PFS RVU25D")
    # All of it goes to the deductible (152.35 < 257).
    assert f"Patient responsibility: <b>${expected:,.2f}</b>" in coder.price_view.value
    coder.deductible_left.value = 0.0
    coinsurance = (expected * Decimal("0.20")).quantize(Decimal("0.01"))
    assert f"Patient responsibility: <b>${coinsurance:,.2f}</b>" in coder.price_view.value


def test_contract_price_and_copay(practice) -> None:
    from medbill.pricing.contracts import Contract
    from medbill.pricing.patient import Benefit

    coder = EncounterCoder(
        practice,
        service_date=DOS,
        payer="ACME1",
        contracts={"ACME1": Contract("ACME 2025 fee schedule", fee_schedule={"99214": Decimal("140.00")})},
        benefits={"ACME1": Benefit(copay=Decimal("25.00"))},
    )
    with coder.batch():
        coder.add_diagnosis("E11.9")
        coder.add_line(procedure_code="99214", charge=180.0)
        coder.add_line(procedure_code="99999", charge=10.0)  # not in the contract: no rate, said so
    assert list(coder.prices["allowed"].astype(object).where(coder.prices["allowed"].notna(), None)) == [
        140.0,
        None,
    ]
    html = coder.price_view.value
    assert "contract ACME 2025 fee schedule" in html and "(1 line(s) not priced)" in html
    assert "Patient responsibility: <b>$25.00</b>" in html and "payer pays <b>$115.00</b>" in html


@pytest.mark.parametrize(
    ("payer", "why"),
    [
        ("ACME1", "No contract for payer ACME1"),  # commercial payer, no contract given
        ("MCR01", "No Medicare PFS release covers 2025-11-03"),  # Medicare payer, empty MEDBILL_HOME
    ],
)
def test_price_not_available_is_said_not_faked(practice, fresh_home, payer: str, why: str) -> None:
    coder = EncounterCoder(practice, service_date=DOS, payer=payer, locality="01112-05")
    coder.add_line(procedure_code="99214", charge=180.0)
    assert coder.prices is None
    assert "not available" in coder.price_view.value and why in coder.price_view.value
    assert "$" not in coder.price_view.value


def test_diagnosis_order_buttons(coder: EncounterCoder) -> None:
    with coder.batch():
        for code in ("E11.9", "I10", "E78.5"):
            coder.add_diagnosis(code)
    coder.add_diagnosis("I10")  # a repeat is ignored
    coder.diagnoses.value = "E78.5"
    coder.dx_up.click()
    assert coder.diagnosis_codes == ["E11.9", "E78.5", "I10"]
    coder.dx_down.click()
    coder.dx_down.click()  # already last: stays
    assert coder.diagnosis_codes == ["E11.9", "I10", "E78.5"]
    coder.dx_remove.click()
    assert coder.diagnosis_codes == ["E11.9", "I10"]
    assert coder.diagnoses.options[1][0].startswith("B  I10")


def test_at_most_twelve_diagnoses(coder: EncounterCoder) -> None:
    with coder.batch():
        for i in range(13):
            coder.add_diagnosis(f"Z{i:02d}.0")
    assert len(coder.diagnosis_codes) == 12
    assert "at most 12" in coder.state_message.value


def test_add_and_remove_lines(coder: EncounterCoder) -> None:
    coder.add_line_button.click()
    coder.add_line_button.click()
    assert len(coder.line_rows.children) == 2
    coder.line_rows.children[0].remove.click()
    assert len(coder.line_rows.children) == 1
    assert list(coder.tables()[1]["line_number"]) == [1]


def test_state_round_trip(coder: EncounterCoder, practice, tmp_path) -> None:
    with coder.batch():
        coder.age.value = 8
        coder.sex.value = "M"
        coder.payer.value = "ACME1"
        coder.add_diagnosis("J02.9")
        coder.add_line(procedure_code="87880", modifiers="QW", charge=35.0, dx_pointers="A")
    path = coder.save(tmp_path / "enc.json")
    again = EncounterCoder(practice, state_dir=tmp_path)
    again.state_path.value = "enc.json"
    again.load_button.click()
    assert again.state() == coder.state()
    assert again.tables()[1].equals(coder.tables()[1])
    assert json.loads(path.read_text())["lines"][0]["procedure_code"] == "87880"


def test_loading_a_bad_file_says_so(coder: EncounterCoder, tmp_path) -> None:
    coder.state_dir = tmp_path
    coder.state_path.value = "missing.json"
    coder.load_button.click()
    assert "Cannot load encounter state" in coder.state_message.value


def test_exports(coder: EncounterCoder) -> None:
    with coder.batch():
        coder.payer.value = "MCR01"
        coder.add_diagnosis("E11.9")
        coder.add_line(procedure_code="99214", charge=180.0)
    coder.export_buttons["837p"].click()
    text = coder.export_text
    assert text.startswith("ISA*") and "CLM*ENC1*180" in text and "HI*ABK:E119" in text
    assert "ISA*" in coder.export_view.value
    coder.export_buttons["json"].click()
    claim = json.loads(coder.export_text)
    assert claim["claim_id"] == "ENC1"
    coder.export_buttons["cms1500"].click()
    assert "E11.9" in coder.export_text or "E119" in coder.export_text
    assert 'class="cms1500"' in coder.export_view.value or "class='cms1500'" in coder.export_view.value


def test_export_of_an_incomplete_claim_says_why(coder: EncounterCoder) -> None:
    coder.add_line(procedure_code="99214", charge=180.0)  # no diagnosis yet
    coder.export_buttons["837p"].click()
    assert coder.export_text == ""
    assert "837P:" in coder.export_view.value and "must hold 1 to 12 codes" in coder.export_view.value


def test_no_pass_while_rules_were_skipped(coder: EncounterCoder) -> None:
    # No NCCI, MUE or MCE release is installed in the test home: those rules cannot run.
    with coder.batch():
        coder.add_diagnosis("E11.9")
        coder.add_line(procedure_code="99213", charge=120.0, dx_pointers="A")
    skipped = coder.scrub_result.skipped
    assert {"NCCI-PTP", "MUE"} <= set(skipped["rule_id"])
    html = coder.findings_view.value
    assert "passes this claim" not in html
    assert f"{skipped['rule_id'].nunique()} rule(s) did not run" in html
    assert "medbill data import ncci PATH" in html  # the command that makes the rule run
    assert html.count("class='medbill-skipped-rule'") == skipped["rule_id"].nunique()


def test_render_findings_says_pass_only_when_every_rule_ran() -> None:
    empty = pd.DataFrame(columns=["claim_id", "line_number", "rule_id", "severity", "message", "reference"])
    skipped = pd.DataFrame(
        {"rule_id": ["MUE"], "reason": ["No mue release is installed; import ..."], "lines": [1]}
    )
    assert "every rule ran and passes" in render_findings(empty, pd.DataFrame(), skipped.iloc[0:0])
    shown = render_findings(empty, pd.DataFrame(), skipped)
    assert "No findings from the rules that ran" in shown and "<b>MUE</b>: No mue release" in shown


def test_procedure_search_adds_lines(coder: EncounterCoder) -> None:
    coder.procedure_search.query.value = "venipuncture"
    coder.procedure_search.results.value = 0
    coder.procedure_search.use_button.click()
    assert [r.code.value for r in coder.line_rows.children] == ["36415"]
    coder.add_line()  # an empty line takes the next procedure chosen
    coder.add_procedure("93000")
    assert [r.code.value for r in coder.line_rows.children] == ["36415", "93000"]
