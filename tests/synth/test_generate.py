"""The synthetic practice: determinism, the committed sample, integrity, balance, distributions."""

from __future__ import annotations

import filecmp
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import simple_icd_10_cm as fy2026  # the CDC FY2026 release packaged on PyPI: an outside oracle
from hypothesis import given, settings
from hypothesis import strategies as st

from medbill.refdata import npi
from medbill.synth import DEFAULT_END, DEFAULT_SEED, DEFAULT_START, SynthParameterError, generate
from medbill.synth.defects import DEFECTS
from medbill.synth.output import write

ROOT = Path(__file__).resolve().parents[2]

SAMPLE = ROOT / "data" / "sample"
SAMPLE_LINES = 5000


@pytest.fixture(scope="module")
def practice():
    return generate(lines=20_000, seed=7)


def _csvs(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.glob("*.csv"))


def test_same_seed_same_bytes(tmp_path: Path) -> None:
    write(generate(lines=1500, seed=3), tmp_path / "a", "csv")
    write(generate(lines=1500, seed=3), tmp_path / "b", "csv")
    names = _csvs(tmp_path / "a")
    assert "lines.csv" in names and "remit_adjustments.csv" in names
    _, mismatch, errors = filecmp.cmpfiles(tmp_path / "a", tmp_path / "b", names, shallow=False)
    assert (mismatch, errors) == ([], [])


def test_other_seed_other_data() -> None:
    a, b = generate(lines=500, seed=1), generate(lines=500, seed=2)
    assert not a.lines["procedure_code"].equals(b.lines["procedure_code"])


def test_committed_sample_regenerates(tmp_path: Path) -> None:
    # data/README.md documents the command; the defaults are the sample's parameters.
    write(
        generate(lines=SAMPLE_LINES, seed=DEFAULT_SEED, start=DEFAULT_START, end=DEFAULT_END), tmp_path, "csv"
    )
    names = _csvs(SAMPLE)
    assert names == _csvs(tmp_path)
    _, mismatch, errors = filecmp.cmpfiles(SAMPLE, tmp_path, names, shallow=False)
    assert (mismatch, errors) == ([], []), "regenerate with: medbill synth --format csv --out data/sample"


@pytest.mark.parametrize(
    "n",
    [
        1,  # a single line: one claim
        7,  # the last encounter is cut short
        2_345,  # a typical small practice
    ],
)
def test_exact_line_count(n: int) -> None:
    data = generate(lines=n, seed=11)
    assert len(data.lines) == n
    assert data.lines["claim_id"].nunique() == len(data.claims)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"lines": 0},  # nothing to generate
        {"lines": -5},  # negative
        {"lines": None},  # missing
        {"lines": "100"},  # text, not a number
        {"lines": True},  # a bool is not a count
        {"lines": 10, "start": date(2026, 1, 2), "end": date(2026, 1, 1)},  # end before start
        {"lines": 10, "start": date(2026, 1, 3), "end": date(2026, 1, 4)},  # a weekend only
        {"lines": 10, "start": "2026-01-01"},  # text date
    ],
)
def test_bad_parameters_raise_the_documented_error(kwargs: dict) -> None:
    with pytest.raises(SynthParameterError):
        generate(**kwargs)


