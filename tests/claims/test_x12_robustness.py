"""Hostile input to every X12 entry point: the documented X12Error, never another exception or a hang."""

from __future__ import annotations

import io
import re
from datetime import datetime

import pytest
from claim_strategies import claims, make_claim
from hypothesis import given, settings
from hypothesis import strategies as st
from test_x12_835 import ERA

import medbill.claims.x12 as x12
from medbill.claims.x12 import Submitter, read_835, read_837p, validate, write_837p
from medbill.exceptions import X12Error

SUBMITTER = Submitter("ACME BILLING", "ACME01", "PAT JONES", "3125550100")
GOOD_837 = write_837p([make_claim(), make_claim(claim_id="C2")], created=datetime(2025, 1, 2))


def test_public_names_are_honest() -> None:
    assert sorted(x12.__all__) == sorted(
        [
            "Problem",
            "Receiver",
            "Remittance",
            "Segment",
            "Separators",
            "Submitter",
            "check_claims",
            "iter_segments",
            "read_835",
            "read_837p",
            "validate",
            "write_837p",
            "write_837p_file",
        ]
    )
    for name in x12.__all__:
        assert getattr(x12, name) is not None
    assert callable(x12.validate)  # the function, not the submodule of the same name


@pytest.mark.parametrize(
    "junk",
    [
        "",  # empty
        " \n\t ",  # white space only
        "ISA",  # far too short
        "x" * 200_000,  # huge, no ISA
        "١٢٣٤٥" * 50,  # unicode digits
        b"\xff\xfe" + "ISA".encode("utf-16-le"),  # UTF-16
        GOOD_837[: len(GOOD_837) // 2],  # truncated mid-file
        GOOD_837.replace("~", "~\n").replace("ST*837", "ST*837\x00", 1),  # control byte glued to an element
        GOOD_837.replace("SE*", "XX*", 1),  # SE missing: wrong envelope
        GOOD_837.replace("CLM*", "CLM*\u00e9", 1),  # non-ASCII
        GOOD_837.replace("HL*2*1*22*0", "HL*2*1*99*0", 1),  # unknown hierarchy level
        GOOD_837.replace("ST*837*0001*005010X222A1", "ST*837*0001*005010X223A2", 1),  # an 837I
        GOOD_837.replace("GS*HC", "GS*HC", 1).replace("GE*1*1", "GE*3*1"),  # wrong GE count
        GOOD_837.replace("DTP*472*D8*20250303", "DTP*472*D8*20251303", 1),  # impossible date
        GOOD_837.replace("SV1*HC:99214*150", "SV1*HC:99214*ABC", 1),  # amount not a number
        GOOD_837.replace("CLM*C1001*175.5", "CLM*C1001*175", 1),  # claim total is not the sum of its lines
    ],
)
def test_837p_reader_junk(junk) -> None:
    with pytest.raises(X12Error):
        read_837p(junk)


@pytest.mark.parametrize("junk", ["", "ISA", "x" * 10_000, b"\x00" * 300])
def test_835_reader_and_validate_junk(junk) -> None:
    with pytest.raises(X12Error):
        read_835(junk)
    assert validate(junk)  # reported, not raised


def test_837_file_is_not_an_835() -> None:
    with pytest.raises(X12Error, match="837"):
        read_835(GOOD_837)


def test_file_objects_and_paths(tmp_path) -> None:
    path = tmp_path / "c.837"
    path.write_text(GOOD_837.replace("~", "~\r\n"))
    assert len(read_837p(path)) == 2
    assert len(read_837p(str(path))) == 2
    assert len(read_837p(io.BytesIO(path.read_bytes()))) == 2
    assert len(read_837p(io.StringIO(GOOD_837))) == 2
    with pytest.raises(X12Error, match="cannot open"):
        read_837p(tmp_path / "missing.837")


@settings(max_examples=30, deadline=None)
@given(claim=claims(), cut=st.integers(0, 5000), byte=st.integers(0, 255))
def test_mutated_files_never_raise_anything_else(claim, cut, byte) -> None:
    """Truncate or corrupt one byte anywhere: either it still reads, or X12Error."""
    text = write_837p([claim], submitter=SUBMITTER, created=datetime(2025, 1, 2))
    position = cut % len(text)
    for variant in (text[:position], text[:position] + chr(byte) + text[position + 1 :]):
        try:
            read_837p(variant)
        except X12Error as exc:
            assert exc.segment_number is not None or "empty" in str(exc) or "ISA" in str(exc)


# ---- strict reading: every reader refusal is typed, located, and reported by validate too ----------
NOT_AMOUNTS = ["inf", "1e999", "Infinity", "nan", "1_0", "1,234.00", "-", "1.2.3", "1" * 25]


@pytest.mark.parametrize("value", NOT_AMOUNTS)
@pytest.mark.parametrize(
    ("original", "element"),
    [
        ("BPR*I*100*", "BPR02"),  # payment total
        ("CLP*C1001*1*175.5*", "CLP03"),  # claim charge
        ("SVC*HC:99214*150*", "SVC02"),  # line charge
        ("CAS*CO*45*50~", "CAS03"),  # adjustment amount
    ],
)
def test_835_amounts_must_be_x12_decimals(value: str, original: str, element: str) -> None:
    number = original.rstrip("*~").rsplit("*", 1)[1]
    bad = ERA.replace(original, original.replace(f"*{number}", f"*{value}", 1), 1)
    with pytest.raises(X12Error, match=rf"{element} .* is not an X12 decimal amount") as raised:
        read_835(bad)
    segment = bad[: bad.index(original.split("*")[0] + "*" + original.split("*")[1])].count("~") + 1
    assert raised.value.segment_number == segment
    assert bad[raised.value.position :].startswith(value)  # the byte position of the element itself
    assert any(p.segment_number == segment and element in p.reason for p in validate(bad))


@pytest.mark.parametrize("value", NOT_AMOUNTS)
def test_837p_amounts_must_be_x12_decimals(value: str) -> None:
    bad = GOOD_837.replace("SV1*HC:99214*150*", f"SV1*HC:99214*{value}*", 1)
    with pytest.raises(X12Error, match=r"SV102 .* is not an X12 decimal amount") as raised:
        read_837p(bad)
    assert bad[raised.value.position :].startswith(value)
    assert any(p.segment_number == raised.value.segment_number for p in validate(bad))


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (
            ERA.replace("*20250312~", "*99991231~"),
            "BPR16 '99991231' is outside the dates",
        ),  # past pandas' range
        (ERA.replace("DTM*472*20250303", "DTM*472*00010101", 1), "DTM02 '00010101' is outside the dates"),
        (ERA.replace("DTM*472*20250303", "DTM*472*2025033", 1), "not a CCYYMMDD date"),  # 7 digits
        (ERA.replace("DTM*472*20250303", "DTM*472*20250230", 1), "not a calendar date"),
        (ERA.replace("PAYER01        *", "PAYER01       *", 1), "ISA is 105 characters.*ISA06"),
        (ERA.replace("005010X221A1", "004010X091A1"), "GS08 '004010X091A1' \\(version 4010\\)"),
        (ERA.replace("ST*835*0001~", "ST*835*0001*004010X091A1~"), "ST03 '004010X091A1'"),
        (ERA.encode("utf-16"), "UTF-16"),  # with a byte-order mark
        (ERA.encode("utf-16-le"), "UTF-16"),  # without one
        (ERA.replace("LX*1~", "LX*1~REF*EV*" + "A" * 70_000 + "~"), "longer than any X12 segment"),  # huge
    ],
)
def test_835_strict_reading(bad, message: str) -> None:
    with pytest.raises(X12Error, match=message):
        read_835(bad)
    problems = validate(bad)
    assert problems and any(re.search(message, p.reason) for p in problems), problems


