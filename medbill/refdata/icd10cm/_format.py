"""ICD-10-CM code text: the one place where case, dots and spaces are normalised.

A compact code is 3 to 7 ASCII characters: a category of a letter and two letters or digits, at
least one of them a digit, then up to 4 letters or digits (``C4A``, ``M1A0110``, ``T07XXXD``,
``QA00142``). The shape rejects only what no release could hold: whether a code exists is the
release's answer, never the shape's (FY2026 added category QA0, a letter in second place). Input is forgiving where unambiguous: surrounding whitespace,
lower case and the dot after the third character are accepted (``" s52.521a "`` -> ``S52521A``).
Anything else (a dot elsewhere, inner spaces, non-ASCII such as full-width digits) is
``InvalidFormat``; more than 7 characters is ``InvalidLength``.
"""

from __future__ import annotations

import re
from typing import Any

from medbill.exceptions import InvalidFormat, InvalidLength

SHAPE = r"[A-Z](?:[0-9][0-9A-Z]|[A-Z][0-9])[0-9A-Z]{0,4}"  # length is checked separately
_SHAPE = re.compile(SHAPE, re.ASCII)


def compact(code: Any) -> str:
    """Canonical form: upper case, no dot, no surrounding spaces. Raises ``InvalidFormat``."""
    if not isinstance(code, str):
        raise InvalidFormat(f"An ICD-10-CM code must be text, not {type(code).__name__} {code!r:.40}.")
    text = code.strip().upper()
    if len(text) > 3 and text[3] == ".":
        text = text[:3] + text[4:]
    if len(text) > 7:
        raise InvalidLength(
            f"ICD-10-CM code {_show(code)} has {len(text)} characters; codes have 3 to 7 (plus the dot)."
        )
    if len(text) < 3 or not _SHAPE.fullmatch(text):
        raise InvalidFormat(
            f"{_show(code)} is not an ICD-10-CM code: expected a letter, two letters or digits (at least one a digit), "
            "then up to 4 letters or digits, with an optional dot after the third character (for example E11.9 or S52.521A)."
        )
    return text


def _show(code: str) -> str:
    return repr(code) if len(code) <= 40 else f"{code[:20]!r}... ({len(code):,} characters)"


def validate(code: Any) -> str:
    """The compact code if it is well formed (format only; see ``is_valid`` for existence)."""
    return compact(code)


def format_compact(key: str) -> str:
    """Display form of an already compact code: "S52521A" -> "S52.521A"."""
    return key if len(key) <= 3 else f"{key[:3]}.{key[3:]}"


def format(code: Any) -> str:
    """Display form with the dot: " s52521a" -> "S52.521A". Raises ``InvalidFormat``."""
    return format_compact(compact(code))
