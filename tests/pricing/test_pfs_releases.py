"""Quarterly PFS releases by date of service, national pricing and the CY2026 conversion factors.

Installed here: RVU25A (2025-01-01 to 03-31), RVU25D (2025-10-01 to 12-31) and RVU26C
(2026-07-01 to 09-30, no GPCI file). Every other date is not covered.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from medbill.pricing.pfs import FeeSchedule, price, price_lines
from medbill.refdata import coverage
from medbill.refdata.coverage import NotCovered
from medbill.refdata.pfs import import_releases

AL = "10112-00"  # Alabama


@pytest.fixture
def installed(pfs_dir, pfs_2026_dir) -> None:
    import_releases(pfs_dir)
    import_releases(pfs_2026_dir)


@pytest.mark.parametrize(
    ("day", "release"),
    [
        (date(2025, 1, 1), "RVU25A"),  # RVU25A's first day
        (date(2025, 3, 31), "RVU25A"),  # its last day
        (date(2025, 10, 1), "RVU25D"),  # RVU25D's first day
        (date(2025, 12, 31), "RVU25D"),  # its last day, the year's last
        (date(2026, 7, 1), "RVU26C"),
        ("2026-09-30", "RVU26C"),  # ISO text is a date too
    ],
)
def test_for_date_picks_the_release_in_effect(installed, day, release):
    assert FeeSchedule.for_date(day).release == release


@pytest.mark.parametrize(
    "day",
    [
        date(2025, 4, 1),  # the day after RVU25A: RVU25B is not installed
        date(2026, 1, 1),  # the day after RVU25D: a new year, RVU26A not installed
        date(2024, 12, 31),  # before any release
        date(2026, 12, 1),  # after the last one
    ],
)
def test_uncovered_date_raises_naming_the_fix(installed, day):
    with pytest.raises(NotCovered) as info:
        FeeSchedule.for_date(day)
    assert info.value.fix == coverage.fix_command("pfs", day)
    assert f"No Medicare PFS release covers {day}" in str(info.value)
    assert coverage.fix_command("pfs", day) in str(info.value)
    with pytest.raises(NotCovered):
        price("99213", locality="national", on=day)


def test_not_a_date(installed):
    with pytest.raises(ValueError, match="not a date"):
        FeeSchedule.for_date("31/03/2025")


DATES = [
    "2025-03-31",
    "2025-03-31",
    "2025-04-01",
    "2025-12-31",
    "2026-01-01",
    "2024-12-31",
    None,
    "2026-07-01",
]


def _mixed_quarter_lines() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "claim_id": ["a", "a", "b", "c", "d", "e", "f", "g"],
            # boundaries: Mar 31 / Apr 1, Dec 31 / Jan 1, before any release, no date, RVU26C's first day
            "service_date": pd.to_datetime(DATES),
            "procedure_code": ["99213", "71046", "99213", "99213", "99213", "99213", "99213", "99213"],
            "modifier1": ["", "26", "", "", "", "", "", ""],
            "locality": [AL, AL, AL, AL, AL, AL, AL, "national"],
        },
        index=[f"r{i}" for i in range(8)],
    )


def test_mixed_quarter_batch_prices_each_line_with_its_release(installed):
    lines = _mixed_quarter_lines()
    out = price_lines(lines)
    assert list(out.index) == list(lines.index)
    assert out["release"].astype(object).where(out["release"].notna(), None).tolist() == [
        "RVU25A", "RVU25A", None, "RVU25D", None, None, None, "RVU26C",
    ]  # fmt: skip
    # each covered line has exactly the amount of its own release
    for key, release in (("r0", "RVU25A"), ("r1", "RVU25A"), ("r3", "RVU25D"), ("r7", "RVU26C")):
        row = lines.loc[key]
        mods = (row.modifier1,) if row.modifier1 else ()
        expected = FeeSchedule.load(release).price(row.procedure_code, row.locality, mods).amount
        assert Decimal(str(out.at[key, "allowed"])) == expected
    # uncovered lines are not priced, and say which release is missing and how to get it
    for key, day in (("r2", date(2025, 4, 1)), ("r4", date(2026, 1, 1)), ("r5", date(2024, 12, 31))):
        assert pd.isna(out.at[key, "allowed"]) and pd.isna(out.at[key, "allowed_cents"])
        rule = str(out.at[key, "rule"])
        assert rule.startswith("not covered: No Medicare PFS release covers " + day.isoformat())
        assert coverage.fix_command("pfs", day) in rule
        assert not out.at[key, "payable"]
    assert "no date of service" in str(out.at["r6", "rule"])


def test_mixed_batch_equals_each_release_alone(installed):
    """Splitting by release changes nothing for the covered lines, whatever the order of rows."""
    rng = np.random.default_rng(3)
    days = pd.to_datetime(rng.choice(["2025-02-03", "2025-11-04", "2025-06-02"], 600))
    fs_a, fs_d = FeeSchedule.load("RVU25A"), FeeSchedule.load("RVU25D")
    codes = np.intersect1d(fs_a.rvu["hcpcs"], fs_d.rvu["hcpcs"])
    lines = pd.DataFrame(
        {
            "claim_id": rng.integers(0, 150, 600).astype(str),
            "service_date": days,
            "procedure_code": rng.choice(codes, 600),
            "modifier1": rng.choice(["", "26", "TC", "50", "80"], 600),
            "units": rng.choice([1, 2], 600),
            "locality": rng.choice([AL, "01112-05", "15202-00"], 600),
        }
    )
    out = price_lines(lines)
    for schedule, month in ((fs_a, 2), (fs_d, 11)):
        part = lines[lines["service_date"].dt.month == month]
        alone = schedule.price_lines(part)
        assert out.loc[part.index, "allowed_cents"].equals(alone["allowed_cents"])
        assert out.loc[part.index, "rule"].astype(str).equals(alone["rule"].astype(str))
    june = lines["service_date"].dt.month == 6
    assert out.loc[june, "allowed"].isna().all()
    assert out.loc[june, "rule"].astype(str).str.contains("medbill data").all()


def test_a_release_never_prices_dates_outside_it(installed):
    lines = _mixed_quarter_lines()
    out = FeeSchedule.load("RVU25D").price_lines(lines)
    assert out["allowed"].notna().tolist() == [False, False, False, True, False, False, False, False]
    assert "RVU25A is" in str(out.at["r0", "rule"])  # an installed release covers that date
    assert coverage.fix_command("pfs", date(2025, 4, 1)) in str(out.at["r2", "rule"])
    with pytest.raises(NotCovered, match="2025-03-31"):
        FeeSchedule.load("RVU25D").explain_line(lines, "r0")
    assert FeeSchedule.load("RVU25D").explain_line(lines, "r3").release == "RVU25D"


def test_national_pricing_without_gpci_2026(fs26):
    # 99213 non-facility, RVU26C: work 1.30 + PE 1.46 + MP 0.09 = 2.85 RVUs x 33.4009 = 95.19
    row = fs26.rvu[(fs26.rvu["hcpcs"] == "99213") & (fs26.rvu["mod"] == "")].iloc[0]
    total = Decimal(int(row.work_rvu + row.nonfac_pe_rvu + row.mp_rvu)) / 100
    assert total == Decimal("2.85")
    e = fs26.price("99213", "national")
    assert e.amount == (total * Decimal("33.4009")).quantize(Decimal("0.01")) == Decimal("95.19")
    assert e.components["gpci_work"] == e.components["gpci_pe"] == e.components["gpci_mp"] == Decimal("1.000")
    how = " ".join(e.table["how"])
    assert "GPCIs of 1.0" in how and "imported without a GPCI file" in how
    assert e.locality == "national" and e.release == "RVU26C"
    with pytest.raises(LookupError, match=r"without a GPCI file.*'national'"):
        fs26.price("99213", AL)
    with pytest.raises(LookupError, match="crosswalk"):
        fs26.locality_for_county("AL", "Jefferson")


def test_national_pricing_with_gpci_matches_the_batch_path(fs):
    e = fs.price("99213", "national")
    assert "GPCI file" not in " ".join(e.table["how"])  # this release has one; national is a choice
    assert e.amount == (Decimal("2.75") * Decimal("32.3465")).quantize(Decimal("0.01"))
    # 70496 has an OPPS cap at every locality, but national pricing has none
    lines = pd.DataFrame({"procedure_code": ["99213", "70496", "70496"], "modifier1": ["", "TC", "TC"],
                          "locality": ["national", "national", "01112-05"]})  # fmt: skip
    out = fs.price_lines(lines)
    assert out["locality"].astype(str).tolist() == ["national", "national", "01112-05"]
    cents = [
        int(fs.price(c, loc, (m,) if m else ()).amount * 100) for c, m, loc in lines.itertuples(index=False)
    ]
    assert out["allowed_cents"].tolist() == cents
    assert "OPPS imaging cap" not in str(out.at[1, "rule"]) and "OPPS imaging cap" in str(out.at[2, "rule"])


def test_qp_and_non_qp_conversion_factors_2026(fs26):
    plain, qp = fs26.price("99213", "national"), fs26.price("99213", "national", qp=True)
    assert plain.components["conversion_factor"] == Decimal("33.4009")
    assert qp.components["conversion_factor"] == Decimal("33.5675")
    assert (plain.amount, qp.amount) == (Decimal("95.19"), Decimal("95.67"))  # 2.85 x each CF
    assert "non-QP" in " ".join(plain.table["how"]) and "(QP)" in " ".join(qp.table["how"])
    assert "CMS-1832-F" in " ".join(qp.table["how"])  # the CF's CMS source
    lines = pd.DataFrame({"procedure_code": ["99213", "99214", "71046"], "modifier1": ["", "", "26"]})
    for flag in (False, True):
        out = fs26.price_lines(lines, locality="national", qp=flag)
        cents = [int(fs26.price(c, "national", (m,) if m else (), qp=flag).amount * 100)
                 for c, m in lines.itertuples(index=False)]  # fmt: skip
        assert out["allowed_cents"].tolist() == cents
        assert set(out["conversion_factor"]) == {33.5675 if flag else 33.4009}


def test_qp_in_2025_is_the_one_conversion_factor(fs):
    assert fs.price("99213", AL, qp=True).amount == fs.price("99213", AL).amount
    assert "one factor for all clinicians" in " ".join(fs.price("99213", AL, qp=True).table["how"])


def test_module_level_price_by_date_or_release(installed):
    assert price("76145", locality="01112-05", on="2025-11-14").amount == Decimal("1339.81")
    assert price("76145", locality="01112-05", release="RVU25D").amount == Decimal("1339.81")
    with pytest.raises(ValueError, match="not both"):
        price("76145", locality="01112-05", on="2025-11-14", release="RVU25D")
