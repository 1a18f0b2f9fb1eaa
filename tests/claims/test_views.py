"""Human views of a claim: CMS-1500 HTML boxes and FHIR R4 Claim JSON."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from claim_strategies import claim_batches, make_claim
from hypothesis import given, settings

from medbill.claims.models import ServiceLine


def test_cms1500_html_shows_the_numbered_boxes() -> None:
    claim = make_claim(prior_authorization="AUTH77", onset_date=date(2025, 2, 1))
    html = claim._repr_html_()
    for box in ("1a.", "2.", "3.", "21.", "23.", "24.", "25.", "26.", "28.", "33a."):
        assert f"<b>{box}" in html, box
    assert (
        "W123456789" in html and "DOE, JANE" in html and "E11.9" in html
    )  # member id, patient, dx display form
    assert "175.50" in html and "AUTH77" in html and "1234567893" in html
    assert "<script" not in html and "http" not in html  # offline and inert


def test_cms1500_text_lists_the_same_boxes() -> None:
    from medbill.claims.cms1500 import render_text

    text = render_text(make_claim(prior_authorization="AUTH77"))
    for box in ("1a.", "21.", "24.", "28.", "33a."):
        assert f"{box} " in text, box
    assert "W123456789" in text and "E11.9" in text and "175.50" in text and "99214" in text


def test_cms1500_escapes_text_and_notes_extra_pages() -> None:
    lines = tuple(ServiceLine("99213", Decimal("10"), date(2025, 1, 1) + timedelta(days=i)) for i in range(7))
    html = make_claim(claim_id="A&B'1", diagnoses=("E11.9",), lines=lines)._repr_html_()
    assert "A&amp;B&#x27;1" in html and "A&B'1" not in html
    assert "needs 2 pages" in html


def test_fhir_claim_is_valid_for_the_library() -> None:
    pytest.importorskip("fhir.resources")
    from fhir.resources.R4B.claim import Claim as FhirClaim

    from medbill.claims.fhir import to_fhir_json

    data = json.loads(to_fhir_json(make_claim(prior_authorization="AUTH77")))
    FhirClaim.model_validate(data)  # the library's own validation, from the JSON text
    assert data["resourceType"] == "Claim" and data["use"] == "claim"
    assert [d["diagnosisCodeableConcept"]["coding"][0]["code"] for d in data["diagnosis"]] == ["E119", "I10"]
    assert [i["net"]["value"] for i in data["item"]] == [150.0, 25.5] and data["total"]["value"] == 175.5
    assert (
        data["item"][0]["diagnosisSequence"] == [1, 2]
        and data["item"][1]["modifier"][0]["coding"][0]["code"] == "QW"
    )
    assert data["insurance"][0]["preAuthRef"] == ["AUTH77"]
    contained = {r["resourceType"] for r in data["contained"]}
    assert {"Patient", "Coverage", "Organization", "Practitioner"} <= contained


@settings(max_examples=15, deadline=None)
@given(batch=claim_batches(max_size=2))
def test_every_claim_exports_to_valid_fhir(batch) -> None:
    pytest.importorskip("fhir.resources")
    from medbill.claims.fhir import to_fhir

    for claim in batch:
        resource = to_fhir(claim)
        assert len(resource.item) == len(claim.lines)
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(resource.created))


def test_missing_fhir_library_gives_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    import builtins

    from medbill.claims import fhir

    real_import = builtins.__import__

    def fake_import(name, *args, **kwargs):  # type: ignore[no-untyped-def]
        if name.startswith("fhir.resources"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", fake_import)
    with pytest.raises(ImportError, match=r"medbill\[fhir\]"):
        fhir.to_fhir(make_claim())
