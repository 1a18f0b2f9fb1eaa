"""Write a generated practice to a folder: the claims tables plus ``ar`` and ``truth``.

CSV is byte-for-byte reproducible: rows keep the generator's deterministic order, dates are ISO,
money has two decimals, missing values are empty cells (what ``read_claims_dir`` reads back).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv

from medbill.claims.models import claims_from_tables
from medbill.claims.tables import SCHEMAS, ClaimsData, write_claims_dir
from medbill.claims.x12 import write_837p
from medbill.synth import SynthData
from medbill.synth.x12_835 import write_835s

FORMATS = ("csv", "parquet", "both")
# Money columns of the two extra tables (the claims tables' own come from their schema).
_EXTRA_MONEY = {
    "ar": (
        "charge",
        "paid",
        "contractual",
        "denied",
        "patient_responsibility",
        "patient_paid",
        "insurance_balance",
        "patient_balance",
    ),
    "truth": (),
}


def _money_text(values: pa.Array) -> pa.Array:
    """Dollars with exactly two decimals, from integer cents (no float formatting drift)."""
    cents = pc.cast(pc.round(pc.multiply(values, 100)), pa.int64())
    magnitude = pc.abs(cents)
    dollars = pc.divide(magnitude, 100)
    rest = pc.subtract(magnitude, pc.multiply(dollars, 100))
    text = pc.binary_join_element_wise(
        pc.cast(dollars, pa.string()), pc.utf8_lpad(pc.cast(rest, pa.string()), 2, "0"), "."
    )
    return pc.if_else(pc.less(cents, 0), pc.binary_join_element_wise("-", text, ""), text)


def write_csv(frame: pd.DataFrame, target: Path, money: tuple[str, ...] | list[str]) -> None:
    """One table as CSV: ISO dates, ``money`` columns with two decimals, empty cells for missing
    values, ``\\n`` line ends. Written by Arrow's C++ writer (a million lines in seconds); a table
    whose text needs CSV quoting goes through pandas instead, with the same formatting."""
    columns = {}
    for name in frame.columns:
        values = pa.Array.from_pandas(frame[name])
        if pa.types.is_timestamp(values.type):
            values = pc.strftime(values, format="%Y-%m-%d")
        elif name in money:
            values = _money_text(pc.cast(values, pa.float64()))
        elif not (pa.types.is_string(values.type) or pa.types.is_large_string(values.type)):
            values = pc.cast(values, pa.string())
        columns[name] = values
    table = pa.table(columns)
    try:
        with open(target, "wb") as f:  # Arrow quotes header names; medbill's CSVs do not
            f.write((",".join(table.column_names) + "\n").encode())
            pcsv.write_csv(table, f, pcsv.WriteOptions(include_header=False, quoting_style="none"))
    except pa.ArrowInvalid:  # a comma, quote or line break inside a value: let pandas quote it
        table.to_pandas().to_csv(target, index=False, lineterminator="\n")


def write(data: SynthData, folder: str | Path, fmt: str = "both", x12: bool = False) -> list[Path]:
    """Write every table as CSV, Parquet or both (and with ``x12`` the 837P and 835 files under
    ``x12/``, named in ``remit_payments.source_file``); returns the files written."""
    if fmt not in FORMATS:
        raise ValueError(f"format {fmt!r} is not one of {', '.join(FORMATS)}")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    if x12:
        written += write_x12(data, folder / "x12")
        source = "x12/835/" + data.remit_payments["payment_id"] + ".835"
        data.remit_payments["source_file"] = source.astype("string")
    for kind in ("csv", "parquet") if fmt == "both" else (fmt,):
        if kind == "parquet":
            written += write_claims_dir(data, folder, fmt="parquet")
        else:
            for name, frame in data.items():
                money = [c for c, k in SCHEMAS[name].items() if k == "money"]
                write_csv(frame, folder / f"{name}.csv", money)
                written.append(folder / f"{name}.csv")
        for name in ("ar", "truth"):
            frame = getattr(data, name)
            target = folder / f"{name}.{kind}"
            if kind == "csv":
                write_csv(frame, target, _EXTRA_MONEY[name])
            else:
                frame.to_parquet(target, index=False)
            written.append(target)
    return written


def write_x12(data: SynthData, folder: str | Path) -> list[Path]:
    """The 835 of every payment (``835/<payment_id>.835``) and the 837P batches the practice sent:
    one file per payer and month of submission (``837p/<payer>_<YYYY-MM>.837``).

    A claim the 837P cannot carry (a diagnosis pointer past the last diagnosis, no member id) is what
    a clearinghouse rejects at the front end: it is left out of the batch and listed with the reason
    in ``837p/rejected.csv``.
    """
    folder = Path(folder)
    written = write_835s(data, folder / "835")
    out = folder / "837p"
    out.mkdir(parents=True, exist_ok=True)
    sent = data.claims[data.claims["submitted_date"].notna()]
    rejected = _unwritable(sent, data.lines)
    sent = sent[~sent["claim_id"].isin(set(rejected["claim_id"]))]
    subset = ClaimsData(
        claims=sent,
        lines=data.lines[data.lines["claim_id"].isin(set(sent["claim_id"]))],
        patients=data.patients,
        providers=data.providers,
        payers=data.payers,
    )
    models = dict(zip(sent["claim_id"], claims_from_tables(subset), strict=True))
    month = sent["submitted_date"].dt.strftime("%Y-%m")
    for number, ((payer_id, batch), rows) in enumerate(
        sent.groupby([sent["payer_id"], month], sort=True), start=1
    ):
        created = rows["submitted_date"].max().to_pydatetime()
        text = write_837p([models[c] for c in rows["claim_id"]], control_number=number, created=created)
        path = out / f"{payer_id}_{batch}.837"
        path.write_text(text.replace("~", "~\n"), encoding="ascii", newline="\n")
        written.append(path)
    report = out / "rejected.csv"
    rejected.to_csv(report, index=False, lineterminator="\n")
    return [*written, report]


def _unwritable(claims: pd.DataFrame, lines: pd.DataFrame) -> pd.DataFrame:
    """Claims an 837P cannot carry, with the reason (vectorised; the claim models refuse them too)."""
    n_dx = claims[[f"dx{i}" for i in range(1, 13)]].notna().sum(axis=1)
    n_dx = pd.Series(n_dx.to_numpy(), index=claims["claim_id"].to_numpy())
    lines = lines[lines["claim_id"].isin(set(claims["claim_id"]))]
    pointers = lines["dx_pointers"].fillna("")
    highest = np.zeros(len(lines), dtype=np.int64)
    for number, letter in enumerate("ABCDEFGHIJKL", start=1):
        highest = np.where(pointers.str.contains(letter, regex=False).to_numpy(), number, highest)
    past = lines[highest > n_dx.reindex(lines["claim_id"]).to_numpy()]
    no_member = claims[claims["member_id"].isna()]
    reasons = pd.concat(
        [
            pd.DataFrame(
                {
                    "claim_id": past["claim_id"],
                    "reason": "line " + past["line_number"].astype(str) + " points past the last diagnosis",
                }
            ),
            pd.DataFrame({"claim_id": no_member["claim_id"], "reason": "no subscriber member id"}),
        ]
    )
    return reasons.drop_duplicates("claim_id").sort_values("claim_id", kind="stable", ignore_index=True)
