"""``Series.icd``: column-speed ICD-10-CM operations that keep missing values missing.

>>> df["dx1"].icd.is_valid(on=date(2025, 10, 1))

Every method works on the whole column at once (string methods, ``isin`` and index lookups on the
release table); there is no per-row Python. Input is normalised as ``icd10cm.compact`` does; text
that is not a well-formed code becomes NA in ``compact()`` / ``format()`` and False in
``is_valid()`` / ``billable()``. ``on`` is one date (or None for the latest release) or a Series of
dates aligned with the codes, so each row is answered by the release of its own date; rows whose
date no release covers are False / NA.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd

from medbill.refdata.icd10cm._format import SHAPE


@pd.api.extensions.register_series_accessor("icd")
class ICDAccessor:
    def __init__(self, series: pd.Series) -> None:
        self._s = series

    def compact(self) -> pd.Series:
        """Canonical codes ("S52521A"); NA where the value is missing or not a well-formed code."""
        s = self._s.astype("string").str.strip().str.upper().str.replace(r"^(...)\.", r"\1", regex=True)
        ok = s.str.fullmatch(SHAPE, flags=re.ASCII).fillna(False).to_numpy(dtype=bool)
        return s.where(ok)

    def format(self) -> pd.Series:
        """Display codes with the dot ("S52.521A"); NA where not a well-formed code."""
        c = self.compact()
        return c.str.replace(r"^(...)(.)", r"\1.\2", regex=True)

    def _per_release(self, on: Any, column: str | None) -> pd.Series:
        """Look every code up in the release of its row's date; column None means 'exists'."""
        from medbill.refdata import icd10cm

        codes = self.compact()
        if isinstance(on, pd.Series):
            names = icd10cm.release_names_for(on).reindex(codes.index)
        elif on is None:
            names = pd.Series(icd10cm.latest().name, index=codes.index, dtype="string")
        else:
            cov = icd10cm.coverage_on(on)
            name = cov.release.release if cov.covered and cov.release else pd.NA
            names = pd.Series(name, index=codes.index, dtype="string")
        out = pd.Series(pd.NA, index=codes.index, dtype="object")
        for name in names.dropna().unique():
            table = icd10cm.release(name).table
            mask = np.asarray(names.eq(name).fillna(False), dtype=bool)
            part = codes[mask]
            if column is None:
                out[mask] = part.isin(table.index).to_numpy()
            else:
                found = table[column].reindex(part.to_numpy())
                found.index = part.index
                out[mask] = found.astype("object").to_numpy()
        return out

    def is_valid(self, on: Any = None) -> pd.Series:
        """True where the code exists (header or billable) in the release in effect; False otherwise."""
        return self._per_release(on, None).fillna(False).astype(bool)

    def billable(self, on: Any = None) -> pd.Series:
        """True where the code is billable in the release in effect; False for invalid, NA for missing."""
        out = self._per_release(on, "billable").fillna(False).astype("boolean")
        return out.mask(self._s.isna())

    def title(self, on: Any = None) -> pd.Series:
        """Title of each code (NA where missing or unknown)."""
        return self._per_release(on, "title").astype("string")

    def chapter(self, on: Any = None) -> pd.Series:
        """Chapter number ("4") of each code (NA where missing or unknown)."""
        return self._per_release(on, "chapter").astype("string")

    def block(self, on: Any = None) -> pd.Series:
        """Block id ("E08-E13") of each code (NA where missing or unknown)."""
        return self._per_release(on, "block").astype("string")
