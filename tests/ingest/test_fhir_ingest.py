"""FHIR R4 Bundles / NDJSON -> the coding worklist: accounting, payer, suggestions, bad input."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from medbill.cli import main
from medbill.exceptions import ImportFailed
from medbill.ingest.fhir import load_fhir, read_worklist, write_worklist
from medbill.ingest.fhir.suggest import matched_words

BUNDLES = "fhir/synthea-bundles"
BULK = "fhir/synthea-bulk-10"
PATIENT = {"resourceType": "Patient", "id": "p1"}


def _encounter(
    eid: str = "e1",
    start: str | None = "2025-01-15T09:00:00Z",
    cls: str = "AMB",
    text: str = "Encounter for problem",
) -> dict[str, Any]:
    r: dict[str, Any] = {
        "resourceType": "Encounter",
        "id": eid,
        "class": {"code": cls},
        "type": [{"text": text}],
        "subject": {"reference": "Patient/p1"},
    }
    if start:
        r["period"] = {"start": start}
    return r


def _condition(
    cid: str, system: str, code: str, display: str, when: str = "2025-01-15", enc: str = "e1"
) -> dict[str, Any]:
    return {
        "resourceType": "Condition",
        "id": cid,
        "code": {"coding": [{"system": system, "code": code, "display": display}]},
        "subject": {"reference": "Patient/p1"},
        "encounter": {"reference": f"Encounter/{enc}"},
        "onsetDateTime": when,
    }


def _bundle(tmp_path: Path, *resources: dict[str, Any]) -> Path:
    path = tmp_path / "bundle.json"
    bundle = {"resourceType": "Bundle", "type": "transaction", "entry": [{"resource": r} for r in resources]}
    path.write_text(json.dumps(bundle))
    return path


@pytest.fixture(scope="module")
def sample(shared_data: Any) -> Any:
    return load_fhir(shared_data(BUNDLES))


def _types(folder: Path) -> Counter[str]:
    """Resource types in the Bundles, counted independently of the loader."""
    counts: Counter[str] = Counter()
    for path in folder.glob("*.json"):
        counts.update(e["resource"]["resourceType"] for e in json.loads(path.read_text())["entry"])
    return counts


def test_every_bundle_resource_is_accounted_for(sample: Any, shared_data: Any) -> None:
    counts = _types(shared_data(BUNDLES))
    assert sample.resources_read == sum(counts.values())
    assert len(sample.encounters) == counts["Encounter"]
    assert len(sample.findings) == counts["Condition"] + counts["Procedure"] + counts["Immunization"]
    used = {"Encounter", "Condition", "Procedure", "Immunization", "Patient", "Claim", "ExplanationOfBenefit"}
    unsupported = {t: n for t, n in counts.items() if t not in used}
    assert sample.skipped["reason"].value_counts().to_dict() == {
        f"unsupported type {t}": n for t, n in unsupported.items()
    }
    assert sample.encounters["encounter_id"].is_unique


def test_payer_comes_from_the_eob_coverage(sample: Any, shared_data: Any) -> None:
    path = sorted(shared_data(BUNDLES).glob("*.json"))[0]
    eob = next(
        e["resource"]
        for e in json.loads(path.read_text())["entry"]
        if e["resource"]["resourceType"] == "ExplanationOfBenefit"
    )
    encounter_id = eob["item"][0]["encounter"][0]["reference"].removeprefix("urn:uuid:")
    payer = (
        eob["contained"][1]["payor"][0]["display"]
        if len(eob["contained"]) > 1
        else eob["insurance"][0]["coverage"]["display"]
    )
    row = sample.encounters.set_index("encounter_id").loc[encounter_id]
    assert row["payer"] == payer
    assert (sample.encounters["payer"] != "").all()


def test_snomed_condition_gets_ranked_icd10cm_suggestions(sample: Any) -> None:
    afib = sample.findings[sample.findings["display"] == "Atrial Fibrillation"]["finding_id"].iloc[0]
    rows = sample.suggestions[sample.suggestions["finding_id"] == afib]
    assert list(rows["rank"]) == list(range(1, len(rows) + 1)) and 1 <= len(rows) <= 5
    assert "I48.91" in set(rows["code"])
    top = rows.iloc[0]
    assert top["system"] == "icd10cm" and top["matched_words"] == "atrial fibrillation"
    # Billable codes first, then by score.
    billable = rows["billable"].astype(bool).tolist()
    assert billable == sorted(billable, reverse=True)


def test_cvx_gives_product_and_administration_codes(sample: Any) -> None:
    flu = sample.findings[(sample.findings["system"] == "cvx") & (sample.findings["code"] == "140")][
        "finding_id"
    ].iloc[0]
    rows = sample.suggestions[sample.suggestions["finding_id"] == flu]
    assert rows["code"].tolist() == ["90686", "90471"]
    assert set(rows["source"]) == {"cvx table"}


@pytest.mark.parametrize(
    ("code", "when", "note"),
    [
        ("E11.9", "2025-01-15", ""),  # valid billable code on the date: used as is
        ("E11", "2025-01-15", "not a valid billable"),  # a category, not billable
        ("E11.9", "1990-06-01", "No ICD-10-CM release covers 1990-06-01"),  # no release for the date
    ],
)
def test_icd10cm_coding_is_used_as_is_and_flagged(tmp_path: Path, code: str, when: str, note: str) -> None:
    start = f"{when}T09:00:00Z"
    path = _bundle(
        tmp_path,
        PATIENT,
        _encounter(start=start),
        _condition("c1", "http://hl7.org/fhir/sid/icd-10-cm", code, "Type 2 diabetes", when),
    )
    rows = load_fhir(path).suggestions
    assert rows["code"].tolist() == [code]
    assert rows["source"].tolist() == ["given in the record"]
    assert (note in rows["note"].iloc[0]) if note else rows["note"].iloc[0] == ""


def test_bad_resources_become_skipped_rows_with_reasons(tmp_path: Path) -> None:
    path = _bundle(
        tmp_path,
        PATIENT,
        _encounter(),
        _encounter("e2", start=None),  # no date
        {**_encounter("e3"), "subject": {"reference": "Patient/nobody"}},  # patient not in the export
        _condition("c1", "http://snomed.info/sct", "38341003", "Hypertension", enc="e-missing"),
        {"resourceType": "Observation", "id": "o1"},
        {"resourceType": "NotAThing", "id": "x"},
    )
    wl = load_fhir(path)
    reasons = dict(zip(wl.skipped["resource_id"], wl.skipped["reason"], strict=True))
    assert reasons == {
        "e2": "no date",
        "e3": "missing reference Patient/nobody",
        "c1": "missing reference Encounter/e-missing",
        "o1": "unsupported type Observation",
        "x": "unsupported type NotAThing",
    }
    assert wl.encounters["encounter_id"].tolist() == ["e1"]


def test_broken_ndjson_line_is_skipped_with_its_line_number(tmp_path: Path) -> None:
    folder = tmp_path / "bulk"
    folder.mkdir()
    (folder / "Patient.000.ndjson").write_text(json.dumps(PATIENT) + "\n")
    (folder / "Encounter.000.ndjson").write_text(
        json.dumps(_encounter()) + "\n" + '{"resourceType": "Encou\n'
    )
    wl = load_fhir(folder)
    assert len(wl.encounters) == 1
    assert wl.skipped[["source"]].iloc[0, 0] == "Encounter.000.ndjson:2"
    assert wl.skipped["reason"].iloc[0].startswith("broken JSON line")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("this is not json", "is not JSON"),  # not JSON at all
        ('{"name": "x"}', "is not FHIR"),  # JSON without resourceType
        ("[1, 2]", "is not FHIR"),  # JSON, not an object
    ],
)
def test_not_fhir_is_a_clear_error_and_exit_2(tmp_path: Path, capsys: Any, text: str, message: str) -> None:
    path = tmp_path / "input.json"
    path.write_text(text)
    with pytest.raises(ImportFailed, match=message):
        load_fhir(path)
    assert main(["data", "load", "fhir", str(path), "--out", str(tmp_path / "out")]) == 2
    assert message in capsys.readouterr().err


def test_a_folder_without_fhir_files_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(ImportFailed, match=r"no \.json or \.ndjson"):
        load_fhir(tmp_path)


def test_office_visits_split_new_and_established(tmp_path: Path) -> None:
    path = _bundle(
        tmp_path,
        PATIENT,
        _encounter("e1", "2020-01-10T09:00:00Z"),
        _encounter("e2", "2021-03-01T09:00:00Z"),
        _encounter("e3", "2025-06-01T09:00:00Z"),
        _encounter("e4", "2025-07-01T09:00:00Z", cls="EMER"),
    )
    family = load_fhir(path).encounters.set_index("encounter_id")["em_family"]
    assert family["e1"].startswith("office visit, new patient")  # first visit in the export
    assert family["e2"].startswith("office visit, established")  # 14 months later
    assert family["e3"].startswith("office visit, new patient")  # over three years later
    assert family["e4"].startswith("emergency department")


def test_bulk_ndjson_loads_with_cli(shared_data: Any, tmp_path: Path, capsys: Any) -> None:
    out = tmp_path / "wl"
    assert (
        main(["data", "load", "fhir", str(shared_data(BULK)), "--out", str(out), "--format", "parquet"]) == 0
    )
    wl = read_worklist(out)
    lines = sum(
        1 for p in shared_data(BULK).glob("*.ndjson") for line in p.read_text().splitlines() if line.strip()
    )
    assert len(wl.encounters) + len(wl.findings) + len(wl.skipped) + 13 == lines  # 13 Patient lines
    assert set(wl.suggestions["finding_id"]) <= set(wl.findings["finding_id"])
    assert "encounters: 1,215" in capsys.readouterr().out


def test_csv_round_trip_keeps_types(sample: Any, tmp_path: Path) -> None:
    write_worklist(sample, tmp_path)
    back = read_worklist(tmp_path)
    assert back.suggestions["score"].dtype == float
    pd.testing.assert_frame_equal(back.encounters, sample.encounters.astype(str))


@pytest.mark.parametrize(
    ("query", "title", "words"),
    [
        ("Atrial Fibrillation", "Unspecified atrial fibrillation", "atrial fibrillation"),  # whole words
        (
            "History of cardiac arrest",
            "Personal history of sudden cardiac arrest",
            "history cardiac arrest",
        ),  # stop word out
        ("Fracture of ankle", "Fractured bone", "fracture"),  # shared five-letter stem
        ("Stroke", "Cerebral infarction", ""),  # nothing in common
    ],
)
def test_matched_words(query: str, title: str, words: str) -> None:
    assert matched_words(query, title) == words


def test_titles_adding_an_unstated_context_rank_after(sample: Any) -> None:
    # "Tuberculosis" must not lead with congenital TB; "Stroke" must not lead with family history.
    for display, unwanted in (("Tuberculosis", "P37.0"), ("Stroke", "Z82.3")):
        ids = sample.findings.loc[sample.findings["display"] == display, "finding_id"]
        rows = sample.suggestions[
            sample.suggestions["finding_id"].isin(ids) & (sample.suggestions["rank"] == 1)
        ]
        assert len(rows) and unwanted not in set(rows["code"])


def test_expected_codes_are_billable_icd10cm() -> None:
    # The hand-written answer key of the quality benchmark: every accepted code exists and is billable.
    from datetime import date

    from medbill.refdata import icd10cm

    expected = pd.read_csv(Path(__file__).with_name("fhir_expected.csv"), dtype=str, keep_default_na=False)
    assert expected["snomed_code"].is_unique and (expected["note"] != "").all()
    codes = {c for accepted in expected["accepted_icd10cm"] for c in accepted.split()}
    assert {c for c in codes if not icd10cm.is_billable(c, on=date(2025, 3, 1))} == set()


def test_an_export_without_encounters_loads_empty_tables(tmp_path: Path) -> None:
    path = tmp_path / "obs.json"
    path.write_text(json.dumps({"resourceType": "Observation", "id": "o1"}))
    wl = load_fhir(path)
    assert (len(wl.encounters), len(wl.findings), len(wl.suggestions)) == (0, 0, 0)
    assert wl.skipped["reason"].tolist() == ["unsupported type Observation"]
    write_worklist(wl, tmp_path / "out")
    assert len(read_worklist(tmp_path / "out").skipped) == 1
