"""Write a generated practice to a folder: the claims tables plus ``ar`` and ``truth``.

CSV is byte-for-byte reproducible: rows keep the generator's deterministic order, dates are ISO,
money has two decimals (the claims tables' writer); the two extra tables follow the same rules.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd

from medbill.claims.tables import write_claims_dir
from medbill.synth import SynthData
from medbill.synth.x12_835 import write_835s

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


def write(data: SynthData, folder: str | Path, fmt: str = "both", x12: bool = False) -> list[Path]:
    """Write every table as CSV, Parquet or both (and with ``x12`` the 837P and 835 files under
    ``x12/``, named in ``remit_payments.source_file``); returns the files written."""
    if fmt not in FORMATS:
        raise ValueError(f"format {fmt!r} is not one of {', '.join(FORMATS)}")
    folder = Path(folder)
    written: list[Path] = []
    if x12:
        written += write_x12(data, folder / "x12")
        data.remit_payments["source_file"] = ("x12/835/" + data.remit_payments["payment_id"] + ".835").astype(
            "string"
        )
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


def write_x12(data: SynthData, folder: str | Path) -> list[Path]:
    """The 835 of every payment (``835/<payment_id>.835``) and the 837P batches the practice sent:
    one file per payer and month of submission (``837p/<payer>_<YYYY-MM>.837``)."""
    from medbill.claims.models import claims_from_tables
    from medbill.claims.x12 import write_837p

    folder = Path(folder)
    written = write_835s(data, folder / "835")
    sent = data.claims[data.claims["submitted_date"].notna()]
    out = folder / "837p"
    out.mkdir(parents=True, exist_ok=True)
    month = sent["submitted_date"].dt.strftime("%Y-%m")
    for number, ((payer_id, batch), rows) in enumerate(
        sent.groupby([sent["payer_id"], month], sort=True), start=1
    ):
        subset = dataclasses.replace(
            data, claims=rows, lines=data.lines[data.lines["claim_id"].isin(set(rows["claim_id"]))]
        )
        created = rows["submitted_date"].max().to_pydatetime()
        text = write_837p(claims_from_tables(subset), control_number=number, created=created)
        path = out / f"{payer_id}_{batch}.837"
        path.write_text(text.replace("~", "~\n"), encoding="ascii", newline="\n")
        written.append(path)
    return written
