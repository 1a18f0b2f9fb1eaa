"""medbill: medical billing and coding toolkit for JupyterLab.

``import medbill`` reads no data file; code sets load on first use.
"""

from medbill.exceptions import (
    CodeError,
    DataNotAvailable,
    ImportFailed,
    InvalidChecksum,
    InvalidFormat,
    InvalidLength,
    MedbillError,
    ReportError,
    ScrubErrors,
    UnknownCode,
    X12Error,
)

__version__ = "0.1.0"

__all__ = [
    "CodeError",
    "DataNotAvailable",
    "ImportFailed",
    "InvalidChecksum",
    "InvalidFormat",
    "InvalidLength",
    "MedbillError",
    "ReportError",
    "ScrubErrors",
    "UnknownCode",
    "X12Error",
    "__version__",
]
