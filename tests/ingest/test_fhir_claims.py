"""FHIR Claim / ExplanationOfBenefit -> the claims and remittance tables, and what is listed as skipped."""

from __future__ import annotations

import gc
import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from medbill.claims.tables import read_claims_dir
from medbill.cli import main
from medbill.exceptions import ImportFailed
from medbill.ingest.fhir import load_fhir, write_worklist
from medbill.ingest.fhir.suggest import cvx_table

BUNDLES = "fhir/synthea-bundles"
CPT = "http://www.ama-assn.org/go/cpt"
SNOMED = "http://snomed.info/sct"
ICD = "http://hl7.org/fhir/sid/icd-10-cm"
BLUE_BUTTON = "https://bluebutton.cms.gov/resources/variables/"
PATIENT = {"resourceType": "Patient", "id": "p1", "gender": "female", "birthDate": "1960-02-03"}
ENCOUNTER = {
    "resourceType": "Encounter",
    "id": "e1",
    "class": {"code": "AMB"},
    "period": {"start": "2025-03-04T09:00:00Z"},
    "subject": {"reference": "Patient/p1"},
    "participant": [
        {"individual": {"reference": "Practitioner?identifier=http://hl7.org/fhir/sid/us-npi|1234567893"}}
    ],
}
CONDITION = {
    "resourceType": "Condition",
    "id": "c1",
    "code": {"coding": [{"system": ICD, "code": "E11.9", "display": "Type 2 diabetes"}]},
    "subject": {"reference": "Patient/p1"},
    "encounter": {"reference": "Encounter/e1"},
}


def _item(seq: int, system: str, code: str, net: float | None = None, **more: Any) -> dict[str, Any]:
    item: dict[str, Any] = {
        "sequence": seq,
        "productOrService": {"coding": [{"system": system, "code": code}]},
        "encounter": [{"reference": "Encounter/e1"}],
        **more,
    }
    if net is not None:
        item["net"] = {"value": net}
    return item


def _claim(
    cid: str = "cl1", payer: str = "Acme Health", items: list[dict[str, Any]] | None = None, **more: Any
):
    return {
        "resourceType": "Claim",
        "id": cid,
        "type": {"coding": [{"code": "professional"}]},
        "patient": {"reference": "Patient/p1"},
        "billablePeriod": {"start": "2025-03-04T09:00:00Z"},
        "created": "2025-03-05T10:00:00Z",
        "insurance": [{"focal": True, "coverage": {"display": payer}}],
        "item": items if items is not None else [_item(1, CPT, "99213", 120.0)],
        **more,
    }


def _adjudication(**amounts: float) -> list[dict[str, Any]]:
    return [
        {"category": {"coding": [{"code": BLUE_BUTTON + k}]}, "amount": {"value": v}}
        for k, v in amounts.items()
    ]


def _eob(claim: str = "cl1", payer: str = "Acme Health", outcome: str = "complete", **more: Any):
    item = _item(
        1,
        CPT,
        "99213",
        adjudication=_adjudication(
            line_sbmtd_chrg_amt=120.0,
            line_alowd_chrg_amt=100.0,
            line_prvdr_pmt_amt=70.0,
            line_coinsrnc_amt=20.0,
            line_bene_ptb_ddctbl_amt=10.0,
        ),
    )
    return {
        "resourceType": "ExplanationOfBenefit",
        "id": f"eob-{claim}",
        "claim": {"reference": f"Claim/{claim}"},
        "insurer": {"display": payer},
        "outcome": outcome,
        "created": "2025-03-20T00:00:00Z",
        "item": [item],
        "payment": {"amount": {"value": 70.0}},
        **more,
    }


def _load(tmp_path: Path, *resources: dict[str, Any]) -> Any:
    path = tmp_path / "bundle.json"
    entries = [{"resource": r} for r in (PATIENT, ENCOUNTER, *resources)]
    path.write_text(json.dumps({"resourceType": "Bundle", "type": "collection", "entry": entries}))
    return load_fhir(path)


def _skipped(wl: Any) -> dict[tuple[str, str], str]:
    rows = wl.claims_skipped
    return {(i, e): r for i, e, r in zip(rows["resource_id"], rows["element"], rows["reason"], strict=True)}


