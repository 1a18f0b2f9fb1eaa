"""WorklistWidget headless: filter, open a claim, see the finding that predicted the denial, mark done."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from medbill.followup import worklist_findings
from medbill.widgets.worklist import ALL, WorklistWidget

AS_OF = "2026-06-30"


@pytest.fixture(scope="module")
def practice(tmp_path_factory: pytest.TempPathFactory):
    from medbill.synth import generate

    data = generate(lines=1500, seed=11)
    return data, worklist_findings(data, as_of=AS_OF)


@pytest.fixture
def widget(practice, tmp_path: Path) -> WorklistWidget:
    data, findings = practice
    return WorklistWidget(data, as_of=AS_OF, findings=findings, done_path=tmp_path / "done.csv")


def test_filters_narrow_the_list(widget: WorklistWidget) -> None:
    everything = widget.shown()
    assert len(everything) == len(widget.rows) > 0
    widget.category.value = "denied"
    denied = widget.shown()
    assert 0 < len(denied) < len(everything)
    assert denied["category"].eq("denied").all()
    assert f"<b>{len(denied):,}</b> claims" in widget.count.value
    action = denied["action"].iloc[0]
    widget.action.value = action
    assert widget.shown()["action"].eq(action).all()
    widget.category.value = ALL
    widget.action.value = ALL
    widget.search.value = everything["claim_id"].iloc[0][-4:]
    assert everything["claim_id"].iloc[0] in set(widget.shown()["claim_id"])


def test_opening_a_denied_claim_shows_the_finding_that_predicted_it(widget: WorklistWidget, practice) -> None:
    data, _ = practice
    truth = data.truth.set_index("claim_id")["defect"]
    rows = widget.rows
    predicted = rows[rows["category"].eq("denied") & rows["claim_id"].map(truth).eq("missing_7th_character")]
    assert len(predicted), "the seeded practice has a claim denied for a missing 7th character"
    claim_id = predicted["claim_id"].iloc[0]
    widget.claim.value = claim_id
    detail = widget.detail.value
    assert "The scrubber predicted it:</b> ICD-7TH" in detail
    assert "Next: correct and resubmit" in detail
    assert "CO (Contractual obligation" in detail  # the payer's adjustments, explained
    assert detail.index("ICD-7TH") < detail.index("Payer adjustments")
    assert "&lt;NA&gt;" not in detail and "<NA>" not in detail


def test_mark_done_hides_the_claim_and_saves(widget: WorklistWidget, practice, tmp_path: Path) -> None:
    claim_id = widget.claim.value
    before = len(widget.shown())
    widget.note.value = "resubmitted with the 7th character"
    widget.mark.click()
    assert len(widget.shown()) == before - 1
    assert claim_id not in widget.claim.options
    saved = pd.read_csv(tmp_path / "done.csv", dtype=str)
    assert saved.to_dict("records") == [
        {
            "claim_id": claim_id,
            "action": widget.rows.set_index("claim_id").loc[claim_id, "action"],
            "done_on": AS_OF,
            "note": "resubmitted with the 7th character",
        }
    ]
    widget.show_done.value = True
    assert claim_id in widget.claim.options
    # a new session reads what was done
    data, findings = practice
    again = WorklistWidget(data, as_of=AS_OF, findings=findings, done_path=tmp_path / "done.csv")
    assert claim_id not in set(again.shown()["claim_id"])


def test_nothing_to_open_says_so(widget: WorklistWidget) -> None:
    widget.search.value = "no such claim"
    assert widget.claim.value is None and widget.detail.value == ""
    assert "Nothing to work" in widget.table.value
    widget.mark.click()
    assert "Open a claim first" in widget.message.value


def test_the_list_and_the_claim_name_payers_and_providers(widget: WorklistWidget, practice) -> None:
    data, _ = practice
    payers = data.payers.set_index("payer_id")["name"]
    assert set(widget.payer.options) == {ALL, *widget.rows["payer_id"].map(payers)}
    medicare = payers["MCR01"]
    widget.payer.value = medicare
    assert widget.shown()["payer_id"].eq("MCR01").all()
    table = widget.table.value
    assert f"<td>{medicare}</td>" in table and "<td>MCR01</td>" not in table
    assert "<th>Payer</th>" in table and "<th>What the codes mean</th>" in table
    first = widget.shown().iloc[0]
    assert f"<td>${first['amount_at_stake']:,.2f}</td>" in table
    assert f"<td>{first['deadline']:%Y-%m-%d}</td>" in table
    widget.claim.value = first["claim_id"]
    person = data.providers.set_index("npi").loc[first["provider_npi"]]
    name = f"{person['first_name']} {person['last_name']}"
    assert f"Provider: {name} (NPI {first['provider_npi']})" in widget.detail.value
    assert f"Payer: {medicare}" in widget.detail.value