def test_referential_integrity(practice) -> None:
    d = practice
    assert d.claims["claim_id"].is_unique
    assert set(d.lines["claim_id"]) == set(d.claims["claim_id"])
    assert set(d.claims["patient_id"]) <= set(d.patients["patient_id"])
    assert set(d.claims["payer_id"]) <= set(d.payers["payer_id"])
    provider_npis = set(d.providers["npi"])
    assert set(d.claims["billing_npi"]) | set(d.claims["rendering_npi"]) <= provider_npis
    assert set(d.claims["referring_npi"].dropna()) <= provider_npis
    # Line numbers run 1..k within each claim.
    numbers = d.lines.groupby("claim_id")["line_number"].agg(["min", "max", "count"])
    assert (numbers["min"] == 1).all() and (numbers["max"] == numbers["count"]).all()
    line_keys = set(zip(d.lines["claim_id"], d.lines["line_number"], strict=True))
    remit_keys = set(zip(d.remit_lines["claim_id"], d.remit_lines["line_number"], strict=True))
    assert remit_keys <= line_keys
    assert (
        set(zip(d.remit_adjustments["claim_id"], d.remit_adjustments["line_number"], strict=True))
        <= remit_keys
    )
    assert set(zip(d.remit_remarks["claim_id"], d.remit_remarks["line_number"], strict=True)) <= remit_keys
    payments = set(d.remit_payments["payment_id"])
    for name in ("remit_claims", "remit_lines", "remit_adjustments", "remit_remarks"):
        assert set(getattr(d, name)["payment_id"]) <= payments, name
    assert set(d.ar["claim_id"]) == set(d.claims["claim_id"])
    assert set(d.truth["claim_id"]) == set(d.claims["claim_id"])


def test_npis_are_valid(practice) -> None:
    assert npi.is_valid_many(practice.providers["npi"]).all()


def test_dates_inside_the_window(practice) -> None:
    d = generate(lines=3000, seed=5, start=date(2025, 10, 1), end=date(2026, 3, 31))
    assert d.lines["service_date"].min() >= pd.Timestamp("2025-10-01")
    assert d.lines["service_date"].max() <= pd.Timestamp("2026-03-31")
    assert (d.lines["service_date"].dt.day_of_week < 5).all()
    assert (d.remit_payments["payment_date"] <= pd.Timestamp("2026-03-31")).all()
    sent = d.claims.set_index("claim_id")["submitted_date"]
    first_day = d.lines.groupby("claim_id")["service_date"].min()
    assert (sent.dropna() >= first_day[sent.dropna().index]).all()


def test_remittances_balance(practice) -> None:
    d = practice
    adj = d.remit_adjustments.groupby(["claim_id", "line_number"])["amount"].sum()
    lines = d.remit_lines.set_index(["claim_id", "line_number"])
    gap = lines["charge"] - lines["paid"] - adj.reindex(lines.index).fillna(0)
    assert np.abs(gap).max() < 0.005
    claims = d.remit_claims.set_index("claim_id")
    per_claim = d.remit_lines.groupby("claim_id")[["charge", "paid"]].sum()
    assert np.allclose(claims["charge"], per_claim["charge"].reindex(claims.index))
    assert np.allclose(claims["paid"], per_claim["paid"].reindex(claims.index))
    pr = d.remit_adjustments[d.remit_adjustments["group"] == "PR"].groupby("claim_id")["amount"].sum()
    assert np.allclose(claims["patient_responsibility"], pr.reindex(claims.index).fillna(0))
    payments = d.remit_payments.set_index("payment_id")["amount"]
    assert np.allclose(payments, d.remit_claims.groupby("payment_id")["paid"].sum().reindex(payments.index))
    assert (d.remit_lines["paid"] >= 0).all() and (
        d.remit_lines["allowed"] <= d.remit_lines["charge"] + 1e-9
    ).all()


def test_em_mix_within_bounds(practice) -> None:
    # Established office visits: levels 3 and 4 dominate (CMS utilisation: about 80 %).
    est = practice.lines["procedure_code"][
        practice.lines["procedure_code"].isin(["99212", "99213", "99214", "99215"])
    ]
    share = est.value_counts(normalize=True)
    assert 0.70 <= share["99213"] + share["99214"] <= 0.92
    assert 0.03 <= share["99215"] <= 0.15
    new = practice.lines["procedure_code"].isin(["99202", "99203", "99204", "99205"]).sum()
    assert 0.02 <= new / (len(est) + new) <= 0.25


def test_payer_mix_within_bounds(practice) -> None:
    kind = practice.claims["payer_id"].map(practice.payers.set_index("payer_id")["kind"])
    share = kind.value_counts(normalize=True)
    assert 0.30 <= share["medicare"] <= 0.60
    assert 0.08 <= share["medicaid"] <= 0.25
    assert 0.20 <= share["commercial"] <= 0.50
    assert 0.02 <= share["selfpay"] <= 0.10


