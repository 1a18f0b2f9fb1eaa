"""Helpers for scrubber tests: a clean claim to mutate, and the shared CMS excerpts imported once."""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd
import pytest

AS_OF = date(2026, 8, 1)
GOOD_NPI = "1234567893"  # CMS's documented example NPI (valid check digit)
OTHER_NPI = "1245319599"  # a second NPI with a valid check digit


def claim_row(**over: Any) -> dict[str, Any]:
    row = {
        "claim_id": "C1",
        "patient_id": "P1",
        "patient_birth_date": "1980-03-15",
        "patient_sex": "F",
        "payer_id": "MCR",
        "member_id": "1EG4TE5MK73",
        "billing_npi": GOOD_NPI,
        "rendering_npi": GOOD_NPI,
        "place_of_service": "11",
        "claim_frequency": "1",
        "submitted_date": "2026-07-20",
        "dx1": "J06.9",
    }
    row.update(over)
    return row


def line_row(**over: Any) -> dict[str, Any]:
    row = {
        "claim_id": "C1",
        "line_number": 1,
        "service_date": "2026-07-15",
        "procedure_code": "99213",
        "modifier1": None,
        "modifier2": None,
        "units": 1.0,
        "charge": 120.0,
        "dx_pointers": "A",
    }
    row.update(over)
    return row


def tables(claims: list[dict[str, Any]] | None = None, lines: list[dict[str, Any]] | None = None):
    """(claims, lines) DataFrames in the docs/tables.md shape; defaults to one clean claim."""
    return pd.DataFrame(claims or [claim_row()]), pd.DataFrame(lines or [line_row()])


# Quarters the PTP tests date claims in, as CMS version numbers (v32.1 = 2026 Q2, v24.2 = 2018 Q3 ...).
PTP_QUARTERS = ("v280", "v241", "v242", "v291", "v300", "v321")


@pytest.fixture
def reference_data(shared_data, tmp_path_factory):
    """The shared NCCI PTP, MUE and MCE excerpts imported into the test home (re-imports are no-ops).

    A PTP release covers only its own quarter (v32.2: 2026 Q3). Every quarterly PTP file carries the
    edits' whole history, so the excerpt's rows are also installed under the names of the other
    quarters the tests date claims in, to check each row's own effective and deletion dates there.
    """
    from medbill.refdata import mce, mue, ncci

    excerpt = shared_data("cms/ncci/ptp_practitioner_v322r0_f1_excerpt.tsv")
    ncci.import_release(excerpt)
    folder = tmp_path_factory.getbasetemp() / "ptp_quarters"
    folder.mkdir(exist_ok=True)
    for version in PTP_QUARTERS:
        copy = folder / f"ccipra-{version}r0-f1.txt"
        copy.write_bytes(excerpt.read_bytes() + f"# the v32.2 excerpt as {version}\n".encode())
        ncci.import_release(copy)
    mue.import_release(shared_data("cms/ncci/mue_practitioner_2026-07-01_excerpt.csv"))
    mce.import_release(shared_data("cms/mce/v37/MCE_Simple_Code_Edits_v37.txt"))
    return True


@pytest.fixture
def mk():
    """``mk.claim(**over)``, ``mk.line(**over)``, ``mk.tables(claims, lines)``, ``mk.AS_OF``, ``mk.GOOD_NPI``."""
    from types import SimpleNamespace

    return SimpleNamespace(
        claim=claim_row, line=line_row, tables=tables, AS_OF=AS_OF, GOOD_NPI=GOOD_NPI, OTHER_NPI=OTHER_NPI
    )
