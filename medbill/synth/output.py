"""Write a generated practice to a folder: the claims tables plus ``ar`` and ``truth``.

CSV is byte-for-byte reproducible: rows keep the generator's deterministic order, dates are ISO,
money has two decimals (the claims tables' writer); the two extra tables follow the same rules.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from medbill.claims.tables import write_claims_dir
from medbill.synth import SynthData

FORMATS = ("csv", "parquet", "both")
_MONEY = (
    "charge",
    "paid",
    "contractual",
    "denied",
    "patient_responsibility",
    "insurance_balance",
    "patient_balance",
)


def _extra_csv(frame: pd.DataFrame, target: Path) -> None:
    out = frame.copy()
    for column in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[column]):
            out[column] = out[column].dt.strftime("%Y-%m-%d")
        elif column in _MONEY:
            values = out[column].to_numpy(dtype="float64", na_value=np.nan)
            out[column] = pd.Series(np.char.mod("%.2f", values), index=out.index, dtype="string").mask(
                np.isnan(values)
            )
    out.to_csv(target, index=False, lineterminator="\n")


def write(data: SynthData, folder: str | Path, fmt: str = "both") -> list[Path]:
    """Write every table as CSV, Parquet or both; returns the files written."""
    if fmt not in FORMATS:
        raise ValueError(f"format {fmt!r} is not one of {', '.join(FORMATS)}")
    folder = Path(folder)
    written: list[Path] = []
    for kind in ("csv", "parquet") if fmt == "both" else (fmt,):
        written += write_claims_dir(data, folder, fmt=kind)
        for name in ("ar", "truth"):
            frame = getattr(data, name)
            target = folder / f"{name}.{kind}"
            if kind == "csv":
                _extra_csv(frame, target)
            else:
                frame.to_parquet(target, index=False)
            written.append(target)
    return written