def test_denial_rate_within_bounds(practice) -> None:
    rc = practice.remit_claims
    denied = (rc["status_code"] == "4").mean()
    with_denial = practice.ar["status"].isin(["denied", "partial"]).sum() / len(rc)
    assert 0.03 <= denied <= 0.12
    assert 0.06 <= with_denial <= 0.18


def _dx_codes(claims: pd.DataFrame) -> pd.Series:
    return claims.melt(id_vars="claim_id", value_vars=[f"dx{i}" for i in range(1, 13)])["value"].dropna()


def test_clean_claims_use_billable_codes_and_defective_ones_do_not(practice) -> None:
    defect = practice.truth.set_index("claim_id")["defect"]
    claims = practice.claims
    bad_dx = defect.reindex(claims["claim_id"]).isin(["missing_7th_character", "nonbillable_dx"]).to_numpy()
    clean_codes = set(_dx_codes(claims[~bad_dx]))
    not_billable = sorted(c for c in clean_codes if not (fy2026.is_valid_item(c) and fy2026.is_leaf(c)))
    assert not_billable == []
    planted = claims.loc[bad_dx, "dx1"]
    assert len(planted) > 0
    assert not any(fy2026.is_valid_item(c) and fy2026.is_leaf(c) for c in planted)


def test_every_defect_kind_is_planted_and_denied_with_its_reason(practice) -> None:
    truth = practice.truth.set_index("claim_id")
    adj = practice.remit_adjustments
    expected = {
        "missing_7th_character": ("CO", "16"),
        "nonbillable_dx": ("CO", "16"),
        "bad_dx_pointer": ("CO", "16"),
        "ncci_missing_modifier": ("CO", "97"),
        "missing_member_id": ("CO", "16"),
    }
    for defect, (group, reason) in expected.items():
        claims = truth.index[truth["defect"] == defect]
        assert len(claims) > 0, defect
        remitted = adj[adj["claim_id"].isin(claims)]
        hit = (remitted["group"] == group) & (remitted["reason"] == reason)
        got = hit.groupby(remitted["claim_id"]).any()
        assert len(got) > 0 and got.all(), defect
    clean = truth.index[truth["defect"] == "none"]
    assert not adj[adj["claim_id"].isin(clean)]["reason"].isin(["16", "97", "29"]).any()
    assert set(DEFECTS) >= set(truth["defect"])


def test_modifiers_where_they_belong(practice) -> None:
    lines = practice.lines
    truth = practice.truth.set_index("claim_id")
    ncci = truth.index[truth["defect"] == "ncci_missing_modifier"]
    by_claim = lines.groupby("claim_id")["procedure_code"].apply(lambda s: set(s))
    em = lines["procedure_code"].str.match(r"^992[01]\d$")
    minor = by_claim.apply(
        lambda codes: bool(codes & {"20610", "20526", "12002", "29540", "17000", "11102", "17110"})
    )
    major = by_claim.apply(lambda codes: "25600" in codes)
    em_lines = lines[em & ~lines["claim_id"].isin(ncci)].set_index("claim_id")
    expected = np.where(
        major.reindex(em_lines.index), "57", np.where(minor.reindex(em_lines.index), "25", "")
    )
    assert (em_lines["modifier1"].fillna("").to_numpy() == expected).all()
    # Laterality: RT/LT on the knee injection agrees with the knee in the diagnosis.
    knee = lines[lines["procedure_code"].eq("20610")].merge(
        practice.claims[["claim_id", "dx1"]], on="claim_id"
    )
    knee = knee[knee["dx1"].isin(["M17.11", "M17.12"])]
    assert len(knee) > 0
    assert (knee["modifier1"] == knee["dx1"].map({"M17.11": "RT", "M17.12": "LT"})).all()


