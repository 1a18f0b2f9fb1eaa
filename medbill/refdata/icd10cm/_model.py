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
NOTE_KIND_NAMES = tuple(dict.fromkeys(NOTE_KINDS.values()))  # packed as one byte per note

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
            # lookups bisect the codes in this order (C speed) instead of building a 100k-entry dict
            "sorted_rows": array("i", sorted(range(len(self.codes)), key=self.codes.__getitem__)).tobytes(),
            "titles": "".join(self.titles),
            "title_ends": _ends(self.titles),
            "kinds": self.kinds,
            "billable": self.billable,
            "parents": self.parents.tobytes(),
            "requires_7th": self.requires_7th,
            "note_rows": array("i", [n[0] for n in self.notes]).tobytes(),
            "note_kinds": bytes(NOTE_KIND_NAMES.index(n[1]) for n in self.notes),
            "note_texts": "".join(n[2] for n in self.notes),
            "note_text_ends": _ends([n[2] for n in self.notes]),
            "note_refs": "".join(",".join(n[3]) for n in self.notes),
            "note_ref_ends": _ends([",".join(n[3]) for n in self.notes]),
        }


PACK_FORMAT = 5  # bump when the packed layout or parsing rules change (part of every cache key)


def _ends(texts: list[str]) -> bytes:
    """End offset of each text in their concatenation, as packed ``array("I")`` bytes."""
    return array("I", itertools.accumulate(len(t) for t in texts)).tobytes()


def unpack_array(kind: str, packed: bytes) -> array:
    out = array(kind)
    out.frombytes(packed)
    return out


class PackedNotes:
    """The notes of a packed release, decoded one note at a time (a release holds 25-30k notes, and
    a scrub or a lookup reads a few of them): rows, kinds, texts and references stay the few
    strings and arrays they were unpickled as.

    Note ``i`` is written on row ``rows[i]``; notes are in the order the release lists them.
    """

    def __init__(self, packed: dict[str, Any]) -> None:
        self.rows = unpack_array("i", packed["note_rows"])
        self.kinds: bytes = packed["note_kinds"]
        self._texts: str = packed["note_texts"]
        self._text_ends = unpack_array("I", packed["note_text_ends"])
        self._refs: str = packed["note_refs"]
        self._ref_ends = unpack_array("I", packed["note_ref_ends"])
        self._decoded_refs: dict[int, tuple[str, ...]] = {}
        self._by_row: array | None = None  # note positions sorted by row, made on first ``of_row``
        self._row_of_sorted = array("i")

    def __len__(self) -> int:
        return len(self.rows)

    def kind(self, i: int) -> str:
        return NOTE_KIND_NAMES[self.kinds[i]]

    def text(self, i: int) -> str:
        return self._texts[self._text_ends[i - 1] if i else 0 : self._text_ends[i]]

    def refs(self, i: int) -> tuple[str, ...]:
        """Code prefixes note ``i`` names, decoded once (a range such as "(C00-C96)" names hundreds)."""
        found = self._decoded_refs.get(i)
        if found is None:
            joined = self._refs[self._ref_ends[i - 1] if i else 0 : self._ref_ends[i]]
            found = self._decoded_refs[i] = tuple(joined.split(",")) if joined else ()
        return found

    def of_row(self, row: int) -> list[int]:
        """Positions of the notes written on ``row``, in the release's order."""
        if self._by_row is None:  # stable: the notes of a row keep their order
            self._by_row = array("i", sorted(range(len(self.rows)), key=self.rows.__getitem__))
            self._row_of_sorted = array("i", (self.rows[i] for i in self._by_row))
        lo = bisect.bisect_left(self._row_of_sorted, row)
        hi = bisect.bisect_right(self._row_of_sorted, row, lo)
        return list(self._by_row[lo:hi])

    def of_kind(self, kind: str) -> list[int]:
        """Positions of the notes of one kind, in the release's order."""
        wanted = NOTE_KIND_NAMES.index(kind)
        return [i for i, k in enumerate(self.kinds) if k == wanted]

    def all(self) -> list[tuple[int, str, str, tuple[str, ...]]]:
        """Every note as ``(row, kind, text, refs)``."""
        return [(self.rows[i], self.kind(i), self.text(i), self.refs(i)) for i in range(len(self))]


def unpack_notes(packed: dict[str, Any]) -> list[tuple[int, str, str, tuple[str, ...]]]:
    """Decode every note of a packed release (for tables, search and borrowing notes)."""
    return PackedNotes(packed).all()


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
