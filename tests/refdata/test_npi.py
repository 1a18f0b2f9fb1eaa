"""NPI: known vectors, every one-digit mutation, Luhn oracle, vectorised form, robustness sweep."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from medbill.exceptions import InvalidChecksum, InvalidFormat, InvalidLength
from medbill.refdata import npi

VALID = [
    "1234567893",  # CMS's worked example in "Requirements for NPI check digit"
    "1942275334",  # rendering NPI in the Tuva demo claims
    "1558346007",  # facility NPI in the Tuva demo claims
    "1497797088",  # facility NPI in the Tuva demo claims
]


def _luhn_ok(digits: str) -> bool:
    """Textbook Luhn validation, written independently of medbill's shortcut with the prefix sum."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


@pytest.mark.parametrize("number", VALID)
def test_known_valid(number: str) -> None:
    assert npi.validate(number) == number
    assert npi.is_valid(number)
    assert npi.format(number) == number


@pytest.mark.parametrize("number", VALID)
def test_every_one_digit_mutation_fails(number: str) -> None:
    for pos in range(10):
        for digit in "0123456789":
            if digit == number[pos]:
                continue
            mutated = number[:pos] + digit + number[pos + 1 :]
            assert not npi.is_valid(mutated), mutated
            with pytest.raises(InvalidChecksum):
                npi.validate(mutated)


@pytest.mark.parametrize(
    ("raw", "error"),
    [
        ("1234567890", InvalidChecksum),  # wrong check digit
        ("123456789", InvalidLength),  # nine digits
        ("12345678931", InvalidLength),  # eleven digits
        ("808401234567893", InvalidLength),  # with the card-issuer prefix: not an NPI
        ("12345A7893", InvalidFormat),  # a letter
        ("", InvalidFormat),  # empty
        ("١٢٣٤٥٦٧٨٩٣", InvalidFormat),  # Arabic-Indic digits are not NPI digits
        (1234567893, InvalidFormat),  # an int, not text
        (None, InvalidFormat),  # missing
    ],
)
def test_invalid_raises_documented_error(raw: object, error: type[Exception]) -> None:
    with pytest.raises(error):
        npi.validate(raw)
    assert npi.is_valid(raw) is False


def test_compact_strips_separators() -> None:
    assert npi.compact(" 1234-567 893 ") == "1234567893"
    assert npi.validate("1234 567 893") == "1234567893"


def test_calc_check_digit() -> None:
    assert npi.calc_check_digit("123456789") == "3"
    with pytest.raises(InvalidFormat):
        npi.calc_check_digit("12345678")


@given(st.text(alphabet="0123456789", min_size=9, max_size=9))
def test_check_digit_agrees_with_textbook_luhn_over_80840(first9: str) -> None:
    full = first9 + npi.calc_check_digit(first9)
    assert _luhn_ok("80840" + full)
    assert npi.is_valid(full)


def test_is_valid_many_matches_scalar_and_keeps_index() -> None:
    values = [*VALID, "1234567890", None, 5, "", "1234 567 893", "١٢٣٤٥٦٧٨٩٣", float("nan")]
    s = pd.Series(values, index=range(100, 100 + len(values)), dtype=object)
    got = npi.is_valid_many(s)
    assert got.index.equals(s.index)
    assert got.tolist() == [npi.is_valid(v) for v in values]
    assert npi.is_valid_many(pd.Series([], dtype=object)).tolist() == []


def test_tuva_npis_are_all_valid(shared_data) -> None:
    df = pd.read_csv(shared_data("tuva/medical_claim_sample.csv"), dtype=str)
    s = pd.concat([df.RENDERING_NPI, df.BILLING_NPI, df.FACILITY_NPI]).dropna()
    assert len(s) > 1000
    assert npi.is_valid_many(s).all()


@pytest.mark.parametrize(
    "junk",
    [None, "", 0, 1.5, b"1234567893", "9" * 100_000, "١٢٣", "\x00", ["1234567893"], object()],
)
def test_robustness_sweep(junk: object) -> None:
    # is_valid never raises; validate and compact raise only medbill's documented CodeErrors.
    assert npi.is_valid(junk) is False
    with pytest.raises((InvalidFormat, InvalidChecksum)):
        npi.validate(junk)
    if not isinstance(junk, str):
        with pytest.raises(InvalidFormat):
            npi.compact(junk)
