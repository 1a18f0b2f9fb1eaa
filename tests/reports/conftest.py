"""A five-claim practice small enough to compute every KPI by hand (see the comments per claim).

As of 2025-04-30:
- C1 (payer P1, provider A): served 01-01, sent 01-03, 120.00 charged; paid 80 on 01-20, CO-45 30, PR 10.
- C2 (P1, B): served 01-05, sent 01-10, 150.00; denied (status 4, no adjustment) on 01-20, then paid
  100 with CO-45 50 on 03-01.
- C3 (P2, A): served 02-01, sent 02-05, 200.00; status 1 paying 0 with CO-197 200 (no prior
  authorisation) on 03-10: denied and written off.
- C4 (P2, B): served 03-15, sent 03-20, 110.00 on two lines; no remittance yet.
- C5 (P1, A): served 2024-12-01, sent 2025-02-15 (late), 300.00 (new patient visit); no remittance.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest

NPI_A = "1234567893"
NPI_B = "1245319599"
AS_OF = "2025-04-30"


def _df(columns: str, rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=columns.split())


def build_tables() -> dict[str, pd.DataFrame]:
    claims = _df(
        "claim_id patient_id payer_id billing_npi rendering_npi place_of_service claim_frequency submitted_date dx1 dx2",
        [
            ("C1", "PT1", "P1", NPI_A, NPI_A, "11", "1", "2025-01-03", "E11.9", "I10"),
            ("C2", "PT2", "P1", NPI_A, NPI_B, "11", "1", "2025-01-10", "E11.65", None),
            ("C3", "PT3", "P2", NPI_A, NPI_A, "22", "1", "2025-02-05", "J06.9", None),
            ("C4", "PT4", "P2", NPI_A, NPI_B, "11", "1", "2025-03-20", "M54.50", None),
            ("C5", "PT5", "P1", NPI_A, NPI_A, "11", None, "2025-02-15", "R51.9", None),
        ],
    )
    lines = _df(
        "claim_id line_number service_date procedure_code units charge",
        [
            ("C1", 1, "2025-01-01", "99213", 1, 100.0),
            ("C1", 2, "2025-01-01", "85025", 1, 20.0),
            ("C2", 1, "2025-01-05", "99214", 1, 150.0),
            ("C3", 1, "2025-02-01", "99215", 1, 200.0),
            ("C4", 1, "2025-03-15", "99213", 1, 100.0),
            ("C4", 2, "2025-03-15", "36415", 1, 10.0),
            ("C5", 1, "2024-12-01", "99203", 1, 300.0),
        ],
    )
    payers = _df(
        "payer_id name kind", [("P1", "Medicare Part B", "medicare"), ("P2", "Acme Health", "commercial")]
    )
    providers = _df("npi last_name first_name", [(NPI_A, "Avery", "Ann"), (NPI_B, "Brook", "Ben")])
    remit_payments = _df(
        "payment_id payer_id payment_date amount",
        [
            ("R1", "P1", "2025-01-20", 80.0),
            ("R2", "P2", "2025-03-10", 0.0),
            ("R3", "P1", "2025-03-01", 100.0),
        ],
    )
    remit_claims = _df(
        "payment_id claim_id status_code charge paid patient_responsibility received_date",
        [
            ("R1", "C1", "1", 120.0, 80.0, 10.0, "2025-01-20"),
            ("R1", "C2", "4", 150.0, 0.0, 0.0, "2025-01-20"),
            ("R3", "C2", "1", 150.0, 100.0, 0.0, None),  # received date from the payment
            ("R2", "C3", "1", 200.0, 0.0, 0.0, "2025-03-10"),
        ],
    )
    remit_lines = _df(
        "payment_id claim_id line_number procedure_code charge paid allowed units service_date",
        [
            ("R1", "C1", 1, "99213", 100.0, 65.0, 75.0, 1, "2025-01-01"),
            ("R1", "C1", 2, "85025", 20.0, 15.0, 15.0, 1, "2025-01-01"),
            ("R1", "C2", 1, "99214", 150.0, 0.0, None, 1, "2025-01-05"),
            ("R3", "C2", 1, "99214", 150.0, 100.0, 100.0, 1, "2025-01-05"),
            ("R2", "C3", 1, "99215", 200.0, 0.0, None, 1, "2025-02-01"),
        ],
    )
    remit_adjustments = _df(
        "payment_id claim_id line_number group reason amount",
        [
            ("R1", "C1", 1, "CO", "45", 25.0),
            ("R1", "C1", 1, "PR", "1", 10.0),
            ("R1", "C1", 2, "CO", "45", 5.0),
            ("R3", "C2", 1, "CO", "45", 50.0),
            ("R2", "C3", 1, "CO", "197", 200.0),
        ],
    )
    return {
        "claims": claims,
        "lines": lines,
        "payers": payers,
        "providers": providers,
        "remit_payments": remit_payments,
        "remit_claims": remit_claims,
        "remit_lines": remit_lines,
        "remit_adjustments": remit_adjustments,
    }


# Scrubber findings as medbill.edits.scrub reports them: C3 has an error, C4 only a warning.
FINDINGS = pd.DataFrame(
    {
        "claim_id": ["C3", "C4"],
        "line_number": [1, 2],
        "rule_id": ["prior-auth", "dx-pointer"],
        "severity": ["error", "warning"],
        "field": ["prior_authorization", "dx_pointers"],
        "value": ["", ""],
        "message": ["x", "y"],
        "reference": ["", ""],
    }
)

# The slice of an ICD-10-CM release table the fixture's diagnoses need (titles from FY2025).
ICD_TABLE = pd.DataFrame(
    {
        "title": [
            "Type 2 diabetes mellitus without complications",
            "Essential (primary) hypertension",
            "Type 2 diabetes mellitus with hyperglycemia",
            "Acute upper respiratory infection, unspecified",
            "Low back pain, unspecified",
            "Headache, unspecified",
            "Acute nasopharyngitis [common cold]",
        ],
        "billable": [True, True, True, True, True, True, True],
        "parent": ["E11", None, "E116", "J06", "M545", "R51", None],
        "chapter": ["4", "9", "4", "10", "13", "18", "10"],
        "chapter_title": [
            "Endocrine",
            "Circulatory",
            "Endocrine",
            "Respiratory",
            "Musculoskeletal",
            "Symptoms",
            "Respiratory",
        ],
        "block": ["E08-E13", "I10-I1A", "E08-E13", "J00-J06", "M50-M54", "R50-R69", "J00-J06"],
        "block_title": [
            "Diabetes",
            "Hypertensive",
            "Diabetes",
            "Acute upper",
            "Other dorsopathies",
            "General",
            "Acute upper",
        ],
    },
    index=pd.Index(["E119", "I10", "E1165", "J069", "M5450", "R519", "J00"], name="code"),
)


@pytest.fixture
def tables() -> dict[str, pd.DataFrame]:
    return build_tables()


@pytest.fixture
def tables_dir(tmp_path):
    """The fixture practice written as a claims folder of CSV files."""
    folder = tmp_path / "claims"
    folder.mkdir()
    for name, frame in build_tables().items():
        frame.to_csv(folder / f"{name}.csv", index=False)
    return folder


@pytest.fixture
def findings() -> pd.DataFrame:
    return FINDINGS.copy()


@pytest.fixture
def icd_table() -> pd.DataFrame:
    return ICD_TABLE.copy()


@pytest.fixture(scope="session")
def sample_dir():
    """The committed sample practice (the generator's output: tests/synth/test_generate.py checks it)."""
    return Path(__file__).resolve().parents[2] / "data" / "sample"


@pytest.fixture(scope="session")
def aging_report(sample_dir, tmp_path_factory):
    """ar_aging run once on the sample with custom bucket edges (read by several tests)."""
    from medbill.reports import run_report

    out = tmp_path_factory.mktemp("aging_report")
    return run_report("ar_aging", {"edges": "45,90"}, data_dir=sample_dir, out_dir=out, stem="aging-45-90")


@pytest.fixture
def practice() -> SimpleNamespace:
    """The fixture practice's facts tests compare against: its as-of date and its two providers."""
    return SimpleNamespace(as_of=AS_OF, npi_a=NPI_A, npi_b=NPI_B)
