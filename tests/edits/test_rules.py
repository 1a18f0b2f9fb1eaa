"""Every rule: a failing example that fires it, a passing example that does not, and its reference text.

Cases are (rule id, what it needs, failing claims/lines, passing claims/lines); claims and lines are
lists of overrides applied to a clean claim (tests/edits/conftest.py).
"""

from __future__ import annotations

import importlib

import pytest

from medbill.edits import rules, scrub

C, L = "claims", "lines"
# The shared MCE list is v37, which covers fiscal year 2020 only: its cases are dated in it.
FY2020 = {"submitted_date": "2020-01-20"}
E, P = "1245319599", "1234567893"

CASES = [
    # -- integrity --------------------------------------------------------------------------
    # billing NPI missing vs present
    ("REQUIRED", None, {C: [{"billing_npi": None}]}, {}),
    # two claim rows with id C1 vs distinct ids
    (
        "CLAIM-ID-DUP",
        None,
        {C: [{}, {"patient_id": "P2"}]},
        {C: [{}, {"claim_id": "C2"}], L: [{}, {"claim_id": "C2"}]},
    ),
    # a line for claim C9 that does not exist vs the line on C1
    ("LINE-ORPHAN", None, {L: [{}, {"claim_id": "C9"}]}, {}),
    # claim C2 has no lines vs both claims have one
    (
        "CLAIM-NO-LINES",
        None,
        {C: [{}, {"claim_id": "C2"}]},
        {C: [{}, {"claim_id": "C2"}], L: [{}, {"claim_id": "C2"}]},
    ),
    # two lines numbered 1 vs 1 and 2
    (
        "LINE-NUMBER-DUP",
        None,
        {L: [{}, {"procedure_code": "93000"}]},
        {L: [{}, {"line_number": 2, "procedure_code": "93000"}]},
    ),
    # pointer B with only dx1 vs pointer A
    ("DX-POINTER", None, {L: [{"dx_pointers": "B"}]}, {}),
    # dx2 that no line points at vs pointer AB
    ("DX-UNPOINTED", None, {C: [{"dx2": "R05.9"}]}, {C: [{"dx2": "R05.9"}], L: [{"dx_pointers": "AB"}]}),
    # billing NPI with a wrong check digit vs the CMS example NPI
    ("NPI-CHECK", None, {C: [{"billing_npi": "1234567890"}]}, {}),
    # same service twice on one claim vs different services
    (
        "DUP-LINE",
        None,
        {L: [{}, {"line_number": 2}]},
        {L: [{}, {"line_number": 2, "procedure_code": "93000"}]},
    ),
    # same service for the same patient on two original claims vs a replacement (frequency 7)
    (
        "DUP-CLAIM",
        None,
        {C: [{}, {"claim_id": "C2"}], L: [{}, {"claim_id": "C2"}]},
        {C: [{}, {"claim_id": "C2", "claim_frequency": "7"}], L: [{}, {"claim_id": "C2"}]},
    ),
    # zero units vs one
    ("UNITS-POSITIVE", None, {L: [{"units": 0}]}, {}),
    # negative charge vs positive
    ("CHARGE-POSITIVE", None, {L: [{"charge": -5.0}]}, {}),
    # an infinite charge vs a real one
    ("AMOUNT-LIMIT", None, {L: [{"charge": float("inf")}]}, {L: [{"charge": 9_999_999.99}]}),
    # a billion units vs ten
    ("AMOUNT-IMPLAUSIBLE", None, {L: [{"units": 1_000_000_000}]}, {L: [{"units": 10}]}),
    # service after the as-of date (2026-08-01) vs before
    ("DATE-FUTURE", None, {L: [{"service_date": "2026-08-02"}], C: [{"submitted_date": None}]}, {}),
    # service before birth vs after
    (
        "DATE-BEFORE-BIRTH",
        None,
        {C: [{"patient_birth_date": "2026-07-16"}]},
        {C: [{"patient_birth_date": "2026-07-15"}]},
    ),
    # POS 00 is not a CMS code vs 11 office
    ("POS-UNKNOWN", None, {C: [{"place_of_service": "00"}]}, {}),
    # office claim with an inpatient-hospital line vs the same setting
    ("POS-FACILITY", None, {L: [{"place_of_service": "21"}]}, {L: [{"place_of_service": "11"}]}),
    # submitted 366 days after the date of service (Medicare default 365) vs 365
    (
        "TIMELY-FILING",
        None,
        {C: [{"submitted_date": "2026-07-16"}], L: [{"service_date": "2025-07-15"}]},
        {C: [{"submitted_date": "2026-07-15"}], L: [{"service_date": "2025-07-15"}]},
    ),
    # -- modifiers --------------------------------------------------------------------------
    # 26 and TC on one chest X-ray line vs 26 alone
    (
        "MOD-26-TC",
        None,
        {L: [{"procedure_code": "71046", "modifier1": "26", "modifier2": "TC"}]},
        {L: [{"procedure_code": "71046", "modifier1": "26"}]},
    ),
    # 50 with RT vs 50 alone (knee arthroscopy)
    (
        "MOD-50-LTRT",
        None,
        {L: [{"procedure_code": "29881", "modifier1": "50", "modifier2": "RT"}]},
        {L: [{"procedure_code": "29881", "modifier1": "50"}]},
    ),
    # 59 with XS vs XS alone
    (
        "MOD-59-X",
        None,
        {L: [{"procedure_code": "11102", "modifier1": "59", "modifier2": "XS"}]},
        {L: [{"procedure_code": "11102", "modifier1": "XS"}]},
    ),
    # 25 on a biopsy code vs 25 on the E/M with the biopsy the same day
    (
        "MOD-25-EM",
        None,
        {L: [{"procedure_code": "11102", "modifier1": "25"}]},
        {L: [{"modifier1": "25"}, {"line_number": 2, "procedure_code": "11102"}]},
    ),
    # 25 on an E/M alone vs with a same-day procedure
    (
        "MOD-25-NOPROC",
        None,
        {L: [{"modifier1": "25"}]},
        {L: [{"modifier1": "25"}, {"line_number": 2, "procedure_code": "11102"}]},
    ),
    # 26 on an office visit vs 26 on an ECG interpretation code
    (
        "MOD-CODE-TYPE",
        None,
        {L: [{"modifier1": "26"}]},
        {L: [{"procedure_code": "93010", "modifier1": "26"}]},
    ),
    # RT twice vs LT then RT on separate lines
    (
        "MOD-DUP",
        None,
        {L: [{"procedure_code": "20610", "modifier1": "RT", "modifier2": "RT"}]},
        {L: [{"procedure_code": "20610", "modifier1": "RT"}]},
    ),
    # modifier ZZ does not exist vs 59
    (
        "MOD-UNKNOWN",
        None,
        {L: [{"procedure_code": "11102", "modifier1": "Z9"}]},
        {L: [{"procedure_code": "11102", "modifier1": "59"}]},
    ),
    # -- reference tables (shared CMS excerpts) -----------------------------------------------
    # 0001U + 0029U same patient, provider and date (edit ends 2026-06-30) vs 0001U + 0030U with XU
    (
        "NCCI-PTP",
        "ref",
        {
            L: [
                {"procedure_code": "0001U", "service_date": "2026-06-30"},
                {"line_number": 2, "procedure_code": "0029U", "service_date": "2026-06-30"},
            ]
        },
        {L: [{"procedure_code": "0001U"}, {"line_number": 2, "procedure_code": "0030U", "modifier1": "XU"}]},
    ),
    # 0001U MUE 1 (MAI 2): two units vs one
    (
        "MUE",
        "ref",
        {L: [{"procedure_code": "0001U", "units": 2}]},
        {L: [{"procedure_code": "0001U", "units": 1}]},
    ),
    # newborn-only A33 at age 46 vs on a newborn
    (
        "MCE-AGE",
        "ref",
        {C: [{"dx1": "A33", **FY2020}], L: [{"service_date": "2020-01-15"}]},
        {
            C: [{"dx1": "A33", "patient_birth_date": "2020-01-10", **FY2020}],
            L: [{"service_date": "2020-01-15"}],
        },
    ),
    # female-only N70.01 on a male patient vs female
    (
        "MCE-SEX",
        "ref",
        {C: [{"dx1": "N70.01", "patient_sex": "M", **FY2020}], L: [{"service_date": "2020-01-15"}]},
        {C: [{"dx1": "N70.01", **FY2020}], L: [{"service_date": "2020-01-15"}]},
    ),
    # pregnancy code on a male patient vs female
    ("ICD-CH15-MATERNAL", None, {C: [{"dx1": "O80", "patient_sex": "M"}]}, {C: [{"dx1": "O80"}]}),
    # perinatal P07.01 on a claim with O80 vs P07.01 alone on the newborn
    (
        "ICD-CH16-NEWBORN",
        None,
        {C: [{"dx1": "O80", "dx2": "P07.01"}], L: [{"dx_pointers": "AB"}]},
        {C: [{"dx1": "P07.01", "patient_birth_date": "2026-07-15"}]},
    ),
    # -- ICD-10-CM validity and conventions (the tabular inside simple-icd-10-cm) --------------
    # E11.99 does not exist (E11.9 is a complete code) vs E11.9
    ("ICD-INVALID", "icd", {C: [{"dx1": "E11.99"}]}, {C: [{"dx1": "E11.9"}]}),
    # E11 category header vs E11.9
    ("ICD-HEADER", "icd", {C: [{"dx1": "E11"}]}, {C: [{"dx1": "E11.9"}]}),
    # S52.521 without the 7th character vs S52.521A
    ("ICD-7TH", "icd", {C: [{"dx1": "S52.521"}]}, {C: [{"dx1": "S52.521A"}]}),
    # T07D without placeholders vs T07.XXXD
    ("ICD-PLACEHOLDER", "icd", {C: [{"dx1": "T07D"}]}, {C: [{"dx1": "T07.XXXD"}]}),
    # type 1 (E10.9) and type 2 (E11.9) diabetes together: E11 Excludes1 E10 vs E11.9 with I10
    (
        "ICD-EXCLUDES1",
        "icd",
        {C: [{"dx1": "E11.9", "dx2": "E10.9"}], L: [{"dx_pointers": "AB"}]},
        {C: [{"dx1": "E11.9", "dx2": "I10"}], L: [{"dx_pointers": "AB"}]},
    ),
    # F02.80 dementia in other diseases classified elsewhere listed before Alzheimer's G30.9 vs after it
    (
        "ICD-MANIFESTATION",
        "icd",
        {C: [{"dx1": "F02.80", "dx2": "G30.9"}], L: [{"dx_pointers": "AB"}]},
        {C: [{"dx1": "G30.9", "dx2": "F02.80"}], L: [{"dx_pointers": "AB"}]},
    ),
    # E11.65 type 2 diabetes with hyperglycemia: "use additional code to identify control using insulin (Z79.4)"
    (
        "ICD-USE-ADDITIONAL",
        "icd",
        {C: [{"dx1": "E11.65"}]},
        {
            C: [{"dx1": "E11.65", "dx2": "Z79.4", "dx3": "Z79.84", "dx4": "Z79.85"}],
            L: [{"dx_pointers": "ABCD"}],
        },
    ),
    # fall (external cause W19) listed before the fracture vs after it
    (
        "ICD-NOT-FIRST",
        "icd",
        {C: [{"dx1": "W19.XXXA", "dx2": "S52.521A"}], L: [{"dx_pointers": "AB"}]},
        {C: [{"dx1": "S52.521A", "dx2": "W19.XXXA"}], L: [{"dx_pointers": "AB"}]},
    ),
    # general exam Z00.00 (on the MCE unacceptable-principal list) first vs second
    (
        "MCE-PRINCIPAL",
        "ref",
        {C: [{"dx1": "Z00.00", **FY2020}], L: [{"service_date": "2020-01-15"}]},
        {
            C: [{"dx1": "J06.9", "dx2": "Z00.00", **FY2020}],
            L: [{"dx_pointers": "AB", "service_date": "2020-01-15"}],
        },
    ),
    # HCPCS G0008 was valid in 2026 vs a made-up HCPCS code
    ("PROC-INVALID", "proc", {L: [{"procedure_code": "A9999X"}]}, {}),
]


