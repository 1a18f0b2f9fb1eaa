"""The multiple endoscopy rule (MULT PROC indicator 3), worked by hand.

Every expectation is recomputed here from CMS's 2025 RVU and GPCI rows as imported (no amount is
copied from the code): a fee is round((work x GPCI + PE x GPCI + MP x GPCI) x CF, 2) half up, with
the facility PE RVU (POS 21). Within one family (same ENDO BASE) on a claim and date the highest
fee is paid in full and every other endoscopy its fee less the base code's, never below zero; the
base code billed with a member of its family is not paid. Each family then counts as one
procedure, ranked by its total with the indicator-2 procedures: second and later at 50% (rounded
per line).

Alabama (10112-00), inpatient hospital (POS 21) unless said otherwise.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pandas as pd
import pytest

from medbill.refdata.pfs import CF_PLACES, GPCI_PLACES, RVU_PLACES

AL = "10112-00"
DAY = pd.Timestamp("2025-11-03")
ZERO = Decimal("0.00")


def _cents(x: Decimal) -> Decimal:
    return x.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _row(fs, code: str) -> pd.Series:
    return fs.rvu[(fs.rvu["hcpcs"] == code) & (fs.rvu["mod"] == "")].iloc[0]


def _fee(fs, code: str) -> Decimal:
    """Facility fee of a code's global row in Alabama, from the imported tables."""
    r = _row(fs, code)
    g = fs.gpci[(fs.gpci["mac"] == "10112") & (fs.gpci["locality"] == "00")].iloc[0]

    def rvu(col: str) -> Decimal:
        return Decimal(int(r[col])).scaleb(-RVU_PLACES)

    def gpci(col: str) -> Decimal:
        return Decimal(int(g[col])).scaleb(-GPCI_PLACES)

    cf = Decimal(int(r["cf"])).scaleb(-CF_PLACES)
    total = (
        rvu("work_rvu") * gpci("gpci_work")
        + rvu("fac_pe_rvu") * gpci("gpci_pe")
        + rvu("mp_rvu") * gpci("gpci_mp")
    )
    return _cents(total * cf)


def _less_base(fs, code: str) -> Decimal:
    """A later endoscopy of its family: its fee less its base code's, not below zero."""
    return max(_fee(fs, code) - _fee(fs, str(_row(fs, code)["endo_base"])), ZERO)


def _half(x: Decimal) -> Decimal:
    return _cents(x / 2)


def _lines(codes, units=None, claims=None, dates=None) -> pd.DataFrame:
    n = len(codes)
    return pd.DataFrame(
        {
            "claim_id": claims or ["c1"] * n,
            "service_date": dates or [DAY] * n,
            "procedure_code": codes,
            "units": units or [1] * n,
            "place_of_service": ["21"] * n,
        }
    )


def _allowed(fs, lines: pd.DataFrame) -> list[Decimal]:
    out = fs.price_lines(lines, locality=AL)
    return [Decimal(int(c)).scaleb(-2) for c in out["allowed_cents"]]


def test_the_codes_are_what_the_cases_need(fs):
    # the families and indicators the cases below rely on, as the 2025 file has them
    for code, base in [("43239", "43235"), ("43249", "43235"), ("45380", "45378"), ("45384", "45378"),
                       ("45385", "45378"), ("31528", "31525"), ("31535", "31525")]:  # fmt: skip
        assert (_row(fs, code)["mult_proc"], _row(fs, code)["endo_base"]) == ("3", base)
    for base in ("43235", "45378", "31525", "27130", "11042"):
        assert _row(fs, base)["mult_proc"] == "2"


def test_two_endoscopies_of_one_family(fs):
    # 43249 has the higher fee: in full; 43239 pays its fee less the base 43235's
    assert _fee(fs, "43249") > _fee(fs, "43239") > _fee(fs, "43235")
    lines = _lines(["43239", "43249"])
    assert _allowed(fs, lines) == [_fee(fs, "43239") - _fee(fs, "43235"), _fee(fs, "43249")]
    out = fs.price_lines(lines, locality=AL)
    assert out["endoscopy_rank"].tolist() == [2, 1]
    assert "endoscopy family 43235: amount less the base endoscopy's" in str(out["rule"].iloc[0])
    assert "endoscopy family" not in str(out["rule"].iloc[1])
    # the one-code path at endoscopy rank 2 gives the same cents and explains the subtraction
    e = fs.price("43239", AL, pos="21", endoscopy_rank=2)
    assert e.amount == _less_base(fs, "43239")
    step = e.table.set_index("item").loc["endoscopy family"]
    assert f"{_fee(fs, '43239')} less base endoscopy 43235 {_fee(fs, '43235')}" in step["how"]


def test_three_endoscopies_of_one_family(fs):
    codes = ["45380", "45385", "45384"]
    top = max(codes, key=lambda c: _fee(fs, c))
    expected = [_fee(fs, c) if c == top else _less_base(fs, c) for c in codes]
    assert _allowed(fs, _lines(codes)) == expected
    # the claim pays the highest plus each other's difference from the base, as ch. 12 words it
    base = _fee(fs, "45378")
    assert sum(expected) == _fee(fs, top) + sum(_fee(fs, c) - base for c in codes if c != top)


