"""Give memory freed by a large phase of work back to the operating system.

Arrow keeps freed buffers in its pool and glibc's malloc keeps freed heap pages, both for reuse, so
after reading a big claims folder, or scrubbing one patient group of many, a process would stay as
large as its busiest moment. Dask's workers trim glibc's heap the same way.
"""

from __future__ import annotations

import ctypes
import ctypes.util
from collections.abc import Callable

import pyarrow as pa


def _malloc_trim() -> Callable[[int], int] | None:
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
    except (OSError, AttributeError):  # not glibc (macOS, Windows, musl without it): nothing to trim
        return None


_TRIM = _malloc_trim()


def release_freed() -> None:
    """Return Arrow's unused pool memory and glibc's free heap pages to the operating system."""
    pa.default_memory_pool().release_unused()
    if _TRIM is not None:
        _TRIM(0)
