"""X12 segments from text, bytes, a path or a file object, streamed in fixed-size chunks.

The separators come from the ISA segment (element separator at byte 3, component separator at
byte 104, segment terminator at byte 105, repetition separator in ISA11). A byte-order mark and
line breaks after the terminator (``~\\n``, ``~\\r\\n``) are accepted. Anything else unexpected
(non-ASCII bytes, a missing terminator, a runaway segment, a bad segment id) raises ``X12Error`` with
the segment number (1-based, counted from the ISA) and the byte offset in the input.
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from medbill.exceptions import X12Error

CHUNK = 1 << 16
MAX_SEGMENT = 1 << 16  # the longest X12 segment is far shorter; longer means a missing terminator
ISA_LENGTH = 106
_SEGMENT_ID = re.compile(r"[A-Z][A-Z0-9]{1,2}")
_BOM = "\ufeff"
_BOM_BYTES = b"\xef\xbb\xbf"

Source = str | bytes | os.PathLike | IO[str] | IO[bytes]


@dataclasses.dataclass(frozen=True)
class Separators:
    """The delimiters of an interchange; the defaults are the common ``* : ^ ~``."""

    element: str = "*"
    component: str = ":"
    repetition: str = "^"
    segment: str = "~"

    def __post_init__(self) -> None:
        chars = (self.element, self.component, self.repetition, self.segment)
        if (
            any(len(c) != 1 or c.isalnum() or c == " " or not c.isascii() for c in chars)
            or len(set(chars)) != 4
        ):
            raise X12Error(
                f"separators {chars!r} must be four different single non-alphanumeric ASCII characters"
            )


@dataclasses.dataclass(frozen=True, slots=True)
class Segment:
    """One segment: ``elements[0]`` is the segment id; ``number`` counts from 1 at the ISA."""

    number: int
    position: int
    elements: list[str]

    @property
    def id(self) -> str:
        return self.elements[0]

    def get(self, index: int, default: str = "") -> str:
        """Element ``index`` (1-based like the X12 reference, e.g. CLM01 is ``get(1)``) or ``default``."""
        return self.elements[index] if index < len(self.elements) else default


def _chunks(source: Source) -> Iterator[str]:
    """The input as latin-1 text chunks (one character per byte, so offsets are byte offsets)."""
    if isinstance(source, str) and _looks_like_x12(source):
        yield source
        return
    if isinstance(source, bytes):
        yield source.decode("latin-1")
        return
    if isinstance(source, (str, os.PathLike)):
        try:
            handle = open(Path(source), "rb")  # noqa: SIM115 - closed in finally, streamed lazily
        except OSError as exc:
            raise X12Error(f"cannot open X12 file {source}: {exc.strerror}") from None
        try:
            yield from _chunks(handle)
        finally:
            handle.close()
        return
    if hasattr(source, "read"):
        while True:
            block = source.read(CHUNK)
            if not block:
                return
            yield block.decode("latin-1") if isinstance(block, bytes) else block
        return
    raise X12Error(
        f"cannot read X12 from a {type(source).__name__}; give text, bytes, a path or a file object"
    )


def _looks_like_x12(text: str) -> bool:
    """A str is X12 text unless it names a file (or looks like a path: a folder or an extension)."""
    head = text[:300].lstrip(_BOM + " \t\r\n")
    if not head or head.startswith("ISA") or len(text) > 4096 or "\n" in text:
        return True
    if os.path.exists(text):
        return False
    return not ("/" in text or "\\" in text or re.search(r"\.[A-Za-z0-9]{1,5}$", text))


def read_separators(head: str, position: int = 0) -> Separators:
    """The separators declared by the ISA segment that starts ``head``."""
    if len(head) < ISA_LENGTH or not head.startswith("ISA"):
        raise X12Error(
            "input does not start with a complete ISA segment (106 characters)",
            segment_number=1,
            position=position,
        )
    element = head[3]
    fields = head[:ISA_LENGTH].split(element)
    if len(fields) != 17:
        raise X12Error(
            f"ISA has {len(fields) - 1} elements where 16 of fixed width are required (is it padded with spaces?)",
            segment_number=1,
            position=position,
        )
    repetition = fields[11] if fields[11] != "U" else "^"
    try:
        return Separators(element, head[104], repetition, head[105])
    except X12Error as exc:
        raise X12Error(str(exc), segment_number=1, position=position) from None


def iter_segments(source: Source, separators: Separators | None = None) -> Iterator[Segment]:
    """Stream the segments of ``source``; memory is bounded by one chunk plus one segment."""
    buffer = ""
    offset = 0  # byte offset of buffer[0] in the input
    number = 0
    sep = separators
    first = True
    for chunk in _chunks(source):
        if first:
            first = False
            for bom in (_BOM, _BOM_BYTES.decode("latin-1")):
                if chunk.startswith(bom):
                    chunk = chunk[len(bom) :]
                    offset = len(bom.encode("utf-8")) if bom == _BOM else len(bom)
        buffer += chunk
        if sep is None:
            stripped = buffer.lstrip()
            if len(stripped) < ISA_LENGTH:
                continue
            offset += len(buffer) - len(stripped)
            buffer = stripped
            sep = read_separators(buffer, offset)
        terminator, element = sep.segment, sep.element
        strip_cr = terminator == "\n"
        parts = buffer.split(terminator)
        buffer = parts.pop()
        for raw in parts:
            start = offset
            offset += len(raw) + 1
            text = raw.lstrip() if raw[:1].isspace() else raw  # "~\n", "~\r\n", indented files
            if strip_cr and text[-1:] == "\r":  # newline-terminated segments written with CRLF
                text = text[:-1]
            start += len(raw) - len(text)
            if not text:
                if raw:  # only white space between two terminators: a blank line
                    continue
                raise X12Error(
                    "empty segment (two terminators in a row)", segment_number=number + 1, position=start
                )
            number += 1
            if not text.isascii():
                bad = next(i for i, ch in enumerate(text) if ord(ch) > 127)
                _non_ascii(text[bad], number, start + bad)
            elements = text.split(element)
            if not _SEGMENT_ID.fullmatch(elements[0]):
                raise X12Error(
                    f"{elements[0][:20]!r} is not a segment id", segment_number=number, position=start
                )
            yield Segment(number, start, elements)
        if len(buffer) > MAX_SEGMENT:
            raise X12Error(
                f"no segment terminator {terminator!r} within {MAX_SEGMENT} bytes (truncated or not X12)",
                segment_number=number + 1,
                position=offset,
            )
    if sep is None:
        if not buffer.strip():
            raise X12Error("the input is empty", segment_number=0, position=offset)
        sep = read_separators(buffer.lstrip(), offset)  # raises when too short for an ISA
    if buffer.strip():
        raise X12Error(
            f"the input ends inside a segment ({buffer.strip()[:20]!r} has no terminator {sep.segment!r}); the file is truncated",
            segment_number=number + 1,
            position=offset,
        )


def _non_ascii(char: str, segment_number: int, position: int) -> None:
    raise X12Error(
        f"non-ASCII byte 0x{ord(char):02X} in X12 input (X12 basic/extended character sets are ASCII)",
        segment_number=segment_number,
        position=position,
    )
