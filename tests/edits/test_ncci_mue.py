"""NCCI PTP and MUE: date boundaries, modifier indicators, per-line vs per-day units, importers."""

from __future__ import annotations

from datetime import date

import pytest

from medbill.edits import scrub
from medbill.exceptions import ImportFailed
from medbill.refdata import coverage, mue, ncci, store


def _pair(mk, code1, code2, day, mod2=None, **line2):
    """A claim with code1 on line 1 and code2 (optionally modified) on line 2, same date."""
    lines = [
        mk.line(procedure_code=code1, service_date=day),
        mk.line(line_number=2, procedure_code=code2, service_date=day, modifier1=mod2, **line2),
    ]
    return mk.tables([mk.claim(submitted_date=day)], lines)


def _ptp(mk, *args, **kwargs):
    result = scrub(*_pair(mk, *args, **kwargs), rules=["NCCI-PTP"], as_of=mk.AS_OF)
    return result.findings


@pytest.mark.parametrize(
    ("code1", "code2", "day", "mod2", "fires"),
    [
        # 0001U/0029U: effective 2018-07-01, deletion 2026-06-30 (in effect through that date)
        ("0001U", "0029U", "2026-06-30", None, True),
        ("0001U", "0029U", "2026-07-01", None, False),
        ("0001U", "0029U", "2018-07-01", None, True),
        ("0001U", "0029U", "2018-06-30", None, False),
        # 0001U/0030U: no deletion date ('*'), still in effect years later
        ("0001U", "0030U", "2026-07-15", None, True),
        # indicator 1: bypassed by 59, by XU and by an anatomic modifier (RT)
        ("0001U", "0030U", "2026-07-15", "59", False),
        ("0001U", "0030U", "2026-07-15", "XU", False),
        ("0001U", "0030U", "2026-07-15", "RT", False),
        # indicator 1: a modifier that is not NCCI-associated (GA) does not bypass
        ("0001U", "0030U", "2026-07-15", "GA", True),
        # indicator 0 (0001A/36591, 2022-01-01..2023-12-31): 59 never bypasses
        ("0001A", "36591", "2023-06-01", "59", True),
        ("0001A", "36591", "2024-01-01", None, False),
        # indicator 9 (0001A/90473): never applied
        ("0001A", "90473", "2022-01-01", None, False),
    ],
)
def test_ptp_dates_and_indicators(mk, reference_data, code1, code2, day, mod2, fires):
    result = scrub(*_pair(mk, code1, code2, day, mod2), rules=["NCCI-PTP"], as_of=mk.AS_OF)
    assert result.skipped.empty  # a release covers every date used here: the rule really ran
    found = result.findings
    assert (not found.empty) == fires, found.to_dict("records")
    if fires:
        row = found.iloc[0]
        assert row["line_number"] == 2 and row["value"] == code2
        # the release in effect on the date edits the line: v32.1 for June 2026, v32.2 for July
        in_effect = coverage.in_effect([p for p, _ in ncci.load("practitioner")], date.fromisoformat(day))
        assert f"CMS NCCI PTP {in_effect.release}" in row["reference"]


@pytest.mark.parametrize(
    ("day", "covered"), [("2026-09-30", True), ("2026-10-01", False), ("2019-06-30", False)]
)
def test_ptp_lines_no_release_covers_are_skipped_not_passed(mk, reference_data, day, covered):
    # 0001U/0030U has no deletion date: an uncovered date is listed as not checked, with the fix.
    result = scrub(*_pair(mk, "0001U", "0030U", day), rules=["NCCI-PTP"], as_of=date(2027, 1, 1))
    assert (not result.findings.empty) == covered
    assert result.skipped.empty == covered
    if not covered:
        row = result.skipped.iloc[0]
        assert (row["rule_id"], row["lines"], row["claims"]) == ("NCCI-PTP", 2, 1)
        assert (
            "No NCCI PTP release covers" in row["reason"]
            and day[:7] in row["reason"]
            and "Run `medbill data" in row["reason"]
        )
        assert result.line_status["unchecked"].tolist() == [1, 1]


