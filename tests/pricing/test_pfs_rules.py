"""Payment rules with hand-worked expectations at Alabama (10112-00: GPCIs 1.000 / 0.869 / 0.575).

2025 CF 32.3465. Fee = round((work x 1.000 + PE x 0.869 + MP x 0.575) x 32.3465, 2), half up.
"""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
import pytest

from medbill.exceptions import InvalidFormat, UnknownCode

AL = "10112-00"


@pytest.mark.parametrize(
    ("code", "mods", "pos", "expected"),
    [
        # 99213 office: 1.30 + 1.35 x 0.869 + 0.10 x 0.575 = 2.53065 RVUs x CF = 81.857...
        ("99213", (), "11", "81.86"),
        # same visit in a hospital outpatient department (POS 22): facility PE 0.57 -> 1.85283 RVUs
        ("99213", (), "22", "59.93"),
        # 71046 chest x-ray global: 0.22 + 0.77 x 0.869 + 0.02 x 0.575 = 0.90063 -> 29.132...
        ("71046", (), "11", "29.13"),
        # professional component row: 0.22 + 0.08 x 0.869 + 0.01 x 0.575 = 0.29527 -> 9.550...
        ("71046", ("26",), "11", "9.55"),
        # technical component row: 0.69 x 0.869 + 0.01 x 0.575 = 0.60536 -> 19.581...
        ("71046", ("TC",), "11", "19.58"),
        # 27130 hip arthroplasty in hospital: 19.60 + 15.34 x 0.869 + 3.99 x 0.575 = 35.22471 -> 1139.396...
        ("27130", (), "21", "1139.40"),
        # bilateral indicator 1: 150% of 1139.40
        ("27130", ("50",), "21", "1709.10"),
        # assistant at surgery (80): 16% of 1139.40 = 182.304
        ("27130", ("80",), "21", "182.30"),
        # non-physician assistant (AS): 13.6% of 1139.40 = 154.9584
        ("27130", ("AS",), "21", "154.96"),
        # co-surgeon indicator 1: 62.5% of 1139.40 = 712.125, half up
        ("27130", ("62",), "21", "712.13"),
        # 69436 tympanostomy: 2.01 + 2.55 x 0.869 + 0.29 x 0.575 = 4.39270 -> 142.088...
        ("69436", (), "21", "142.09"),
        # modifiers that do not change the price are ignored (RT, 59)
        ("69436", ("RT", "59"), "21", "142.09"),
        # co-surgeon indicator 0 on 69436: not payable
        ("69436", ("62",), "21", "0.00"),
        # assistant indicator 1 on 69436: statutory bar, not payable
        ("69436", ("80",), "21", "0.00"),
        # team surgery on 27130 (team indicator 0): not permitted
        ("27130", ("66",), "21", "0.00"),
        # status B (bundled): not separately payable
        ("20930", (), "11", "0.00"),
        # status N (non-covered)
        ("0469T", (), "11", "0.00"),
        # status I (not valid for Medicare)
        ("0001F", (), "11", "0.00"),
    ],
)
def test_hand_worked_prices(fs, code, mods, pos, expected):
    assert fs.price(code, AL, mods, pos=pos).amount == Decimal(expected)


def test_global_equals_components_for_71046(fs):
    parts = [fs.price("71046", AL, (m,)).amount for m in ("26", "TC")]
    assert sum(parts) == fs.price("71046", AL).amount


@pytest.mark.parametrize(
    ("code", "status"),
    [
        ("0042T", "C"),  # carrier priced: the MAC sets the amount
        ("00100", "J"),  # anesthesia: base + time units x anesthesia CF, not RVUs
    ],
)
def test_priced_elsewhere_has_no_amount(fs, code, status):
    e = fs.price(code, AL)
    assert (e.amount, e.status, e.payable) == (None, status, False)
    assert e.rule.startswith(f"status {status}")


def test_facility_flag_follows_place_of_service(fs):
    # Hospital inpatient (21), outpatient (22), ASC (24), telehealth not at home (02),
    # IHS provider-based facility (06): facility.
    for pos in ("21", "22", "24", "02", "06"):
        assert fs.price("99213", AL, pos=pos).facility is True
    # Office (11), home (12), telehealth at home (10): non-facility.
    for pos in ("11", "12", "10"):
        assert fs.price("99213", AL, pos=pos).facility is False


