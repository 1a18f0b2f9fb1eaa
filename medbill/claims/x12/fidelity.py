"""What "lossless" means for an 837P round trip: segments in a canonical form, compared as multisets.

A segment's canonical text uses ``*`` between elements, ``:`` between components and ``^`` between
repetitions, whatever the interchange used. Two segments are the same when their canonical elements
are equal after dropping trailing empty elements and components, reading the amounts medbill writes
(CLM02, SV102, SV104, CTP04) as numbers, reading ``DTP*...*RD8*D-D`` (a one-day range) as ``D8*D``,
a tax id with or without its hyphen, SBR02 as given by the hierarchy (``18`` when the patient is the
subscriber) and an empty CLM05-2 as ``B``, the only facility code qualifier of 5010: the writer
corrects those, it does not lose them.
:func:`lost_segments` lists what a rewrite no longer carries; the 837P reader uses it to mark claims
it cannot write back faithfully (``Claim.not_carried``), and the round-trip tests use it directly.
"""

from __future__ import annotations

import contextlib
from collections import Counter
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation

from medbill.claims.x12.tokenizer import Segment

_AMOUNTS = {"CLM": (2,), "SV1": (2, 4), "CTP": (4,)}


def canonical(seg: Segment, component: str, repetition: str) -> str | None:
    """``seg`` as canonical text, or None when its data holds a canonical separator and cannot be kept."""
    out = []
    for element in seg.elements:
        if "*" in element or "~" in element:
            return None
        if component != ":":
            if ":" in element:
                return None
            element = element.replace(component, ":")
        if repetition != "^":
            if "^" in element:
                return None
            element = element.replace(repetition, "^")
        out.append(element)
    return "*".join(out)


def segment_key(text: str) -> tuple[str, ...]:
    """The comparison form of one canonical segment."""
    elements = [e.rstrip(":") for e in text.split("*")]
    while len(elements) > 1 and elements[-1] == "":
        elements.pop()
    sid = elements[0]
    for index in _AMOUNTS.get(sid, ()):
        if index < len(elements) and elements[index]:
            with contextlib.suppress(InvalidOperation):
                elements[index] = str(Decimal(elements[index]).normalize())
    if sid == "REF" and len(elements) > 2 and elements[1] in ("EI", "SY"):
        elements[2] = elements[2].replace("-", "")  # a tax id with or without its hyphen
    elif sid == "SBR" and len(elements) > 2:
        elements[2] = ""  # SBR02 follows from the hierarchy: 18 exactly when there is no patient HL
    elif sid == "CLM" and len(elements) > 5:
        parts = elements[5].split(":")
        if len(parts) > 1 and parts[1] == "":  # CLM05-2 is always B (place of service code) in 5010
            elements[5] = ":".join([parts[0], "B", *parts[2:]])
    if sid == "DTP" and len(elements) == 4 and elements[2] == "RD8":
        start, _, end = elements[3].partition("-")
        if start == end:
            elements[2:4] = ["D8", start]
    return tuple(elements)


def lost_segments(original: Iterable[str], rewritten: Iterable[str]) -> list[str]:
    """Canonical segments of ``original`` that ``rewritten`` does not carry (multiset difference)."""
    before = Counter(segment_key(text) for text in original)
    after = Counter(segment_key(text) for text in rewritten)
    return ["*".join(key) for key, count in (before - after).items() for _ in range(count)]


def added_segments(original: Iterable[str], rewritten: Iterable[str]) -> list[str]:
    """Canonical segments ``rewritten`` has that ``original`` did not."""
    return lost_segments(rewritten, original)
