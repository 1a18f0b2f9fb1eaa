"""ICD-10-CM code text: compact / validate / format, and the robustness sweep of every scalar verb."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from medbill.exceptions import InvalidFormat, InvalidLength, UnknownCode
from medbill.refdata import icd10cm


@pytest.mark.parametrize(
    ("raw", "compact", "display"),
    [
        ("S52.521A", "S52521A", "S52.521A"),  # canonical display form
        ("s52521a", "S52521A", "S52.521A"),  # lower case, no dot
        (" s52.521a ", "S52521A", "S52.521A"),  # surrounding spaces
        ("T07.XXXD", "T07XXXD", "T07.XXXD"),  # X placeholders
        ("C4A.0", "C4A0", "C4A.0"),  # letter in third position
        ("M1A.0110", "M1A0110", "M1A.0110"),  # letter in third position, 7 characters
        ("E11", "E11", "E11"),  # category: no dot
        ("e11.a", "E11A", "E11.A"),  # letter after the dot
    ],
)
def test_compact_and_format(raw: str, compact: str, display: str) -> None:
    assert icd10cm.compact(raw) == compact
    assert icd10cm.validate(raw) == compact
    assert icd10cm.format(raw) == display


# Every junk value: is_valid/is_billable False, get None, validate/lookup the documented error.
JUNK = [
    (None, InvalidFormat),  # not text
    ("", InvalidFormat),  # empty
    (0, InvalidFormat),  # a number
    (11.9, InvalidFormat),  # a float
    ("x" * 10_000, InvalidLength),  # huge string
    ("E１１.9", InvalidFormat),  # full-width (unicode) digits
    ("E11.99999", InvalidLength),  # 8 characters
    ("E1.19", InvalidFormat),  # dot in the wrong place
    ("E11..9", InvalidFormat),  # two dots
    ("E 11.9", InvalidFormat),  # inner space
    ("11.9", InvalidFormat),  # no letter
    ("1E1.9", InvalidFormat),  # first character must be a letter
    ("E1", InvalidFormat),  # too short
    ("E11.9\x00", InvalidFormat),  # control character
    (b"E11.9", InvalidFormat),  # bytes, not text
]


@pytest.mark.parametrize(("value", "error"), JUNK)
def test_robustness_sweep(value: object, error: type[Exception]) -> None:
    assert icd10cm.is_valid(value) is False
    assert icd10cm.is_billable(value) is False
    assert icd10cm.get(value) is None
    with pytest.raises(error):
        icd10cm.validate(value)
    with pytest.raises(error):
        icd10cm.lookup(value)
    if not isinstance(value, str):
        assert icd10cm.search(value, limit=3) == []  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "code",
    [
        "E11.9999",  # well formed (7 characters) but no such code
        "Z99.999",  # well formed, unknown
        "S52.521Z",  # 7th character that S52 does not define
        "S06.1X7D",  # S06 codes with 6th character 7 take only A as 7th character
        "EE1.9",  # a letter in second place is well formed (FY2026 has QA0); no such code
    ],
)
def test_well_formed_unknown_codes(code: str) -> None:
    assert icd10cm.validate(code) == icd10cm.compact(code)
    assert icd10cm.is_valid(code) is False
    assert icd10cm.get(code) is None
    with pytest.raises(UnknownCode) as info:
        icd10cm.lookup(code)
    assert icd10cm.format(code) in str(info.value)
    assert isinstance(info.value, LookupError) and isinstance(info.value, ValueError)


CODE_TEXT = st.from_regex(r"[A-Za-z][0-9][0-9A-Za-z](\.?[0-9A-Za-z]{1,4})?", fullmatch=True)


@given(CODE_TEXT, st.sampled_from(["", " ", "  "]))
def test_format_round_trip(code: str, pad: str) -> None:
    assert icd10cm.compact(icd10cm.format(pad + code + pad)) == icd10cm.compact(code)
