"""One ICD-10-CM release in memory: lookups, hierarchy, notes, and its tables.

The hot path (``get``, ``is_billable``) is a bisect over the sorted codes (a dict hit once a text
has been asked for) plus a slice of one big title string; ``Code`` objects are made on first
request and kept. Notes stay packed and are decoded one at a time. The scrubber's vectorised path
(``rows_of``, ``flags``, ``title_of``, ``billable_under``, ``notes_of_kind``) reads these same fields;
pandas is imported only for ``.table`` / ``.notes_table``, which nothing in a scrub builds.
"""

from __future__ import annotations

import dataclasses
import itertools
from bisect import bisect_left
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from medbill.exceptions import InvalidArgument, UnknownCode
from medbill.refdata.icd10cm import _format
from medbill.refdata.icd10cm._model import (
    BLOCK,
    CATEGORY,
    CHAPTER,
    KIND_NAMES,
    NOTE_KIND_NAMES,
    PackedNotes,
    unpack_array,
)
from medbill.refdata.store import Provenance

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from medbill.refdata._types import Hit


@dataclasses.dataclass(frozen=True, slots=True)
class Code:
    """One row of a release: a chapter, block, category, subcategory or (billable) code."""

    code: str  # compact: "S52521A"; chapters "4", blocks "E08-E13"
    display: str  # "S52.521A"
    title: str
    billable: bool
    kind: str  # chapter, block, category, subcategory, code
    parent: str | None  # compact code of the parent row (a block for categories)
    chapter: str | None  # chapter number, "4"
    block: str | None  # block id, "E08-E13"
    requires_7th: bool  # a header whose billable codes carry a 7th character
    release: str


@dataclasses.dataclass(frozen=True, slots=True)
class Note:
    """A tabular note shown for a code; ``inherited`` when it is written on an ancestor."""

    kind: str  # inclusion, includes, excludes1, excludes2, code_first, use_additional, code_also, seven_chr_def, note
    text: str
    source_code: str  # compact code (or chapter number / block id) the note is written on
    inherited: bool
    refs: tuple[str, ...]  # compact code prefixes referenced in the text, e.g. "(E10.-)" -> ("E10",)
    release: str = ""  # the release the note was taken from (an order-file release borrows notes)


@dataclasses.dataclass(frozen=True, slots=True)
class Excludes1Conflict:
    """Two codes that an Excludes1 note keeps apart: ``code``'s note (written on ``owner``, the code
    itself or an ancestor: subcategory, category, section or chapter) excludes ``excluded``."""

    code: str  # compact
    excluded: str  # compact
    owner: str  # compact code, block id ("A15-A19") or chapter number ("1")
    text: str

    def describe(self) -> str:
        """One sentence for a coder, codes dotted, with the exception of Guidelines I.A.12.a."""
        return (
            f"{_format.format_compact(self.code)} has an Excludes1 note for "
            f"{_format.format_compact(self.excluded)} (on {owner_display(self.owner)}: {self.text}). "
            f"{EXCLUDES1_EXCEPTION}"
        )


EXCLUDES1_EXCEPTION = (
    "Excludes1 means the two are not coded together, with one exception (Guidelines I.A.12.a): when "
    "the two conditions are unrelated to each other, both are reported; query the provider when the "
    "record does not make that clear."
)


def owner_display(owner: str) -> str:
    """Where a note is written, as the tabular shows it: "J45", "section A15-A19", "chapter 1"."""
    if owner.isdigit():
        return f"chapter {owner}"
    if "-" in owner:
        return f"section {owner}"
    return _format.format_compact(owner)


_MEMO_LIMIT = 400_000  # bounds the memo of input texts (spacing variants are unbounded)