def test_units_multiply_and_mppr_reduces_further_units(fs):
    one = fs.price("99213", AL).amount
    assert fs.price("99213", AL, units=3).amount == one * 3  # indicator 0: no reduction
    # 27130 has indicator 2: first unit 1139.40, second at 50% = 569.70
    assert fs.price("27130", AL, pos="21", units=2).amount == Decimal("1709.10")
    # second-ranked procedure: 50% of 142.09 = 71.045 -> 71.05
    assert fs.price("69436", AL, pos="21", procedure_rank=2).amount == Decimal("71.05")


def test_mppr_in_a_claim_ranks_by_amount(fs):
    lines = pd.DataFrame(
        {
            "claim_id": ["c1", "c1", "c1", "c2"],
            "line_number": [1, 2, 3, 1],
            "service_date": pd.to_datetime(["2025-11-03"] * 4),
            # the cheaper procedure first, to show ranking is by amount not order
            "procedure_code": ["69436", "27130", "99213", "69436"],
            "modifier1": ["50", None, None, None],
            "units": [1, 1, 1, 1],
            "place_of_service": ["21", "21", "21", "21"],
        }
    )
    out = fs.price_lines(lines, locality=AL)
    # 69436-50: 142.09 x 150% = 213.135 -> 213.14, then second procedure 50% = 106.57
    # 27130: highest, 100% = 1139.40; 99213 has indicator 0 and is not reduced (facility 59.93);
    # claim c2's 69436 stands alone at 100%.
    assert out["allowed"].tolist() == [106.57, 1139.40, 59.93, 142.09]
    assert out["procedure_rank"].tolist() == [2, 1, 0, 1]
    assert "reduced to 50%" in out["rule"].iloc[0]
    assert "bilateral indicator 1" in out["rule"].iloc[0]


def test_opps_cap_applies_to_global_and_tc(fs):
    tc = fs.price("70496", "01112-05", ("TC",))
    glob = fs.price("70496", "01112-05")
    assert (tc.amount, glob.amount) == (Decimal("251.96"), Decimal("343.62"))  # OPPSCAP_Oct.csv
    assert "OPPS imaging cap applied" in glob.rule


def test_explanation_table_shows_every_input(fs):
    e = fs.price("71046", AL, ("26",))
    table = e.table
    assert list(table.columns) == ["item", "how", "value"]
    text = " ".join(table["how"])
    for needle in ("work RVU 0.22", "PE GPCI 0.869", "MP GPCI 0.575", "32.3465", "professional component"):
        assert needle in text
    assert table["value"].iloc[-1] == "9.55"
    assert "9.55" in e._repr_html_() and "<table>" in e._repr_html_()
    assert "Allowed: $9.55" in str(e)
    assert e.to_dict()["amount"] == "9.55"


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"code": "99999"}, UnknownCode),  # well formed, not in the 2025 file
        ({"code": "99213", "modifiers": ("26",)}, UnknownCode),  # no 26 row (PC/TC indicator 0)
        ({"locality": "99999-99"}, UnknownCode),  # well formed, not a 2025 locality
        ({"locality": "SF"}, InvalidFormat),
        ({"locality": None}, InvalidFormat),
        ({"code": ""}, InvalidFormat),
        ({"code": None}, InvalidFormat),
        ({"code": 0}, InvalidFormat),
        ({"code": "9" * 10_000}, InvalidFormat),
        ({"code": "٩٩٢١٣"}, InvalidFormat),  # Arabic-Indic digits are not a CPT code
        ({"modifiers": ("2",)}, InvalidFormat),
        ({"modifiers": (None,)}, InvalidFormat),
        ({"pos": "x1"}, InvalidFormat),
        ({"pos": None}, InvalidFormat),
        ({"pos": "00"}, UnknownCode),  # well formed, not an assigned POS code
        ({"units": 0}, InvalidFormat),
        ({"units": 1.5}, InvalidFormat),
    ],
)
def test_bad_input_gets_documented_error(fs, kwargs, error):
    args = {"code": "99213", "locality": AL} | kwargs
    with pytest.raises(error):
        fs.price(**args)