def test_a_cpt_claim_and_its_eob_become_claims_and_remittance_rows(tmp_path: Path) -> None:
    diagnosis = [{"sequence": 1, "diagnosisReference": {"reference": "Condition/c1"}}]
    wl = _load(tmp_path, CONDITION, _claim(diagnosis=diagnosis), _eob())
    claim = wl.billing.claims.iloc[0]
    assert (claim["claim_id"], claim["payer_id"], claim["dx1"], claim["rendering_npi"]) == (
        "cl1",
        "Acme Health",
        "E11.9",  # the ICD-10-CM coding of the Condition the diagnosis references
        "1234567893",  # the encounter's participant
    )
    assert (claim["patient_sex"], str(claim["patient_birth_date"].date())) == ("F", "1960-02-03")
    line = wl.billing.lines.iloc[0]
    assert (line["procedure_code"], line["charge"], str(line["service_date"].date())) == (
        "99213",
        120.0,
        "2025-03-04",
    )
    remit = wl.billing.remit_claims.iloc[0]
    assert (remit["claim_id"], remit["paid"], remit["patient_responsibility"]) == ("cl1", 70.0, 30.0)
    adjustments = wl.billing.remit_adjustments
    got = dict(zip(adjustments["group"] + "-" + adjustments["reason"], adjustments["amount"], strict=True))
    assert got == {"CO-45": 20.0, "PR-1": 10.0, "PR-2": 20.0}  # charge - allowed, deductible, coinsurance
    assert wl.claims_skipped.empty


def test_an_icd10cm_diagnosis_concept_is_carried_with_its_pointer(tmp_path: Path) -> None:
    diagnosis = [
        {"sequence": 1, "diagnosisCodeableConcept": {"coding": [{"system": SNOMED, "code": "44054006"}]}},
        {"sequence": 2, "diagnosisCodeableConcept": {"coding": [{"system": ICD, "code": "I10"}]}},
    ]
    items = [_item(1, CPT, "99214", 150.0, diagnosisSequence=[2, 1])]
    wl = _load(tmp_path, _claim(items=items, diagnosis=diagnosis))
    assert wl.billing.claims.iloc[0]["dx1"] == "I10"
    assert wl.billing.lines.iloc[0]["dx_pointers"] == "A"  # diagnosis 2 is dx1; diagnosis 1 was not carried
    assert _skipped(wl) == {("cl1", "diagnosis 1"): "coded without ICD-10-CM: code it from the worklist"}


def test_cvx_items_carry_the_vaccine_product_code_and_snomed_items_are_listed(tmp_path: Path) -> None:
    items = [
        _item(1, SNOMED, "410620009", 129.16),  # a well child visit coded in SNOMED CT only
        _item(2, "http://hl7.org/fhir/sid/cvx", "140", 140.52),  # influenza vaccine
    ]
    wl = _load(tmp_path, _claim(items=items))
    product = cvx_table().set_index("cvx").loc["140", "product_code"]
    lines = wl.billing.lines
    assert lines[["line_number", "procedure_code", "source_code"]].values.tolist() == [
        [1, product, "cvx|140"]
    ]
    assert _skipped(wl) == {
        ("cl1", "item 1"): "coded in SNOMED CT only: no CPT/HCPCS code (code it from the worklist)"
    }


@pytest.mark.parametrize(
    ("claim", "reason"),
    [
        (
            _claim(payer="NO_INSURANCE"),
            "no payer (coverage NO_INSURANCE): nothing to bill",
        ),  # Synthea's uninsured
        (_claim(insurance=[]), "no payer (coverage absent): nothing to bill"),  # no insurance at all
        (
            _claim(type={"coding": [{"code": "pharmacy"}]}),
            "pharmacy claim: the claims tables hold professional claims",
        ),
        (
            _claim(items=[_item(1, SNOMED, "410620009", 100.0)]),  # SNOMED CT only
            "no item could be carried: coded in SNOMED CT only: no CPT/HCPCS code (code it from the worklist)",
        ),
        (
            _claim(items=[_item(1, CPT, "99213")]),  # a CPT item without a charge
            "no item could be carried: no charge (net or unitPrice)",
        ),
        (_claim(items=[]), "no item could be carried: the claim has no item"),  # no items at all
    ],
)
def test_a_claim_that_cannot_be_carried_is_one_skipped_row_and_so_is_its_eob(
    tmp_path: Path, claim: dict[str, Any], reason: str
) -> None:
    wl = _load(tmp_path, claim, _eob())
    assert wl.billing.claims.empty and wl.billing.remit_claims.empty
    assert _skipped(wl) == {
        ("cl1", ""): reason,
        ("eob-cl1", ""): "its Claim was not carried (see the Claim's row)",
    }


@pytest.mark.parametrize(
    ("eob", "reason"),
    [
        (_eob(outcome="queued"), "outcome queued: not adjudicated"),  # not yet adjudicated
        (
            _eob(payer="NO_INSURANCE"),
            "no payer (coverage NO_INSURANCE): no remittance",
        ),  # Synthea's uninsured
    ],
)
def test_an_eob_that_cannot_be_carried_is_listed(tmp_path: Path, eob: dict[str, Any], reason: str) -> None:
    wl = _load(tmp_path, _claim(), eob)
    assert len(wl.billing.claims) == 1 and wl.billing.remit_claims.empty
    assert _skipped(wl) == {("eob-cl1", ""): reason}


