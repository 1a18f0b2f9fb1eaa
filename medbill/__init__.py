"""medbill: medical billing and coding toolkit for JupyterLab.

The root holds a small curated API, loaded on first use (``import medbill`` reads no data file and
imports no pandas)::

    import medbill as mb

    mb.lookup("E11.9")                    # one code's record (any system: system="hcpcs" ...)
    mb.search("type 2 diabetes")          # ranked hits across code systems
    data = mb.read_claims("data/sample")  # a claims folder (docs/tables.md)
    mb.scrub(data).findings               # claim edits, one row per finding
    mb.price("99213", year=2025, locality="01112-05")  # Medicare PFS, explained

Importing medbill with pandas loaded (or calling the API above) registers the pandas accessors
``Series.icd``, ``Series.proc`` and ``Series.modifier``; see :mod:`medbill._accessors`.
"""

import importlib
import typing

from medbill import _accessors
from medbill._accessors import register_accessors
from medbill.exceptions import (
    CodeError,
    DataNotAvailable,
    ImportFailed,
    InvalidChecksum,
    InvalidFormat,
    InvalidLength,
    MedbillError,
    MissingExtra,
    ReportError,
    ScrubErrors,
    UnknownCode,
    X12Error,
)

__version__ = "0.1.0"

# Root name -> (module, attribute): imported on first access by __getattr__ below.
_LAZY = {
    "lookup": ("medbill.refdata.registry", "lookup"),
    "search": ("medbill.refdata.registry", "search"),
    "read_claims": ("medbill.claims.tables", "read_claims_dir"),
    "scrub": ("medbill.edits", "scrub"),
    "price": ("medbill.pricing", "price"),
}

if typing.TYPE_CHECKING:
    from medbill.claims.tables import read_claims_dir as read_claims
    from medbill.edits import scrub
    from medbill.pricing import price
    from medbill.refdata.registry import lookup, search

__all__ = [
    "CodeError",
    "DataNotAvailable",
    "ImportFailed",
    "InvalidChecksum",
    "InvalidFormat",
    "InvalidLength",
    "MedbillError",
    "MissingExtra",
    "ReportError",
    "ScrubErrors",
    "UnknownCode",
    "X12Error",
    "__version__",
    "lookup",
    "price",
    "read_claims",
    "register_accessors",
    "scrub",
    "search",
]


def __getattr__(name: str) -> typing.Any:
    if name not in _LAZY:
        raise AttributeError(f"module 'medbill' has no attribute {name!r}")
    module, attribute = _LAZY[name]
    value = getattr(importlib.import_module(module), attribute)
    globals()[name] = value  # later accesses skip this function
    _accessors.register_if_pandas_loaded()
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


_accessors.register_if_pandas_loaded()  # last: the accessor modules may import medbill's submodules
