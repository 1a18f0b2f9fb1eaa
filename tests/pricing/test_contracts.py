"""Payer contracts: carve-outs, fixed fees, percent of Medicare, lesser of billed charge."""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
import pytest

from medbill.exceptions import InvalidFormat
from medbill.pricing.contracts import Contract

AL = "10112-00"


@pytest.fixture
def lines() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "claim_id": ["a", "a", "b", "b", "b"],
            "line_number": [1, 2, 1, 2, 3],
            "procedure_code": ["99213", "71046", "J3301", "99999", "99213"],
            "modifier1": [None, "26", None, None, None],
            "units": [1, 1, 4, 1, 1],
            "charge": [150.00, 20.00, 50.00, 10.00, 90.00],
        },
        index=[10, 11, 12, 13, 14],
    )


def test_each_basis_and_lesser_of(fs, lines):
    medicare = fs.price_lines(lines, locality=AL)
    contract = Contract(
        "Acme PPO",
        percent_of_medicare=Decimal("120"),
        fee_schedule={"71046-26": Decimal("15.00"), "99213": Decimal("95.00")},
        carve_outs={"J3301": Decimal("3.10")},
    )
    out = contract.expected_allowed(lines, medicare)
    # 99213: fee schedule 95.00 (wins over 120% of Medicare 81.86 = 98.23), charge 150 is higher
    # 71046-26: code-modifier fee 15.00
    # J3301 x4: carve-out 4 x 3.10 = 12.40
    # 99999: no rate (not in the fee schedule, not priced by Medicare)
    # 99213 charged 90.00: lesser of 95.00 and 90.00
    assert out["expected_allowed"].tolist() == [95.00, 15.00, 12.40, pd.NA, 90.00]
    assert out["basis"].tolist() == [
        "fee schedule",
        "fee schedule",
        "carve-out",
        "no contract rate",
        "fee schedule",
    ]
    assert out["lesser_of_applied"].tolist() == [False, False, False, False, True]
    assert list(out.index) == list(lines.index)


def test_percent_of_medicare_rounds_half_up(fs, lines):
    medicare = fs.price_lines(lines, locality=AL)
    out = Contract("Medicare+", percent_of_medicare=Decimal("112.5")).expected_allowed(lines, medicare)
    # 81.86 x 112.5% = 92.0925 -> 92.09 ; 71046-26 9.55 x 112.5% = 10.74375 -> 10.74, lesser of 20.00
    assert out["expected_allowed"].iloc[0] == 92.09
    assert out["expected_allowed"].iloc[1] == 10.74


def test_without_lesser_of_clause(fs, lines):
    out = Contract("No LOB", fee_schedule={"99213": "95"}, lesser_of_billed=False).expected_allowed(lines)
    assert out["expected_allowed"].iloc[4] == 95.00


def test_per_claim_totals(fs, lines):
    medicare = fs.price_lines(lines, locality=AL)
    contract = Contract("Acme", percent_of_medicare=Decimal("100"))
    per_claim = contract.expected_allowed_by_claim(lines, medicare)
    # claim a: 81.86 + 9.55 = 91.41
    # claim b: J3301 has PFS status E (paid outside the PFS: Medicare amount 0.00), 99999 has no
    # rate, 99213 81.86 (under its 90.00 charge) -> 81.86 from 2 of 3 lines
    assert per_claim["claim_id"].tolist() == ["a", "b"]
    assert per_claim["lines"].tolist() == [2, 3]
    assert per_claim["rated_lines"].tolist() == [2, 2]
    assert per_claim["expected_allowed"].tolist() == pytest.approx([91.41, 81.86])


@pytest.mark.parametrize(
    "kwargs",
    [
        {"percent_of_medicare": Decimal("-5")},  # negative percent
        {"percent_of_medicare": Decimal("120.123")},  # more than two decimals
        {"fee_schedule": {"99213": "-1"}},  # negative fee
        {"fee_schedule": {"": "10"}},  # empty code
        {"carve_outs": {"J3301": "abc"}},  # not an amount
    ],
)
def test_bad_contract_terms(kwargs):
    with pytest.raises(InvalidFormat):
        Contract("bad", **kwargs)


def test_percent_of_medicare_needs_medicare_prices(lines):
    with pytest.raises(InvalidFormat, match="price_lines"):
        Contract("x", percent_of_medicare=Decimal("110")).expected_allowed(lines)


def test_fee_table_constructor(lines):
    table = pd.DataFrame({"code": ["99213", "71046-26"], "amount": ["88.00", "12.50"]})
    contract = Contract.from_fee_table("Table PPO", table, lesser_of_billed=False)
    out = contract.expected_allowed(lines)
    assert out["expected_allowed"].tolist()[:2] == [88.00, 12.50]
    with pytest.raises(InvalidFormat):
        Contract.from_fee_table("bad", pd.DataFrame({"code": ["99213"]}))