def test_modifiers_are_carried_and_a_bad_one_is_listed(tmp_path: Path) -> None:
    modifiers = [{"coding": [{"code": code}]} for code in ("25", "lt", "XYZ")]
    wl = _load(tmp_path, _claim(items=[_item(1, CPT, "99213", 120.0, modifier=modifiers)]))
    line = wl.billing.lines.iloc[0]
    assert (line["modifier1"], line["modifier2"]) == ("25", "LT") and pd.isna(line["modifier3"])
    assert _skipped(wl) == {("cl1", "item 1 modifier"): "not a two-character modifier"}


def test_a_claim_not_carried_lists_only_itself(tmp_path: Path) -> None:
    # Its SNOMED-only diagnosis and items are not listed apart: the claim's row covers them.
    diagnosis = [{"sequence": 1, "diagnosisCodeableConcept": {"coding": [{"system": SNOMED, "code": "1"}]}}]
    wl = _load(tmp_path, _claim(items=[_item(1, SNOMED, "410620009", 10.0)], diagnosis=diagnosis))
    assert list(_skipped(wl)) == [("cl1", "")]


def test_a_claim_for_a_patient_not_in_the_export_is_listed(tmp_path: Path) -> None:
    wl = _load(tmp_path, _claim(patient={"reference": "Patient/nobody"}))
    assert _skipped(wl) == {("cl1", ""): "missing reference Patient/nobody"}


def test_malformed_elements_read_as_absent_never_crash(tmp_path: Path) -> None:
    # Strings, numbers and lists where FHIR has objects: the claim is judged on what is well formed.
    junk_item = {
        "sequence": [1],
        "productOrService": "99213",
        "servicedPeriod": 3,
        "modifier": "25",
        "diagnosisSequence": [[1]],
        "net": {"value": "12"},
    }
    claim = _claim(
        type="professional", billablePeriod="2025", diagnosis=[{"sequence": "x"}], items=[junk_item]
    )
    eob = _eob(payment=[], item=[{"sequence": {}, "adjudication": "paid"}])
    wl = _load(tmp_path, claim, eob, {**_claim("cl2", insurance=["Acme"]), "patient": 7})
    assert wl.billing.claims.empty
    assert _skipped(wl) == {
        (
            "cl1",
            "",
        ): "no item could be carried: no productOrService coding",
        ("eob-cl1", ""): "its Claim was not carried (see the Claim's row)",
        ("cl2", ""): "no payer (coverage absent): nothing to bill",
    }


def test_a_claim_without_an_id_is_listed(tmp_path: Path) -> None:
    wl = _load(tmp_path, _claim(cid=""))
    assert _skipped(wl) == {("", ""): "no id: a claim needs one"}


def test_an_unknown_adjudication_amount_is_listed_not_dropped(tmp_path: Path) -> None:
    eob = _eob()
    eob["item"][0]["adjudication"] += _adjudication(line_other_amt=5.0)
    wl = _load(tmp_path, _claim(), eob)
    assert _skipped(wl) == {("eob-cl1", "item 1 adjudication"): "adjudication category not carried (5.00)"}


def test_the_collector_is_back_on_after_a_load_and_after_a_failed_one(tmp_path: Path) -> None:
    assert gc.isenabled()
    _load(tmp_path, _claim())
    assert gc.isenabled()
    (tmp_path / "broken.json").write_text("{not json")
    with pytest.raises(ImportFailed):
        load_fhir(tmp_path / "broken.json")
    assert gc.isenabled()


# --- the Synthea sample Bundles -------------------------------------------------------------------


def _resources(folder: Path, kind: str) -> list[dict[str, Any]]:
    """Resources of one type in the Bundles, read independently of the loader."""
    return [
        e["resource"]
        for path in sorted(folder.glob("*.json"))
        for e in json.loads(path.read_text())["entry"]
        if e["resource"]["resourceType"] == kind
    ]


@pytest.fixture(scope="module")
def sample(shared_data: Any) -> Any:
    return load_fhir(shared_data(BUNDLES))


