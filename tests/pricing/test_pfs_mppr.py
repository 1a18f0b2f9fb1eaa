"""Percentage multiple procedure reductions (MULT PROC indicators 4-7), worked by hand.

Every expectation is recomputed here from CMS's 2025 RVU and GPCI rows as imported (no amount is
copied from the code): a fee is round((work x GPCI + PE x GPCI + MP x GPCI) x CF, 2) half up; a
second or later procedure pays its fee less, for each reduced portion, the portion minus the
portion at the reduced percent (rounded half up to the cent):

- 4 imaging: TC at 50% and PC at 95% (PC = the 26 row's fee, TC = global fee - PC);
- 5 therapy: PE at 50% (PE = round(PE RVU x PE GPCI x CF)), ranked by PE;
- 6 cardiovascular: TC at 75%; 7 ophthalmology: TC at 80%;
- 4, 6 and 7 rank by TC, then by fee.

Alabama (10112-00), office (POS 11, non-facility PE) unless said otherwise.
"""

from __future__ import annotations

import csv
from decimal import ROUND_HALF_UP, Decimal

import pandas as pd

from medbill.refdata.pfs import CF_PLACES, GPCI_PLACES, RVU_PLACES

AL = "10112-00"
DAY = pd.Timestamp("2025-11-03")


def _cents(x: Decimal) -> Decimal:
    return x.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _parts(fs, code: str, mod: str = "", locality: str = AL) -> tuple[Decimal, Decimal]:
    """(fee, PE portion) of one RVU row at a locality, non-facility, from the imported tables."""
    r = fs.rvu[(fs.rvu["hcpcs"] == code) & (fs.rvu["mod"] == mod)].iloc[0]
    mac, loc = locality.split("-")
    g = fs.gpci[(fs.gpci["mac"] == mac) & (fs.gpci["locality"] == loc)].iloc[0]

    def rvu(col: str) -> Decimal:
        return Decimal(int(r[col])).scaleb(-RVU_PLACES)

    def gpci(col: str) -> Decimal:
        return Decimal(int(g[col])).scaleb(-GPCI_PLACES)

    cf = Decimal(int(r["cf"])).scaleb(-CF_PLACES)
    pe = rvu("nonfac_pe_rvu") * gpci("gpci_pe") * cf
    total = (rvu("work_rvu") * gpci("gpci_work") + rvu("mp_rvu") * gpci("gpci_mp")) * cf + pe
    return _cents(total), _cents(pe)


def _fee(fs, code: str, mod: str = "", locality: str = AL) -> Decimal:
    return _parts(fs, code, mod, locality)[0]


def _cut(portion: Decimal, percent: str) -> Decimal:
    """What a portion loses when paid at ``percent``."""
    return portion - _cents(portion * Decimal(percent) / 100)


def _tc(fs, code: str) -> Decimal:
    return _fee(fs, code) - _fee(fs, code, "26")


def _second_imaging(fs, code: str, locality: str = AL) -> Decimal:
    fee, pc = _fee(fs, code, "", locality), _fee(fs, code, "26", locality)
    return fee - _cut(fee - pc, "50") - _cut(pc, "95")


def _second_tc(fs, code: str, percent: str) -> Decimal:
    fee, pc = _fee(fs, code), _fee(fs, code, "26")
    return fee - _cut(fee - pc, percent)


def _second_therapy(fs, code: str) -> Decimal:
    fee, pe = _parts(fs, code)
    return fee - _cut(pe, "50")


def _lines(codes, mods=None, units=None, claims=None, dates=None) -> pd.DataFrame:
    n = len(codes)
    return pd.DataFrame(
        {
            "claim_id": claims or ["c1"] * n,
            "service_date": dates or [DAY] * n,
            "procedure_code": codes,
            "modifier1": mods or [None] * n,
            "units": units or [1] * n,
            "place_of_service": ["11"] * n,
        }
    )


def _allowed(fs, lines: pd.DataFrame, locality: str = AL) -> list[Decimal]:
    out = fs.price_lines(lines, locality=locality)
    return [Decimal(int(c)).scaleb(-2) for c in out["allowed_cents"]]


def test_imaging_second_procedure_tc_50_pc_95(fs):
    # 70450 (indicator 4) ranks below 74177 by TC, whatever the line order
    assert _tc(fs, "70450") < _tc(fs, "74177")
    lines = _lines(["70450", "74177"])
    assert _allowed(fs, lines) == [_second_imaging(fs, "70450"), _fee(fs, "74177")]
    rule = str(fs.price_lines(lines, locality=AL)["rule"].iloc[0])
    assert "imaging MPPR: TC 50%, PC 95% (second and later imaging procedures the same day)" in rule
    # the one-code path at rank 2 gives the same cents and names the rule
    e = fs.price("70450", AL, procedure_rank=2)
    assert e.amount == _second_imaging(fs, "70450") < e.fee_schedule_amount
    assert "imaging MPPR: TC 50%, PC 95%" in e.rule
    assert "not modelled" not in e.rule


def test_imaging_ranks_by_tc_not_by_fee(fs):
    # 70553 has the higher fee, 74177 the higher TC: 74177 is paid in full
    assert _fee(fs, "70553") > _fee(fs, "74177")
    assert _tc(fs, "70553") < _tc(fs, "74177")
    lines = _lines(["70553", "74177"])
    assert _allowed(fs, lines) == [_second_imaging(fs, "70553"), _fee(fs, "74177")]


