"""Claim models: normalisation and refusals naming field, value and reason."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pandas as pd
import pytest
from claim_strategies import BILLING, PATIENT, PAYER, make_claim

from medbill.claims.models import Address, Patient, Provider, ServiceLine, Subscriber
from medbill.exceptions import CodeError, InvalidChecksum, InvalidFormat


def test_normalises_codes_money_and_dates() -> None:
    claim = make_claim(
        diagnoses=("s52.521a", "t07.xxxd"),
        lines=(ServiceLine("99213", "40.5", "2025-01-02", dx_pointers="ab"),),
    )
    assert claim.diagnoses == ("S52521A", "T07XXXD")
    line = claim.lines[0]
    assert line.charge == Decimal("40.50") and line.service_date == date(2025, 1, 2) == line.service_date_to
    assert line.dx_pointers == "AB" and line.line_number == 1
    assert claim.charge == Decimal("40.50")


@pytest.mark.parametrize(
    ("build", "error", "message"),
    [
        # each case: what is wrong -> the error names the field and the value
        (lambda: make_claim(place_of_service="1"), InvalidFormat, "place_of_service: '1'"),
        (lambda: make_claim(diagnoses=()), InvalidFormat, "claim.diagnoses"),
        (lambda: make_claim(diagnoses=("E11.9",) * 2), InvalidFormat, "repeats"),
        (lambda: make_claim(diagnoses=tuple(f"E11.{i}" for i in range(13))), InvalidFormat, "1 to 12"),
        (lambda: make_claim(diagnoses=("E11.9!",)), CodeError, "dx1"),  # not ICD-10-CM text
        (
            lambda: make_claim(diagnoses=("E11.9",)),
            InvalidFormat,
            "points past",
        ),  # line pointer B with one dx
        (lambda: make_claim(lines=()), InvalidFormat, "1 to 50"),
        (
            lambda: make_claim(frequency="7"),
            InvalidFormat,
            "original_claim_ref",
        ),  # replacement needs the original
        (
            lambda: make_claim(accident_code="AA", accident_date=date(2025, 1, 1)),
            InvalidFormat,
            "accident_state",
        ),
        (lambda: ServiceLine("9921", 10, date(2025, 1, 1)), InvalidFormat, "procedure_code: '9921'"),
        (
            lambda: ServiceLine("99213", -1, date(2025, 1, 1)),
            InvalidFormat,
            "line.charge: -1 must not be negative",
        ),
        (lambda: ServiceLine("99213", "NaN", date(2025, 1, 1)), InvalidFormat, "finite"),
        (
            lambda: ServiceLine("99213", 10, date(2025, 1, 1), units=0),
            InvalidFormat,
            "units: 0 must be greater than zero",
        ),
        (lambda: ServiceLine("99213", 10, date(2025, 1, 1), modifiers="25"), InvalidFormat, "not one string"),
        (
            lambda: ServiceLine("99213", 10, date(2025, 1, 1), modifiers=("25", "59", "76", "77", "XS")),
            InvalidFormat,
            "more than 4",
        ),
        (lambda: ServiceLine("99213", 10, date(2025, 1, 1), dx_pointers="AM"), InvalidFormat, "A-L"),
        (
            lambda: ServiceLine("99213", 10, date(2025, 1, 2), service_date_to=date(2025, 1, 1)),
            InvalidFormat,
            "before",
        ),
        (lambda: ServiceLine("99213", 10, "01/02/2025"), InvalidFormat, "ISO date"),
        (lambda: Patient("DOE", "JO", date(2000, 1, 1), "X"), InvalidFormat, "patient.sex: 'X'"),
        (
            lambda: Patient("DOE~", "JO", date(2000, 1, 1), "F"),
            InvalidFormat,
            "characters",
        ),  # an X12 separator
        (lambda: Patient(None, "JO", date(2000, 1, 1), "F"), InvalidFormat, "last_name"),
        (lambda: Address("1 A ST", "XY", "Illinois", "62701"), InvalidFormat, "state"),
        (
            lambda: Address("1 A ST", "X", "IL", "62701"),
            InvalidFormat,
            "city: 'X' is shorter",
        ),  # X12 N401 min 2
        (lambda: Address("1 A ST", "XY", "IL", "6270"), InvalidFormat, "zip: '6270'"),
        (lambda: Provider(npi="1234567890", last_name="X"), InvalidChecksum, "provider.npi"),
        (
            lambda: Provider(npi="1234567893", last_name="X", first_name="Y", entity_type="2"),
            InvalidFormat,
            "organisation",
        ),
        (lambda: Subscriber("W1", PAYER, relationship="19"), InvalidFormat, "subscriber.person"),
        (lambda: Subscriber("W1", PAYER, person=PATIENT), InvalidFormat, "must be None"),
    ],
)
def test_refusals_name_field_and_value(build, error, message) -> None:
    with pytest.raises(error, match=message.replace("(", r"\(")):
        build()


@pytest.mark.parametrize(
    "junk", [None, "", 0, "x" * 10_000, "١٢٣٤٥", 1.5, pd.NA, float("nan")]
)  # unicode digits, huge
def test_junk_procedure_codes_get_the_documented_error(junk) -> None:
    with pytest.raises(InvalidFormat):
        ServiceLine(junk, 10, date(2025, 1, 1))


@pytest.mark.parametrize("junk", [None, pd.NA, pd.NaT, "", "١٩٨٠-٠١-٠١", 20250101, "2025-13-01"])
def test_junk_dates_and_sex_get_the_documented_error(junk) -> None:
    with pytest.raises(InvalidFormat):
        ServiceLine("99213", 10, junk)
    with pytest.raises(InvalidFormat):
        Patient("DOE", "JO", date(2000, 1, 1), junk)


def test_local_keys_do_not_affect_equality() -> None:
    renamed = Patient(
        PATIENT.last_name,
        PATIENT.first_name,
        PATIENT.birth_date,
        PATIENT.sex,
        PATIENT.address,
        patient_id="OTHER",
    )
    assert make_claim(patient=renamed) == make_claim()
    assert make_claim(submitted_date=date(2025, 4, 1)) == make_claim()
    assert make_claim().rendering.npi == "9876543213"
    assert make_claim(rendering_provider=None).rendering == BILLING
