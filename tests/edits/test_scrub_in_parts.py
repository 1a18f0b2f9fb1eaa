"""A batch over ``PART_LINES`` is scrubbed one patient group at a time, with the result of scrubbing
it whole, however messy its keys: padded and empty patient ids, padded claim ids on lines,
claim ids used twice, orphan lines."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from medbill import synth
from medbill.claims import groups
from medbill.claims.tables import ClaimsData
from medbill.edits import engine, runner, scrub

AS_OF = synth.DEFAULT_END


def messy_practice() -> ClaimsData:
    practice = synth.generate(lines=1500, seed=11)
    claims, lines = practice.claims.copy(), practice.lines.copy()
    picked = claims["claim_id"].iloc[np.linspace(0, len(claims) - 1, 25).astype(int)].tolist()
    # sent again under a new id, the patient id padded: still the same patient (DUP-CLAIM)
    again = claims[claims["claim_id"].isin(picked)].assign(
        claim_id=lambda f: f["claim_id"] + "R", patient_id=lambda f: "  " + f["patient_id"] + " "
    )
    again_lines = lines[lines["claim_id"].isin(picked)].assign(claim_id=lambda f: f["claim_id"] + "R ")
    # another patient's claim sent again under a claim id already used (CLAIM-ID-DUP); claims
    # without a patient id
    twice = claims.iloc[[40]].assign(claim_id=claims["claim_id"].iloc[3])
    claims.loc[claims.index[50:55], "patient_id"] = ["", None, " ", "", None]
    # lines whose claim is not in the table (LINE-ORPHAN), one with no claim id at all
    orphans = lines.iloc[:3].assign(claim_id=["NOSUCH1", "NOSUCH2", None])
    return ClaimsData(
        pd.concat([claims, again, twice], ignore_index=True),
        pd.concat([lines, again_lines, orphans], ignore_index=True),
        payers=practice.payers,
    )


def test_scrubbing_in_patient_groups_equals_scrubbing_whole(reference_data, monkeypatch) -> None:
    data = messy_practice()
    whole = scrub(data, as_of=AS_OF)
    built = []
    real = engine.Batch
    monkeypatch.setattr(engine, "Batch", lambda *a, **k: built.append(1) or real(*a, **k))
    monkeypatch.setattr(runner, "PART_LINES", 100)
    parts = scrub(data, as_of=AS_OF)
    assert len(built) >= len(data.lines) // 100  # scrubbed in groups, not whole
    fired = set(whole.findings["rule_id"].astype(str))
    assert {"DUP-CLAIM", "CLAIM-ID-DUP", "LINE-ORPHAN"} <= fired, fired
    assert (whole.findings["rule_id"] == "DUP-CLAIM").sum() >= 25
    for table in ("findings", "line_status", "claim_status", "skipped", "rules"):
        pd.testing.assert_frame_equal(getattr(parts, table), getattr(whole, table), obj=table)


def test_a_group_holds_whole_patients_by_the_scrubbers_keys() -> None:
    data = messy_practice()
    claim_group = groups.of_claims(data.claims, 7)
    line_group = groups.following_claims(data.lines, data.claims, claim_group, 7)
    patient = groups.keys(data.claims["patient_id"])
    # a claim row whose id another claim row had first goes with that one (its lines are that one's)
    named = pd.notna(patient) & ~pd.Series(groups.keys(data.claims["claim_id"])).duplicated().to_numpy()
    per_patient = pd.Series(claim_group[named]).groupby(patient[named]).nunique()
    assert per_patient.max() == 1 and len(per_patient) > 7
    # a line is in its claim's group, matched on the stripped claim id
    claim_of = pd.Series(claim_group, index=groups.keys(data.claims["claim_id"])).groupby(level=0).first()
    line_ids = pd.Series(groups.keys(data.lines["claim_id"]))
    known = line_ids.isin(claim_of.index).to_numpy()
    assert (line_group[known] == claim_of.reindex(line_ids[known]).to_numpy()).all()
    assert (~known).sum() == 3  # the orphans, each in the group of its own claim id


@pytest.mark.parametrize("parts", [1, 2, 64])
def test_groups_of_empty_tables(parts: int) -> None:
    empty = pd.DataFrame({"claim_id": pd.Series(dtype="str"), "patient_id": pd.Series(dtype="str")})
    assert groups.of_claims(empty, parts).tolist() == []
    assert (
        groups.following_claims(empty[["claim_id"]], empty, np.zeros(0, dtype=np.int64), parts).tolist() == []
    )
