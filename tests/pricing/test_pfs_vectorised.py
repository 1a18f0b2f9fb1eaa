"""The batch path (integers) gives the same cents as the one-code path (Decimal), row by row."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from medbill.exceptions import UnknownCode


def _random_lines(fs, n: int, seed: int, claims: int | None = None, codes=None) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    codes = fs.rvu["hcpcs"].drop_duplicates().to_numpy() if codes is None else codes
    locs = (fs.gpci["mac"] + "-" + fs.gpci["locality"]).to_numpy()
    return pd.DataFrame(
        {
            "claim_id": np.arange(n).astype(str)
            if claims is None
            else rng.integers(0, claims, n).astype(str),
            "service_date": pd.Timestamp("2025-11-03"),
            "procedure_code": rng.choice(codes, n),
            "modifier1": rng.choice(["", "26", "TC", "50", "80", "AS", "62", "RT", "53", "66"], n),
            "modifier2": rng.choice(["", "", "", "59", "26"], n),
            "units": rng.choice([1, 1, 1, 2, 3], n),
            "place_of_service": rng.choice(["11", "21", "22", "02", "10", "24", "31"], n),
            "locality": rng.choice(locs, n),
        }
    )


def _one_by_one(fs, lines: pd.DataFrame, batch: pd.DataFrame) -> list[int | None]:
    cents = []
    bundled = batch["rule"].astype(str).str.startswith("status T: injection bundled")
    ranks = zip(batch["procedure_rank"], batch["endoscopy_rank"], strict=True)
    for row, (rank, endo_rank), t_bundled in zip(lines.itertuples(), ranks, bundled, strict=True):
        mods = tuple(m for m in (row.modifier1, row.modifier2) if m)
        try:
            e = fs.price(row.procedure_code, row.locality, mods, row.place_of_service, int(row.units),
                         procedure_rank=max(int(rank), 1), endoscopy_rank=max(int(endo_rank), 1),
                         other_services_same_day=t_bundled)  # fmt: skip
        except UnknownCode:
            cents.append(None)
            continue
        cents.append(None if e.amount is None else int(e.amount * 100))
    return cents


def test_price_lines_equals_price_on_many_rows(fs):
    lines = _random_lines(fs, 2500, seed=1)
    out = fs.price_lines(lines)
    expected = _one_by_one(fs, lines, out)
    got = [None if pd.isna(v) else int(v) for v in out["allowed_cents"]]
    assert got == expected
    assert out["allowed"].notna().sum() > 800  # the sample really prices lines


def test_price_lines_equals_price_with_multiple_procedures(fs):
    lines = _random_lines(fs, 2000, seed=2, claims=400)  # about five lines per claim
    out = fs.price_lines(lines)
    assert (out["procedure_rank"] > 1).sum() > 30  # reductions really happen
    expected = _one_by_one(fs, lines, out)
    got = [None if pd.isna(v) else int(v) for v in out["allowed_cents"]]
    assert got == expected


def test_price_lines_equals_price_with_indicators_4_to_7(fs):
    # real codes of the percentage MPPRs (imaging, therapy, cardiovascular, ophthalmology), about
    # six lines per claim, so many lines are second or later procedures of their indicator
    rvu = fs.rvu
    codes = rvu.loc[rvu["mult_proc"].isin(["4", "5", "6", "7"]) & (rvu["mod"] == ""), "hcpcs"].to_numpy()
    lines = _random_lines(fs, 3000, seed=3, claims=500, codes=codes)
    out = fs.price_lines(lines)
    rule = out["rule"].astype(str)
    for family in ("imaging", "therapy", "cardiovascular", "ophthalmology"):
        assert rule.str.contains(f"{family} MPPR: ").sum() > 20, family
    assert (out["allowed"] < out["fee_schedule_amount"]).sum() > 300  # reductions really happen
    expected = _one_by_one(fs, lines, out)
    got = [None if pd.isna(v) else int(v) for v in out["allowed_cents"]]
    assert got == expected


def test_price_lines_equals_price_with_endoscopy_families(fs):
    # endoscopies (indicator 3) of six families of the 2025 file, their base codes (each four
    # times as likely as a member) and three indicator-2 surgeries, about ten lines per claim, so
    # most claims bill several members of one family
    rvu = fs.rvu[fs.rvu["mod"] == ""]
    families = ["43235", "45378", "31622", "29805", "52000", "31525"]
    members = rvu.loc[rvu["endo_base"].isin(families), "hcpcs"].to_numpy()
    codes = np.concatenate([members, np.repeat(families, 4), ["27130", "11042", "20610"]])
    lines = _random_lines(fs, 2100, seed=4, claims=200, codes=codes)
    out = fs.price_lines(lines)
    rule = out["rule"].astype(str)
    assert rule.str.contains("amount less the base endoscopy's").sum() > 50
    assert rule.str.startswith("base endoscopy billed with a member").sum() > 15
    assert rule.str.contains("the family ranks below another procedure").sum() > 100
    assert rule.str.contains("further units less the base endoscopy's").sum() > 50
    expected = _one_by_one(fs, lines, out)
    got = [None if pd.isna(v) else int(v) for v in out["allowed_cents"]]
    assert got == expected


def test_every_input_row_is_accounted_for(fs):
    lines = pd.DataFrame(
        {
            "procedure_code": [
                "99213",
                None,
                "",
                "99999",
                "99213",
                "99213",
                "99213",
                "0042T",
                "99213",
                "99213",
            ],
            "modifier1": [None, None, None, None, "26", None, None, None, None, None],
            "units": [1, 1, 1, 1, 1, 0, np.nan, 1, 1, 1],
            "locality": ["10112-00"] * 6 + ["nowhere"] + ["10112-00"] * 3,
            "place_of_service": ["11", "11", "11", "11", "11", "11", "11", "11", "00", None],
        },
        index=[10, 11, 12, 13, 14, 15, 16, 17, 18, 19],
    )
    out = fs.price_lines(lines)
    assert list(out.index) == list(lines.index)
    assert out.loc[10, "allowed"] == 81.86
    assert out.loc[19, "allowed"] == 81.86  # missing POS: the default (11, office)
    assert out.loc[[11, 12, 13, 14, 15, 16, 17, 18], "allowed"].isna().all()
    rules = out["rule"].astype(str)
    assert rules[13].startswith("unknown code")
    assert rules[14].startswith("no 26 row")
    assert rules[15].startswith("units must be")
    assert rules[16].startswith("unknown locality")
    assert rules[17].startswith("status C")
    assert rules[18].startswith("unknown place of service")
    assert not out.loc[11:18, "payable"].any()


def test_alias_mac_prices_like_the_gpci_mac(fs):
    lines = pd.DataFrame({"procedure_code": ["99213", "99213"], "locality": ["01182-18", "01112-18"]})
    out = fs.price_lines(lines)
    assert out["allowed"].iloc[0] == out["allowed"].iloc[1]


@pytest.mark.parametrize(
    ("column", "value", "expected"),
    [
        # junk procedure codes: no price, never an exception
        ("procedure_code", None, "unknown code"),
        ("procedure_code", "", "unknown code"),
        ("procedure_code", 0, "unknown code"),
        ("procedure_code", "9" * 10_000, "unknown code"),
        ("procedure_code", "٩٩٢١٣", "unknown code"),  # Arabic-Indic digits
        ("procedure_code", np.nan, "unknown code"),
        # forms that are understood
        ("procedure_code", " 99213 ", 81.86),  # padded
        ("procedure_code", 99213, 81.86),  # a number
        ("locality", "1011200", 81.86),  # seven digits
        ("locality", "10112 00", 81.86),  # space instead of dash
        ("place_of_service", 11.0, 81.86),  # read from a float column
        ("place_of_service", None, 81.86),  # missing: the default (11)
        ("modifier1", "x" * 500, 81.86),  # not a pricing modifier: ignored
        ("modifier1", 5, 81.86),
        # junk in other columns
        ("modifier1", "TC", "no TC row"),
        ("units", "two", "units must be"),
        ("units", -1, "units must be"),
        ("units", 1e30, "units must be"),
        ("place_of_service", "abc", "unknown place of service"),
        ("place_of_service", "٢١", "unknown place of service"),
        ("locality", None, "unknown locality"),
        ("locality", "٠١١١٢-٠٥", "unknown locality"),
        ("locality", "x" * 1000, "unknown locality"),
    ],
)
def test_junk_values_get_a_rule_never_an_exception(fs, column, value, expected):
    row = {
        "procedure_code": "99213",
        "modifier1": None,
        "units": 1,
        "place_of_service": "11",
        "locality": "10112-00",
    }
    lines = pd.DataFrame([row, row | {column: value}])
    out = fs.price_lines(lines)
    assert len(out) == 2 and out["allowed"].iloc[0] == 81.86
    if isinstance(expected, float):
        assert out["allowed"].iloc[1] == expected
    else:
        assert pd.isna(out["allowed"].iloc[1])
        assert str(out["rule"].iloc[1]).startswith(expected)


def test_place_of_service_from_the_claim(fs):
    lines = pd.DataFrame(
        {"claim_id": ["h", "o", "h"], "procedure_code": ["99213"] * 3, "place_of_service": [None, None, "11"]}
    )
    claims = pd.DataFrame({"claim_id": ["h", "o"], "place_of_service": ["22", "11"]})
    out = fs.price_lines(lines, locality="10112-00", claims=claims)
    # the hospital outpatient claim's line is paid at the facility rate unless the line says otherwise
    assert out["facility"].tolist() == [True, False, False]
    assert out["allowed"].tolist() == [59.93, 81.86, 81.86]


@pytest.mark.parametrize(
    "dtype",
    [
        object,  # frames built by hand
        "string",  # read_claims_dir
        "category",  # read_claims_dir(compact=True)
    ],
)
def test_place_of_service_from_the_first_claim_row_of_each_id(fs, dtype):
    lines = pd.DataFrame(
        {
            "claim_id": ["h", "o", "x", "h"],  # x is on no claim: the default place of service (11)
            "procedure_code": ["99213"] * 4,
            "place_of_service": [None, "", None, "11"],
        }
    ).astype({"claim_id": dtype, "place_of_service": dtype})
    # claim h is listed twice: its first row (22, outpatient hospital) is the claim's place of service
    claims = pd.DataFrame({"claim_id": ["h", "h", "o"], "place_of_service": ["22", "11", "11"]}).astype(dtype)
    out = fs.price_lines(lines, locality="10112-00", claims=claims)
    assert out["facility"].tolist() == [True, False, False, False]
    assert out["allowed"].tolist() == [59.93, 81.86, 81.86, 81.86]


def test_sample_claims_folder_is_priced_line_for_line(fs):
    from medbill.claims.tables import read_claims_dir
    from medbill.pricing.pfs import price_lines

    data = read_claims_dir(Path(__file__).resolve().parents[2] / "data" / "sample")
    in_2025 = data.lines[data.lines["service_date"].dt.year == 2025]
    out = price_lines(in_2025, locality="10112-00", claims=data.claims)
    assert len(out) == len(in_2025) > 0
    assert set(out["release"]) == {"RVU25D"}  # the sample's 2025 dates are all in October to December
    assert out["rule"].notna().all()
    assert out["allowed"].notna().mean() > 0.9