def test_locality_forms_and_county_lookup(fs):
    assert fs.locality_key("0111205") == fs.locality_key(("01112", "05")) == ("01112", "05")
    assert fs.locality_for_county("CA", "Marin") == "01112-52"
    assert fs.locality_for_county("California", "Kern County") == "01112-54"
    assert fs.locality_for_county("CA", "Lassen") == "01112-75"  # rest of state
    assert fs.locality_for_county("GA", "Fulton") == "10212-01"
    assert fs.locality_for_county("AL", "Jefferson") == "10112-00"  # statewide
    with pytest.raises(UnknownCode):
        fs.locality_for_county("ZZ", "Nowhere")


def test_anesthesia_units_times_locality_cf(fs):
    # ANES2025.csv: Alabama 19.31. 47 minutes = 3.1 time units; (5 + 3.1) x 19.31 = 156.411
    e = fs.price_anesthesia("00100", AL, base_units=5, minutes=47)
    assert e.amount == Decimal("156.41")
    assert fs.anesthesia_cf("01112-54") == Decimal("20.45")  # Bakersfield
    with pytest.raises(UnknownCode):
        fs.price_anesthesia("99213", AL, base_units=5, minutes=30)  # not an anesthesia code
    with pytest.raises(InvalidFormat):
        fs.price_anesthesia("00100", AL, base_units=-1, minutes=30)


def test_module_level_price_lines_by_date_of_service(fs):
    from medbill.pricing.pfs import price_lines

    lines = pd.DataFrame({"procedure_code": ["99213", "99214"], "service_date": ["2025-11-01", "2025-11-03"]})
    out = price_lines(lines, locality=AL)
    assert out["allowed"].iloc[0] == 81.86
    assert out["release"].tolist() == ["RVU25D", "RVU25D"]
    with pytest.raises(InvalidFormat, match="service_date"):
        price_lines(lines.drop(columns="service_date"), locality=AL)
    named = price_lines(lines.drop(columns="service_date"), release="RVU25D", locality=AL)
    assert named["allowed"].tolist() == out["allowed"].tolist()


def test_explain_line_matches_the_batch_amount(fs):
    lines = pd.DataFrame(
        {
            "claim_id": ["c1", "c1"],
            "service_date": ["2025-11-03", "2025-11-03"],
            "procedure_code": ["69436", "27130"],
            "modifier1": ["50", None],
            "units": [1.0, 1.0],
            "place_of_service": ["21", "21"],
        },
        index=["a", "b"],
    )
    out = fs.price_lines(lines, locality=AL)
    e = fs.explain_line(lines, "a", locality=AL)
    assert e.amount == Decimal("106.57") == Decimal(str(out.at["a", "allowed"]))
    assert "procedure rank 2" in " ".join(e.table["how"])
    with pytest.raises(UnknownCode):
        fs.explain_line(lines, "zz", locality=AL)


def test_team_surgery_is_priced_by_report(fs):
    # 32851 (lung transplant) has team indicator 2: the MAC prices team surgery by report.
    e = fs.price("32851", AL, ("66",), pos="21")
    assert e.amount is None and e.fee_schedule_amount is not None
    assert "by report" in e.rule
    out = fs.price_lines(
        pd.DataFrame({"procedure_code": ["32851"], "modifier1": ["66"]}), locality=AL, pos="21"
    )
    assert pd.isna(out["allowed"].iloc[0]) and "by report" in str(out["rule"].iloc[0])


def test_status_t_injection_is_bundled_with_another_service(fs):
    # 36591 (status T): paid alone, bundled (0.00) when the claim has another payable service that day.
    alone = fs.price("36591", AL)
    assert alone.amount > 0 and alone.status == "T"
    assert fs.price("36591", AL, other_services_same_day=True).amount == Decimal("0.00")
    lines = pd.DataFrame(
        {
            "claim_id": ["c1", "c1", "c2"],
            "service_date": ["2025-11-03"] * 3,
            "procedure_code": ["36591", "99213", "36591"],
        }
    )
    out = fs.price_lines(lines, locality=AL)
    assert out["allowed"].tolist() == [0.0, 81.86, float(alone.amount)]
    assert "bundled" in str(out["rule"].iloc[0])