class Release:
    """A loaded release. Build with :meth:`from_packed`; obtain through ``icd10cm.release(name)``."""

    def __init__(self, provenance: Provenance, packed: dict[str, Any]) -> None:
        self.provenance = provenance
        self.name = provenance.release
        self.codes: list[str] = packed["codes"].split("\n")
        self._titles: str = packed["titles"]
        self._title_ends = unpack_array("I", packed["title_ends"])
        self._kinds: bytes = packed["kinds"]
        self._billable_flags: bytes = packed["billable"]
        self._parents = unpack_array("i", packed["parents"])
        self._requires_7th: bytes = packed["requires_7th"]
        self._sorted_rows = unpack_array("i", packed["sorted_rows"])
        self._sorted: list[str] = list(map(self.codes.__getitem__, self._sorted_rows))  # same objects
        self._n = len(self.codes)
        # only the notes stay packed (decoded a note at a time); the rest is in the fields above
        self._packed = {k: v for k, v in packed.items() if k.startswith("note_")}
        self._packed_notes: PackedNotes | None = None
        self._row_notes: dict[int, list[tuple[str, str, tuple[str, ...]]]] = {}  # rows asked for only
        # an order-file release has no notes of its own: they are the named XML release's
        self.notes_from: str = packed.get("notes_from") or self.name
        # input text as given (and compact code) -> Code, filled on first request of each
        self._memo: dict[str, Code] = {}
        self._by_row: dict[int, Code] = {}
        self._billable_codes: frozenset[str] | None = None
        self._children: dict[int, list[int]] | None = None
        self._table: pd.DataFrame | None = None
        self._notes_table: pd.DataFrame | None = None
        self._search_index: Any = None
        self._sorted_array: np.ndarray | None = None
        self._excludes1: dict[int, tuple[int, ...]] = {}

    def _share_codes(self, other: Release) -> None:
        """Hold the codes ``other`` also has as ``other``'s string objects: releases share most of
        their codes, so a second release costs only the codes it adds (called once, on load)."""
        same = dict(zip(other.codes, other.codes, strict=True))
        self.codes = [same.get(c, c) for c in self.codes]
        self._sorted = list(map(self.codes.__getitem__, self._sorted_rows))

    def __repr__(self) -> str:
        p = self.provenance
        return f"<ICD-10-CM {self.name} {p.effective_from}..{p.effective_to}: {len(self.billable_codes):,} billable>"

    def __len__(self) -> int:
        return len(self.codes)

    @property
    def billable_codes(self) -> frozenset[str]:
        """Compact codes of every billable code."""
        if self._billable_codes is None:
            self._billable_codes = frozenset(itertools.compress(self.codes, self._billable_flags))
        return self._billable_codes

    def _find(self, key: str) -> int:
        """Row of a compact key (code, chapter number or block id), -1 when absent."""
        i = bisect_left(self._sorted, key)
        if i < self._n and self._sorted[i] == key:
            return self._sorted_rows[i]
        return -1

    # -- many codes at once (the scrubber's path: arrays over the fields above, no table) ----------
    def rows_of(self, codes: np.ndarray) -> np.ndarray:
        """Row of each compact code string in ``codes`` (an object array), -1 where absent; vectorised.

        Raises ``InvalidArgument`` when an element is not text (compact codes first: "E11.9" is absent).
        """
        import numpy as np

        if self._sorted_array is None:  # the sorted codes' own string objects: 8 bytes a code
            self._sorted_array = np.array(self._sorted, dtype=object)
        ordered = self._sorted_array
        if not self._n:
            return np.full(len(codes), -1)
        try:
            at = np.minimum(np.searchsorted(ordered, codes), self._n - 1)
        except TypeError:  # a value that does not compare with text
            raise InvalidArgument(
                f"rows_of takes compact ICD-10-CM codes as text; {codes[:5]!r:.120} holds other values."
            ) from None
        found = ordered[at] == codes
        return np.where(found, np.frombuffer(self._sorted_rows, dtype=np.int32)[at], -1)

    def flags(self, name: str) -> np.ndarray:
        """Boolean flag per row, ``billable`` or ``requires_7th``: a view of the release's bytes."""
        import numpy as np

        held = {"billable": self._billable_flags, "requires_7th": self._requires_7th}.get(name)
        if held is None:
            raise InvalidArgument(f"Release.flags takes 'billable' or 'requires_7th', not {name!r:.60}.")
        return np.frombuffer(held, dtype=np.bool_)

    def title_of(self, key: str) -> str:
        """Title of a compact code, block id or chapter number; "" when the release has no such row."""
        row = self._find(key)
        return self._title(row) if row >= 0 else ""

    def billable_under(self, prefix: str) -> list[str]:
        """Compact billable codes that start with ``prefix`` (a compact header), in code order."""
        out = []
        i = bisect_left(self._sorted, prefix)
        while i < self._n and self._sorted[i].startswith(prefix):
            if self._billable_flags[self._sorted_rows[i]]:
                out.append(self._sorted[i])
            i += 1
        return out

    # -- rows -----------------------------------------------------------------------------------
    def _title(self, row: int) -> str:
        start = self._title_ends[row - 1] if row else 0
        return self._titles[start : self._title_ends[row]]

    def _ancestor_of_kind(self, row: int, kind: int) -> int:
        while row >= 0 and self._kinds[row] != kind:
            row = self._parents[row]
        return row

    def _code(self, row: int) -> Code:
        found = self._by_row.get(row)
        if found is None:
            key = self.codes[row]
            kind = self._kinds[row]
            parent = self._parents[row]
            chapter = self._ancestor_of_kind(row, CHAPTER)
            block = self._ancestor_of_kind(row, BLOCK)
            found = Code(
                code=key,
                display=_format.format_compact(key) if kind >= CATEGORY else key,
                title=self._title(row),
                billable=bool(self._billable_flags[row]),
                kind=KIND_NAMES[kind],
                parent=self.codes[parent] if parent >= 0 else None,
                chapter=self.codes[chapter] if chapter >= 0 else None,
                block=self.codes[block] if block >= 0 else None,
                requires_7th=bool(self._requires_7th[row]),
                release=self.name,
            )
            self._by_row[row] = found
        return found

    def _row(self, code: Any) -> int:
        """Row of a code given in any forgiving form; InvalidFormat for malformed, UnknownCode if absent."""
        key = _format.compact(code)
        row = self._find(key)
        if row < 0:
            raise UnknownCode(
                f"ICD-10-CM code {_format.format_compact(key)!r} is not in release {self.name} "
                f"({self.provenance.effective_from} to {self.provenance.effective_to}). "
                "Check the code, or look it up for another date of service with on=YYYY-MM-DD."
            )
        return row

    # -- the verb set -----------------------------------------------------------------------------
    def get(self, code: Any, default: Code | None = None) -> Code | None:
        """The code's record, or ``default`` when it is malformed or not in this release (never raises)."""
        found = self._memo.get(code) if type(code) is str else None
        if found is not None:
            return found
        try:
            return self.lookup(code)
        except ValueError:  # InvalidFormat, UnknownCode
            return default

    def lookup(self, code: Any) -> Code:
        """The code's record; raises ``InvalidFormat`` or ``UnknownCode``."""
        found = self._memo.get(code) if type(code) is str else None
        if found is None:
            found = self._code(self._row(code))
            if len(self._memo) < _MEMO_LIMIT:
                self._memo[code] = (
                    found  # also under the text as given: the next identical call is one dict hit
                )
        return found

    def is_valid(self, code: Any) -> bool:
        """True when the code (header or billable) exists in this release; never raises."""
        return self.get(code) is not None

    def is_billable(self, code: Any) -> bool:
        """True when the code is a billable (valid for submission) code of this release; never raises."""
        found = self._memo.get(code) if type(code) is str else None
        if found is not None:
            return found.billable
        try:
            row = self._find(_format.compact(code))
        except ValueError:
            return False
        return row >= 0 and self._billable_flags[row] == 1

    # -- hierarchy --------------------------------------------------------------------------------
    def parent(self, code: Any) -> Code | None:
        """The parent row (a block for a category, a chapter for a block), None for a chapter."""
        p = self._parents[self._row_any(code)]
        return self._code(p) if p >= 0 else None

    def children(self, code: Any) -> list[Code]:
        """Direct children in tabular order."""
        if self._children is None:
            kids: dict[int, list[int]] = {}
            for row, p in enumerate(self._parents):
                kids.setdefault(p, []).append(row)
            self._children = kids
        return [self._code(r) for r in self._children.get(self._row_any(code), [])]

    def ancestors(self, code: Any) -> list[Code]:
        """Parent, grandparent, ... up to and including the chapter."""
        out = []
        row = self._parents[self._row_any(code)]
        while row >= 0:
            out.append(self._code(row))
            row = self._parents[row]
        return out

    def chapter(self, code: Any) -> Code:
        """The chapter row of a code (``.code`` is the chapter number, ``.title`` its title)."""
        return self._code(self._ancestor_of_kind(self._row_any(code), CHAPTER))

    def block(self, code: Any) -> Code:
        """The block (section) row of a code (``.code`` like "E08-E13")."""
        row = self._ancestor_of_kind(self._row_any(code), BLOCK)
        if row < 0:
            raise UnknownCode(f"{code!r} is a chapter; chapters have no block.")
        return self._code(row)

    def _row_any(self, code: Any) -> int:
        """Like ``_row`` but also accepts ``Code`` objects, chapter numbers and block ids as stored."""
        if isinstance(code, Code):
            code = code.code
        if type(code) is str and (row := self._find(code)) >= 0:
            return row
        return self._row(code)

    # -- notes ------------------------------------------------------------------------------------
    @property
    def _note_columns(self) -> PackedNotes:
        if self._packed_notes is None:
            self._packed_notes = PackedNotes(self._packed)
        return self._packed_notes

    def _notes_of_row(self, row: int) -> list[tuple[str, str, tuple[str, ...]]]:
        """(kind, text, refs) of the notes written on one row, decoded on the row's first request."""
        found = self._row_notes.get(row)
        if found is None:
            notes = self._note_columns
            found = self._row_notes[row] = [
                (notes.kind(i), notes.text(i), notes.refs(i)) for i in notes.of_row(row)
            ]
        return found

    def notes_of_kind(self, kind: str) -> list[tuple[str, str, tuple[str, ...]]]:
        """Every note of one kind as written (not inherited), in the release's order: (compact code,
        block id or chapter number it is written on, text, referenced code prefixes)."""
        if kind not in NOTE_KIND_NAMES:
            raise InvalidArgument(
                f"Unknown ICD-10-CM note kind {kind!r:.60}; kinds: {', '.join(NOTE_KIND_NAMES)}."
            )
        notes = self._note_columns
        return [(self.codes[notes.rows[i]], notes.text(i), notes.refs(i)) for i in notes.of_kind(kind)]

    def notes(self, code: Any, inherited: bool = True) -> list[Note]:
        """Notes written on the code and, when ``inherited``, on its ancestors up to the chapter.

        Instructional notes (includes, excludes1/2, code first, use additional code, code also,
        7th-character definitions, chapter and section notes) apply to everything below where they
        are written, so they are inherited. Inclusion terms describe the one code they are listed
        under; they are inherited only by the 7th-character codes made from that code. A nearer
        ``sevenChrDef`` replaces a farther one. Order: the code's own notes, then its parent's, ...
        """
        row = self._row_any(code)
        out: list[Note] = []
        own_row = row
        seven_row = -1  # the nearest row with a sevenChrDef; farther ones are replaced by it
        while row >= 0:
            is_own = row == own_row
            # a 7th-character code shares the inclusion terms of the header it was made from
            base_of_7th = not is_own and row == self._parents[own_row] and self._requires_7th[row] == 1
            for kind, text, refs in self._notes_of_row(row):
                if kind == "inclusion" and not (is_own or base_of_7th):
                    continue
                if kind == "seven_chr_def":
                    if seven_row not in (-1, row):
                        continue
                    seven_row = row
                out.append(Note(kind, text, self.codes[row], not is_own, refs, self.notes_from))
            if not inherited:
                break
            row = self._parents[row]
        return out

    def excludes1_conflicts(self, codes: Iterable[Any]) -> list[Excludes1Conflict]:
        """The Excludes1 conflicts among ``codes``: the one rule the scrubber and the teaching checker
        share.

        A code's Excludes1 notes are those written on it and on every ancestor up to its chapter
        (a note on section A15-A19 excludes P37.0 from A15.0 as a note on A15 would); a note
        excludes each code that starts with a code it names ("(E10.-)" names E10, so E10.9).
        Codes that are malformed or absent from the release are left out (other checks report
        them). One conflict per unordered pair, the first code given first; ``code`` and
        ``excluded`` are compact.
        """
        keys: dict[str, int] = {}
        for code in codes:
            try:
                key = _format.compact(code)
            except ValueError:
                continue
            row = self._find(key)
            if row >= 0:
                keys.setdefault(key, row)
        ordered = sorted(keys)
        out: list[Excludes1Conflict] = []
        seen: set[frozenset[str]] = set()
        for key, row in keys.items():
            for owner, text, refs in self._excludes1_of(row):
                for ref in refs:
                    i = bisect_left(ordered, ref)
                    while i < len(ordered) and ordered[i].startswith(ref):
                        other, i = ordered[i], i + 1
                        pair = frozenset((key, other))
                        if other != key and pair not in seen:
                            seen.add(pair)
                            out.append(Excludes1Conflict(key, other, owner, text))
        return out

    def _excludes1_of(self, row: int) -> list[tuple[str, str, tuple[str, ...]]]:
        """(owner, text, refs) of the Excludes1 notes over one row, nearest owner first."""
        notes = self._note_columns
        return [(self.codes[notes.rows[i]], notes.text(i), notes.refs(i)) for i in self._excludes1_notes(row)]

    def _excludes1_notes(self, row: int) -> tuple[int, ...]:
        """Positions of the Excludes1 notes over one row, nearest owner first (memoised per row)."""
        found = self._excludes1.get(row)
        if found is None:
            notes = self._note_columns
            excludes1 = NOTE_KIND_NAMES.index("excludes1")
            own = tuple(i for i in notes.of_row(row) if notes.kinds[i] == excludes1)
            parent = self._parents[row]
            found = own + self._excludes1_notes(parent) if parent >= 0 else own
            if len(self._excludes1) < _MEMO_LIMIT:
                self._excludes1[row] = found
        return found

    # -- tables -----------------------------------------------------------------------------------
    @property
    def table(self) -> pd.DataFrame:
        """All rows, indexed by compact code (chapters by number, blocks by "FIRST-LAST")."""
        if self._table is None:
            from medbill.refdata.icd10cm._tables import release_table

            self._table = release_table(self)
        return self._table

    @property
    def notes_table(self) -> pd.DataFrame:
        """Every note as written (not inherited): code, kind, text, refs."""
        if self._notes_table is None:
            from medbill.refdata.icd10cm._tables import notes_table

            self._notes_table = notes_table(self)
        return self._notes_table

    def search(self, text: str, limit: int = 10) -> list[Hit]:
        """Ranked text search over titles and inclusion terms; see :mod:`medbill.refdata.icd10cm.text_search`."""
        from medbill.refdata.icd10cm.text_search import search_release

        return search_release(self, text, limit)
