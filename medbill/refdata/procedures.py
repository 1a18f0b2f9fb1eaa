"""Procedure codes of either kind (CPT or HCPCS Level II) in one column: vectorised checks.

For the scrubber and notebooks, which hold claim lines with a mix of CPT and HCPCS codes:

- :func:`is_valid_format_many` -- the code has the CPT or the HCPCS Level II format;
- :func:`is_valid_on_many` -- valid on the date of service: HCPCS codes by the added/termination
  dates of the imported HCPCS release in effect (format only where no release covers the date:
  :func:`checked_on_many` says where the check was a real one); CPT codes by format,
  and, when a CPT descriptor file is imported, by presence in it or in medbill's labels (CPT's
  official code list is not shipped, and the imported files carry no dates).

Importing this module registers the ``.proc`` pandas accessor on Series::

    lines["procedure_code"].proc.is_valid()          # format
    lines["procedure_code"].proc.is_valid_on(lines["service_date"])
    lines["procedure_code"].proc.system()            # "cpt" / "hcpcs" / <NA>
    lines["procedure_code"].proc.label()             # descriptor or medbill label
"""

from __future__ import annotations

import re
from collections.abc import Callable

import numpy as np
import pandas as pd

from medbill.exceptions import InvalidArgument
from medbill.refdata import cpt, hcpcs
from medbill.refdata._text import as_series, dates_many

__all__ = [
    "ProcedureAccessor",
    "checked_on_many",
    "compact_many",
    "is_valid_format_many",
    "is_valid_on_many",
    "labels_many",
    "system_many",
]

CPT_PATTERN = cpt.FORMAT
HCPCS_PATTERN = r"[A-V][0-9]{4}"
_CPT = re.compile(CPT_PATTERN)
_HCPCS = re.compile(HCPCS_PATTERN)


def _per_unique(codes: pd.Series, fn: Callable[[str], str | None]) -> pd.Series:
    """Apply ``fn`` to each distinct text value once (claim columns repeat few codes) and spread
    the results back; non-text values give NA."""
    s = codes if isinstance(codes, pd.Series) else pd.Series(codes)
    if not pd.api.types.is_string_dtype(s.dtype) or s.dtype == object:
        s = s.astype(object)
        s = s.where(s.map(type).eq(str))  # lists, bytes, numbers -> NA before hashing
    positions, uniques = pd.factorize(s, use_na_sentinel=True)
    mapped = np.array([fn(u) if isinstance(u, str) else None for u in uniques] + [None], dtype=object)
    return pd.Series(mapped[positions], index=s.index, dtype="string")


def _compact_one(code: str) -> str:
    return re.sub(r"[\s.]", "", code).upper()


def _system_one(code: str) -> str | None:
    c = _compact_one(code)
    if _CPT.fullmatch(c):
        return "cpt"
    return "hcpcs" if _HCPCS.fullmatch(c) else None


def compact_many(codes: pd.Series) -> pd.Series:
    """Upper case, spaces and dots removed; non-text values become NA (same index)."""
    return _per_unique(as_series(codes, "codes"), _compact_one)


def system_many(codes: pd.Series) -> pd.Series:
    """ "cpt" or "hcpcs" by format, NA for anything else."""
    return _per_unique(as_series(codes, "codes"), _system_one)


def is_valid_format_many(codes: pd.Series) -> pd.Series:
    """True where the code has the CPT or HCPCS Level II format (NA and junk give False)."""
    return system_many(codes).notna().astype(bool)


def checked_on_many(codes: pd.Series, dates: pd.Series) -> pd.Series:
    """True where :func:`is_valid_on_many` could check the code against data in effect on the date:
    CPT and malformed codes always; HCPCS Level II codes where an imported release covers the date."""
    c = compact_many(codes)
    is_hcpcs = (system_many(c) == "hcpcs").fillna(False).to_numpy(dtype=bool)
    out = np.ones(len(c), dtype=bool)
    if is_hcpcs.any():
        out[is_hcpcs] = hcpcs.covered_many(pd.Series(pd.Series(dates).to_numpy()[is_hcpcs]))
    return pd.Series(out, index=c.index)


def is_valid_on_many(codes: pd.Series, dates: pd.Series) -> pd.Series:
    """Valid on each line's date of service (see module docstring); one bool per input row."""
    c = compact_many(codes)
    days = dates_many(dates)
    if len(days) != len(c):
        raise InvalidArgument(
            f"codes and dates must have one value per row: {len(c)} codes, {len(days)} dates."
        )
    d = pd.Series(days.to_numpy(), index=c.index)
    system = system_many(c)
    out = pd.Series(False, index=c.index, dtype=bool)

    is_hcpcs = (system == "hcpcs").fillna(False).astype(bool)
    if is_hcpcs.any():
        if hcpcs.releases():
            out[is_hcpcs] = hcpcs.valid_on_many(c[is_hcpcs], d[is_hcpcs]).to_numpy()
        else:
            out[is_hcpcs] = True

    is_cpt = (system == "cpt").fillna(False).astype(bool)
    if is_cpt.any():
        imported = cpt.descriptors().index
        if len(imported):
            known = imported.union(cpt.labels().index)
            out[is_cpt] = c[is_cpt].isin(known).to_numpy(dtype=bool)
        else:
            out[is_cpt] = True
    return out & d.notna()


def labels_many(codes: pd.Series) -> pd.Series:
    """Best text per code, NA if none: for CPT the imported descriptor, else medbill's label; for
    HCPCS the imported release's long description, else medbill's label."""
    c = compact_many(codes)
    out = c.map(cpt.descriptors()["descriptor"]).astype("string")
    if hcpcs.releases():
        out = out.fillna(c.map(hcpcs.latest().procedures["long_description"]).astype("string"))
    return out.fillna(c.map(cpt.labels()["label"]).astype("string"))


@pd.api.extensions.register_series_accessor("proc")
class ProcedureAccessor:
    """``s.proc``: vectorised procedure-code helpers (NA-safe; index preserved)."""

    def __init__(self, series: pd.Series) -> None:
        self._s = series

    def compact(self) -> pd.Series:
        return compact_many(self._s)

    def system(self) -> pd.Series:
        return system_many(self._s)

    def is_valid(self) -> pd.Series:
        return is_valid_format_many(self._s)

    def is_valid_on(self, dates: pd.Series) -> pd.Series:
        return is_valid_on_many(self._s, dates)

    def label(self) -> pd.Series:
        return labels_many(self._s)

    def is_add_on(self) -> pd.Series:
        """True/False for codes in medbill's label table, NA for others."""
        return compact_many(self._s).map(cpt.labels()["add_on"]).astype("boolean")

    def global_days(self) -> pd.Series:
        return compact_many(self._s).map(cpt.labels()["global_days"]).astype("string")
