"""KPIs, aging, denials, summaries and payer views against the hand-computed five-claim practice
described in conftest.py."""

from __future__ import annotations

import pandas as pd
import pytest

from medbill.analytics import aging, coding, denials, facts, kpis, payers, summary
from medbill.analytics import tables as tables_module


def test_every_claim_is_accounted_for_with_its_balance(tables):
    f = facts.claim_facts(tables).set_index("claim_id")
    assert list(f.index) == ["C1", "C2", "C3", "C4", "C5"]
    assert f["balance"].to_dict() == {"C1": 0.0, "C2": 0.0, "C3": 0.0, "C4": 110.0, "C5": 300.0}
    assert f["denied_first_pass"].to_dict() == {"C1": False, "C2": True, "C3": True, "C4": False, "C5": False}
    # C2's second remittance had no received date: the payment's date stands in.
    assert f.loc["C2", "first_payment_date"] == pd.Timestamp("2025-03-01")


@pytest.mark.parametrize(
    ("key", "numerator", "denominator", "value"),
    [
        ("clean_claim_rate", 4, 5, 0.8),  # C3 has an error finding; C4's warning does not count
        ("initial_denial_rate", 2, 3, 2 / 3),  # C2 (status 4) and C3 (paid 0, no patient share)
        ("gross_collection_rate", 180, 470, 180 / 470),  # paid 80+100 over C1-C3 charges
        ("net_collection_rate", 180, 380, 180 / 380),  # less contractual CO-45 30+50 and C1's PR 10
        ("days_in_ar", 410, 310 / 90, 410 / (310 / 90)),  # open C4+C5 over 90-day charges C3+C4
        ("ar_over_90_pct", 300, 410, 300 / 410),  # C5 is 150 days old by service date
        ("charge_lag", 2 + 5 + 4 + 5 + 76, 5, 92 / 5),  # C5 was sent 76 days after service
        ("payment_lag", 17 + 50, 2, 33.5),  # C3 never paid: excluded
        ("first_pass_resolution_rate", 1, 3, 1 / 3),  # only C1
        ("denial_write_off_pct", 200, 390, 200 / 390),  # C3's CO-197 write-off
    ],
)
def test_kpis_match_hand_computation(practice, tables, findings, key, numerator, denominator, value):
    kpi = kpis.all_kpis(tables, findings, as_of=practice.as_of)[key]
    assert kpi.numerator == pytest.approx(numerator)
    assert kpi.denominator == pytest.approx(denominator)
    assert kpi.value == pytest.approx(value)
    assert kpi.definition["standard"] and kpi.definition["formula"]
    assert not kpi.rows.empty


def test_kpi_drill_down_rows_explain_the_numerator(tables, findings):
    kpi = kpis.clean_claim_rate(tables, findings)
    unclean = kpi.rows[~kpi.rows["in_numerator"]]
    assert unclean["claim_id"].tolist() == ["C3"]
    assert unclean["error_rules"].tolist() == ["prior-auth"]


def test_kpi_with_empty_denominator_is_none_not_an_error(tables):
    kpi = kpis.initial_denial_rate(tables, start="2030-01-01")
    assert kpi.value is None and kpi.display() == "n/a"


def test_period_filters_by_service_date(tables):
    # January services only: C1 and C2, both adjudicated, C2 denied.
    kpi = kpis.initial_denial_rate(tables, start="2025-01-01", end="2025-01-31")
    assert (kpi.numerator, kpi.denominator) == (1, 2)


def test_definitions_cover_every_kpi_with_the_required_fields():
    defs = kpis.kpi_definitions()
    required = {"name", "unit", "formula", "numerator", "denominator", "inclusions", "exclusions", "standard"}
    assert required <= set(defs.columns)
    assert defs[sorted(required)].notna().all().all()
    assert defs["standard"].str.contains("HFMA|MGMA").all()


def test_kpi_table_has_one_row_per_kpi(practice, tables, findings):
    table = kpis.kpi_table(kpis.all_kpis(tables, findings, as_of=practice.as_of))
    assert len(table) == 10
    assert table.loc[table["kpi"].eq("Clean claim rate"), "value"].item() == "80.0%"