def test_ptp_does_not_depend_on_line_order(mk, reference_data):
    # 0029U billed on line 1 and 0001U on line 2: the column 2 code's line is still the one reported
    found = _ptp(mk, "0029U", "0001U", "2026-06-30")
    assert found[["line_number", "value"]].values.tolist() == [[1, "0029U"]]


def test_ptp_needs_same_provider_and_patient_but_not_same_claim(mk, reference_data):
    day = "2026-06-30"
    base = mk.claim(submitted_date=day)
    other_provider = mk.claim(claim_id="C2", rendering_npi=mk.OTHER_NPI, submitted_date=day)
    other_patient = mk.claim(claim_id="C2", patient_id="P2", submitted_date=day)
    same = mk.claim(claim_id="C2", submitted_date=day)
    lines = [
        mk.line(procedure_code="0001U", service_date=day),
        mk.line(claim_id="C2", procedure_code="0029U", service_date=day),
    ]
    for second, fires in ((other_provider, False), (other_patient, False), (same, True)):
        found = scrub(*mk.tables([base, second], lines), rules=["NCCI-PTP"], as_of=mk.AS_OF).findings
        assert (not found.empty) == fires
        if fires:
            assert found.iloc[0]["claim_id"] == "C2"


def test_payer_bypass_modifiers_are_configurable(mk, reference_data):
    claims, lines = _pair(mk, "0001U", "0030U", "2026-07-15", "XU")
    strict = {"MCR": {"bypass_modifiers": ["59"]}}
    assert not scrub(claims, lines, rules=["NCCI-PTP"], payer_config=strict, as_of=mk.AS_OF).findings.empty
    assert scrub(claims, lines, rules=["NCCI-PTP"], as_of=mk.AS_OF).findings.empty


CMS_PTP = """\
CPT codes, descriptions and other data only are copyright 2025 American Medical Association.
Column 1\tColumn 2\t*=in existence prior to 1996\tEffective Date\tDeletion Date *=no data\tModifier 0=not allowed 1=allowed 9=not applicable\tPTP Edit Rationale
\t\t\t\t\t\t
10021\t36000\t\t20090101\t*\t1\tStandards of medical / surgical practice
10021\t76942\t*\t19960101\t20251231\t0\tCPT Manual or CMS manual coding instruction
"""


def test_import_official_cms_ptp_layout(fresh_home, tmp_path):
    path = tmp_path / "ccipra-v321r0-f1.txt"
    path.write_text(CMS_PTP)
    prov = ncci.import_release(path)
    assert (prov.release, prov.rows) == ("practitioner-v321r0-f1", 2)
    assert (prov.effective_from, prov.effective_to) == (date(2026, 4, 1), date(2026, 6, 30))  # v32.1: 2026 Q2
    ((_, table),) = ncci.load("practitioner")
    row = table[table["column2"] == "76942"].iloc[0]
    assert bool(row["prior_1996"]) and row["modifier_indicator"] == 0
    assert str(row["deletion"].date()) == "2025-12-31"
    assert table.loc[table["column2"] == "36000", "deletion"].isna().all()


def test_each_version_edits_only_its_own_quarter(fresh_home, tmp_path, mk):
    # v32.1 has 10021/36000 open-ended; v32.2 deletes it on 2026-03-31. A June line is edited by
    # v32.1 (fires), a July line by v32.2 (the edit was deleted: no finding), never by the other.
    old = tmp_path / "ccipra-v321r0-f1.txt"
    old.write_text(CMS_PTP)
    new = tmp_path / "ccipra-v322r0-f1.txt"
    new.write_text(CMS_PTP.replace("20090101\t*\t1", "20090101\t20260331\t1"))
    ncci.import_release(old)
    ncci.import_release(new)
    assert [p.release for p, _ in ncci.load("practitioner")] == [
        "practitioner-v321r0-f1",
        "practitioner-v322r0-f1",
    ]
    june = _ptp(mk, "10021", "36000", "2026-06-15")
    assert "practitioner-v321r0-f1" in june.iloc[0]["reference"]
    assert _ptp(mk, "10021", "36000", "2026-07-15").empty


