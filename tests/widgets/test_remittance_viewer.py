"""RemittanceViewer headless: an 835 from the synthetic practice, explained and posted."""

from __future__ import annotations

import pandas as pd
import pytest

from medbill.claims.x12 import read_835
from medbill.refdata import carc
from medbill.synth.x12_835 import write_835s
from medbill.widgets.remittance_viewer import ALL, RemittanceViewer, explain_adjustments


@pytest.fixture(scope="module")
def an_835(synth_practice, tmp_path_factory: pytest.TempPathFactory):
    files = write_835s(synth_practice, tmp_path_factory.mktemp("835"))
    # The file with the most adjustment rows: denials and patient shares as well as contractual write-offs.
    return max(files, key=lambda f: f.read_text().count("CAS*"))


@pytest.fixture
def viewer(an_835, synth_practice) -> RemittanceViewer:
    return RemittanceViewer.from_file(an_835, synth_practice)


def test_every_adjustment_is_explained(viewer: RemittanceViewer, an_835) -> None:
    raw = read_835(an_835).tables["remit_adjustments"]
    adj = viewer.tables["adjustments"]
    assert len(adj) == len(raw)  # one row per CAS adjustment, none dropped
    assert adj["explanation"].notna().all()
    co45 = adj[(adj["group"] == "CO") & (adj["reason"] == "45")]
    assert len(co45), "a fee-schedule write-off is expected in a synthetic 835"
    expected = carc.table().set_index("code").loc["45", "description"]
    assert co45["reason_text"].eq(expected).all()
    assert co45["explanation"].str.startswith("CO (Contractual obligation").all()


@pytest.mark.parametrize(
    ("group", "reason", "expected"),
    [
        ("PR", "1", "Deductible Amount"),  # a CARC medbill knows
        ("CO", "99999", "CARC 99999 is not in medbill's CARC table"),  # unknown: kept and said so
        ("ZZ", "45", "unknown group"),  # a group code outside X12's five
    ],
)
def test_explain_adjustments_cases(group: str, reason: str, expected: str) -> None:
    frame = pd.DataFrame({"group": [group], "reason": pd.array([reason], dtype="string"), "amount": [10.0]})
    out = explain_adjustments(frame)
    assert len(out) == 1 and expected in out["explanation"].iloc[0]


def test_posting_against_the_submitted_claims(viewer: RemittanceViewer) -> None:
    posting = viewer.posting
    remitted = set(viewer.tables["claims"]["claim_id"])
    assert set(posting["claim_id"]) == remitted
    assert posting["status"].isin(["paid", "partially paid", "adjusted", "denied", "not found"]).all()
    assert "<table" in viewer.views["posting"].value


def test_choosing_a_claim_narrows_every_tab(viewer: RemittanceViewer) -> None:
    claim_id = viewer.claim.options[1]
    viewer.claim.value = claim_id
    for name in ("claims", "lines", "adjustments", "posting"):
        shown = viewer.shown(name)
        assert set(shown["claim_id"]) <= {claim_id}
        assert claim_id in viewer.views[name].value or shown.empty
    viewer.claim.value = ALL
    assert len(viewer.shown("adjustments")) == len(viewer.tables["adjustments"])


def test_balance_tab_and_no_claims_note(an_835) -> None:
    viewer = RemittanceViewer.from_file(an_835)
    assert "Pass the submitted claims" in viewer.views["posting"].value
    assert "balanced" in viewer.balance_view.value


def test_eob_tab_reads_like_an_explanation_of_benefits(viewer: RemittanceViewer) -> None:
    claims = viewer.tables["claims"]
    adjustments = viewer.tables["adjustments"]
    # The claim with a patient share and the most adjustments: its EOB must show them all.
    counts = adjustments.groupby("claim_id").size()
    claim_id = counts.sort_values(ascending=False).index[0]
    viewer.claim.value = claim_id
    eob = viewer.views["eob"].value
    row = claims[claims["claim_id"].eq(claim_id)].iloc[0]
    assert f"Claim {claim_id}" in eob and f"Billed <b>${row['charge']:,.2f}</b>" in eob
    assert eob.count("class='medbill-eob-line'") == len(viewer.shown("lines"))
    assert eob.count("class='medbill-eob-adjustment'") == len(viewer.shown("adjustments"))
    for a in viewer.shown("adjustments").itertuples():
        assert f"{a.group}-{a.reason}: {a.reason_text}" in eob  # the CARC text, not a bare code
    assert "Patient responsibility <b class='medbill-eob-patient'>$" in eob
    assert "-$0.00" not in eob and "$-" not in eob


def test_money_never_shows_minus_zero() -> None:
    from medbill.widgets._format import money

    assert [money(-0.001), money(-12.5), money(1234.5), money(None)] == ["$0.00", "-$12.50", "$1,234.50", ""]
