"""Code validity on the date of service: ICD-10-CM (invalid, header, 7th character, X placeholder)
and procedure codes (HCPCS by its effective dates where imported, CPT by format and known codes)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from medbill.edits.engine import Batch, findings, rule
from medbill.edits.rules._util import dates, require

_GUIDE = "ICD-10-CM Official Guidelines for Coding and Reporting"


def _release_per_claim(b: Batch) -> pd.Series:
    """ICD-10-CM release name in effect on each claim's first date of service (latest when undated)."""
    icd = require("medbill.codes.icd10cm", "release_names_for", "release", "latest")
    names = icd.release_names_for(b.claim_dos).astype("string")
    return names.where(b.claim_dos.notna(), icd.latest().name)


_prepared: dict[int, tuple[pd.Index, np.ndarray, np.ndarray, np.ndarray]] = {}


def _prepare(table: pd.DataFrame) -> tuple[pd.Index, np.ndarray, np.ndarray, np.ndarray]:
    """(index of codes, billable flags, requires-7th flags, sorted billable codes) per release table."""
    key = id(table)
    if key not in _prepared:
        index = pd.Index(table.index.astype(str), dtype=object)
        billable = table["billable"].fillna(False).to_numpy(dtype=bool)
        seventh = table["requires_7th"].fillna(False).to_numpy(dtype=bool)
        _prepared[key] = (index, billable, seventh, np.sort(index[billable].to_numpy(dtype=str)))
    return _prepared[key]


