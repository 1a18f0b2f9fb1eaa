"""Read a CDC ICD-10-CM tabular XML file into :class:`ReleaseData`.

The tabular list nests ``chapter > section > diag > diag ...``. A ``diag`` with no child ``diag``
is billable, unless a ``sevenChrDef`` on it or its nearest ancestor applies: then it is a header
and each 7th character makes a billable code, padded with the placeholder X to six characters
(S52.521 + A -> S52.521A, T07 + D -> T07.XXXD), titled "<base title>, <7th-character meaning>".

One restriction exists only as prose in the XML (a note on category S06): 7th characters D and S do
not apply to S06 codes whose 6th character is 7 or 8 (death before regaining consciousness).
``SEVENTH_CHARACTER_LIMITS`` encodes it; without it the billable count exceeds the CDC's by 76.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from array import array
from typing import IO

from medbill.refdata.icd10cm._model import (
    BLOCK,
    CATEGORY,
    CHAPTER,
    CODE,
    NOTE_KINDS,
    SUBCATEGORY,
    ReleaseData,
    TabularOrder,
    code_refs,
)

# category -> (6th characters, the only 7th characters allowed with them)
SEVENTH_CHARACTER_LIMITS: dict[str, tuple[str, str]] = {"S06": ("78", "A")}


def parse_tabular(source: str | IO[bytes]) -> ReleaseData:
    """Parse a tabular XML file (path or binary file object). Raises ``ET.ParseError`` or ``ValueError``."""
    root = ET.parse(source).getroot()
    if root.tag != "ICD10CM.tabular":
        raise ValueError(f"root element is <{root.tag}>, not <ICD10CM.tabular>")
    version = (root.findtext("version") or "").strip()
    if not version.isdigit():
        raise ValueError(f"<version> is {version!r}, expected a year such as 2026")
    b = _Builder(version)
    for chapter in root.findall("chapter"):
        ch = b.add(_text(chapter, "name"), _text(chapter, "desc"), CHAPTER, -1, chapter)
        for section in chapter.findall("section"):
            sec = b.add(_block_id(section), _text(section, "desc"), BLOCK, ch, section)
            for diag in section.findall("diag"):
                b.diag(diag, sec, None)
    if not b.codes or not any(b.billable):
        raise ValueError("no chapters or billable codes found")
    return b.finish()


def _block_id(section: ET.Element) -> str:
    """Section id as "FIRST-LAST" even for one-category sections ("T07" -> "T07-T07"), so no block
    id equals a category code."""
    sid = section.get("id", "")
    return sid if "-" in sid or not sid else f"{sid}-{sid}"


def _text(elem: ET.Element, tag: str) -> str:
    found = elem.find(tag)
    if found is None or not (found.text or "").strip():
        raise ValueError(
            f"<{elem.tag}> without <{tag}> (after row {elem.findtext('name') or elem.get('id')})"
        )
    return " ".join(found.text.split())


def _seven_chr_defs(elem: ET.Element) -> list[tuple[str, list[str]]]:
    """(character, [meaning, sub-notes...]) for each ``extension`` of a ``sevenChrDef``.

    A ``note`` after an extension belongs to it: S52's "B" (open fracture type I or II) is also
    "initial encounter for open fracture NOS".
    """
    out: list[tuple[str, list[str]]] = []
    for child in elem:
        text = " ".join((child.text or "").split())
        if child.tag == "extension":
            out.append((child.get("char", ""), [text]))
        elif child.tag == "note" and text and out:
            out[-1][1].append(text)
    return out


class _Builder:
    def __init__(self, version: str) -> None:
        self.version = version
        self.codes: list[str] = []
        self.titles: list[str] = []
        self.kinds = bytearray()
        self.billable = bytearray()
        self.requires_7th = bytearray()
        self.parents = array("i")
        self.raw_notes: list[tuple[int, str, str]] = []

    def add(
        self,
        code: str,
        title: str,
        kind: int,
        parent: int,
        elem: ET.Element | None,
        *,
        billable: bool = False,
    ) -> int:
        row = len(self.codes)
        self.codes.append(code)
        self.titles.append(title)
        self.kinds.append(kind)
        self.billable.append(billable)
        self.requires_7th.append(False)
        self.parents.append(parent)
        if elem is not None:
            for child in elem:
                kind_name = NOTE_KINDS.get(child.tag)
                if kind_name == "seven_chr_def":
                    for char, texts in _seven_chr_defs(child):
                        self.raw_notes.append((row, kind_name, f"{char}: {'; '.join(texts)}"))
                elif kind_name:
                    for note in child.findall("note"):
                        if note.text and note.text.strip():
                            self.raw_notes.append((row, kind_name, " ".join(note.text.split())))
        return row

    def diag(self, elem: ET.Element, parent: int, seven: list[tuple[str, str]] | None) -> None:
        code = _text(elem, "name").replace(".", "")
        title = _text(elem, "desc")
        own = elem.find("sevenChrDef")
        if own is not None:
            seven = [(char, texts[0]) for char, texts in _seven_chr_defs(own)]
        children = elem.findall("diag")
        leaf = not children
        kind = CATEGORY if len(code) == 3 else (CODE if leaf and not seven else SUBCATEGORY)
        row = self.add(code, title, kind, parent, elem, billable=leaf and not seven)
        if seven:
            self.requires_7th[row] = True
        for child in children:
            self.diag(child, row, seven)
        if leaf and seven:
            base = code.ljust(6, "X")
            sixth, allowed = SEVENTH_CHARACTER_LIMITS.get(code[:3], ("", ""))
            for char, meaning in seven:
                if base[5] in sixth and char not in allowed:
                    continue
                self.add(base + char, f"{title}, {meaning}", CODE, row, None, billable=True)

    def finish(self) -> ReleaseData:
        order = TabularOrder([c for c, k in zip(self.codes, self.kinds, strict=True) if k >= CATEGORY])
        notes = [(row, kind, text, code_refs(text, order)) for row, kind, text in self.raw_notes]
        billable = sum(self.billable)
        return ReleaseData(
            version=self.version,
            codes=self.codes,
            titles=self.titles,
            kinds=bytes(self.kinds),
            billable=bytes(self.billable),
            parents=self.parents,
            requires_7th=bytes(self.requires_7th),
            notes=notes,
            contents=(
                f"CDC tabular list: {billable:,} billable codes of {len(self.codes):,} rows "
                "(chapters, blocks, categories, subcategories, codes with 7th characters expanded), "
                f"{len(notes):,} notes"
            ),
        )
