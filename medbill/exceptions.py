"""medbill's errors: one tree, each class deriving from the matching builtin.

::

    MedbillError
    ├── CodeError(ValueError)          bad code or identifier text
    │   ├── InvalidFormat
    │   │   └── InvalidLength
    │   ├── InvalidChecksum            (NPI)
    │   └── UnknownCode(LookupError)   well-formed, not in the chosen code-set version
    ├── InvalidDate(ValueError)        a date of service (or as-of date) that is not a date
    ├── InvalidArgument(ValueError)    any other argument of the wrong type or size (a search limit)
    ├── DataNotAvailable(LookupError)  a release that is not installed or imported
    │   └── NotCovered                 no installed release covers the date (refdata.coverage)
    ├── ImportFailed(ValueError)       a reference file that cannot be imported
    ├── X12Error(ValueError)           unreadable or invalid X12, with segment number and position
    ├── ScrubErrors                    aggregate of scrub findings (.findings DataFrame)
    ├── ReportError                    report name, parameters and the failing cell
    └── MissingExtra(ImportError)      an optional dependency is absent; names the pip extra

``except ValueError`` and ``except LookupError`` keep working for callers that do not know medbill.
"""

from __future__ import annotations

from typing import Any


class MedbillError(Exception):
    """Root of every error medbill raises on purpose."""

    message = "medbill error"

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or self.message)


class CodeError(MedbillError, ValueError):
    message = "The code or identifier is not valid."


class InvalidFormat(CodeError):
    message = "The code does not have the format of the code system."


class InvalidLength(InvalidFormat):
    message = "The code has the wrong length."


class InvalidChecksum(CodeError):
    message = "The check digit does not match."


class UnknownCode(CodeError, LookupError):
    message = "The code is well formed but not in the chosen code-set release."


class InvalidDate(MedbillError, ValueError):
    message = "The value is not a date; give a datetime.date or 'YYYY-MM-DD'."


class InvalidArgument(MedbillError, ValueError):
    message = "An argument has the wrong type or is out of range."


class DataNotAvailable(MedbillError, LookupError):
    message = "The requested reference data release is not installed."


class ImportFailed(MedbillError, ValueError):
    message = "The file could not be imported; installed data is unchanged."


class X12Error(MedbillError, ValueError):
    """Unreadable or invalid X12; carries where it happened."""

    message = "The X12 content is not valid."

    def __init__(
        self, message: str | None = None, *, segment_number: int | None = None, position: int | None = None
    ) -> None:
        where = []
        if segment_number is not None:
            where.append(f"segment {segment_number}")
        if position is not None:
            where.append(f"byte {position}")
        text = message or self.message
        super().__init__(f"{text} (at {', '.join(where)})" if where else text)
        self.segment_number = segment_number
        self.position = position


class ScrubErrors(MedbillError):
    """Raised by ``ScrubResult.raise_for_errors()``; ``findings`` holds the error rows."""

    message = "The claims have scrub errors."

    def __init__(self, findings: Any, message: str | None = None) -> None:
        self.findings = findings
        super().__init__(message or f"{len(findings)} scrub error(s); see .findings")


class ReportError(MedbillError):
    """A report could not be run; names the report, its parameters and the failing cell."""

    message = "The report could not be run."

    def __init__(
        self,
        message: str | None = None,
        *,
        report: str | None = None,
        parameters: dict[str, Any] | None = None,
        cell: str | None = None,
    ) -> None:
        super().__init__(message)
        self.report = report
        self.parameters = parameters or {}
        self.cell = cell


class MissingExtra(MedbillError, ImportError):
    """A feature needs a package from one of medbill's optional extras (``medbill[reports]`` ...)."""

    message = "This feature needs an optional dependency of medbill that is not installed."
