"""Procedure codes as numbers, for tables that hold millions of them (NCCI PTP pairs, MUE).

A CPT or HCPCS Level II code is five characters of ``[0-9A-Z]``; read as a base-36 number it fits
an int32 (``00000`` is 0, ``ZZZZZ`` is ``36**5 - 1``), with the same order as the text. A fixed
encoding needs no vocabulary: every release and every batch of claims numbers a code alike, and
a number turns back into its code with arithmetic.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import numpy as np

from medbill.exceptions import InvalidArgument

if TYPE_CHECKING:
    import pyarrow as pa

_ALPHABET = np.frombuffer(b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", dtype=np.uint8)
_PLACES = 36 ** np.arange(4, -1, -1, dtype=np.int32)  # weight of each of the five characters
# Value of each ASCII character in a code, -1 for the characters that cannot be in one.
_VALUE = np.full(128, -1, dtype=np.int32)
_VALUE[_ALPHABET] = np.arange(36)

COUNT = 36**5
"""How many numbers there are: every code number is in ``range(COUNT)``."""


def from_characters(chars: np.ndarray) -> np.ndarray:
    """int32 code number per row of an (n, 5) array of character values (bytes or code points);
    -1 where a character is not in ``[0-9A-Z]``."""
    chars = np.asarray(chars)
    values = _VALUE[np.minimum(chars, 127)]
    ok = (chars < 128).all(axis=1) & (values >= 0).all(axis=1)
    return np.where(ok, values @ _PLACES, np.int32(-1))


def numbers(codes: Iterable[object]) -> np.ndarray:
    """int32 code number per code text; -1 for anything that is not five characters of ``[0-9A-Z]``
    (so it matches no table row). ``InvalidArgument`` when ``codes`` is not a collection of values."""
    if isinstance(codes, str | bytes) or not isinstance(codes, Iterable):
        raise InvalidArgument(f"codes must be a list, array or Series of code text, got {codes!r:.60}.")
    # Only five-character text can be a code: anything else becomes "" (and -1) before numpy sees it.
    text = np.array([c if isinstance(c, str) and len(c) == 5 else "" for c in codes], dtype="<U5")
    points = text.view(np.uint32).reshape(len(text), 5)
    return from_characters(points)


def from_arrow(column: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """int32 code number per value of an Arrow text column of five-character codes (as the NCCI and
    MUE importers keep them), read from its bytes without making Python strings."""
    import pyarrow as pa

    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    fixed = column.cast(pa.binary(5))  # raises for a value that is not five bytes long
    chars = np.frombuffer(fixed.buffers()[1], dtype=np.uint8, count=5 * len(fixed), offset=5 * fixed.offset)
    return from_characters(chars.reshape(-1, 5))


def codes(numbers: np.ndarray) -> np.ndarray:
    """The code text of each code number, as a ``<U5`` array; ``InvalidArgument`` unless ``numbers``
    is a one-dimensional array (or list) of integers in ``range(COUNT)``."""
    values = np.asarray(numbers) if isinstance(numbers, np.ndarray | list | tuple) else None
    if (
        values is None
        or values.ndim != 1
        or (len(values) and values.dtype.kind not in "iu")
        or (len(values) and (values.min() < 0 or values.max() >= COUNT))
    ):
        raise InvalidArgument(
            f"numbers must be a list or array of code numbers (integers 0 to {COUNT - 1}), got {numbers!r:.60}."
        )
    values = values.astype(np.int64)
    chars = _ALPHABET[(values[:, None] // _PLACES) % 36]
    return chars.view("S5").reshape(-1).astype("U5")