def test_base_billed_with_a_family_member_is_included(fs):
    lines = _lines(["43235", "43239"])
    out = fs.price_lines(lines, locality=AL)
    assert _allowed(fs, lines) == [ZERO, _fee(fs, "43239")]
    assert (
        str(out["rule"].iloc[0])
        == "base endoscopy billed with a member of its family: included in their payment"
    )
    assert out["fee_schedule_amount"].iloc[0] == float(_fee(fs, "43235"))  # a fee, then not paid
    assert not out["payable"].iloc[0]
    e = fs.explain_line(lines, 0, locality=AL)
    assert e.amount == ZERO and e.rule == str(out["rule"].iloc[0])
    # billed alone (or twice with no member), the base is an ordinary indicator-2 procedure
    assert _allowed(fs, _lines(["43235"])) == [_fee(fs, "43235")]
    assert _allowed(fs, _lines(["43235", "43235"])) == [_fee(fs, "43235"), _half(_fee(fs, "43235"))]


def test_a_member_below_its_base_is_floored_at_zero(fs):
    assert _fee(fs, "31528") < _fee(fs, "31525") < _fee(fs, "31535")
    lines = _lines(["31535", "31528"])
    assert _allowed(fs, lines) == [_fee(fs, "31535"), ZERO]
    assert fs.price("31528", AL, pos="21", endoscopy_rank=2).amount == ZERO


def test_two_different_families_rank_by_family_total(fs):
    # each family's own rule first: the higher fee in full, the other less the family's base
    assert _fee(fs, "43249") > _fee(fs, "43239") and _fee(fs, "45385") > _fee(fs, "45380")
    upper = [_less_base(fs, "43239"), _fee(fs, "43249")]  # family 43235
    colon = [_less_base(fs, "45380"), _fee(fs, "45385")]  # family 45378
    # then the family with the higher total in full, every line of the other at 50% (per line)
    assert sum(colon) > sum(upper)
    lines = _lines(["43239", "43249", "45380", "45385"])
    assert _allowed(fs, lines) == [_half(x) for x in upper] + colon
    out = fs.price_lines(lines, locality=AL)
    assert out["procedure_rank"].tolist() == [2, 2, 1, 1]
    reduced = out["rule"].astype(str).str.contains("the family ranks below another procedure of the day; 50%")
    assert reduced.tolist() == [True, True, False, False]


def test_an_endoscopy_with_an_indicator_2_surgery(fs):
    # 27130 outranks the endoscopy: the endoscopy (a family of one) is paid at 50%
    assert _fee(fs, "27130") > _fee(fs, "43239")
    assert _allowed(fs, _lines(["43239", "27130"])) == [_half(_fee(fs, "43239")), _fee(fs, "27130")]
    # the family total (43249 in full + 43239 less the base) outranks 11042: the surgery at 50%
    family = _fee(fs, "43249") + _less_base(fs, "43239")
    assert family > _fee(fs, "11042")
    lines = _lines(["11042", "43239", "43249"])
    assert _allowed(fs, lines) == [_half(_fee(fs, "11042")), _less_base(fs, "43239"), _fee(fs, "43249")]
    assert fs.price_lines(lines, locality=AL)["procedure_rank"].tolist() == [2, 1, 1]


def test_a_single_endoscopy_is_not_reduced(fs):
    lines = _lines(["43239"])
    assert _allowed(fs, lines) == [_fee(fs, "43239")]
    assert "endoscopy family" not in str(fs.price_lines(lines, locality=AL)["rule"].iloc[0])
    assert fs.price("43239", AL, pos="21").amount == _fee(fs, "43239")


def test_further_units_are_further_family_members(fs):
    lines = _lines(["43239"], units=[2])
    assert _allowed(fs, lines) == [_fee(fs, "43239") + _less_base(fs, "43239")]
    assert "first unit in full, further units less the base endoscopy's" in str(
        fs.price_lines(lines, locality=AL)["rule"].iloc[0]
    )
    assert fs.price("43239", AL, pos="21", units=2).amount == _fee(fs, "43239") + _less_base(fs, "43239")


def test_other_dates_and_claims_do_not_interact(fs):
    day2 = DAY + pd.Timedelta(days=1)
    lines = _lines(
        ["43249", "43239", "43235", "43239"],
        claims=["c1", "c1", "c1", "c2"],
        dates=[DAY, day2, day2, DAY],
    )
    # day 2 of claim c1 has 43239 with its base: the base is included, 43239 in full; the first
    # day's 43249 and claim c2's 43239 stand alone
    assert _allowed(fs, lines) == [_fee(fs, "43249"), _fee(fs, "43239"), ZERO, _fee(fs, "43239")]


@pytest.mark.parametrize("index", [0, 1, 2, 3, 4])
def test_explain_line_matches_the_batch(fs, index):
    # one line of each kind: included base, later member, highest member, other family, surgery
    lines = _lines(["43235", "43239", "43249", "45380", "11042"])
    out = fs.price_lines(lines, locality=AL)
    e = fs.explain_line(lines, index, locality=AL)
    assert int(e.amount * 100) == int(out["allowed_cents"].iloc[index])
    assert e.rule == str(out["rule"].iloc[index])
