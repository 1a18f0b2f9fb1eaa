"""The compiled form of one ICD-10-CM release: plain columns that pickle and load fast.

Rows are chapters, blocks (sections), categories, subcategories and codes in tabular order. The
scalar hot path needs only the standard library (no pandas, no numpy), so a first lookup stays
cheap; DataFrames and the search index are built on demand.
"""

from __future__ import annotations

import bisect
import dataclasses
import itertools
import re
from array import array
from datetime import date
from typing import Any

# Row kinds, stored as one byte per row.
CHAPTER, BLOCK, CATEGORY, SUBCATEGORY, CODE = range(5)
KIND_NAMES = ("chapter", "block", "category", "subcategory", "code")

# Note kinds: CDC XML element name -> medbill kind.
NOTE_KINDS = {
    "inclusionTerm": "inclusion",
    "includes": "includes",
    "excludes1": "excludes1",
    "excludes2": "excludes2",
    "codeFirst": "code_first",
    "useAdditionalCode": "use_additional",
    "codeAlso": "code_also",
    "notes": "note",
    "sevenChrNote": "note",
    "sevenChrDef": "seven_chr_def",
}

# A category is a letter and two letters or digits, one of them a digit (E11, C4A, QA0), as in
# _format.SHAPE; the digit keeps words in parentheses ("(HIV)", "(AIDS)") from reading as codes.
_CODE = r"[A-Z](?:[0-9][0-9A-Z]|[A-Z][0-9])(?:\.[0-9A-Z]{1,4})?"
# A code, then either a range "-CODE", or the "continue here" dash of "E10.-" / "R76.1-".
_REF = re.compile(rf"\b({_CODE})(?:\s*-\s*({_CODE})|\.?-)?")
_PAREN = re.compile(r"\(([^()]*)\)")


@dataclasses.dataclass
class ReleaseData:
    """Columns of one release; ``notes`` rows are ``(row, kind, text, refs)``."""

    version: str
    codes: list[str]  # compact code, or chapter number ("4"), or block id ("E08-E13")
    titles: list[str]
    kinds: bytes
    billable: bytes
    parents: array  # row index of the parent, -1 for chapters
    requires_7th: bytes
    notes: list[tuple[int, str, str, tuple[str, ...]]]
    contents: str  # what this release holds, for provenance

    def __len__(self) -> int:
        return len(self.codes)

    def pack(self) -> dict[str, Any]:
        """A few large strings and byte strings: unpickling them is a memory copy, not 100k objects."""
        return {
            "format": PACK_FORMAT,
            "version": self.version,
            "contents": self.contents,
            "codes": "\n".join(self.codes),
            # lookups bisect this sorted list (C speed) instead of building a 100k-entry dict at load
            "sorted_codes": "\n".join(sorted(self.codes)),
            "sorted_rows": array("i", sorted(range(len(self.codes)), key=self.codes.__getitem__)).tobytes(),
            "titles": "".join(self.titles),
            "title_ends": array("I", itertools.accumulate(len(t) for t in self.titles)).tobytes(),
            "kinds": self.kinds,
            "billable": self.billable,
            "parents": self.parents.tobytes(),
            "requires_7th": self.requires_7th,
            "note_rows": array("i", [n[0] for n in self.notes]).tobytes(),
            "note_kinds": "\n".join(n[1] for n in self.notes),
            "note_texts": "\n".join(n[2] for n in self.notes),
            "note_refs": "\n".join(",".join(n[3]) for n in self.notes),
        }


PACK_FORMAT = 4  # bump when the packed layout or parsing rules change (part of every cache key)


def unpack_notes(packed: dict[str, Any]) -> list[tuple[int, str, str, tuple[str, ...]]]:
    """Decode the notes of a packed release (done on first use of notes only)."""
    rows = array("i")
    rows.frombytes(packed["note_rows"])
    if not rows:
        return []
    kinds = packed["note_kinds"].split("\n")
    texts = packed["note_texts"].split("\n")
    refs = [tuple(r.split(",")) if r else () for r in packed["note_refs"].split("\n")]
    return list(zip(rows, kinds, texts, refs, strict=True))


class TabularOrder:
    """Codes (compact, categories and below) in tabular order, grouped by length, for note ranges.

    A range in a note follows the tabular list, not the alphabet: "(C43-C44)" holds C4A, which the
    tabular places between C43 and C44 although "C4A" sorts after "C49".
    """

    def __init__(self, codes: list[str]) -> None:
        self.by_length: dict[int, list[str]] = {}
        for code in codes:
            self.by_length.setdefault(len(code), []).append(code)
        self.position = {c: i for same in self.by_length.values() for i, c in enumerate(same)}
        self.sorted = {n: sorted(same) for n, same in self.by_length.items()}

    def between(self, lo: str, hi: str) -> list[str]:
        """Codes of the length of ``lo`` from ``lo`` to ``hi`` in tabular order; when either end is
        not in the release, the codes that sort between them."""
        same = self.by_length.get(len(lo), [])
        i, j = self.position.get(lo), self.position.get(hi)
        if i is not None and j is not None and i <= j:
            return same[i : j + 1]
        ordered = self.sorted.get(len(lo), [])
        return ordered[bisect.bisect_left(ordered, lo) : bisect.bisect_right(ordered, hi)]


def code_refs(text: str, order: TabularOrder) -> tuple[str, ...]:
    """Compact code prefixes referenced in parentheses in a note's text.

    "(E10.-)" -> ("E10",); "(R76.1-)" -> ("R761",); a range "(E08-E13)" or "(E11.0-E11.8)" expands
    to the codes of that length present in the release from the first to the last in tabular order
    (E08, E09, E10, E11, E13). Order of first mention, no duplicates.
    """
    out: list[str] = []
    for group in _PAREN.findall(text):
        for first, last in _REF.findall(group):
            a = first.replace(".", "")
            if last:
                b = last.replace(".", "")
                size = min(len(a), len(b))
                out.extend(order.between(a[:size], b[:size]))
            else:
                out.append(a)
    return tuple(dict.fromkeys(out))


def fiscal_year_dates(year: int) -> tuple[date, date]:
    """ICD-10-CM fiscal year ``year`` runs October 1 of the year before to September 30."""
    return date(year - 1, 10, 1), date(year, 9, 30)