@pytest.mark.parametrize(
    ("basis", "expected"),
    [
        ("service", {"31–60": 110.0, ">120": 300.0}),  # C4 46 days, C5 150 days from service
        ("last_activity", {"31–60": 110.0, "61–90": 300.0}),  # C5's late submission restarts its age
    ],
)
def test_aging_by_basis(practice, tables, basis, expected):
    table = aging.ar_aging(tables, as_of=practice.as_of, basis=basis)
    nonzero = {k: v for k, v in table.loc["all"].drop("total").items() if v}
    assert nonzero == expected
    assert table.loc["all", "total"] == 410.0


def test_aging_by_payer_and_custom_edges(practice, tables):
    table = aging.ar_aging(tables, as_of=practice.as_of, by="payer_id", edges=(45, 100))
    assert list(table.columns) == ["0–45", "46–100", ">100", "total"]
    assert table.loc["P1", ">100"] == 300.0
    assert table.loc["P2", "46–100"] == 110.0


@pytest.mark.parametrize(
    "edges",
    [
        (60, 30),  # not increasing
        (),  # no edge
        ("a",),  # not a number
        (-1, 30),  # negative
    ],
)
def test_aging_rejects_bad_edges(tables, edges):
    with pytest.raises(ValueError, match="edges"):
        aging.ar_aging(tables, edges=edges)


def test_aging_rejects_unknown_basis(tables):
    with pytest.raises(ValueError, match="basis"):
        aging.open_items(tables, basis="payment")


def test_denials_views(tables, findings):
    by_month = denials.denial_rate_by_month(tables)
    assert by_month.to_dict("list") == {
        "month": ["2025-01", "2025-03"],
        "adjudicated": [2, 1],
        "denied": [1, 1],
        "denial_rate": [0.5, 1.0],
    }
    by_reason = denials.denials_by(tables, "reason").set_index("reason")
    assert by_reason.loc["197", "amount"] == 200.0
    assert by_reason.loc["(none given)", "amount"] == 150.0  # status-4 denial without a CARC
    by_proc = denials.denials_by(tables, "procedure_code").set_index("procedure_code")
    assert set(by_proc.index) == {"99214", "99215"}
    catch = denials.scrubber_catch(tables, findings).set_index("claim_id")
    assert catch["caught_by_error"].to_dict() == {"C2": False, "C3": True}
    with pytest.raises(ValueError, match="grouped by"):
        denials.denials_by(tables, "colour")


def test_money_summary_totals_match_the_claims(tables):
    by_month = summary.money_summary(tables, "month").set_index("month")
    assert by_month.loc["total", "charge"] == 880.0
    assert by_month.loc["2025-01", "paid"] == 180.0
    assert by_month.loc["2025-01", "patient_adjustment"] == 10.0
    by_payer = summary.money_summary(tables, "payer_id").set_index("payer_id")
    assert by_payer.loc["P2", "other_adjustment"] == 200.0
    assert by_payer.drop("total")["claims"].sum() == 5


def test_top_procedures_and_diagnoses(tables, icd_table):
    procs = summary.top_procedures(tables, n=2)
    assert procs["procedure_code"].tolist() == ["99203", "99213"]
    chapters = summary.top_diagnoses(tables, "chapter", code_table=icd_table)
    assert chapters.iloc[0][["chapter", "claims"]].tolist() == ["4", 2]  # C1 E11.9 and C2 E11.65
    assert chapters["mentions"].sum() == 6
    blocks = summary.top_diagnoses(tables, "block", code_table=icd_table).set_index("block")
    assert blocks.loc["E08-E13", "claims"] == 2


def test_diagnoses_missing_from_the_release_are_counted_not_dropped(tables, icd_table):
    chapters = summary.top_diagnoses(tables, "chapter", code_table=icd_table.drop("R519"))
    assert chapters.set_index("chapter").loc["(not in release)", "claims"] == 1


def test_em_distribution_against_practice(practice, tables):
    em = summary.em_distribution(tables)
    est = em[em["category"].eq("established")].set_index(["rendering_npi", "procedure_code"])
    assert est.loc[(practice.npi_a, "99215"), "share"] == 0.5
    assert est.loc[(practice.npi_a, "99215"), "practice_share"] == 0.25
    assert est.loc[(practice.npi_b, "99214"), "visits"] == 1


