"""The ICD-10-CM rules read the release's compact fields: a scrub builds none of the release's
pandas tables (each of them is tens of MB for a 98,000-row release)."""

from __future__ import annotations

import pytest

from medbill.edits import scrub
from medbill.refdata.icd10cm import _release


def test_icd_rules_build_no_release_table(mk, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(self: _release.Release) -> None:
        pytest.fail(f"a scrub built a pandas table of ICD-10-CM release {self.name}")

    monkeypatch.setattr(_release.Release, "table", property(refuse))
    monkeypatch.setattr(_release.Release, "notes_table", property(refuse))
    claims = [
        mk.claim(dx1="F02.80", dx2="G30.9", dx3="E11.9", dx4="E10.9"),  # manifestation, Excludes1
        mk.claim(claim_id="C2", dx1="S52.521", dx2="T07D", dx3="E11", dx4="E11.65"),  # 7th, X, header
    ]
    lines = [mk.line(dx_pointers="ABCD"), mk.line(claim_id="C2", dx_pointers="ABCD")]
    result = scrub(*mk.tables(claims, lines), rules=["ICD-*"], as_of=mk.AS_OF)
    found = set(result.findings["rule_id"])
    assert {
        "ICD-MANIFESTATION",
        "ICD-EXCLUDES1",
        "ICD-7TH",
        "ICD-PLACEHOLDER",
        "ICD-HEADER",
        "ICD-USE-ADDITIONAL",
    } <= found
