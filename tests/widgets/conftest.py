"""A small hand-made practice (two payers, a group and a physician) for the widget tests."""

from __future__ import annotations

import pandas as pd
import pytest

from medbill.claims.tables import ClaimsData

GROUP_NPI = "1234567893"  # the NPI standard's own worked example; passes the Luhn check
PHYSICIAN_NPI = "1245319599"


@pytest.fixture
def practice() -> ClaimsData:
    empty_claims = pd.DataFrame({"claim_id": pd.Series([], dtype="string")})
    empty_lines = pd.DataFrame(
        {c: pd.Series([], dtype="object") for c in ("claim_id", "line_number", "procedure_code", "charge")}
    )
    providers = pd.DataFrame(
        [
            {"npi": GROUP_NPI, "entity_type": "2", "last_name": "RIVERSIDE FAMILY MEDICINE", "first_name": "",
             "taxonomy": "207Q00000X", "tax_id": "123456789", "tax_id_type": "EI", "address1": "1 MAIN ST",
             "city": "SPRINGFIELD", "state": "IL", "zip": "627011234", "phone": "2175550100"},
            {"npi": PHYSICIAN_NPI, "entity_type": "1", "last_name": "NGUYEN", "first_name": "ANNA",
             "taxonomy": "207Q00000X", "address1": "1 MAIN ST", "city": "SPRINGFIELD", "state": "IL",
             "zip": "627011234"},
        ]
    )  # fmt: skip
    payers = pd.DataFrame(
        [
            {
                "payer_id": "MCR01",
                "name": "MEDICARE PART B",
                "kind": "medicare",
                "claim_filing_indicator": "MB",
            },
            {
                "payer_id": "ACME1",
                "name": "ACME HEALTH",
                "kind": "commercial",
                "claim_filing_indicator": "CI",
            },
        ]
    )
    return ClaimsData(claims=empty_claims, lines=empty_lines, providers=providers, payers=payers)


@pytest.fixture(scope="session")
def _pfs_home(tmp_path_factory: pytest.TempPathFactory, shared_data) -> str:
    """A MEDBILL_HOME with CMS's 2025 PFS imported (once per session; other tests never see it)."""
    import os

    from medbill.refdata.pfs import import_release

    home = tmp_path_factory.mktemp("pfs_home")
    before = os.environ.get("MEDBILL_HOME")
    os.environ["MEDBILL_HOME"] = str(home)
    try:
        import_release(shared_data("cms/pfs/2025"))
    finally:
        if before is None:
            os.environ.pop("MEDBILL_HOME")
        else:
            os.environ["MEDBILL_HOME"] = before
    return str(home)


@pytest.fixture
def pfs_home(_pfs_home: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """MEDBILL_HOME pointing at the home with the 2025 PFS imported, for one test."""
    monkeypatch.setenv("MEDBILL_HOME", _pfs_home)
    return _pfs_home


@pytest.fixture(scope="session")
def synth_practice():
    """A small seeded synthetic practice with remittances (claims tables per docs/tables.md)."""
    from medbill.synth import generate

    return generate(lines=600, seed=7)