def test_every_claim_eob_and_item_of_the_sample_is_carried_or_listed(sample: Any, shared_data: Any) -> None:
    claims = _resources(shared_data(BUNDLES), "Claim")
    eobs = _resources(shared_data(BUNDLES), "ExplanationOfBenefit")
    skipped = sample.claims_skipped
    whole = skipped[skipped["element"] == ""]
    assert len(sample.billing.claims) + (whole["resource_type"] == "Claim").sum() == len(claims)
    assert len(sample.billing.remit_claims) + (whole["resource_type"] == "ExplanationOfBenefit").sum() == len(
        eobs
    )
    carried = set(sample.billing.claims["claim_id"])
    items = sum(len(c["item"]) for c in claims if c["id"] in carried)
    item_rows = skipped["element"].str.startswith("item ") & (skipped["resource_type"] == "Claim")
    assert len(sample.billing.lines) + item_rows.sum() == items
    assert len(sample.billing.claims) > 100  # most insured encounter claims carry a vaccine


def test_sample_charges_and_payments_match_the_bundles(sample: Any, shared_data: Any) -> None:
    # Oracle from the raw JSON: the CVX items' charges of insured non-pharmacy claims, and their EOBs' payments.
    claims = _resources(shared_data(BUNDLES), "Claim")
    insured = [
        c
        for c in claims
        if c["insurance"][0]["coverage"]["display"] != "NO_INSURANCE"
        and c["type"]["coding"][0]["code"] != "pharmacy"
    ]
    cvx_charge = sum(
        i["net"]["value"]
        for c in insured
        for i in c["item"]
        if i["productOrService"]["coding"][0]["system"].endswith("cvx")
    )
    assert sample.billing.lines["charge"].sum() == pytest.approx(
        cvx_charge, abs=0.01 * len(sample.billing.lines)
    )
    carried = set(sample.billing.claims["claim_id"])
    eobs = [
        e
        for e in _resources(shared_data(BUNDLES), "ExplanationOfBenefit")
        if e["claim"]["reference"].split(":")[-1] in carried
    ]
    vaccine_paid = sum(
        a["amount"]["value"]
        for e in eobs
        for i in e["item"]
        if i["productOrService"]["coding"][0]["system"].endswith("cvx")
        for a in i.get("adjudication", [])
        if a["category"]["coding"][0]["code"].endswith("line_prvdr_pmt_amt")
    )
    assert sample.billing.remit_claims["paid"].sum() == pytest.approx(vaccine_paid, abs=0.01 * len(eobs))
    # An EOB that also paid for items not carried says so in a row of its own.
    partly = {e["id"] for e in eobs if e["payment"]["amount"]["value"] - 0.005 > 0} - set(
        sample.billing.remit_claims.loc[sample.billing.remit_claims["paid"] > 0, "payment_id"]
    )
    listed = sample.claims_skipped.loc[sample.claims_skipped["element"] == "payment", "resource_id"]
    assert partly <= set(listed)


def test_sample_remittance_lines_balance_to_the_cent(sample: Any) -> None:
    lines = sample.billing.remit_lines.set_index(["claim_id", "line_number"])
    cas = sample.billing.remit_adjustments.groupby(["claim_id", "line_number"])["amount"].sum()
    rest = (lines["charge"] - lines["paid"] - cas.reindex(lines.index).fillna(0.0)).round(2)
    assert (rest == 0).all(), rest[rest != 0].head()


def test_load_fhir_writes_a_claims_folder_the_billing_summary_runs_on(
    shared_data: Any, tmp_path: Path
) -> None:
    from medbill.analytics.facts import claim_facts

    out = tmp_path / "ehr"
    assert main(["data", "load", "fhir", str(shared_data(BUNDLES)), "--out", str(out)]) == 0
    data = read_claims_dir(out)
    facts = claim_facts(data)
    assert len(facts) == len(data.claims) and facts["adjudicated"].all()
    # Every carried claim is fully adjudicated: paid plus adjustments equal the charge.
    assert facts["insurance_balance"].abs().max() < 0.005
    assert facts["charge"].sum() == pytest.approx(data.lines["charge"].sum())
    skipped = pd.read_csv(out / "claims_skipped.csv", dtype=str, keep_default_na=False)
    assert set(skipped["resource_type"]) == {"Claim", "ExplanationOfBenefit"}
    pytest.importorskip("papermill")
    assert (
        main(
            [
                "report",
                "run",
                "billing_summary",
                "--data",
                str(out),
                "--out",
                str(tmp_path / "rep"),
                "--quiet",
            ]
        )
        == 0
    )
    assert (tmp_path / "rep" / "billing_summary.html").stat().st_size > 0


def test_an_export_without_claims_writes_empty_claims_tables(tmp_path: Path) -> None:
    wl = _load(tmp_path)
    write_worklist(wl, tmp_path / "out")
    data = read_claims_dir(tmp_path / "out")
    assert (len(data.claims), len(data.lines), len(data.remit_claims)) == (0, 0, 0)