def test_injury_codes_carry_a_seventh_character(practice) -> None:
    truth = practice.truth.set_index("claim_id")
    ok = practice.claims[
        truth["defect"].reindex(practice.claims["claim_id"]).ne("missing_7th_character").to_numpy()
    ]
    injuries = _dx_codes(ok)
    injuries = injuries[injuries.str.startswith("S")]
    assert len(injuries) > 0
    assert injuries.str.replace(".", "").str.len().eq(7).all()
    assert set(injuries.str[-1]) <= {"A", "D"}


def test_chronic_conditions_recur(practice) -> None:
    truth = practice.truth.merge(practice.claims[["claim_id", "patient_id", "dx1"]], on="claim_id")
    diabetes = truth[truth["scenario"].eq("diabetes_type2") & truth["defect"].eq("none")]
    per_patient = diabetes.groupby("patient_id")["dx1"].agg(["nunique", "count"])
    assert (per_patient["count"] >= 2).sum() > 10
    assert (per_patient["nunique"] == 1).all()  # the same diabetes code visit after visit


def test_ar_state(practice) -> None:
    ar = practice.ar
    assert set(ar["status"]) <= {"selfpay", "unbilled", "pending", "denied", "partial", "paid"}
    assert {"paid", "pending", "denied"} <= set(ar["status"])
    closed = (
        ar["paid"] + ar["contractual"] + ar["insurance_balance"] + ar["patient_paid"] + ar["patient_balance"]
    )
    remitted = ar["status"].isin(["paid", "partial", "denied"])
    assert np.allclose(closed[remitted], ar["charge"][remitted])
    assert (
        ar.loc[ar["status"].eq("pending"), "insurance_balance"]
        == ar.loc[ar["status"].eq("pending"), "charge"]
    ).all()
    assert (ar["days_outstanding"] >= 0).all()


@pytest.mark.slow
def test_scrubber_catches_the_planted_defects_and_passes_clean_claims() -> None:
    from medbill.edits import scrub

    data = generate(lines=4000, seed=DEFAULT_SEED)
    findings = scrub(data, as_of=DEFAULT_END).findings
    errors = findings[findings["severity"] == "error"]
    defect = data.truth.set_index("claim_id")["defect"]
    flagged = errors.groupby("claim_id")["rule_id"].agg(set)
    expected_rule = {
        "missing_7th_character": "ICD-7TH",
        "nonbillable_dx": "ICD-HEADER",
        "bad_dx_pointer": "DX-POINTER",
        "late_submission": "TIMELY-FILING",
        "missing_member_id": "REQUIRED",
    }
    for name, rule in expected_rule.items():
        claims = defect.index[defect == name]
        assert len(claims) > 0, name
        assert all(rule in flagged.get(c, set()) for c in claims), name
    # Clean claims raise no error at all (the planted defects are the only ones).
    assert set(errors["claim_id"]) <= set(defect.index[defect != "none"])


def test_every_clean_code_is_billable_on_its_date_of_service() -> None:
    # Across the FY2025 -> FY2026 boundary, checked with medbill's own release for each date.
    from medbill.refdata import icd10cm

    data = generate(lines=6000, seed=8, start=date(2025, 7, 1), end=date(2026, 3, 31))
    defect = data.truth.set_index("claim_id")["defect"]
    clean = data.claims[defect.reindex(data.claims["claim_id"]).eq("none").to_numpy()]
    first_day = data.lines.groupby("claim_id")["service_date"].min()
    long = clean.melt(id_vars="claim_id", value_vars=[f"dx{i}" for i in range(1, 13)]).dropna(
        subset=["value"]
    )
    long["day"] = long["claim_id"].map(first_day)
    long["release"] = icd10cm.release_names_for(long["day"])
    assert set(long["release"]) == {"FY2025", "FY2026"}
    for name, rows in long.groupby("release"):
        on = rows["day"].iloc[0].date()
        billable = rows["value"].icd.billable(on=on)
        assert billable.all(), f"{name}: {sorted(set(rows.loc[~billable.to_numpy(), 'value']))}"