def test_payer_procedure_comparison(tables):
    comp = payers.payer_procedure_comparison(tables).set_index(["procedure_code", "payer_id"])
    # 99214 at P1: one denied line and one paid 100 after 50 days.
    assert comp.loc[("99214", "P1"), "denial_rate"] == 0.5
    assert comp.loc[("99214", "P1"), "mean_paid"] == 100.0
    assert comp.loc[("99214", "P1"), "median_days_to_pay"] == 50.0
    assert comp.loc[("99213", "P1"), "mean_allowed"] == 75.0
    assert comp.loc[("99215", "P2"), "denial_rate"] == 1.0


def test_payer_summary(tables):
    s = payers.payer_summary(tables).set_index("payer_id")
    assert s.loc["P1", "payer_name"] == "Medicare Part B"
    assert s.loc["P1", "initial_denial_rate"] == 0.5
    assert s.loc["P2", "adjudicated"] == 1


def test_coding_audit_views(practice, tables, findings, icd_table):
    rate = coding.unspecified_rate(tables, icd_table).set_index("rendering_npi")
    assert rate.loc["all", "diagnoses"] == 6 and rate.loc["all", "unspecified"] == 3
    assert rate.loc[practice.npi_a, "unspecified_rate"] == 0.5
    opps = coding.specificity_opportunities(tables, icd_table)
    assert set(opps["code"]) == {"J069", "M5450", "R519"}
    summ = coding.findings_summary(findings)
    assert summ["findings"].sum() == 2


def test_filter_tables_keeps_one_providers_claims_and_their_remits(practice, tables):
    t = tables_module.filter_tables(tables, provider_npi=practice.npi_b)
    assert sorted(t.claims["claim_id"]) == ["C2", "C4"]
    assert sorted(t.remit_claims["claim_id"]) == ["C2", "C2"]
    assert sorted(t.remit_payments["payment_id"]) == ["R1", "R3"]


def test_read_dir_reads_a_claims_folder(practice, tables_dir):
    (tables_dir / "notes.csv").write_text("not a claims table\n")
    t = tables_module.read_dir(tables_dir)
    assert t.source == tables_dir
    # Provenance lists the tables read, not every file in the folder.
    assert [p.name for p in tables_module.data_files(t)][:2] == ["claims.csv", "lines.csv"]
    assert "notes.csv" not in [p.name for p in tables_module.data_files(t)]
    assert len(t.lines) == 7
    assert t.claims["rendering_npi"].iloc[0] == practice.npi_a  # kept as text


def test_absent_remittance_tables_give_zeros(tables):
    bare = {"claims": tables["claims"], "lines": tables["lines"]}
    f = facts.claim_facts(bare)
    assert f["balance"].sum() == 880.0
    assert not f["adjudicated"].any()


def test_busiest_provider_has_the_largest_charges(practice, tables):
    assert summary.busiest_provider(tables) == practice.npi_a  # 620.00 against 260.00


def _with_self_pay(tables):
    """The fixture practice plus C6: a self-pay visit (payer kind selfpay) of 90.00, never remitted."""
    t = {k: v.copy() for k, v in tables.items()}
    t["payers"] = pd.concat(
        [t["payers"], pd.DataFrame([{"payer_id": "SP", "name": "Self-pay", "kind": "selfpay"}])]
    )
    claim = t["claims"].iloc[[0]].assign(claim_id="C6", payer_id="SP", submitted_date="2025-04-02")
    t["claims"] = pd.concat([t["claims"], claim], ignore_index=True)
    line = t["lines"].iloc[[0]].assign(claim_id="C6", service_date="2025-04-01", charge=90.0)
    t["lines"] = pd.concat([t["lines"], line], ignore_index=True)
    return t


