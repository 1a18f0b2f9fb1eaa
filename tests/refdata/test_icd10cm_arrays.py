"""The compact fields the scrubber reads from a release (rows_of, flags, title_of, billable_under,
notes_of_kind) agree with the release's tables and scalar verbs; notes survive packing."""

from __future__ import annotations

import re
from array import array

import numpy as np
import pytest

from medbill.exceptions import InvalidArgument
from medbill.refdata import icd10cm
from medbill.refdata.icd10cm._model import ReleaseData, unpack_notes


@pytest.fixture(scope="module", params=["FY2026", "FY2025"])
def rel(request: pytest.FixtureRequest) -> icd10cm.Release:
    return icd10cm.release(request.param)


@pytest.mark.parametrize(
    ("code", "found"),
    [
        ("S52521A", True),  # 7th character
        ("T07XXXD", True),  # X placeholders
        ("C4A", True),  # letter in the category (sorts after C49, sits between C43 and C44)
        ("M1A0110", True),  # 7 characters with a letter in the category
        ("E08-E13", True),  # a block id is a row
        ("4", True),  # a chapter number is a row
        ("E1199", False),  # well formed, not a code
        ("E11.9", False),  # not compact: the caller compacts first
        ("", False),
        ("ZZZZZZZZZZ", False),  # sorts after every code
        ("0", False),  # sorts before every code
    ],
)
def test_rows_of_matches_the_scalar_lookup(rel: icd10cm.Release, code: str, found: bool) -> None:
    [row] = rel.rows_of(np.array([code], dtype=object))
    assert (row >= 0) == found
    if found:
        assert rel.codes[row] == code


def test_rows_of_every_code(rel: icd10cm.Release) -> None:
    codes = np.array(rel.codes[::-1], dtype=object)  # any order in, each its own row out
    rows = rel.rows_of(codes)
    assert (np.array(rel.codes, dtype=object)[rows] == codes).all()


def test_flags_and_titles_agree_with_the_table(rel: icd10cm.Release) -> None:
    table = rel.table
    assert (rel.flags("billable") == table["billable"].to_numpy()).all()
    assert (rel.flags("requires_7th") == table["requires_7th"].to_numpy()).all()
    for key in ("S52521A", "E08-E13", "4", "C4A"):
        assert rel.title_of(key) == table.at[key, "title"]
    assert rel.title_of("E1199") == ""


@pytest.mark.parametrize(
    ("header", "first"),
    [
        ("E11", "E1100"),  # a category: every billable code below it, in code order
        ("S52521", "S52521A"),  # the base of 7th-character codes
        ("J189", "J189"),  # J18.9 is billable itself and has nothing below it
        ("U99", None),  # no such category
    ],
)
def test_billable_under(rel: icd10cm.Release, header: str, first: str | None) -> None:
    under = rel.billable_under(header)
    expected = sorted(c for c in rel.billable_codes if c.startswith(header))
    assert under == expected
    assert (under[0] if under else None) == first


@pytest.mark.parametrize("kind", ["excludes1", "code_first", "use_additional", "inclusion"])
def test_notes_of_kind_is_the_notes_table_filtered(kind: str) -> None:
    rel = icd10cm.release("FY2026")
    notes = rel.notes_table
    mine = notes[notes["kind"] == kind]
    assert rel.notes_of_kind(kind) == list(
        zip(mine["code"].astype(str), mine["text"].astype(str), mine["refs"], strict=True)
    )
    assert rel.notes_of_kind(kind)  # the FY2026 tabular has notes of each of these kinds


def test_notes_of_kind_empty_for_a_release_without_notes() -> None:
    assert icd10cm.release("FY2025").notes_of_kind("excludes1") == []


def test_notes_round_trip_through_the_pack() -> None:
    notes = [
        (2, "excludes1", "type 1 diabetes mellitus (E10.-)", ("E10",)),
        (0, "note", "Sézary disease, no references", ()),  # out of row order, accented
        (2, "use_additional", "code to identify control using:", ()),
        (1, "seven_chr_def", "A: initial encounter", ()),
        (2, "excludes1", "a range (E08-E09)", ("E08", "E09")),
    ]
    data = ReleaseData(
        version="2099",
        codes=["1", "E08-E13", "E11"],
        titles=["Chapter", "Block", "Category"],
        kinds=bytes([0, 1, 2]),
        billable=bytes(3),
        parents=array("i", [-1, 0, 1]),
        requires_7th=bytes(3),
        notes=notes,
        contents="test",
    )
    assert unpack_notes(data.pack()) == notes


def test_releases_share_the_code_strings_they_have_in_common() -> None:
    fy2025, fy2026 = icd10cm.release("FY2025"), icd10cm.release("FY2026")
    for code in ("E119", "S52521A", "T07XXXD"):
        assert fy2025.codes[fy2025._find(code)] is fy2026.codes[fy2026._find(code)]
    assert fy2025._sorted[0] is fy2025.codes[fy2025._sorted_rows[0]]  # the sorted view holds the same objects


@pytest.mark.parametrize(
    ("call", "says"),
    [
        (
            lambda r: r.rows_of(np.array(["E119", None], dtype=object)),
            "compact ICD-10-CM codes as text",
        ),  # a missing value
        (
            lambda r: r.rows_of(np.array(["E119", 3.5], dtype=object)),
            "compact ICD-10-CM codes as text",
        ),  # a number
        (lambda r: r.flags("bilable"), "'billable' or 'requires_7th'"),  # misspelt flag
        (lambda r: r.notes_of_kind("exclude1"), "Unknown ICD-10-CM note kind 'exclude1'"),  # misspelt kind
    ],
)
def test_bad_arguments_name_the_value(call, says: str) -> None:
    with pytest.raises(InvalidArgument, match=re.escape(says)):
        call(icd10cm.release("FY2026"))