def test_isa11_u_of_4010_is_read_as_no_repetition_separator() -> None:
    text = ERA.replace("*250310*1200*^*00501*", "*250310*1200*U*00501*", 1)
    assert read_835(text).total_paid == read_835(ERA).total_paid
    caret = (
        text.replace("*:~", "*^~", 1).replace("HC:83036:QW", "HC^83036^QW").replace("HC:", "HC^")
    )  # U with ^ as the component separator
    assert list(read_835(caret).lines["procedure_code"]) == ["99214", "83036"]


def test_837p_of_4010_is_refused_with_its_version() -> None:
    bad = GOOD_837.replace("005010X222A1", "004010X098A1")
    with pytest.raises(X12Error, match="ST03 '004010X098A1' \\(version 4010\\)"):
        read_837p(bad)
    assert any("4010" in p.reason for p in validate(bad))


@settings(max_examples=40, deadline=None)
@given(cut=st.integers(0, 5000), byte=st.integers(0, 255), repeat=st.integers(1, 3))
def test_mutated_835s_end_in_typed_errors(cut: int, byte: int, repeat: int) -> None:
    """Truncate, corrupt a byte, or double a separator: read_835 reads or raises X12Error, validate
    never raises, and what read refuses validate reports."""
    position = cut % len(ERA)
    for variant in (
        ERA[:position],
        ERA[:position] + chr(byte) + ERA[position + 1 :],
        ERA[:position] + ERA[position] * repeat + ERA[position:],
        (ERA[:position] + chr(byte) + ERA[position + 1 :]).encode("latin-1"),
    ):
        problems = validate(variant)
        try:
            read_835(variant)
        except X12Error:
            assert problems, variant


def test_a_public_utf16_sample_is_named_as_utf16(shared_data) -> None:
    path = shared_data("x12/837p/oopfactory__UnicodeExample.txt")
    with pytest.raises(X12Error, match="UTF-16"):
        read_837p(path)
    assert any("UTF-16" in p.reason for p in validate(path))