def test_ptp_file_without_a_version_or_date_is_refused(fresh_home, tmp_path):
    path = tmp_path / "ptp.txt"
    path.write_text(CMS_PTP)
    with pytest.raises(ImportFailed, match="quarter"):
        ncci.import_release(path)
    assert ncci.import_release(path, effective=date(2026, 5, 20)).effective_from == date(2026, 4, 1)


@pytest.mark.parametrize(
    "bad_row",
    [
        "10021\t36000\t\t2009010\t*\t1\tshort effective date",  # 7-digit date
        "10021\t36000\t\t20090101\t*\t5\tindicator 5",  # indicator not 0/1/9
        "10021\t36000\t\t20091301\t*\t1\tmonth 13",  # impossible date
    ],
)
def test_bad_ptp_rows_fail_and_install_nothing(fresh_home, tmp_path, bad_row):
    path = tmp_path / "ccipra-v321r0-f2.txt"
    path.write_text(CMS_PTP + bad_row + "\n")
    with pytest.raises(ImportFailed):
        ncci.import_release(path)
    assert store.installed("ncci") == []


@pytest.mark.parametrize(
    ("units", "fires"),
    [
        # 0001U MUE 1, MAI 2 (per day): 1 unit passes, 2 fail
        ((1,), False),
        ((2,), True),
        # two lines of 1 unit on the same day add up to 2
        ((1, 1), True),
    ],
)
def test_mue_per_day(mk, reference_data, units, fires):
    lines = [
        mk.line(line_number=i + 1, procedure_code="0001U", units=u, modifier1=["", "91"][i])
        for i, u in enumerate(units)
    ]
    found = scrub(*mk.tables(None, lines), rules=["MUE"], as_of=mk.AS_OF).findings
    assert (not found.empty) == fires
    if fires:
        assert "MAI 2" in found.iloc[0]["message"] and "practitioner-2026-07-01" in found.iloc[0]["reference"]


CMS_MUE = """\
"CPT codes and descriptions only are copyright 2025 American Medical Association. All Rights Reserved."
"HCPCS/CPT Code","Practitioner Services MUE Values","MUE Adjudication Indicator","MUE Rationale"
"11102","1","1 Line Edit","Code Descriptor / CPT Instruction"
"20610","2","2 Date of Service Edit: Policy","Anatomic Consideration"
"""


def test_mue_official_layout_and_per_line_indicator(fresh_home, tmp_path, mk):
    path = tmp_path / "MCR_MUE_PractitionerServices_Eff_07-01-2026.csv"
    path.write_text(CMS_MUE)
    prov = mue.import_release(path)
    assert (prov.release, prov.rows, str(prov.effective_from)) == ("practitioner-2026-07-01", 2, "2026-07-01")
    # MAI 1 counts per line: two lines of one unit each pass, one line of two units fails.
    two_lines = [
        mk.line(procedure_code="11102"),
        mk.line(line_number=2, procedure_code="11102", modifier1="59"),
    ]
    assert scrub(*mk.tables(None, two_lines), rules=["MUE"], as_of=mk.AS_OF).findings.empty
    one_line = [mk.line(procedure_code="11102", units=2)]
    found = scrub(*mk.tables(None, one_line), rules=["MUE"], as_of=mk.AS_OF).findings
    assert found["message"].str.contains("on the line").all()


def test_mue_without_a_date_in_the_name_needs_one(fresh_home, tmp_path):
    path = tmp_path / "mue.csv"
    path.write_text(CMS_MUE)
    with pytest.raises(ImportFailed, match="effective date"):
        mue.import_release(path)


def test_rules_without_reference_data_are_skipped_not_passed(fresh_home, mk):
    result = scrub(*mk.tables(), rules=["NCCI-PTP", "MUE", "MCE-*"], as_of=mk.AS_OF)
    assert set(result.skipped["rule_id"]) == {"NCCI-PTP", "MUE", "MCE-AGE", "MCE-SEX", "MCE-PRINCIPAL"}
    assert result.skipped["reason"].str.contains("medbill data import").all()


