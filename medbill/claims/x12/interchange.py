"""The interchange envelope medbill writes (837P, 276): its options' checks and its ISA segment."""

from __future__ import annotations

from datetime import datetime

from medbill.claims.x12.tokenizer import Separators
from medbill.exceptions import X12Error


def check_options(control_number: int, usage: str) -> None:
    """``X12Error`` unless ``control_number`` (ISA13/GS06) is 1 to 999,999,999 and ``usage`` is P or T."""
    if not 1 <= control_number <= 999_999_999:
        raise X12Error(f"control number {control_number} must be between 1 and 999999999")
    if usage not in ("P", "T"):
        raise X12Error(f"usage {usage!r} must be 'P' (production) or 'T' (test)")


def isa_segment(
    sep: Separators, sender: str, receiver: str, created: datetime, control_number: int, usage: str
) -> str:
    """The ISA segment (without its terminator) of a 005010 interchange from ``sender`` to ``receiver``
    (mutually defined IDs, cut and padded to 15 characters), stamped ``created``."""
    return sep.element.join(
        [
            "ISA",
            "00",
            " " * 10,
            "00",
            " " * 10,
            "ZZ",
            f"{sender[:15]:<15}",
            "ZZ",
            f"{receiver[:15]:<15}",
            created.strftime("%y%m%d"),
            created.strftime("%H%M"),
            sep.repetition,
            "00501",
            f"{control_number:09d}",
            "0",
            usage,
            sep.component,
        ]
    )
