"""Claim integrity: identifiers, required fields, pointers, duplicates, amounts, dates, filing limits."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from medbill.edits.engine import (
    DEFAULT_TIMELY_FILING_DAYS,
    MODIFIER_COLUMNS,
    Batch,
    findings,
    no_findings,
    rule,
)
from medbill.edits.rules._util import dates, positions
from medbill.refdata import npi
from medbill.refdata import pos as place_of_service

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


def _repeated(codes: np.ndarray) -> np.ndarray:
    """Bool per row: its code was on an earlier row (``duplicated(keep="first")``); codes must be
    numbered by first appearance (``pd.factorize``, ``Batch.key``), so a code seen before is at
    most the highest code so far."""
    highest = np.maximum.accumulate(codes)
    return codes <= np.concatenate(([-1], highest))[:-1]


def _isin(values: np.ndarray, allowed: set[str] | dict[str, Any]) -> np.ndarray:
    """Bool per value: present (not NA) and in ``allowed``, looked up once per distinct value."""
    ids, uniques = pd.factorize(values, use_na_sentinel=True)
    found = np.array([u in allowed for u in uniques] + [False], dtype=bool)
    return found[ids]


def _concat(parts: list[pd.DataFrame]) -> pd.DataFrame:
    return pd.concat(parts, ignore_index=True) if parts else no_findings()


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
    cv, lv = b.claim_values, b.line_values
    parts = []
    for col, meaning in _REQUIRED_CLAIM.items():
        pos = positions(pd.isna(cv[col]))
        if len(pos):
            parts.append(findings(pos, -1, col, "", f"{col} ({meaning}) is missing"))
    for col, meaning in _REQUIRED_LINE.items():
        pos = positions(b.missing(col))
        if len(pos):
            parts.append(findings(lv["claim"][pos], pos, col, "", f"{col} ({meaning}) is missing"))
    # The subscriber's member id is required unless the claim goes to a self-pay "payer".
    selfpay = np.zeros(len(cv["claim_id"]), dtype=bool)
    if b.payers is not None and {"payer_id", "kind"} <= set(b.payers.columns):
        kinds = b.payers.drop_duplicates("payer_id").set_index("payer_id")["kind"].astype(str)
        selfpay = b.claims["payer_id"].map(kinds).eq("selfpay").to_numpy(dtype=bool)
    pos = positions(pd.isna(cv["member_id"]) & ~selfpay)
    if len(pos):
        parts.append(
            findings(pos, -1, "member_id", "", "member_id (2010BA NM109 subscriber member id) is missing")
        )
    sex = cv["patient_sex"]
    bad = positions(~pd.isna(sex) & ~_isin(sex, {"F", "M", "U"}))
    if len(bad):
        parts.append(findings(bad, -1, "patient_sex", sex[bad], "patient_sex must be F, M or U"))
    return _concat(parts)


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
    ids = b.claim_values["claim_id"]
    codes = pd.factorize(ids, use_na_sentinel=True)[0]
    pos = positions((codes >= 0) & _repeated(codes))
    return findings(pos, -1, "claim_id", ids[pos], "claim_id already used by an earlier claim row")


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
    ids = b.line_values["claim_id"]
    pos = positions((b.line_values["claim"] < 0) & ~b.missing("claim_id"))
    return findings(-1, pos, "claim_id", ids[pos], "claim_id not found in the claims table")


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
    claim = b.line_values["claim"]
    ids = b.claim_values["claim_id"]
    has = np.zeros(len(ids), dtype=bool)
    has[claim[claim >= 0]] = True
    pos = positions(~has)
    return findings(pos, -1, "claim_id", ids[pos], "claim has no service lines")


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
    number = b.line_values["line_number"]
    present = ~pd.isna(number)
    if not present.any():
        return no_findings()
    if np.abs(number[present]).max() >= 2**53:  # float64 merges such integers: compare them exactly
        number = b.lines["line_number"].to_numpy(dtype="int64", na_value=0)
    line_id = np.where(present, pd.factorize(number)[0], -1)
    claim_id, distinct = b.factorized("claim_id")
    claim_id = np.where(claim_id >= 0, claim_id, len(distinct))  # NA a value of its own
    pair = pd.factorize(claim_id * (line_id.max() + 2) + line_id + 1)[0]
    pos = positions(present & _repeated(pair))
    if not len(pos):
        return no_findings()
    return findings(
        b.line_values["claim"][pos],
        pos,
        "line_number",
        b.lines["line_number"].iloc[pos],
        "line number used twice",
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
    table, at = b.pointers
    claim = b.line_values["claim"]
    dx = b.dx_long
    has_dx = np.zeros((len(b.claim_values["claim_id"]) + 1, 12), dtype=bool)  # row -1: orphan lines
    has_dx[dx["claim"].to_numpy(), dx["pos"].to_numpy() - 1] = True
    slots = _pointer_slots(b)
    in_range = slots >= 1
    exists = np.zeros(slots.shape, dtype=bool)
    exists[in_range] = has_dx[np.broadcast_to(claim[:, None], slots.shape)[in_range], slots[in_range] - 1]
    wrong = (slots != 0) & ~exists
    too_many = positions((table["count"].to_numpy() > 4)[at])
    repeated = positions(table["repeated"].to_numpy(dtype=bool)[at])
    if not (len(too_many) or len(repeated) or wrong.any()):
        return no_findings()
    text = table["text"]
    parts = [
        findings(claim[too_many], too_many, "dx_pointers", text.iloc[at[too_many]], "more than 4 pointers"),
        findings(
            claim[repeated],
            repeated,
            "dx_pointers",
            text.iloc[at[repeated]],
            "a diagnosis is pointed at twice",
        ),
    ]
    for k in range(1, 5):
        slot = slots[:, k - 1]
        bad = positions(wrong[:, k - 1])
        if not len(bad):
            continue
        letter = text.iloc[at[bad]].str[k - 1]
        msg = np.where(
            in_range[bad, k - 1],
            "pointer " + letter + " names dx" + slot[bad].astype(str) + ", which is empty",
            "pointer " + letter + " is not a letter A-L",
        )
        parts.append(findings(claim[bad], bad, "dx_pointers", text.iloc[at[bad]], msg))
    return pd.concat(parts, ignore_index=True)


def _pointer_slots(b: Batch) -> np.ndarray:
    """Lines x 4 matrix of the pointers' diagnosis slots (``Batch.pointers`` slot1-4), memoised."""
    if "pointer_slots" not in b.memo:
        table, at = b.pointers
        b.memo["pointer_slots"] = table[[f"slot{k}" for k in range(1, 5)]].to_numpy(dtype="int64")[at]
    return b.memo["pointer_slots"]


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
    claim = b.line_values["claim"]
    ok = claim >= 0
    claim = claim[ok]
    n_claims = len(b.claim_values["claim_id"])
    pointed = np.zeros((n_claims, 12), dtype=bool)
    slots = _pointer_slots(b)[ok]
    good = slots >= 1
    pointed[np.broadcast_to(claim[:, None], slots.shape)[good], slots[good] - 1] = True
    dx = b.dx_long
    dx_claim = dx["claim"].to_numpy()
    # Claims without lines are reported by CLAIM-NO-LINES instead.
    with_lines = np.zeros(n_claims, dtype=bool)
    with_lines[claim] = True
    miss = ~pointed[dx_claim, dx["pos"].to_numpy() - 1] & with_lines[dx_claim]
    if not miss.any():
        return no_findings()
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