@pytest.mark.parametrize("day", ["2025-10-15", "2026-10-01"])
def test_mue_release_is_not_applied_outside_its_quarter(mk, reference_data, day):
    # The 2026-07-01 MUE table covers July-September 2026 only: two units of 0001U (MUE 1) on another
    # date are not judged by it; the line is listed as not checked, with the command that fixes it.
    claims, lines = mk.tables(
        [mk.claim(submitted_date=day)], [mk.line(procedure_code="0001U", units=2, service_date=day)]
    )
    result = scrub(claims, lines, rules=["MUE"], as_of=date(2027, 1, 1))
    assert result.findings.empty
    assert result.skipped[["rule_id", "lines"]].values.tolist() == [["MUE", 1]]
    assert "No MUE release covers" in result.skipped.iloc[0]["reason"]
    inside = scrub(
        *mk.tables([mk.claim()], [mk.line(procedure_code="0001U", units=2)]), rules=["MUE"], as_of=mk.AS_OF
    )
    assert inside.findings["rule_id"].tolist() == ["MUE"] and inside.skipped.empty


def test_mce_v37_is_not_applied_to_fiscal_2026_claims(mk, reference_data):
    # A33 (newborn only) on an adult: MCE v37 (FY2020) would call it an age conflict; on a July 2026
    # claim it is not the MCE in effect, so MCE-AGE does not run for the claim and says why.
    claims, lines = mk.tables([mk.claim(dx1="A33")], [mk.line()])
    result = scrub(claims, lines, rules=["MCE-AGE"], as_of=mk.AS_OF)
    assert result.findings.empty
    row = result.skipped.iloc[0]
    assert (row["rule_id"], row["claims"]) == ("MCE-AGE", 1) and "No MCE release covers 2026-07-15" in row[
        "reason"
    ]


def test_icd_rules_skip_claims_no_release_covers_in_a_mixed_batch(mk):
    # C1 is dated in FY2026 (embedded), C2 in FY2027 (not installed): E11.99 is an error on C1 only;
    # on C2 the ICD rules did not run, and the result says so with the fetch command.
    claims = [mk.claim(dx1="E11.99"), mk.claim(claim_id="C2", dx1="E11.99", submitted_date="2026-12-02")]
    lines = [mk.line(), mk.line(claim_id="C2", service_date="2026-12-01")]
    result = scrub(*mk.tables(claims, lines), rules=["ICD-INVALID", "ICD-EXCLUDES1"], as_of=date(2026, 12, 6))
    assert result.findings[["claim_id", "rule_id"]].values.tolist() == [["C1", "ICD-INVALID"]]
    assert sorted(result.skipped["rule_id"]) == ["ICD-EXCLUDES1", "ICD-INVALID"]
    assert (result.skipped["lines"] == 1).all() and (result.skipped["claims"] == 1).all()
    assert (
        result.skipped["reason"]
        .str.contains("No ICD-10-CM release covers dates of service 2026-10-01 to 2027-09-30")
        .all()
    )
    assert result.skipped["reason"].str.contains("medbill data fetch icd10cm FY2027", regex=False).all()
    assert result.claim_status.set_index("claim_id")["unchecked"].to_dict() == {"C1": 0, "C2": 2}


def test_the_files_of_one_quarter_are_one_release(fresh_home, tmp_path, mk):
    # CMS ships a quarter's practitioner edits as several files (f1..f4): an edit in either part
    # applies to the quarter's dates, and the parts are listed as one release.
    part1 = tmp_path / "ccipra-v321r0-f1.txt"
    part1.write_text(CMS_PTP)
    part2 = tmp_path / "ccipra-v321r0-f2.txt"
    part2.write_text(CMS_PTP.replace("10021\t36000", "20610\t20604").replace("10021\t76942", "20610\t76942"))
    ncci.import_release(part1)
    ncci.import_release(part2)
    ((prov, table),) = ncci.load("practitioner")
    assert prov.release == "practitioner-v321r0" and prov.rows == len(table) == 4
    assert (prov.effective_from, prov.effective_to) == (date(2026, 4, 1), date(2026, 6, 30))
    for code1, code2 in (("10021", "36000"), ("20610", "20604")):
        found = _ptp(mk, code1, code2, "2026-05-01")
        assert found["value"].tolist() == [code2] and "practitioner-v321r0" in found.iloc[0]["reference"]
