"""Tuva Project input layout -> medbill's claims tables.

The Tuva Project (an open-source claims data model, Apache-2.0) takes a ``medical_claim`` table
(one row per claim line, professional and institutional, upper- or lower-case column names) and an
``eligibility`` table (one row per member enrolment span). :func:`load_tuva` maps the professional
lines to ``claims``/``lines`` and eligibility to ``patients``/``payers``; every input line is either
mapped or listed in ``unmapped`` with its reason, and lines mapped with a change are listed in
``notes``. Tuva's adjudicated amounts ride along on ``lines`` as extra columns (``paid_amount``,
``allowed_amount``, ``paid_date``).

What cannot map: institutional lines (medbill's tables carry professional claims), a line without a
claim id, procedure code or date of service, a duplicate (claim id, line number), a non-numeric
amount or unit count, an unreadable date.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd

from medbill.claims.tables import DX_COLUMNS, MODIFIER_COLUMNS, ClaimsData
from medbill.exceptions import ImportFailed

MEDICAL_CLAIM_FILES = ("medical_claim.csv", "medical_claim_sample.csv")
ELIGIBILITY_FILES = ("eligibility.csv", "eligibility_sample.csv")
_FILING = {"medicare": "MB", "medicaid": "MC", "commercial": "CI"}
_STATES = {
    "alabama": "AL", "alaska": "AK", "arizona": "AZ", "arkansas": "AR", "california": "CA", "colorado": "CO",
    "connecticut": "CT", "delaware": "DE", "district of columbia": "DC", "florida": "FL", "georgia": "GA",
    "hawaii": "HI", "idaho": "ID", "illinois": "IL", "indiana": "IN", "iowa": "IA", "kansas": "KS",
    "kentucky": "KY", "louisiana": "LA", "maine": "ME", "maryland": "MD", "massachusetts": "MA",
    "michigan": "MI", "minnesota": "MN", "mississippi": "MS", "missouri": "MO", "montana": "MT",
    "nebraska": "NE", "nevada": "NV", "new hampshire": "NH", "new jersey": "NJ", "new mexico": "NM",
    "new york": "NY", "north carolina": "NC", "north dakota": "ND", "ohio": "OH", "oklahoma": "OK",
    "oregon": "OR", "pennsylvania": "PA", "rhode island": "RI", "south carolina": "SC", "south dakota": "SD",
    "tennessee": "TN", "texas": "TX", "utah": "UT", "vermont": "VT", "virginia": "VA", "washington": "WA",
    "west virginia": "WV", "wisconsin": "WI", "wyoming": "WY", "puerto rico": "PR", "guam": "GU",
    "virgin islands": "VI", "american samoa": "AS", "northern mariana islands": "MP",
}  # fmt: skip
_SEX = {"male": "M", "female": "F", "m": "M", "f": "F"}
TUVA_DX = 25


@dataclasses.dataclass
class TuvaLoad:
    """The mapped tables, the input lines that could not map (with reasons) and the mapping notes."""

    data: ClaimsData
    unmapped: pd.DataFrame  # source_row, claim_id, line_number, reason
    notes: pd.DataFrame  # claim_id, line_number, note
    input_lines: int

    def summary(self) -> dict[str, int]:
        return {
            "input_lines": self.input_lines,
            "mapped_lines": len(self.data.lines),
            "unmapped_lines": len(self.unmapped),
            "claims": len(self.data.claims),
            "notes": len(self.notes),
        }


def _find(folder: Path, names: tuple[str, ...], what: str) -> Path:
    for name in names:
        if (folder / name).is_file():
            return folder / name
    raise ImportFailed(f"{folder} has no Tuva {what} file (looked for {', '.join(names)})")


def _read(path: Path) -> pd.DataFrame:
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame.columns = [c.strip().lower() for c in frame.columns]
    return frame.apply(lambda col: col.str.strip())


def _dates(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values.replace("", pd.NA), format="%Y-%m-%d", errors="coerce")


def _numbers(values: pd.Series) -> pd.Series:
    return pd.to_numeric(values.replace("", pd.NA), errors="coerce")


def load_tuva(folder: str | Path) -> TuvaLoad:
    """Map a folder holding Tuva ``medical_claim`` and ``eligibility`` CSVs to the claims tables."""
    if not isinstance(folder, (str, Path)) or not str(folder).strip():
        raise ImportFailed(f"expected a folder path, got {folder!r}")
    folder = Path(folder)
    if not _is_dir(folder):
        raise ImportFailed(f"Tuva folder {folder} does not exist")
    mc = _read(_find(folder, MEDICAL_CLAIM_FILES, "medical_claim"))
    elig = _read(_find(folder, ELIGIBILITY_FILES, "eligibility"))
    needed = {"claim_id", "claim_line_number", "claim_type", "patient_id", "hcpcs_code", "charge_amount"}
    missing = needed - set(mc.columns)
    if missing:
        raise ImportFailed(f"{folder}: medical_claim lacks column(s) {', '.join(sorted(missing))}")
    if "patient_id" not in elig.columns:
        raise ImportFailed(f"{folder}: eligibility lacks column patient_id")
    mc = mc.reindex(columns=sorted(set(mc.columns) | _OPTIONAL), fill_value="")
    elig = elig.reindex(columns=sorted(set(elig.columns) | _ELIGIBILITY), fill_value="")
    mc["source_row"] = np.arange(2, len(mc) + 2)  # the CSV row number (header is row 1)

    start = _dates(
        mc["claim_line_start_date"].mask(mc["claim_line_start_date"] == "", mc["claim_start_date"])
    )
    end = _dates(mc["claim_line_end_date"].mask(mc["claim_line_end_date"] == "", mc["claim_end_date"]))
    units = _numbers(mc["service_unit_quantity"])
    charge = _numbers(mc["charge_amount"])
    line_no = _numbers(mc["claim_line_number"])
    reasons = [
        (mc["claim_type"].str.lower() != "professional", "institutional or other non-professional claim line: medbill's tables hold professional (837P) claims"),
        (mc["claim_id"] == "", "no claim_id"),
        (line_no.isna() | (line_no % 1 != 0), "claim_line_number is not a whole number"),
        (mc["hcpcs_code"] == "", "no HCPCS/CPT procedure code"),
        (start.isna(), "no readable date of service (claim_line_start_date / claim_start_date)"),
        ((mc["service_unit_quantity"] != "") & units.isna(), "service_unit_quantity is not a number"),
        (charge.isna(), "charge_amount is missing or not a number"),
        (mc.duplicated(["claim_id", "claim_line_number"], keep="first"), "duplicate claim_id and claim_line_number"),
    ]  # fmt: skip
    reason = pd.Series(pd.NA, index=mc.index, dtype="string")
    for mask, text in reasons:
        reason = reason.mask(reason.isna() & mask.to_numpy(), text)
    bad = reason.notna()
    unmapped = pd.DataFrame(
        {
            "source_row": mc.loc[bad, "source_row"],
            "claim_id": mc.loc[bad, "claim_id"],
            "line_number": mc.loc[bad, "claim_line_number"],
            "reason": reason[bad],
        }
    ).reset_index(drop=True)

    ok = mc[~bad].copy()
    ok["_start"], ok["_end"], ok["_units"], ok["_charge"] = start[~bad], end[~bad], units[~bad], charge[~bad]
    ok["_line"] = line_no[~bad].astype("int64")
    ok = ok.sort_values(["claim_id", "_line"], kind="stable")
    first = ok.drop_duplicates("claim_id", keep="first").set_index("claim_id")
    notes: list[pd.DataFrame] = []

    lines = pd.DataFrame(
        {
            "claim_id": ok["claim_id"],
            "line_number": ok["_line"],
            "service_date": ok["_start"],
            "service_date_to": ok["_end"].fillna(ok["_start"]),
            "procedure_code": ok["hcpcs_code"].str.upper(),
            **{col: ok[f"hcpcs_modifier_{i}"].str.upper() for i, col in enumerate(MODIFIER_COLUMNS, start=1)},
            "units": ok["_units"],
            "charge": ok["_charge"],
            "place_of_service": ok["place_of_service_code"],
            "rendering_npi": ok["rendering_npi"],
            "paid_amount": _numbers(ok["paid_amount"]),
            "allowed_amount": _numbers(ok["allowed_amount"]),
            "paid_date": _dates(ok["paid_date"]),
        }
    ).reset_index(drop=True)
    fifth = ok["hcpcs_modifier_5"] != ""
    notes.append(_note(ok[fifth], "a fifth modifier was dropped (an 837P line carries four)"))
    no_units = ok["_units"].isna()
    notes.append(_note(ok[no_units], "no service_unit_quantity: units left empty"))

    dx_in = first[[f"diagnosis_code_{i}" for i in range(1, TUVA_DX + 1)]].replace("", pd.NA)
    # Keep the first twelve diagnoses that are present, in order.
    stacked = dx_in.stack().reset_index(level=1, drop=True)
    rank = stacked.groupby(level=0).cumcount()
    dx = stacked[rank < len(DX_COLUMNS)].to_frame("code").assign(col=rank[rank < len(DX_COLUMNS)])
    dx = dx.set_index("col", append=True)["code"].unstack().reindex(first.index)
    dx.columns = [DX_COLUMNS[int(i)] for i in dx.columns]
    n_dx = dx_in.notna().sum(axis=1)
    over = first[n_dx > len(DX_COLUMNS)].reset_index()
    notes.append(
        _note(
            over.assign(claim_line_number=""),
            f"diagnoses after the {len(DX_COLUMNS)}th were dropped (an 837P carries twelve)",
        )
    )
    no_dx = first[n_dx == 0].reset_index()
    notes.append(_note(no_dx.assign(claim_line_number=""), "the claim has no diagnosis code"))
    # Tuva has no diagnosis pointers: each line points at the claim's first (up to four) diagnoses.
    letters = np.array(["", "A", "AB", "ABC", "ABCD"], dtype=object)
    lines["dx_pointers"] = letters[np.minimum(n_dx.reindex(lines["claim_id"]).to_numpy(), 4)]

    billing = first["billing_npi"].mask(first["billing_npi"] == "", first["rendering_npi"])
    no_billing = first[first["billing_npi"] == ""].reset_index()
    notes.append(
        _note(no_billing.assign(claim_line_number=""), "no billing_npi: the rendering NPI stands in")
    )
    coverage = _coverage(first, elig)
    no_cover = coverage["payer_id"].isna()
    notes.append(
        _note(
            first[no_cover.to_numpy()].reset_index().assign(claim_line_number=""),
            "no eligibility span covers the claim's first date: payer unknown",
        )
    )
    member = first["member_id"].mask(first["member_id"] == "", coverage["member_id"])
    no_member = member.isna() | (member == "")
    notes.append(
        _note(
            first[no_member.to_numpy()].reset_index().assign(claim_line_number=""),
            "no member_id in claim or eligibility: patient_id stands in",
        )
    )

    patients = _patients(elig)
    claims = pd.DataFrame(
        {
            "claim_id": first.index,
            "patient_id": first["patient_id"].to_numpy(),
            "payer_id": coverage["payer_id"].fillna("unknown").to_numpy(),
            "member_id": member.mask(no_member, first["patient_id"]).to_numpy(),
            "billing_npi": billing.to_numpy(),
            "rendering_npi": first["rendering_npi"].to_numpy(),
            "place_of_service": first["place_of_service_code"].to_numpy(),
            "claim_frequency": "1",
            **{col: dx[col].to_numpy() if col in dx else pd.NA for col in DX_COLUMNS},
        }
    )
    people = patients.set_index("patient_id")
    claims.insert(2, "patient_birth_date", claims["patient_id"].map(people["birth_date"]))
    claims.insert(3, "patient_sex", claims["patient_id"].map(people["sex"]))
    payers = _payers(elig, unknown=bool(no_cover.any()))
    npis = (
        pd.concat([claims["billing_npi"], lines["rendering_npi"]])
        .replace("", pd.NA)
        .dropna()
        .drop_duplicates()
    )
    providers = pd.DataFrame({"npi": npis.sort_values().to_numpy()})
    data = ClaimsData(claims=claims, lines=lines, patients=patients, providers=providers, payers=payers)
    note_frame = pd.concat(notes, ignore_index=True).sort_values(
        ["claim_id", "line_number", "note"], kind="stable"
    )
    return TuvaLoad(
        data=data, unmapped=unmapped, notes=note_frame.reset_index(drop=True), input_lines=len(mc)
    )


_OPTIONAL = {
    "member_id", "claim_start_date", "claim_end_date", "claim_line_start_date", "claim_line_end_date",
    "place_of_service_code", "service_unit_quantity", "rendering_npi", "billing_npi", "paid_date",
    "paid_amount", "allowed_amount", *(f"hcpcs_modifier_{i}" for i in range(1, 6)),
    *(f"diagnosis_code_{i}" for i in range(1, TUVA_DX + 1)),
}  # fmt: skip


_ELIGIBILITY = {
    "patient_id", "member_id", "gender", "birth_date", "enrollment_start_date", "enrollment_end_date", "payer",
    "payer_type", "first_name", "last_name", "address", "city", "state", "zip_code",
}  # fmt: skip


def _note(rows: pd.DataFrame, text: str) -> pd.DataFrame:
    claim = rows["claim_id"] if "claim_id" in rows else pd.Series(rows.index, index=rows.index)
    return pd.DataFrame(
        {"claim_id": claim.to_numpy(), "line_number": rows["claim_line_number"].to_numpy(), "note": text}
    )


def _coverage(first: pd.DataFrame, elig: pd.DataFrame) -> pd.DataFrame:
    """Per claim: the payer and member id of the eligibility span covering its first date."""
    spans = elig.assign(_from=_dates(elig["enrollment_start_date"]), _to=_dates(elig["enrollment_end_date"]))
    claims = pd.DataFrame(
        {
            "claim_id": first.index,
            "patient_id": first["patient_id"].to_numpy(),
            "_day": first["_start"].to_numpy(),
        }
    )
    joined = claims.merge(spans, on="patient_id", how="left")
    covered = (joined["_from"] <= joined["_day"]) & (
        (joined["_to"].isna()) | (joined["_day"] <= joined["_to"])
    )
    hit = joined[covered.fillna(False)].drop_duplicates("claim_id")
    out = hit.set_index("claim_id").reindex(first.index)
    return pd.DataFrame(
        {"payer_id": out.get("payer").replace("", pd.NA), "member_id": out.get("member_id")},
        index=first.index,
    )


def _patients(elig: pd.DataFrame) -> pd.DataFrame:
    latest = elig.sort_values(["patient_id", "enrollment_start_date"], kind="stable").drop_duplicates(
        "patient_id", keep="last"
    )

    def col(name: str) -> pd.Series:
        return latest[name]

    state = col("state")
    return pd.DataFrame(
        {
            "patient_id": col("patient_id"),
            "last_name": col("last_name"),
            "first_name": col("first_name"),
            "birth_date": _dates(col("birth_date")),
            "sex": col("gender").str.lower().map(_SEX).fillna("U"),
            "address1": col("address"),
            "city": col("city"),
            "state": state.str.lower().map(_STATES).fillna(state.where(state.str.len() == 2, "")),
            "zip": col("zip_code"),
        }
    ).reset_index(drop=True)


def _payers(elig: pd.DataFrame, unknown: bool) -> pd.DataFrame:
    kinds = elig[["payer", "payer_type"]].drop_duplicates("payer").sort_values("payer")
    payers = pd.DataFrame(
        {
            "payer_id": kinds["payer"],
            "name": kinds["payer"],
            "kind": kinds["payer_type"].str.lower(),
            "claim_filing_indicator": kinds["payer_type"].str.lower().map(_FILING).fillna("ZZ"),
        }
    )
    if unknown:
        payers.loc[len(payers)] = ["unknown", "unknown (no eligibility span)", pd.NA, "ZZ"]
    return payers.reset_index(drop=True)


def write_tuva_load(load: TuvaLoad, out: str | Path, fmt: str = "csv") -> list[Path]:
    """Write the mapped tables plus ``unmapped.csv`` and ``notes.csv`` (always CSV) to ``out``."""
    from medbill.claims.tables import write_claims_dir

    out = Path(out)
    written = write_claims_dir(load.data, out, fmt=fmt)
    for name, frame in (("unmapped", load.unmapped), ("notes", load.notes)):
        frame.to_csv(out / f"{name}.csv", index=False, lineterminator="\n")
        written.append(out / f"{name}.csv")
    return written


def _is_dir(path: Path) -> bool:
    try:
        return path.is_dir()
    except OSError:  # e.g. a name too long for the file system
        return False