def test_parquet_and_csv_hold_the_same_tables(tmp_path: Path) -> None:
    from medbill.claims.tables import read_claims_dir

    write(generate(lines=400, seed=9), tmp_path, "both")
    (tmp_path / "csv").mkdir()
    for f in tmp_path.glob("*.csv"):
        f.rename(tmp_path / "csv" / f.name)
    from_parquet, from_csv = read_claims_dir(tmp_path), read_claims_dir(tmp_path / "csv")
    for name, table in from_parquet.items():
        pd.testing.assert_frame_equal(table, getattr(from_csv, name), obj=name)
    assert (tmp_path / "ar.parquet").exists() and (tmp_path / "truth.parquet").exists()


@pytest.mark.parametrize(
    "argv",
    [
        ["--lines", "0"],  # nothing to generate
        ["--start", "2026-02-01", "--end", "2026-01-01"],  # end before start
    ],
)
def test_cli_refuses_bad_parameters(tmp_path: Path, argv: list[str]) -> None:
    import argparse

    from medbill.cli import synth as synth_cli
    from medbill.exceptions import MedbillError

    # Only the synth command group (``medbill.cli.main`` turns MedbillError into exit status 2).
    parser = argparse.ArgumentParser()
    synth_cli.register(parser.add_subparsers())
    args = parser.parse_args(["synth", *argv, "--out", str(tmp_path)])
    with pytest.raises(MedbillError):
        args.func(args)


def test_em_mix_differs_by_specialty_as_its_table_says(practice) -> None:
    # Cardiology codes higher than dermatology (synth_specialties.csv: 66 % vs 25 % level 4-5).
    spec = practice.claims.set_index("claim_id")["rendering_npi"].map(
        practice.providers.set_index("npi")["specialty"]
    )
    est = practice.lines[practice.lines["procedure_code"].isin(["99212", "99213", "99214", "99215"])]
    high = est["procedure_code"].isin(["99214", "99215"]).groupby(est["claim_id"].map(spec)).mean()
    assert high["cardiology"] > 0.5 > high["dermatology"]


def test_patient_panel_ages_and_sexes(practice) -> None:
    patients = practice.patients
    age = (pd.Timestamp(DEFAULT_START) - patients["birth_date"]).dt.days / 365.25
    assert 0.15 <= (age < 18).mean() <= 0.25
    assert 0.25 <= (age >= 65).mean() <= 0.35
    assert 0.50 <= (patients["sex"] == "F").mean() <= 0.58
    assert age.min() >= 0 and age.max() < 95
    # Age-bound scenarios respect age: no well-child visit for an adult, no Medicare wellness visit under 65.
    visits = practice.lines.merge(practice.claims[["claim_id", "patient_birth_date"]], on="claim_id")
    years = (visits["service_date"] - visits["patient_birth_date"]).dt.days / 365.25
    assert (years[visits["procedure_code"].isin(["99391", "99392", "99393", "99394"])] < 19).all()
    assert (years[visits["procedure_code"].eq("G0439")] >= 65).all()


@pytest.mark.slow
@settings(max_examples=8, deadline=None)
@given(n=st.integers(min_value=1, max_value=300), seed=st.integers(min_value=0, max_value=2**32 - 1))
def test_any_size_and_seed_gives_exact_balanced_tables(n: int, seed: int) -> None:
    d = generate(lines=n, seed=seed, start=date(2025, 10, 1), end=date(2025, 12, 31))
    assert len(d.lines) == n
    adj = d.remit_adjustments.groupby(["claim_id", "line_number"])["amount"].sum()
    rl = d.remit_lines.set_index(["claim_id", "line_number"])
    assert np.allclose(rl["charge"] - rl["paid"], adj.reindex(rl.index).fillna(0), atol=0.005)


def test_flu_shots_fall_in_flu_season(practice) -> None:
    first = practice.lines.drop_duplicates("claim_id").set_index("claim_id")["service_date"]
    flu = practice.truth.loc[practice.truth["scenario"].str.startswith("flu_vaccine"), "claim_id"]
    assert len(flu) > 20
    assert set(first[flu].dt.month) <= {9, 10, 11, 12, 1, 2, 3}
