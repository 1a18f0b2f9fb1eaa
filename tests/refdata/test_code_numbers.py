"""Procedure codes as int32 numbers (NCCI/MUE tables): round trips, order, and what is not a code."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from medbill.exceptions import InvalidArgument
from medbill.refdata import code_numbers

CODE = st.text(alphabet="0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=5, max_size=5)


@pytest.mark.parametrize(
    ("code", "number"),
    [
        ("00000", 0),  # the smallest
        ("ZZZZZ", 36**5 - 1),  # the largest
        ("0001U", 1 * 36 + 30),  # CPT PLA code: U is 30
        ("99213", 9 * 36**4 + 9 * 36**3 + 2 * 36**2 + 1 * 36 + 3),  # CPT E/M
        ("J1100", 19 * 36**4 + 1 * 36**3 + 1 * 36**2),  # HCPCS Level II drug
    ],
)
def test_known_numbers(code, number):
    assert code_numbers.numbers([code]).tolist() == [number]
    assert code_numbers.codes(np.array([number])).tolist() == [code]


@pytest.mark.parametrize(
    "junk",
    [
        "",  # empty
        "9921",  # too short
        "992133",  # too long
        "j1100",  # lower case: compact() upper-cases codes before they get here
        "99 13",  # a space
        "É9921",  # a letter outside [0-9A-Z]
        "９９２１３",  # full-width digits
        "9921\x00",  # a NUL where the fifth character should be
        None,  # not text
    ],
)
def test_anything_else_is_minus_one(junk):
    got = code_numbers.numbers(np.array(["99213", junk, "0001U"], dtype=object))
    assert got.dtype == np.int32
    assert got.tolist() == [code_numbers.numbers(["99213"])[0], -1, 66]


def test_empty_input():
    assert code_numbers.numbers([]).tolist() == []
    assert code_numbers.codes(np.array([], dtype=np.int32)).tolist() == []


@given(st.lists(CODE, min_size=1, max_size=50))
def test_round_trip_and_order(codes):
    numbers = code_numbers.numbers(codes)
    assert code_numbers.codes(numbers).tolist() == codes
    assert ((numbers >= 0) & (numbers < code_numbers.COUNT)).all()
    # numbers sort as the text does, so a table sorted by number is sorted by code
    assert [codes[i] for i in np.argsort(numbers, kind="stable")] == sorted(codes)


@given(st.lists(CODE, min_size=1, max_size=20))
def test_bytes_and_text_agree(codes):
    # the importer's path (fixed-width bytes) and the claims' path (text) number codes alike
    chars = np.frombuffer("".join(codes).encode(), dtype=np.uint8).reshape(-1, 5)
    assert code_numbers.from_characters(chars).tolist() == code_numbers.numbers(codes).tolist()


@pytest.mark.parametrize("junk", ["99213", None, 7, b"99213"])  # one code, not a collection of them
def test_numbers_wants_a_collection(junk):
    with pytest.raises(InvalidArgument, match="codes must be"):
        code_numbers.numbers(junk)


@pytest.mark.parametrize(
    "junk",
    [
        [-1],  # below range
        [code_numbers.COUNT],  # above range
        ["99213"],  # text, not numbers
        [1.5],  # not integers
        [[1, 2]],  # two-dimensional
        7,  # not a collection
    ],
)
def test_codes_wants_code_numbers(junk):
    with pytest.raises(InvalidArgument, match="numbers must be"):
        code_numbers.codes(junk)
