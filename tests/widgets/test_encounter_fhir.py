"""EncounterCoder.from_fhir: a FHIR worklist encounter with its suggestions beside the documentation."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from medbill.exceptions import ImportFailed
from medbill.ingest.fhir import load_fhir, write_worklist
from medbill.widgets.encounter import EncounterCoder


@pytest.fixture(scope="module")
def worklist_dir(shared_data: Any, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("worklist")
    write_worklist(load_fhir(shared_data("fhir/synthea-bundles")), out)
    return out


def _encounter_with(worklist_dir: Path, display: str) -> str:
    import pandas as pd

    findings = pd.read_csv(worklist_dir / "findings.csv", dtype=str)
    return findings.loc[findings["display"] == display, "encounter_id"].iloc[0]


def test_from_fhir_shows_documentation_and_suggestions(worklist_dir: Path) -> None:
    encounter_id = _encounter_with(worklist_dir, "Atrial Fibrillation")
    coder = EncounterCoder.from_fhir(worklist_dir, encounter_id)
    panel = coder.fhir_panel
    assert coder.children[0] is panel
    assert "Atrial Fibrillation" in panel.documentation.value
    assert "I48.91" in panel.suggestions.value
    # The encounter's date becomes the date of service; nothing is accepted by itself.
    assert coder.service_date.value.isoformat() in panel.documentation.value
    assert coder.diagnosis_codes == []


def test_adding_suggestions_codes_the_claim(worklist_dir: Path) -> None:
    encounter_id = _encounter_with(worklist_dir, "Atrial Fibrillation")
    coder = EncounterCoder.from_fhir(worklist_dir, encounter_id)
    panel = coder.fhir_panel
    icd = next(v for _label, v in panel.pick.options if v == ("icd10cm", "I48.91"))
    panel.pick.value = icd
    panel.add_button.click()
    assert coder.diagnosis_codes == ["I48.91"]
    # The same encounter's procedure (electrical cardioversion) has CPT/HCPCS candidates.
    procedures = [v for _label, v in panel.pick.options if v[0] in ("cpt", "hcpcs")]
    assert procedures
    panel.pick.value = procedures[0]
    panel.add_button.click()
    assert [r.entry().procedure_code for r in coder.line_rows.children] == [procedures[0][1]]


def test_unknown_encounter_is_a_clear_error(worklist_dir: Path) -> None:
    with pytest.raises(ImportFailed, match="not in the worklist"):
        EncounterCoder.from_fhir(worklist_dir, "no-such-encounter")


def test_missing_worklist_folder_names_the_command(tmp_path: Path) -> None:
    with pytest.raises(ImportFailed, match="medbill data load fhir"):
        EncounterCoder.from_fhir(tmp_path, "x")