def _npi_ok(values: np.ndarray) -> np.ndarray:
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
    parts = []
    for col in ("billing_npi", "rendering_npi", "referring_npi"):
        pos = positions(~_npi_ok(b.claim_values[col]))
        if len(pos):
            v = b.claims[col]
            parts.append(findings(pos, -1, col, v.iloc[pos], col + " " + v.iloc[pos] + " is not a valid NPI"))
    if "rendering_npi" in b.raw_lines:
        v = b.line_values["rendering_npi"]
        own = b.raw_lines["rendering_npi"].notna().to_numpy()
        pos = positions(own & ~_npi_ok(v))
        if len(pos):
            parts.append(
                findings(
                    b.line_values["claim"][pos],
                    pos,
                    "rendering_npi",
                    v[pos],
                    "line rendering NPI is not a valid NPI",
                )
            )
    return _concat(parts)


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
    lv = b.line_values
    claim, code = lv["claim"], lv["procedure_code"]
    candidate = ~b.missing("procedure_code") & (claim >= 0)
    # A duplicate line repeats at least its claim's procedure code: skip the full key when none does.
    if not (candidate & _repeated(_pair_ids(claim + 1, b.factorized("procedure_code")[0] + 1))).any():
        return no_findings()
    pos = positions(candidate & _repeated(_pair_ids(_service_key(b), claim + 1)))
    return findings(
        claim[pos],
        pos,
        "procedure_code",
        code[pos],
        "same service, date and modifiers as an earlier line of this claim",
    )