def test_insurance_and_patient_ar_are_split(tables, practice):
    t = _with_self_pay(tables)
    f = facts.claim_facts(t).set_index("claim_id")
    # Payers still owe C4 and C5; C1's PR 10 and all of self-pay C6 are the patients'.
    assert f["insurance_balance"].to_dict() == {"C1": 0, "C2": 0, "C3": 0, "C4": 110, "C5": 300, "C6": 0}
    assert f["patient_balance"].to_dict() == {"C1": 10, "C2": 0, "C3": 0, "C4": 0, "C5": 0, "C6": 90}
    insurance = aging.ar_aging(t, as_of=practice.as_of, by="payer_id")
    assert "SP" not in insurance.index and insurance["total"].sum() == 410
    patient = aging.ar_aging(t, as_of=practice.as_of, by="payer_id", owed_by="patient")
    assert patient["total"].to_dict() == {"P1": 10.0, "SP": 90.0}
    # Days in insurance A/R leaves the self-pay claim out of both sides.
    assert kpis.days_in_ar(t, as_of=practice.as_of).numerator == 410
    assert kpis.days_in_ar(t, as_of=practice.as_of).denominator == pytest.approx(310 / 90)
    with pytest.raises(ValueError, match="owed by one of insurance, patient"):
        aging.open_items(t, owed_by="payer")


def test_denial_remarks_count_the_denied_claims_carrying_each_code(tables):
    t = {k: v.copy() for k, v in tables.items()}
    # N30 on denied C3 (twice, two lines) and on paid C1; M76 on denied C2.
    t["remit_remarks"] = pd.DataFrame(
        {
            "payment_id": ["R2", "R2", "R1", "R1"],
            "claim_id": ["C3", "C3", "C1", "C2"],
            "line_number": [1, 2, 1, 1],
            "code": ["N30", "N30", "N30", "M76"],
        }
    )
    out = denials.denial_remarks(t)
    assert out.to_dict("records") == [
        {"code": "N30", "claims": 1, "lines": 2},
        {"code": "M76", "claims": 1, "lines": 1},
    ]


def test_patient_ar_is_net_of_patient_payments_as_posting_applies_them():
    # The reports' patient A/R and the statements' posting agree to the cent on the sample practice.
    import pandas as pd

    from medbill.analytics import facts
    from medbill.analytics.tables import read_dir
    from medbill.claims.posting import post_patient_payments
    from medbill.synth.sample import sample_dir

    t = read_dir(sample_dir())
    f = facts.claim_facts(t, as_of="2026-06-30")
    posted = post_patient_payments(t, as_of=pd.Timestamp("2026-06-30")).lines
    assert f["patient_paid"].sum() > 0
    assert round(f["patient_balance"].sum(), 2) == round(posted["patient_balance"].sum(), 2)


@pytest.mark.slow
def test_report_findings_are_the_command_lines(sample_dir):
    """The reports' scrubber findings are what `medbill scrub --as-of` finds: the payers table is
    seen (a self-pay claim needs no member id) and dates count to the data's last day."""
    from medbill.analytics.coding import scrub_findings
    from medbill.claims.tables import read_claims_dir
    from medbill.edits import scrub

    day = facts.default_as_of(tables_module.read_dir(sample_dir))
    reported = scrub_findings(tables_module.read_dir(sample_dir))
    expected = scrub(read_claims_dir(sample_dir), as_of=day.date()).findings
    key = ["claim_id", "rule_id", "severity"]
    assert reported[key].value_counts().to_dict() == expected[key].value_counts().to_dict()
    assert (
        not reported.loc[reported["rule_id"].eq("REQUIRED"), "claim_id"]
        .isin(read_claims_dir(sample_dir).claims.loc[lambda c: c["payer_id"].eq("SELF"), "claim_id"])
        .any()
    )


def test_self_pay_claims_are_not_in_the_clean_claim_rate(tables, findings):
    # C5 becomes self-pay: never submitted to a payer, so neither clean nor unclean
    tables["payers"] = pd.concat(
        [tables["payers"], pd.DataFrame({"payer_id": ["SP"], "name": ["Self-pay"], "kind": ["selfpay"]})]
    )
    tables["claims"].loc[tables["claims"]["claim_id"].eq("C5"), "payer_id"] = "SP"
    kpi = kpis.clean_claim_rate(tables, findings)
    assert (kpi.numerator, kpi.denominator) == (3, 4) and "C5" not in set(kpi.rows["claim_id"])
