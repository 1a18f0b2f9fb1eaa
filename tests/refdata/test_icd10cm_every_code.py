"""Every billable code of every embedded release: lookup, validate, is_valid, search and scrub agree.

Exhaustive for lookup, validate, is_valid, is_billable and the scrubber (one batch per release, twelve
diagnoses a claim). Search is sampled: one billable code in 50, spread over the whole release
(about 1,500 searches per release; searching all 74,000 titles takes several minutes).
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from medbill.edits import scrub
from medbill.refdata import icd10cm

# a date of service inside each embedded release's fiscal year
RELEASES = {"FY2025": date(2025, 6, 2), "FY2026": date(2026, 6, 1)}
SEARCH_EVERY = 50
SEARCH_LIMIT = 20
CLAIM = {
    "patient_id": "P1",
    "patient_birth_date": "1980-03-15",
    "patient_sex": "F",
    "payer_id": "MCR",
    "member_id": "1EG4TE5MK73",
    "billing_npi": "1234567893",
    "rendering_npi": "1234567893",
    "place_of_service": "11",
    "claim_frequency": "1",
}
LINE = {"line_number": 1, "procedure_code": "99213", "units": 1.0, "charge": 120.0, "dx_pointers": "A"}


def _billable(name: str) -> list[str]:
    return sorted(icd10cm.release(name).billable_codes)


@pytest.mark.parametrize("name", RELEASES)
def test_every_billable_code_looks_up_validates_and_is_valid(name: str) -> None:
    on = RELEASES[name]
    assert icd10cm.for_date(on).name == name
    wrong = []
    for key in _billable(name):
        shown = icd10cm.format(key)
        for given in (key, shown):
            if not (
                icd10cm.validate(given) == key
                and icd10cm.lookup(given, on=on).billable
                and icd10cm.is_valid(given, on=on)
                and icd10cm.is_billable(given, on=on)
            ):
                wrong.append(given)
    assert not wrong, wrong[:10]


@pytest.mark.parametrize("name", RELEASES)
def test_every_billable_code_passes_the_scrubber_validity_rules(name: str) -> None:
    codes = [icd10cm.format(c) for c in _billable(name)]
    per_claim = 12
    claims, lines = [], []
    for i in range(0, len(codes), per_claim):
        dx = codes[i : i + per_claim]
        cid = f"C{i // per_claim}"
        claims.append({**CLAIM, "claim_id": cid, **{f"dx{n + 1}": c for n, c in enumerate(dx)}})
        lines.append({**LINE, "claim_id": cid, "service_date": RELEASES[name].isoformat()})
    result = scrub(
        pd.DataFrame(claims),
        pd.DataFrame(lines),
        rules=["ICD-INVALID", "ICD-HEADER", "ICD-7TH", "ICD-PLACEHOLDER"],
        as_of=date(2026, 12, 1),
    )
    assert result.skipped.empty, result.skipped.to_dict("records")
    assert result.findings.empty, result.findings.head(10).to_dict("records")
    assert len(result.line_status) == len(lines)


@pytest.mark.parametrize("name", RELEASES)
def test_a_sample_of_billable_codes_is_found_by_its_own_title(name: str) -> None:
    rel = icd10cm.release(name)
    sample = _billable(name)[::SEARCH_EVERY]
    missed = []
    for key in sample:
        code = rel.lookup(key)
        hits = rel.search(code.title, limit=SEARCH_LIMIT)
        if code.display not in [h.code for h in hits]:
            missed.append((code.display, code.title))
    assert len(sample) > 1_400
    assert not missed, missed[:10]