def _pair_ids(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """Ids (by first appearance) of the pairs of two non-negative int arrays."""
    return pd.factorize(first * (second.max(initial=0) + 1) + second)[0]


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
    if len(b.claim_values["claim_id"]) < 2:  # one claim (an encounter being coded): nothing to duplicate
        return no_findings()
    lv, cv = b.line_values, b.claim_values
    freq = cv["claim_frequency"]
    is_original = pd.isna(freq) | (freq == "1")  # per claim; no frequency means an original
    claim, code = lv["claim"], lv["procedure_code"]
    original = (claim >= 0) & ~b.missing("procedure_code")
    original[original] = is_original[claim[original]]
    rows = np.flatnonzero(original)
    # Each service (same patient, provider, date, code, modifiers) with the claim it was first billed on.
    service = pd.factorize(_service_key(b)[rows])[0]
    first_claim = claim[rows][np.unique(service, return_index=True)[1][service]]
    later = _repeated(service) & (first_claim != claim[rows])
    if not later.any():
        return no_findings()
    pos = rows[later]
    return findings(
        claim[pos],
        pos,
        "procedure_code",
        code[pos],
        "also billed on claim " + cv["claim_id"][first_claim[later]].astype(str),
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
    pos = positions(b.line_values["units"] <= 0)
    if not len(pos):
        return no_findings()
    u = b.lines["units"]
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
    pos = positions(b.line_values["charge"] <= 0)
    if not len(pos):
        return no_findings()
    c = b.lines["charge"]
    return findings(
        b.lines["claim"].to_numpy()[pos],
        pos,
        "charge",
        c.iloc[pos].map("{:.2f}".format),
        "charge must be above 0.00",
    )


# medbill.claims.models refuses units and amounts from 1e10 up (what its 837P writer can carry);
# tests/edits/test_coding_audit.py keeps the two in step.
X12_AMOUNT_LIMIT = 1e10
# Above these a line is almost certainly mistyped (a charge typed into units, digits repeated): the
# largest real professional lines (clotting-factor units, gene-therapy drugs) stay below them.
PLAUSIBLE_UNITS = 99_999
PLAUSIBLE_CHARGE = 9_999_999.99


@rule(
    "AMOUNT-LIMIT",
    title="Units or charge an 837P cannot carry",
    category=CATEGORY,
    severity="error",
    reference=f"{_837P} SV102 charge, SV104 units, CLM02 total (R elements); medbill's 837P writer refuses them",
    explanation=(
        "Units and charges must be finite numbers below 10,000,000,000 (the claim's total too); infinity, "
        "'not a number' and larger values cannot be written to an 837P, so the claim cannot be sent."
    ),
    fix="Correct the units or charge from the encounter record.",
)
def amount_limit(b: Batch) -> pd.DataFrame:
    lv, claim = b.line_values, b.line_values["claim"]  # units and charge are float64, NaN when missing
    parts = []
    flagged = np.zeros(len(b.claim_values["claim_id"]) + 1, dtype=bool)  # claims with a line over
    for col in ("units", "charge"):
        number = lv[col]
        pos = positions(np.isinf(number) | (np.abs(np.nan_to_num(number)) >= X12_AMOUNT_LIMIT))
        if len(pos):
            shown = np.array([f"{v:,.2f}" if np.isfinite(v) else str(v) for v in number[pos]], dtype=object)
            why = np.where(np.isinf(number[pos]), " is not a finite number", " is 10,000,000,000 or more")
            parts.append(findings(claim[pos], pos, col, shown, col + " " + shown + why))
            flagged[claim[pos]] = True  # an orphan line (-1) marks the spare last slot
    charge = lv["charge"]
    usable = np.where(np.isfinite(charge) & (claim >= 0), charge, 0.0)  # orphan lines are LINE-ORPHAN's
    total = np.bincount(np.maximum(claim, 0), weights=usable, minlength=len(b.claim_values["claim_id"]))
    over = positions((total >= X12_AMOUNT_LIMIT) & ~flagged[:-1])
    if len(over):
        shown = np.array([f"{t:,.2f}" for t in total[over]], dtype=object)
        parts.append(
            findings(
                over, -1, "charge", shown, "the claim's total charge " + shown + " is 10,000,000,000 or more"
            )
        )
    return _concat(parts)


@rule(
    "AMOUNT-IMPLAUSIBLE",
    title="Implausible units or charge",
    category=CATEGORY,
    severity="warning",
    reference=f"{_837P} SV102, SV104; medbill plausibility limits (units {PLAUSIBLE_UNITS:,}, charge {PLAUSIBLE_CHARGE:,.2f})",
    explanation=(
        f"More than {PLAUSIBLE_UNITS:,} units or a charge above {PLAUSIBLE_CHARGE:,.2f} on one line is almost always "
        "a typing error (a charge in the units field, repeated digits); the claim can be sent but will be denied "
        "or overpaid."
    ),
    fix="Check the units and charge against the encounter record and the code's unit of measure.",
)
def amount_implausible(b: Batch) -> pd.DataFrame:
    lv, claim = b.line_values, b.line_values["claim"]
    parts = []
    for col, most in (("units", PLAUSIBLE_UNITS), ("charge", PLAUSIBLE_CHARGE)):
        number = np.nan_to_num(lv[col], nan=0.0, posinf=0.0, neginf=0.0)  # those are other rules'
        pos = positions((number > most) & (number < X12_AMOUNT_LIMIT))
        if len(pos):
            shown = np.array(
                [
                    f"{v:,.2f}" if col == "charge" else f"{v:,.3f}".rstrip("0").rstrip(".")
                    for v in number[pos]
                ],
                dtype=object,
            )
            parts.append(
                findings(claim[pos], pos, col, shown, f"{col} " + shown + f" is above {most:,} for one line")
            )
    return _concat(parts)


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
    as_of = b.as_of.to_datetime64()
    pos = positions(b.line_values["service_date"] > as_of)
    cpos = positions(b.claim_values["submitted_date"] > as_of)
    if not (len(pos) or len(cpos)):
        return no_findings()
    sd, sub = b.lines["service_date"], b.claims["submitted_date"]
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
    pos = positions(b.line_values["service_date"] < b.line_values["patient_birth_date"])
    if not len(pos):
        return no_findings()
    sd, bd = b.lines["service_date"], b.lines["patient_birth_date"]
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
    known = _pos_facility()
    c = b.claim_values["place_of_service"]
    cp = positions(~pd.isna(c) & ~_isin(c, known))
    line = b.line_values["line_place_of_service"]
    lp = positions(~pd.isna(line) & ~_isin(line, known))
    if not (len(cp) or len(lp)):
        return no_findings()
    c, line = b.claims["place_of_service"], b.lines["line_place_of_service"]
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
    facility = _pos_facility()
    claim_setting = _setting(b.claim_values["place_of_service"], facility)
    lf = _setting(b.line_values["line_place_of_service"], facility)
    cf = np.append(claim_setting, -1)[b.line_values["claim"]]  # orphan lines (-1) have no claim setting
    lp = positions((lf >= 0) & (cf >= 0) & (lf != cf))
    check_npi = "facility_npi" in b.raw_claims
    if not len(lp) and not (check_npi and (claim_setting == 1).any()):
        return no_findings()
    parts = []
    if len(lp):
        line = b.lines["line_place_of_service"]
        claim_pos = b.claims["place_of_service"].reindex(b.lines["claim"]).reset_index(drop=True)
        parts.append(
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
        )
    if check_npi:
        missing = b.raw_claims["facility_npi"].isna().to_numpy()
        cp = positions((claim_setting == 1) & missing)
        if len(cp):
            parts.append(
                findings(
                    cp,
                    -1,
                    "service_facility_npi",
                    "",
                    "facility place of service but no service facility NPI",
                )
            )
    return _concat(parts)


_facility_memo: list[tuple[pd.DataFrame, dict[str, bool]]] = []


def _pos_facility() -> dict[str, bool]:
    """Place of service code -> facility setting, from the POS table (rebuilt if the table is reloaded)."""
    table = place_of_service.table()
    if not _facility_memo or _facility_memo[0][0] is not table:
        codes = table["code"].astype(str)
        _facility_memo[:] = [(table, dict(zip(codes, table["facility"].astype(bool), strict=True)))]
    return _facility_memo[0][1]


def _setting(values: np.ndarray, facility: dict[str, bool]) -> np.ndarray:
    """Per place of service: 1 facility, 0 non-facility, -1 NA or not a known code."""
    ids, uniques = pd.factorize(values, use_na_sentinel=True)
    table = np.array([int(facility[u]) if u in facility else -1 for u in uniques] + [-1], dtype="int8")
    return table[ids]


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
    limit = _filing_limits(b)
    lv = b.line_values
    ok = lv["claim"] >= 0
    claim, pos = lv["claim"][ok], np.flatnonzero(ok)
    submitted_date = b.claim_values["submitted_date"]
    unsubmitted = np.isnat(submitted_date)
    filed = (
        np.where(unsubmitted, b.as_of.to_datetime64(), submitted_date)
        if unsubmitted.any()
        else submitted_date
    )
    filed = filed[claim]
    age = (filed - lv["service_date"][ok]) / np.timedelta64(1, "D")
    late = age > limit[claim]
    if not late.any():
        return no_findings()
    claim, pos, age = claim[late], pos[late], age[late]
    submitted = ~unsubmitted[claim]
    return findings(
        claim,
        pos,
        "service_date",
        dates(b.lines["service_date"].iloc[pos]),
        np.where(submitted, "submitted ", "not submitted yet; ")
        + age.astype("int64").astype(str)
        + " days after the date of service; the limit is "
        + limit[claim].astype(str)
        + " days",
    )


def _filing_limits(b: Batch) -> np.ndarray:
    """Timely filing days per claim: payer_config, else the payers table, else medbill's default."""
    configured = any(cfg.timely_filing_days is not None for cfg in b.config.values())
    per_payer = b.payers is not None and {"payer_id", "timely_filing_days"} <= set(b.payers.columns)
    if not (configured or per_payer):
        return np.full(len(b.claim_values["claim_id"]), DEFAULT_TIMELY_FILING_DAYS, dtype="int64")
    limit = b.payer_rules("timely_filing_days")
    if per_payer and b.payers is not None:
        per = pd.to_numeric(b.payers.set_index("payer_id")["timely_filing_days"], errors="coerce")
        per = per[~per.index.duplicated()]
        limit = limit.where(limit.notna(), b.claims["payer_id"].map(per))
    return pd.to_numeric(limit, errors="coerce").fillna(DEFAULT_TIMELY_FILING_DAYS).astype("int64").to_numpy()