def _build(mk, spec):
    claims = [mk.claim(**o) for o in spec.get(C, [{}])]
    lines = [mk.line(**o) for o in spec.get(L, [{}])]
    return mk.tables(claims, lines)


def _needs(kind, request):
    if kind == "ref":
        request.getfixturevalue("reference_data")
    elif kind == "icd":
        if not hasattr(pytest.importorskip("medbill.refdata.icd10cm"), "release_names_for"):
            pytest.skip("medbill.refdata.icd10cm is not complete in this checkout")
    elif kind == "proc":
        pytest.importorskip("medbill.refdata.procedures")


@pytest.mark.parametrize(("rule_id", "needs", "fail", "ok"), CASES, ids=[c[0] for c in CASES])
def test_rule_fails_and_passes(rule_id, needs, fail, ok, mk, request):
    _needs(needs, request)
    bad = scrub(*_build(mk, fail), rules=[rule_id], as_of=mk.AS_OF)
    assert bad.skipped.empty, bad.skipped.to_dict("records")
    assert rule_id in set(bad.findings["rule_id"]), bad.findings
    found = bad.findings[bad.findings["rule_id"] == rule_id]
    assert found["message"].str.len().gt(0).all() and found["reference"].str.len().gt(0).all()
    good = scrub(*_build(mk, ok), rules=[rule_id], as_of=mk.AS_OF)
    assert good.findings.empty, good.findings.to_dict("records")


def test_every_rule_has_a_case_and_reference():
    table = rules()
    assert set(table["id"]) == {c[0] for c in CASES}
    for column in ("title", "reference", "explanation", "fix"):
        assert table[column].str.len().gt(10).all(), column
    assert set(table["severity"]) <= {"error", "warning", "info"}


def test_clean_claim_passes_every_rule_that_runs(mk, reference_data):
    result = scrub(*mk.tables(), as_of=mk.AS_OF)
    # Info findings are reminders ("use additional code"), not defects.
    defects = result.findings[result.findings["severity"] != "info"]
    assert defects.empty, defects.to_dict("records")
    missing = {"icd10cm": "ICD-", "procedures": "PROC-"}
    for module, prefix in missing.items():
        try:
            importlib.import_module(f"medbill.refdata.{module}")
        except ImportError:
            assert result.skipped["rule_id"].str.startswith(prefix).any()
