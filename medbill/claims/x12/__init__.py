"""X12 for professional claims: 837P out and in, 835 in, structural validation.

``write_837p(claims, ...) -> str`` (``write_837p_file`` streams to a file), ``read_837p(source) -> list[Claim]``,
``read_835(source) -> Remittance``, ``validate(source) -> list[Problem]``, and the streaming
``iter_segments(source)`` underneath them all.

Modules: ``tokenizer`` (segments, fixed-width ISA), ``values`` (strict X12 decimals and dates),
``envelope`` (ISA/GS/ST nesting, counts, 5010 guide), ``reader_837p`` / ``writer_837p`` and
``fidelity`` (what a lossless round trip means), ``parser_835`` (streaming, no pandas:
``iter_835``, ``summarise_835``) and ``reader_835`` (the remittance tables), ``validate``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from medbill.claims.x12.envelope import Problem
    from medbill.claims.x12.reader_835 import Remittance, read_835
    from medbill.claims.x12.reader_837p import read_837p
    from medbill.claims.x12.tokenizer import Segment, Separators, iter_segments
    from medbill.claims.x12.writer_837p import Receiver, Submitter, check_claims, write_837p, write_837p_file

# Eager: the submodule ``validate`` would otherwise shadow the function of the same name.
from medbill.claims.x12.validate import validate

_EXPORTS = {
    "Problem": "envelope",
    "Remittance": "reader_835",
    "read_835": "reader_835",
    "read_837p": "reader_837p",
    "Segment": "tokenizer",
    "Separators": "tokenizer",
    "iter_segments": "tokenizer",
    "Receiver": "writer_837p",
    "Submitter": "writer_837p",
    "check_claims": "writer_837p",
    "write_837p": "writer_837p",
    "write_837p_file": "writer_837p",
}

__all__ = [
    "Problem",
    "Receiver",
    "Remittance",
    "Segment",
    "Separators",
    "Submitter",
    "check_claims",
    "iter_segments",
    "read_835",
    "read_837p",
    "validate",
    "write_837p",
    "write_837p_file",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(f"{__name__}.{module}"), name)