def test_therapy_ranks_by_pe_and_halves_the_pe(fs):
    # 97112 has the higher fee but 97124 the higher PE: 97124 is paid in full
    assert _fee(fs, "97112") > _fee(fs, "97124")
    assert _parts(fs, "97112")[1] < _parts(fs, "97124")[1]
    lines = _lines(["97112", "97124"])
    assert _allowed(fs, lines) == [_second_therapy(fs, "97112"), _fee(fs, "97124")]
    out = fs.price_lines(lines, locality=AL)
    assert out["procedure_rank"].tolist() == [2, 1]
    assert "therapy MPPR: PE 50%" in str(out["rule"].iloc[0])


def test_cardiovascular_second_procedure_tc_75(fs):
    # 93306 has the higher fee but the lower TC: it is the second procedure
    assert _fee(fs, "93306") > _fee(fs, "93880")
    assert _tc(fs, "93306") < _tc(fs, "93880")
    lines = _lines(["93880", "93306"])
    assert _allowed(fs, lines) == [_fee(fs, "93880"), _second_tc(fs, "93306", "75")]
    assert "cardiovascular MPPR: TC 75%" in str(fs.price_lines(lines, locality=AL)["rule"].iloc[1])


def test_ophthalmology_second_procedure_tc_80(fs):
    assert _tc(fs, "92134") < _tc(fs, "92083")
    lines = _lines(["92083", "92134"])
    assert _allowed(fs, lines) == [_fee(fs, "92083"), _second_tc(fs, "92134", "80")]
    assert "ophthalmology MPPR: TC 80%" in str(fs.price_lines(lines, locality=AL)["rule"].iloc[1])


def test_further_units_are_further_procedures(fs):
    lines = _lines(["97110", "70450"], units=[3, 2], claims=["c1", "c2"])
    assert _allowed(fs, lines) == [
        # therapy: first unit in full, two more with the PE halved
        _fee(fs, "97110") + 2 * _second_therapy(fs, "97110"),
        # imaging alone on its claim: second unit reduced
        _fee(fs, "70450") + _second_imaging(fs, "70450"),
    ]
    assert fs.price("97110", AL, units=3).amount == _fee(fs, "97110") + 2 * _second_therapy(fs, "97110")


def test_imaging_global_with_tc_and_26_lines(fs):
    lines = _lines(["72125", "74177", "70450"], mods=["26", None, "TC"])
    assert _allowed(fs, lines) == [
        _cents(_fee(fs, "72125", "26") * Decimal("0.95")),  # a -26 line: PC at 95%
        _fee(fs, "74177"),  # the global line has the highest fee: in full
        _cents(_fee(fs, "70450", "TC") * Decimal("0.50")),  # a -TC line: TC at 50%
    ]


def test_a_single_procedure_is_not_reduced(fs):
    # one line of each indicator on the claim: none is a second procedure of its own indicator
    codes = ["70450", "97110", "93306", "92134", "99213"]
    assert _allowed(fs, _lines(codes)) == [_fee(fs, c) for c in codes]
    assert fs.price("70450", AL).amount == _fee(fs, "70450")


def test_other_dates_and_claims_do_not_reduce_each_other(fs):
    day2 = DAY + pd.Timedelta(days=1)
    lines = _lines(
        ["74177", "70450", "70450", "70450"],
        claims=["c1", "c1", "c1", "c2"],
        dates=[DAY, DAY, day2, DAY],
    )
    # only the 70450 billed with 74177 on the same claim and date is reduced
    full = _fee(fs, "70450")
    assert _allowed(fs, lines) == [_fee(fs, "74177"), _second_imaging(fs, "70450"), full, full]


def test_reduction_comes_before_the_opps_cap(fs, pfs_dir):
    loc = "01112-05"
    with open(pfs_dir / "OPPSCAP_Oct.csv", newline="") as f:
        cap = next(
            Decimal(row["NON-FACILTY PRICE"])
            for row in csv.DictReader(f)
            if (row["HCPCS"], row["MOD"], row["CARRIER"], row["LOCALITY"]) == ("70496", "", "01112", "05")
        )
    assert cap < _fee(fs, "70496", "", loc)  # alone, 70496 is capped
    reduced = _second_imaging(fs, "70496", loc)
    lines = _lines(["74177", "70496"])
    assert _allowed(fs, lines, loc) == [_fee(fs, "74177", "", loc), min(reduced, cap)]


def test_global_test_only_code_is_not_reduced_and_says_so(fs):
    # 93000 (indicator 6, PC/TC indicator 4) bills its TC under another code: no TC here
    lines = _lines(["93306", "93000"])
    assert _allowed(fs, lines) == [_fee(fs, "93306"), _fee(fs, "93000")]
    assert "MPPR not applied: global test only code" in str(
        fs.price_lines(lines, locality=AL)["rule"].iloc[1]
    )


def test_explanation_shows_the_cut_portions(fs):
    lines = _lines(["70450", "74177"])
    e = fs.explain_line(lines, 0, locality=AL)
    assert e.amount == _second_imaging(fs, "70450")
    step = e.table.set_index("item").loc["multiple procedures"]
    pc = _fee(fs, "70450", "26")
    assert f"TC {_fee(fs, '70450') - pc} at 50%, PC {pc} at 95%" in step["how"]
    assert step["value"] == str(_second_imaging(fs, "70450"))
