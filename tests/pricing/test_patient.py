"""Patient share: copay, deductible, coinsurance, out-of-pocket maximum, yearly accumulators."""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
import pytest

from medbill.exceptions import InvalidFormat
from medbill.pricing.patient import Benefit, explain_share, patient_share

PLAN = Benefit(
    deductible=Decimal("257"),
    coinsurance=Decimal("0.20"),
    copay=Decimal("20"),
    out_of_pocket_max=Decimal("400"),
)


@pytest.fixture
def lines() -> pd.DataFrame:
    # Rows deliberately out of date order: accumulators must follow service dates.
    return pd.DataFrame(
        {
            "claim_id": ["c2", "c1", "c1", "c3", "c4", "q1"],
            "line_number": [1, 1, 2, 1, 1, 1],
            "patient_id": ["p", "p", "p", "p", "p", "q"],
            "service_date": [
                "2025-03-01",
                "2025-01-10",
                "2025-01-10",
                "2025-06-01",
                "2026-01-05",
                "2025-03-01",
            ],
            "allowed": [300.0, 100.0, 50.0, 1000.0, 80.0, 30.0],
        },
        index=["r0", "r1", "r2", "r3", "r4", "r5"],
    )


def test_hand_worked_year(lines):
    out = patient_share(lines, PLAN)
    # c1 (Jan): copay 20 from line 1, then 80 + 50 to the deductible (130 of 257 met)
    assert out.loc["r1", ["copay", "deductible", "coinsurance"]].tolist() == [20.0, 80.0, 0.0]
    assert out.loc["r2", ["copay", "deductible", "coinsurance"]].tolist() == [0.0, 50.0, 0.0]
    # c2 (Mar) 300: copay 20; deductible 127 completes 257; 20% of 153 = 30.60 -> patient 177.60
    assert out.loc["r0", ["copay", "deductible", "coinsurance", "patient_pays", "payer_pays"]].tolist() == [
        20.0, 127.0, 30.6, 177.6, 122.4,
    ]  # fmt: skip
    # c3 (Jun) 1000: copay 20 + 20% of 980 = 196 would take the year to 543.60; OOP max 400 leaves
    # 72.40 for the patient (coinsurance cut by 143.60 to 52.40)
    assert out.loc["r3", ["coinsurance", "oop_reduction", "patient_pays", "patient_to_date"]].tolist() == [
        52.4, 143.6, 72.4, 400.0,
    ]  # fmt: skip
    # 2026: a new year, a new deductible
    assert out.loc["r4", ["copay", "deductible", "deductible_to_date", "year"]].tolist() == [
        20.0,
        60.0,
        60.0,
        2026,
    ]
    # another patient has their own accumulators
    assert out.loc["r5", ["copay", "deductible"]].tolist() == [20.0, 10.0]
    assert (out["patient_pays"] + out["payer_pays"] == out["allowed"]).all()
    assert list(out.index) == list(lines.index)


def test_medicare_part_b_and_payer_mapping(lines):
    lines = lines.assign(payer_id=["mcare", "mcare", "mcare", "mcare", "mcare", "other"])
    out = patient_share(lines, {"mcare": Benefit.medicare_part_b(2025)})
    assert out.loc["r1", "deductible"] == 100.0
    assert out.loc["r0", ["deductible", "coinsurance"]].tolist() == [107.0, 38.6]  # 257-150; 20% of 193
    assert pd.isna(out.loc["r5", "patient_pays"])  # no benefit for payer "other": NA, not dropped
    assert out.loc["r5", "rule"] == "no benefit for this payer"


def test_missing_allowed_and_claims_lookup(lines):
    claims = pd.DataFrame(
        {"claim_id": ["c1", "c2", "c3", "c4", "q1"], "patient_id": ["p", "p", "p", "p", "q"]}
    )
    no_patient = lines.drop(columns="patient_id").assign(allowed=[300.0, None, 50.0, 1000.0, 80.0, 30.0])
    out = patient_share(no_patient, PLAN, claims=claims)
    assert pd.isna(out.loc["r1", "patient_pays"])
    assert out.loc["r2", ["copay", "deductible"]].tolist() == [
        20.0,
        30.0,
    ]  # now the claim's first priced line


def test_explanation_steps(lines):
    out = patient_share(lines, PLAN)
    e = explain_share(out, "r0", PLAN)
    assert e.table["item"].tolist()[-2:] == ["patient pays", "payer pays"]
    assert e.table["value"].tolist()[-2:] == ["177.60", "122.40"]
    assert "130.00 met before this line" in str(e)
    assert "<table>" in e._repr_html_()


@pytest.mark.parametrize(
    "kwargs",
    [
        {"coinsurance": Decimal("1.5")},  # more than 100%
        {"coinsurance": Decimal("-0.1")},
        {"deductible": Decimal("-1")},
        {"copay": "abc"},
    ],
)
def test_bad_benefit(kwargs):
    with pytest.raises(InvalidFormat):
        Benefit(**kwargs)


def test_bad_lines():
    with pytest.raises(InvalidFormat):
        patient_share(pd.DataFrame({"claim_id": ["x"]}), PLAN)
    with pytest.raises(InvalidFormat):
        patient_share("not a frame", PLAN)  # type: ignore[arg-type]


def test_explanation_of_a_line_without_amount(lines):
    out = patient_share(lines.assign(allowed=[None, 100.0, 50.0, 1000.0, 80.0, 30.0]), PLAN)
    e = explain_share(out, "r0", PLAN)
    assert e.table["how"].tolist() == ["no allowed amount"]


@pytest.mark.parametrize(
    ("year", "deductible"),
    [
        (2024, Decimal("240.00")),  # CMS fact sheet of 2023-10-12
        (2025, Decimal("257.00")),  # CMS fact sheet of 2024-11-08
        (2026, Decimal("283.00")),  # CMS fact sheet of 2025-11-14
    ],
)
def test_medicare_part_b_by_year(year, deductible):
    from medbill.pricing.patient import medicare_part_b_years

    plan = Benefit.medicare_part_b(year)
    assert (plan.deductible, plan.coinsurance, plan.name) == (
        deductible,
        Decimal("0.20"),
        f"Medicare Part B {year}",
    )
    assert "CMS fact sheet" in medicare_part_b_years()[year].source


def test_medicare_part_b_2026_deductible_applies_to_2026_lines(lines):
    """The accumulator resets each year; each year's plan has its own deductible."""
    in_2026 = lines.assign(service_date=pd.to_datetime(lines["service_date"]) + pd.DateOffset(years=1))
    out = patient_share(in_2026, Benefit.medicare_part_b(2026))
    assert out.loc["r1", "deductible"] == 100.0
    assert out.loc["r0", ["deductible", "coinsurance"]].tolist() == [133.0, 33.4]  # 283-150; 20% of 167


@pytest.mark.parametrize(
    ("year", "error"),
    [
        (1999, "DataNotAvailable"),  # not recorded
        (2031, "DataNotAvailable"),  # not announced
        ("2025", "InvalidFormat"),  # text, not a year
        (True, "InvalidFormat"),  # a bool is not a year
    ],
)
def test_medicare_part_b_unknown_year_names_the_years_known(year, error):
    from medbill.exceptions import DataNotAvailable

    with pytest.raises((DataNotAvailable, InvalidFormat)) as info:
        Benefit.medicare_part_b(year)
    assert type(info.value).__name__ == error
    if error == "DataNotAvailable":
        assert "known years: 2024, 2025, 2026" in str(info.value)
