"""Analytics account for every input row (issue 22): rows that attach to no claim are excluded from
every figure alike and listed with the reason, so the summary's totals agree with its own tables."""

from __future__ import annotations

import pandas as pd
import pytest

from medbill.analytics import accounting, summary


def _tables() -> dict[str, pd.DataFrame]:
    claims = pd.DataFrame(
        {
            "claim_id": ["C1", "C2", "C2", None],  # C2 twice; a claim without an id
            "payer_id": ["P1", "P1", "P2", "P1"],
            "rendering_npi": ["1234567893"] * 4,
        }
    )
    lines = pd.DataFrame(
        {
            "claim_id": ["C1", "C1", "C2", "GHOST", None],  # an orphan line; a line without a claim_id
            "line_number": [1, 2, 1, 1, 1],
            "service_date": ["2025-01-01"] * 5,
            "procedure_code": ["99213", "85025", "99214", "99215", "99213"],
            "units": [1, 1, 1, 1, 1],
            "charge": [100.0, 20.0, 150.0, 200.0, 7.0],
        }
    )
    remit_claims = pd.DataFrame(
        {
            "payment_id": ["R1", "R1"],
            "claim_id": ["C1", "NOPE"],
            "status_code": ["1", "1"],
            "paid": [80.0, 5.0],
            "received_date": ["2025-01-20", "2025-01-20"],
        }
    )
    return {"claims": claims, "lines": lines, "remit_claims": remit_claims}


def test_excluded_rows_name_each_row_and_reason():
    out = accounting.excluded_rows(_tables())
    got = list(out[["table", "row", "claim_id", "reason"]].itertuples(index=False, name=None))
    assert [(t, r, None if pd.isna(c) else c, why) for t, r, c, why in got] == [
        ("claims", 3, "C2", "repeats claim_id of claims row 2"),
        ("claims", 4, None, "no claim_id"),
        ("lines", 4, "GHOST", "claim_id not in claims"),
        ("lines", 5, None, "no claim_id"),
        ("remit_claims", 2, "NOPE", "claim_id not in claims"),
    ]


def test_every_row_is_counted_or_excluded():
    tables = _tables()
    acc = accounting.input_accounting(tables).set_index("table")
    for name in ("claims", "lines", "remit_claims"):
        assert acc.at[name, "rows"] == len(tables[name])
        assert acc.at[name, "counted"] + acc.at[name, "excluded"] == len(tables[name])
    assert acc.at["lines", "excluded"] == 2
    assert acc.at["lines", "reasons"] == "claim_id not in claims: 1; no claim_id: 1"
    assert acc.at["claims", "reasons"] == "repeats claim_id of claims row N: 1; no claim_id: 1"


@pytest.mark.parametrize("by", ["month", "payer_id"])
def test_summary_totals_agree_with_top_procedures(by):
    tables = _tables()
    money = summary.money_summary(tables, by).set_index(by)
    procedures = summary.top_procedures(tables, n=100)
    assert money.at["total", "charge"] == procedures["charge"].sum() == 270.0  # C1 120 + C2 150
    assert money.at["total", "lines"] == procedures["lines"].sum() == 3
    assert money.at["total", "claims"] == 2
    assert money.at["total", "paid"] == 80.0  # the orphan remittance row is not paid on any claim
