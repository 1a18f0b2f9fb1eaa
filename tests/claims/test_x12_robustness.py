"""Hostile input to every X12 entry point: the documented X12Error, never another exception or a hang."""

from __future__ import annotations

import io
from datetime import datetime

import pytest
from claim_strategies import claims, make_claim
from hypothesis import given, settings
from hypothesis import strategies as st

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
