"""Claim integrity: identifiers, required fields, pointers, duplicates, amounts, dates, filing limits."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from medbill.edits.engine import (
    DEFAULT_TIMELY_FILING_DAYS,
    DX_COLUMNS,
    MODIFIER_COLUMNS,
    Batch,
    findings,
    rule,
)
from medbill.edits.rules._util import dates, positions, require

CATEGORY = "integrity"
_837P = "ASC X12 005010X222A1 (837P)"

_REQUIRED_CLAIM = {
    "claim_id": "CLM01 patient control number",
    "patient_birth_date": "2010BA DMG02 birth date",
    "patient_sex": "2010BA DMG03 sex",
    "payer_id": "2010BB payer identifier",
    "billing_npi": "2010AA NM109 billing provider NPI",
    "place_of_service": "CLM05-1 place of service",
    "dx1": "HI01 principal diagnosis",
}
_REQUIRED_LINE = {
    "claim_id": "claim the line belongs to",
    "line_number": "LX01 line number",
    "service_date": "DTP*472 date of service",
    "procedure_code": "SV101-2 procedure code",
    "units": "SV104 service units",
    "charge": "SV102 line charge",
    "dx_pointers": "SV107 diagnosis code pointers",
}


@rule(
    "REQUIRED",
    title="Required field missing",
    category=CATEGORY,
    severity="error",
    reference=f"{_837P} required elements; docs/tables.md",
    explanation="A claim without these elements is rejected by the clearinghouse before a payer sees it.",
    fix="Fill in the named field from the encounter or registration record.",
)
def required(b: Batch) -> pd.DataFrame:
    parts = []
    for col, meaning in _REQUIRED_CLAIM.items():
        pos = positions(b.claims[col].isna())
        parts.append(findings(pos, -1, col, "", f"{col} ({meaning}) is missing"))
    for col, meaning in _REQUIRED_LINE.items():
        pos = positions(b.lines[col].isna())
        parts.append(
            findings(b.lines["claim"].to_numpy()[pos], pos, col, "", f"{col} ({meaning}) is missing")
        )
    # The subscriber's member id is required unless the claim goes to a self-pay "payer".
    selfpay = np.zeros(len(b.claims), dtype=bool)
    if b.payers is not None and {"payer_id", "kind"} <= set(b.payers.columns):
        kinds = b.payers.drop_duplicates("payer_id").set_index("payer_id")["kind"].astype(str)
        selfpay = b.claims["payer_id"].map(kinds).eq("selfpay").to_numpy(dtype=bool)
    pos = positions(b.claims["member_id"].isna().to_numpy() & ~selfpay)
    parts.append(
        findings(pos, -1, "member_id", "", "member_id (2010BA NM109 subscriber member id) is missing")
    )
    sex = b.claims["patient_sex"]
    bad = positions(sex.notna() & ~sex.isin(["F", "M", "U"]))
    parts.append(findings(bad, -1, "patient_sex", sex.iloc[bad], "patient_sex must be F, M or U"))
    return pd.concat(parts, ignore_index=True)


@rule(
    "CLAIM-ID-DUP",
    title="Claim id used twice",
    category=CATEGORY,
    severity="error",
    reference=f"{_837P} CLM01; docs/tables.md (claim_id unique in the folder)",
    explanation="The patient control number identifies the claim on the remittance; two claims sharing one cannot be posted.",
    fix="Give each claim its own claim_id.",
)
def claim_id_dup(b: Batch) -> pd.DataFrame:
    ids = b.claims["claim_id"]
    pos = positions(ids.notna() & ids.duplicated(keep="first"))
    return findings(pos, -1, "claim_id", ids.iloc[pos], "claim_id already used by an earlier claim row")


@rule(
    "LINE-ORPHAN",
    title="Line without a claim",
    category=CATEGORY,
    severity="error",
    reference="docs/tables.md (lines.claim_id is a key into claims)",
    explanation="A service line whose claim_id is not in the claims table cannot be billed.",
    fix="Add the claim row or correct the line's claim_id.",
)
def line_orphan(b: Batch) -> pd.DataFrame:
    pos = positions((b.lines["claim"] < 0) & b.lines["claim_id"].notna())
    return findings(
        -1, pos, "claim_id", b.lines["claim_id"].iloc[pos], "claim_id not found in the claims table"
    )


@rule(
    "CLAIM-NO-LINES",
    title="Claim without service lines",
    category=CATEGORY,
    severity="error",
    reference=f"{_837P} loop 2400 (at least one service line)",
    explanation="Every professional claim needs at least one service line.",
    fix="Add the service lines or drop the claim.",
)
def claim_no_lines(b: Batch) -> pd.DataFrame:
    has = np.zeros(len(b.claims), dtype=bool)
    has[b.lines.loc[b.lines["claim"] >= 0, "claim"].to_numpy()] = True
    pos = positions(~has)
    return findings(pos, -1, "claim_id", b.claims["claim_id"].iloc[pos], "claim has no service lines")


@rule(
    "LINE-NUMBER-DUP",
    title="Line number repeated within a claim",
    category=CATEGORY,
    severity="error",
    reference="docs/tables.md (line_number is 1-based within the claim)",
    explanation="Remittances refer to lines by number; a repeated number makes payment posting ambiguous.",
    fix="Number the claim's lines 1, 2, 3 ...",
)
def line_number_dup(b: Batch) -> pd.DataFrame:
    ln = b.lines
    dup = ln["line_number"].notna() & ln.duplicated(["claim_id", "line_number"], keep="first")
    pos = positions(dup)
    return findings(
        ln["claim"].to_numpy()[pos], pos, "line_number", ln["line_number"].iloc[pos], "line number used twice"
    )


@rule(
    "DX-POINTER",
    title="Diagnosis pointer does not point at a diagnosis",
    category=CATEGORY,
    severity="error",
    reference=f"{_837P} SV107: up to four pointers to HI diagnoses 1-12 (A-L)",
    explanation="Each line's pointers (A-L) must name diagnoses present on the claim, at most four, each once.",
    fix="Point the line at the diagnosis slots that support it (A = dx1 ... L = dx12).",
)
def dx_pointer(b: Batch) -> pd.DataFrame:
    ptr = b.pointers
    text = ptr["text"]
    has_dx = b.claims[DX_COLUMNS].notna().to_numpy()
    has_dx = np.vstack([has_dx, np.zeros((1, 12), dtype=bool)])  # row -1: orphan lines point at nothing
    claim = b.lines["claim"].to_numpy()
    parts = []
    too_many = positions(ptr["count"] > 4)
    parts.append(
        findings(claim[too_many], too_many, "dx_pointers", text.iloc[too_many], "more than 4 pointers")
    )
    repeated = positions(ptr["repeated"])
    parts.append(
        findings(
            claim[repeated], repeated, "dx_pointers", text.iloc[repeated], "a diagnosis is pointed at twice"
        )
    )
    for k in range(1, 5):
        slot = ptr[f"slot{k}"].to_numpy()
        in_range = slot >= 1
        exists = np.zeros(len(slot), dtype=bool)
        exists[in_range] = has_dx[claim[in_range], slot[in_range] - 1]
        bad = positions((slot != 0) & ~exists)
        if not len(bad):
            continue
        letter = text.iloc[bad].str[k - 1]
        msg = np.where(
            in_range[bad],
            "pointer " + letter + " names dx" + slot[bad].astype(str) + ", which is empty",
            "pointer " + letter + " is not a letter A-L",
        )
        parts.append(findings(claim[bad], bad, "dx_pointers", text.iloc[bad], msg))
    return pd.concat(parts, ignore_index=True)


@rule(
    "DX-UNPOINTED",
    title="Diagnosis not pointed at by any line",
    category=CATEGORY,
    severity="warning",
    reference=f"{_837P} SV107; CMS Claims Processing Manual ch. 26 item 24E",
    explanation="A diagnosis no line points at does not support any service; it may be a leftover or a missing pointer.",
    fix="Point the line it supports at it, or remove it if it was not addressed at the encounter.",
)
def dx_unpointed(b: Batch) -> pd.DataFrame:
    ok = (b.lines["claim"] >= 0).to_numpy()
    claim = b.lines["claim"].to_numpy()[ok]
    pointed = np.zeros((len(b.claims), 12), dtype=bool)
    for k in range(1, 5):
        slot = b.pointers[f"slot{k}"].to_numpy()[ok]
        good = slot >= 1
        pointed[claim[good], slot[good] - 1] = True
    dx = b.dx_long
    # Claims without lines are reported by CLAIM-NO-LINES instead.
    with_lines = np.zeros(len(b.claims), dtype=bool)
    with_lines[claim] = True
    miss = ~pointed[dx["claim"].to_numpy(), dx["pos"].to_numpy() - 1] & with_lines[dx["claim"].to_numpy()]
    d = dx[miss]
    letters = pd.Series(np.array(list(" ABCDEFGHIJKL"))[d["pos"].to_numpy()], index=d.index)
    return findings(
        d["claim"],
        -1,
        "dx" + d["pos"].astype(str),
        d["code"],
        "no line points at dx" + d["pos"].astype(str) + " (" + letters + ")",
    )


# NPI validity memoised per value for small sets (a check digit never changes; an encounter
# re-scrubbed as it is edited repeats its NPIs, and is_valid_many costs ~1 ms of pandas a call).
_npi_memo: dict[tuple[type, Any], bool] = {}
_MEMO_VALUES = 256
_MEMO_LIMIT = 100_000


def _npi_ok(npi, values: pd.Series) -> np.ndarray:
    """Validity per value, checking each distinct NPI once."""
    ids, uniques = pd.factorize(values, use_na_sentinel=True)
    if len(uniques) > _MEMO_VALUES:
        valid = npi.is_valid_many(pd.Series(uniques, dtype=object)).to_numpy()
    else:
        keys = [(type(u), u) for u in uniques]
        new = [k for k in keys if k not in _npi_memo]
        if new:
            if len(_npi_memo) + len(new) > _MEMO_LIMIT:
                _npi_memo.clear()
            checked = npi.is_valid_many(pd.Series([u for _, u in new], dtype=object)).to_numpy()
            _npi_memo.update(zip(new, checked.tolist(), strict=True))
        valid = np.array([_npi_memo[k] for k in keys], dtype=bool)
    ok = np.append(valid, True)
    return ok[np.where(ids >= 0, ids, len(uniques))]


@rule(
    "NPI-CHECK",
    title="NPI fails its check digit",
    category=CATEGORY,
    severity="error",
    reference="45 CFR 162.406; CMS NPI check digit (Luhn over 80840 + first nine digits)",
    explanation="An NPI is ten digits whose last digit is a Luhn check digit; a mistyped NPI is rejected.",
    fix="Copy the NPI from NPPES (npiregistry.cms.hhs.gov).",
)
def npi_check(b: Batch) -> pd.DataFrame:
    npi = require("medbill.identifiers.npi", "is_valid_many")
    parts = [findings([], [], [], [], [])]
    for col in ("billing_npi", "rendering_npi", "referring_npi"):
        v = b.claims[col]
        pos = positions(~_npi_ok(npi, v))
        if len(pos):
            parts.append(findings(pos, -1, col, v.iloc[pos], col + " " + v.iloc[pos] + " is not a valid NPI"))
    if "rendering_npi" in b.raw_lines:
        v = b.lines["rendering_npi"]
        own = b.raw_lines["rendering_npi"].notna().to_numpy()
        pos = positions(own & ~_npi_ok(npi, v))
        parts.append(
            findings(
                b.lines["claim"].to_numpy()[pos],
                pos,
                "rendering_npi",
                v.iloc[pos],
                "line rendering NPI is not a valid NPI",
            )
        )
    return pd.concat(parts, ignore_index=True)


def _service_key(b: Batch) -> np.ndarray:
    """Group id per line for patient, provider, date, procedure and modifiers."""
    if "service_key" not in b.memo:
        b.memo["service_key"] = b.key(
            ["patient_key", "rendering_npi", "service_date", "procedure_code", *MODIFIER_COLUMNS]
        )
    return b.memo["service_key"]


@rule(
    "DUP-LINE",
    title="Duplicate service line on a claim",
    category=CATEGORY,
    severity="error",
    reference="CMS Claims Processing Manual ch. 1 §120 (duplicate claims and lines; CARC 18)",
    explanation="The same service, date and modifiers twice on one claim is denied as a duplicate.",
    fix="Bill repeated services as one line with the total units, or add the modifier (76, 77, 91) that explains the repeat.",
)
def dup_line(b: Batch) -> pd.DataFrame:
    ln = b.lines
    key = pd.DataFrame({"service": _service_key(b), "claim": ln["claim"].to_numpy()})
    pos = positions(ln["procedure_code"].notna() & (ln["claim"] >= 0) & key.duplicated(keep="first"))
    return findings(
        ln["claim"].to_numpy()[pos],
        pos,
        "procedure_code",
        ln["procedure_code"].iloc[pos],
        "same service, date and modifiers as an earlier line of this claim",
    )


@rule(
    "DUP-CLAIM",
    title="Service already billed on another claim",
    category=CATEGORY,
    severity="error",
    reference="CMS Claims Processing Manual ch. 1 §120 (duplicate claims; CARC 18)",
    explanation="The same patient, provider, date, service and modifiers on two original claims is a duplicate submission.",
    fix="Send a replacement (frequency 7) or void (8) instead of a second original claim, or drop the duplicate.",
)
def dup_claim(b: Batch) -> pd.DataFrame:
    if len(b.claims) < 2:  # one claim (an encounter being coded): no other claim to duplicate
        return findings([], [], [], [], [])
    ln = b.lines
    freq = b.claims["claim_frequency"].fillna("1").to_numpy()
    claim = ln["claim"].to_numpy()
    original = (claim >= 0) & ln["procedure_code"].notna().to_numpy()
    original[original] = freq[claim[original]] == "1"
    rows = np.flatnonzero(original)
    service = pd.Series(_service_key(b)[rows])
    first_claim = pd.Series(claim[rows]).groupby(service.to_numpy()).transform("first").to_numpy()
    later = service.duplicated(keep="first").to_numpy() & (first_claim != claim[rows])
    pos = rows[later]
    return findings(
        claim[pos],
        pos,
        "procedure_code",
        ln["procedure_code"].iloc[pos],
        "also billed on claim " + b.claims["claim_id"].to_numpy()[first_claim[later]].astype(str),
    )


@rule(
    "UNITS-POSITIVE",
    title="Units not positive",
    category=CATEGORY,
    severity="error",
    reference=f"{_837P} SV104 (service unit count > 0)",
    explanation="A line must bill at least some units of service.",
    fix="Enter the number of units performed (1 for most services).",
)
def units_positive(b: Batch) -> pd.DataFrame:
    u = b.lines["units"]
    pos = positions(u.notna() & (u <= 0))
    return findings(
        b.lines["claim"].to_numpy()[pos], pos, "units", u.iloc[pos].astype(str), "units must be above 0"
    )


@rule(
    "CHARGE-POSITIVE",
    title="Charge not positive",
    category=CATEGORY,
    severity="error",
    reference=f"{_837P} SV102 (line item charge amount)",
    explanation="A billed line needs a positive charge; zero-charge lines are only for reporting codes some payers accept.",
    fix="Enter the practice's charge for the service.",
)
def charge_positive(b: Batch) -> pd.DataFrame:
    c = b.lines["charge"]
    pos = positions(c.notna() & (c <= 0))
    return findings(
        b.lines["claim"].to_numpy()[pos],
        pos,
        "charge",
        c.iloc[pos].map("{:.2f}".format),
        "charge must be above 0.00",
    )


@rule(
    "DATE-FUTURE",
    title="Date in the future",
    category=CATEGORY,
    severity="error",
    reference="CMS Claims Processing Manual ch. 1 §70 (services must be rendered before they are billed)",
    explanation="A service cannot be billed before it happens; a future date is usually a typo.",
    fix="Correct the date of service (or the submission date).",
)
def date_future(b: Batch) -> pd.DataFrame:
    sd = b.lines["service_date"]
    pos = positions(sd > b.as_of)
    sub = b.claims["submitted_date"]
    cpos = positions(sub > b.as_of)
    return pd.concat(
        [
            findings(
                b.lines["claim"].to_numpy()[pos],
                pos,
                "service_date",
                dates(sd.iloc[pos]),
                "date of service is after " + str(b.as_of.date()),
            ),
            findings(
                cpos,
                -1,
                "submitted_date",
                dates(sub.iloc[cpos]),
                "submitted date is after " + str(b.as_of.date()),
            ),
        ],
        ignore_index=True,
    )


@rule(
    "DATE-BEFORE-BIRTH",
    title="Date of service before birth",
    category=CATEGORY,
    severity="error",
    reference="docs/tables.md (patient_birth_date); payer eligibility edits",
    explanation="A service dated before the patient was born means the date or the birth date is wrong.",
    fix="Check the birth date against the patient's card and the date of service against the record.",
)
def date_before_birth(b: Batch) -> pd.DataFrame:
    sd, bd = b.lines["service_date"], b.lines["patient_birth_date"]
    pos = positions(sd < bd)
    return findings(
        b.lines["claim"].to_numpy()[pos],
        pos,
        "service_date",
        dates(sd.iloc[pos]),
        "date of service is before the birth date " + dates(bd.iloc[pos]),
    )


@rule(
    "POS-UNKNOWN",
    title="Unknown place of service",
    category=CATEGORY,
    severity="error",
    reference="CMS Place of Service code set",
    explanation="Place of service must be a two-digit code from the CMS list.",
    fix="Choose the code for where the service was performed (11 office, 22 outpatient hospital ...).",
)
def pos_unknown(b: Batch) -> pd.DataFrame:
    pos_mod = require("medbill.codes.pos")
    known = set(pos_mod.table()["code"].astype(str))
    c = b.claims["place_of_service"]
    cp = positions(c.notna() & ~c.isin(known))
    line = b.lines["line_place_of_service"]
    lp = positions(line.notna() & ~line.isin(known))
    return pd.concat(
        [
            findings(
                cp,
                -1,
                "place_of_service",
                c.iloc[cp],
                "place of service " + c.iloc[cp] + " is not a CMS code",
            ),
            findings(
                b.lines["claim"].to_numpy()[lp],
                lp,
                "place_of_service",
                line.iloc[lp],
                "line place of service is not a CMS code",
            ),
        ],
        ignore_index=True,
    )


@rule(
    "POS-FACILITY",
    title="Place of service facility setting inconsistent",
    category=CATEGORY,
    severity="warning",
    reference="CMS Claims Processing Manual ch. 12 §20.4.2 (facility and non-facility rates by place of service)",
    explanation=(
        "The place of service decides the facility or non-facility rate. A line overriding the claim's place of "
        "service with one of the other setting, or a facility setting with no facility_npi when that "
        "column is supplied, usually means one of them is wrong."
    ),
    fix="Use one setting for the claim, or split the services onto separate claims; name the facility (loop 2310C).",
)
def pos_facility(b: Batch) -> pd.DataFrame:
    pos_mod = require("medbill.codes.pos")
    t = pos_mod.table()
    facility = dict(zip(t["code"].astype(str), t["facility"].astype(bool), strict=True))
    line = b.lines["line_place_of_service"]
    claim_pos = b.claims["place_of_service"].reindex(b.lines["claim"]).reset_index(drop=True)
    lf, cf = line.map(facility), claim_pos.map(facility)
    lp = positions(lf.notna() & cf.notna() & lf.ne(cf))
    parts = [
        findings(
            b.lines["claim"].to_numpy()[lp],
            lp,
            "place_of_service",
            line.iloc[lp],
            "line place of service "
            + line.iloc[lp]
            + " and claim place of service "
            + claim_pos.iloc[lp].astype(str)
            + " are in different settings (facility vs non-facility)",
        )
    ]
    if "facility_npi" in b.raw_claims:
        missing = b.raw_claims["facility_npi"].isna().to_numpy()
        cp = positions(
            b.claims["place_of_service"].map(facility).fillna(False).astype(bool).to_numpy() & missing
        )
        parts.append(
            findings(
                cp, -1, "service_facility_npi", "", "facility place of service but no service facility NPI"
            )
        )
    return pd.concat(parts, ignore_index=True)


@rule(
    "TIMELY-FILING",
    title="Past the payer's timely filing limit",
    category=CATEGORY,
    severity="error",
    reference="Payer contract / 42 CFR 424.44 (Medicare: 12 months from the date of service)",
    explanation="Claims submitted after the payer's filing limit are denied (CARC 29) and cannot be billed to the patient.",
    fix="If there is proof of timely submission or a payer-caused delay, appeal with it; otherwise write the line off.",
)
def timely_filing(b: Batch) -> pd.DataFrame:
    limit = b.payer_rules("timely_filing_days")
    if b.payers is not None and {"payer_id", "timely_filing_days"} <= set(b.payers.columns):
        per = pd.to_numeric(b.payers.set_index("payer_id")["timely_filing_days"], errors="coerce")
        per = per[~per.index.duplicated()]
        limit = limit.where(limit.notna(), b.claims["payer_id"].map(per))
    limit = pd.to_numeric(limit, errors="coerce").fillna(DEFAULT_TIMELY_FILING_DAYS).astype("int64")
    ln = b.lines[b.lines["claim"] >= 0]
    claim = ln["claim"].to_numpy()
    filed = b.claims["submitted_date"].fillna(b.as_of).to_numpy()[claim]
    age = (filed - ln["service_date"].to_numpy()) / np.timedelta64(1, "D")
    late = age > limit.to_numpy()[claim]
    claim, pos, age = claim[late], ln.index.to_numpy()[late], age[late]
    ln = b.lines
    submitted = b.claims["submitted_date"].notna().to_numpy()[claim]
    return findings(
        claim,
        pos,
        "service_date",
        dates(ln["service_date"].iloc[pos]),
        np.where(submitted, "submitted ", "not submitted yet; ")
        + age.astype("int64").astype(str)
        + " days after the date of service; the limit is "
        + limit.to_numpy()[claim].astype(str)
        + " days",
    )