def _classify(codes: pd.Series, table: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """Status and hint per distinct code against one release's table (indexed by compact code)."""
    index, billable_flag, seventh_flag, ordered = _prepare(table)
    at = index.get_indexer(codes.to_numpy(dtype=object))
    known = at >= 0
    billable = known & billable_flag[at]
    seventh = known & seventh_flag[at]
    # A code that needs X placeholders: strip the trailing 7th character and the X's before it,
    # pad back to six characters with X, and see whether that code exists ("T07D" -> "T07XXXD").
    base = codes.str[:-1].str.rstrip("X")
    padded = (base.str.pad(6, side="right", fillchar="X") + codes.str[-1]).to_numpy(dtype=object)
    at_padded = index.get_indexer(padded)
    placeholder = ~known & (codes.str.len().to_numpy() >= 4) & (at_padded >= 0) & billable_flag[at_padded]
    placeholder &= padded != codes.to_numpy(dtype=object)
    # For a header code, name its first billable descendant as an example.
    near = ordered[np.minimum(np.searchsorted(ordered, codes.to_numpy(dtype=str)), max(len(ordered) - 1, 0))]
    example = [e if e.startswith(c) else "" for e, c in zip(near, codes, strict=True)]
    status = np.select(
        [billable, seventh, known, placeholder],
        ["ok", "seventh", "header", "placeholder"],
        "invalid",
    )
    hint = np.select([status == "placeholder", status != "ok"], [padded, np.array(example, dtype=object)], "")
    return pd.Series(status, index=codes.to_numpy()), pd.Series(hint, index=codes.to_numpy())


# Status and hint per code, memoised per release table for small sets of codes: an encounter
# re-scrubbed as it is edited repeats its codes, and _classify costs a few ms of pandas per call.
_classified: dict[int, tuple[pd.DataFrame, dict[str, tuple[str, str]]]] = {}
_MEMO_CODES = 256
_MEMO_LIMIT = 100_000


def _classify_memoised(codes: pd.Series, table: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_classify` as (status, hint) arrays, from the memo for codes already seen with ``table``."""
    if len(codes) > _MEMO_CODES:
        st, hi = _classify(codes, table)
        return st.to_numpy(), hi.to_numpy()
    held = _classified.get(id(table))
    if held is None or held[0] is not table:  # a new table (or a reused id): start afresh
        held = _classified[id(table)] = (table, {})
    memo = held[1]
    keys = codes.tolist()
    new = list(dict.fromkeys(k for k in keys if k not in memo))
    if new:
        if len(memo) + len(new) > _MEMO_LIMIT:
            memo.clear()
        st, hi = _classify(pd.Series(new, dtype="str"), table)
        memo.update(zip(new, zip(st.to_numpy(), hi.to_numpy(), strict=True), strict=True))
    status, hint = np.empty(len(keys), dtype=object), np.empty(len(keys), dtype=object)
    status[:], hint[:] = [memo[k][0] for k in keys], [memo[k][1] for k in keys]
    return status, hint


def icd_status(b: Batch) -> pd.DataFrame:
    """dx_long plus ``release``, ``status`` (ok/invalid/norelease/header/seventh/placeholder) and ``hint``."""
    if "icd_status" in b.memo:
        return b.memo["icd_status"]
    icd = require("medbill.codes.icd10cm", "release_names_for", "release", "latest")
    dx = b.dx_long.copy()
    dx["release"] = _release_per_claim(b).to_numpy()[dx["claim"].to_numpy()]
    status = np.full(len(dx), "norelease", dtype=object)
    hint = np.full(len(dx), "", dtype=object)
    for name in dx["release"].dropna().unique():
        rows = (dx["release"] == name).fillna(False).to_numpy()
        # Classify each distinct code once, then spread back by code id.
        ids = np.unique(dx["code_id"].to_numpy()[rows])
        st, hi = _classify_memoised(pd.Series(b.dx_vocab[ids], dtype="str"), icd.release(name).table)
        by_id_status = np.empty(len(b.dx_vocab), dtype=object)
        by_id_hint = np.empty(len(b.dx_vocab), dtype=object)
        by_id_status[ids], by_id_hint[ids] = st, hi
        status[rows] = by_id_status[dx["code_id"].to_numpy()[rows]]
        hint[rows] = by_id_hint[dx["code_id"].to_numpy()[rows]]
    dx["status"], dx["hint"] = status, hint
    dx["dos"] = b.claim_dos.to_numpy()[dx["claim"].to_numpy()]
    b.memo["icd_status"] = dx
    return dx


def _icd_findings(b: Batch, statuses: list[str]) -> tuple[pd.DataFrame, pd.Series]:
    dx = icd_status(b)
    d = dx[dx["status"].isin(statuses)]
    return d, "dx" + d["pos"].astype(str)


@rule(
    "ICD-INVALID",
    title="ICD-10-CM code not valid on the date of service",
    category="validity",
    severity="error",
    reference=f"{_GUIDE} I.A; HIPAA code set rules (45 CFR 162.1002: the code set in effect on the date of service)",
    explanation="Diagnosis codes must exist in the ICD-10-CM release in effect on the date of service (1 October - 30 September).",
    fix="Look the condition up in the release for that date (`medbill codes search`); a deleted code has a more specific successor.",
)
def icd_invalid(b: Batch) -> pd.DataFrame:
    d, field = _icd_findings(b, ["invalid", "norelease"])
    if d.empty:  # the usual case: no message text to build
        return findings([], [], [], [], [])
    msg = np.where(
        d["status"] == "invalid",
        d["code"]
        + " is not an ICD-10-CM code in "
        + d["release"].astype(str)
        + " (in effect on "
        + dates(d["dos"])
        + ")",
        "no ICD-10-CM release is installed for "
        + dates(d["dos"])
        + "; import one with `medbill data import icd10cm PATH`",
    )
    return findings(d["claim"], -1, field, d["code"], msg)


@rule(
    "ICD-HEADER",
    title="Non-billable ICD-10-CM header code",
    category="validity",
    severity="error",
    reference=f"{_GUIDE} I.B.2 (level of detail: code to the highest number of characters available)",
    explanation="Categories and subcategories that have codes below them are headers; only complete codes are billable.",
    fix="Choose the complete code under the header that matches the documentation.",
)
def icd_header(b: Batch) -> pd.DataFrame:
    d, field = _icd_findings(b, ["header"])
    if d.empty:  # the usual case: no message text to build
        return findings([], [], [], [], [])
    example = (", for example " + d["hint"]).where(d["hint"].ne(""), "")
    return findings(
        d["claim"], -1, field, d["code"], d["code"] + " is a header, not a billable code" + example
    )


@rule(
    "ICD-7TH",
    title="Missing 7th character",
    category="validity",
    severity="error",
    reference=f"{_GUIDE} I.A.5 (7th characters) and I.C.19.a (injury encounter characters A, D, S)",
    explanation="Codes in categories with a 7th-character extension are invalid without it.",
    fix="Add the 7th character (e.g. A initial, D subsequent, S sequela), padding with X placeholders to six characters first.",
)
def icd_7th(b: Batch) -> pd.DataFrame:
    d, field = _icd_findings(b, ["seventh"])
    if d.empty:  # the usual case: no message text to build
        return findings([], [], [], [], [])
    example = (", for example " + d["hint"]).where(d["hint"].ne(""), "")
    return findings(d["claim"], -1, field, d["code"], d["code"] + " needs a 7th character" + example)


@rule(
    "ICD-PLACEHOLDER",
    title="Missing X placeholder",
    category="validity",
    severity="error",
    reference=f"{_GUIDE} I.A.4 (placeholder character X)",
    explanation="When a code with a 7th character has fewer than six characters, X fills the empty positions.",
    fix="Insert X placeholders so the 7th character is in position 7.",
)
def icd_placeholder(b: Batch) -> pd.DataFrame:
    d, field = _icd_findings(b, ["placeholder"])
    if d.empty:  # the usual case: no message text to build
        return findings([], [], [], [], [])
    return findings(
        d["claim"], -1, field, d["code"], d["code"] + " is missing X placeholders; the code is " + d["hint"]
    )


@rule(
    "PROC-INVALID",
    title="Procedure code not valid on the date of service",
    category="validity",
    severity="error",
    reference="HIPAA code sets (45 CFR 162.1002): HCPCS Level II by its effective and termination dates; CPT",
    explanation=(
        "HCPCS Level II codes are checked against the imported CMS file for the date of service; CPT codes by "
        "format and, where a CPT file is imported, by presence."
    ),
    fix="Use a code in effect on the date of service; check for a replacement code in the current HCPCS/CPT release.",
)
def proc_invalid(b: Batch) -> pd.DataFrame:
    proc = require("medbill.codes.procedures", "is_valid_on_many")
    ln = b.lines[b.lines["procedure_code"].notna()]
    # Few distinct (code, date) pairs: check each once.
    pairs = ln[["procedure_code", "service_date"]].drop_duplicates()
    ok = proc.is_valid_on_many(pairs["procedure_code"].astype(str), pairs["service_date"]).to_numpy()
    if ok.all():
        return findings([], [], [], [], [])
    bad_pairs = pairs[~ok]
    bad = ln.merge(bad_pairs.assign(bad=True), on=["procedure_code", "service_date"], how="left")
    bad = ln[bad["bad"].fillna(False).to_numpy(dtype=bool)]
    return findings(
        bad["claim"],
        bad.index,
        "procedure_code",
        bad["procedure_code"],
        bad["procedure_code"] + " is not a valid CPT/HCPCS code on " + dates(bad["service_date"]),
    )
