"""Names for identifiers and business formats: what a practice manager reads in every report."""

from __future__ import annotations

import pandas as pd
import pytest

from medbill.analytics import aging, formats, labels, summary


def test_ids_become_names_with_the_npi_beside_the_provider(tables, practice):
    frame = pd.DataFrame(
        {"payer_id": ["P1", "P9", "total"], "rendering_npi": [practice.npi_a, "1999999984", "total"]}
    )
    out = labels.named(frame, tables)
    assert list(out.columns) == ["payer", "provider", "provider_npi"]
    # Unknown ids and the total row stay as they are: nothing disappears.
    assert out["payer"].tolist() == ["Medicare Part B", "P9", "total"]
    assert out["provider"].tolist() == ["Ann Avery", "1999999984", "total"]
    assert out["provider_npi"].tolist() == [practice.npi_a, "1999999984", ""]
    with_npi = labels.provider_of(pd.Series([practice.npi_b]), tables, with_npi=True)
    assert with_npi.tolist() == [f"Ben Brook (NPI {practice.npi_b})"]
    assert labels.payer_name("P2", tables) == "Acme Health" and labels.payer_name("P9", tables) == "P9"


def test_patient_balances_name_the_patient_beside_the_account_number(tables, practice):
    # no patients table (the fixture has none): the account number stands in for the name
    owed = aging.open_items(tables, as_of=practice.as_of, owed_by="patient")
    assert (
        labels.named(owed, tables, with_patient_names=True)["patient_name"].tolist()
        == owed["patient_id"].tolist()
    )
    tables["patients"] = pd.DataFrame({"patient_id": ["PT1"], "first_name": ["Pat"], "last_name": ["One"]})
    owed = aging.open_items(tables, as_of=practice.as_of, owed_by="patient")
    out = labels.named(owed, tables, with_patient_names=True)
    assert out.columns[:3].tolist() == ["claim_id", "patient_id", "patient_name"]
    assert out.set_index("claim_id").loc["C1", "patient_name"] == "Pat One"  # C1's PR 10
    unknown = labels.named(pd.DataFrame({"patient_id": ["PT9"]}), tables, with_patient_names=True)
    assert unknown["patient_name"].tolist() == ["PT9"]  # not in the patients table: the id stays
    assert "patient_name" not in labels.named(owed, tables).columns  # only when asked


def test_denial_reasons_carry_their_carc_text():
    out = labels.reason_text(pd.Series(["CO", "CO", None]), pd.Series(["16", "Z99", "(none given)"]))
    assert out[0].startswith("CO-16 Claim/service lacks information")
    assert out[1] == "CO-Z99 (not in the CARC list)"
    assert out[2] == "(none given)"
    assert labels.group_text(pd.Series(["PR"])).tolist() == ["PR Patient responsibility"]


def test_diagnosis_codes_show_their_dot():
    # well-formed codes get their dot whether or not a release holds them; other text stays
    shown = labels.diagnosis_code(pd.Series(["E785", "S52521A", "I10", "Z9999", "(none)", None]))
    assert shown.tolist()[:5] == ["E78.5", "S52.521A", "I10", "Z99.99", "(none)"] and pd.isna(shown.iloc[5])


def test_diagnosis_axis_names_the_chapter(tables, icd_table):
    chapters = summary.top_diagnoses(tables, "chapter", code_table=icd_table)
    axis = labels.diagnosis_axis(chapters, "chapter")
    assert axis.iloc[0] == "Chapter 4 Endocrine"


@pytest.mark.parametrize(
    ("column", "values", "shown"),
    [
        ("charge", [1234.5, -0.001, -12.0], ["$1,234.50", "$0.00", "-$12.00"]),  # never -$0.00
        ("claims", [2736.0, None], ["2,736", ""]),  # counts as integers, missing as empty
        ("denial_rate", [0.125], ["12.5%"]),
        ("0–30", [95.0], ["$95.00"]),  # aging buckets are money
        ("median_days_to_pay", [14.0, 14.5], ["14", "14.5"]),
        ("service_date", [pd.Timestamp("2025-10-01")], ["2025-10-01"]),  # a date, not a timestamp
        ("caught_by_error", [True, False], ["yes", "no"]),
        # the follow-up worklist and patient statements
        ("amount_at_stake", [495.0], ["$495.00"]),
        ("patient_share", [2866.0], ["$2,866.00"]),  # money, though it ends in "share"
        ("amount_share", [0.646], ["64.6%"]),
        ("days_left", [-89, 13], ["-89", "13"]),
        ("due_within_14_days", [6.0], ["6"]),
    ],
)
def test_each_column_kind_has_its_business_format(column, values, shown):
    series = pd.Series(values)
    kind = formats.column_kind(column, series)
    assert formats.format_values(series, kind).tolist() == shown


def test_headers_are_words():
    assert formats.header("insurance_balance") == "Insurance A/R"
    assert formats.header("provider_npi") == "NPI"
    assert (
        formats.header("rarc") == "Remark (RARC)" and formats.header("reason_text") == "What the codes mean"
    )
    assert formats.header("unknown_column") == "Unknown column"
    with pytest.raises(ValueError, match="column kinds must be one of"):
        formats.kinds_of(pd.DataFrame({"a": [1]}), {"a": "euros"})
