"""Code validity on the date of service: ICD-10-CM (invalid, header, 7th character, X placeholder)
and procedure codes (HCPCS by its effective dates where imported, CPT by format and known codes)."""

from __future__ import annotations

import dataclasses
import re

import numpy as np
import pandas as pd

from medbill.edits.engine import Batch, dx_fields, findings, no_findings, rule
from medbill.edits.rules._util import dates, display_codes
from medbill.refdata import coverage, hcpcs, icd10cm, procedures

_GUIDE = "ICD-10-CM Official Guidelines for Coding and Reporting"


def _release_per_claim(b: Batch) -> np.ndarray:
    """ICD-10-CM release name in effect on each claim's first date of service (latest when undated;
    None when no release covers the date), worked out once per distinct date."""
    days, inverse = np.unique(b.claim_dos.to_numpy(), return_inverse=True)
    names = icd10cm.release_names_for(pd.Series(days)).to_numpy(dtype=object, na_value=None)
    names[np.isnat(days)] = icd10cm.latest().name
    return names[inverse.reshape(-1)]


def skip_uncovered(b: Batch) -> None:
    """List the running ICD-10-CM rule as skipped for the claims whose date of service no release
    covers (with the command that installs one), instead of judging their codes by another release."""

    def record() -> None:
        dx = icd_status(b)
        uncovered = dx.status == "norelease"
        if uncovered.any():
            claims, days = dx.claim[uncovered], dx.dos[uncovered]
            labels, reasons = coverage.uncovered_labels("icd10cm", icd10cm.releases_available(), days)
            b.skip_claims_labelled(claims, labels, reasons)

    b.shared_skips("icd10cm_uncovered", record)  # the same for every ICD-10-CM rule


def _classify(codes: pd.Series, release: icd10cm.Release) -> tuple[pd.Series, pd.Series]:
    """Status and hint per distinct code (compact) against one release."""
    rows = release.rows_of(codes.to_numpy(dtype=object))
    known = rows >= 0
    billable_flag, seventh_flag = release.flags("billable"), release.flags("requires_7th")
    billable = known & billable_flag[rows]
    seventh = known & seventh_flag[rows]
    # A code that needs X placeholders: strip the trailing 7th character and the X's before it,
    # pad back to six characters with X, and see whether that code exists ("T07D" -> "T07XXXD").
    base = codes.str[:-1].str.rstrip("X")
    padded = (base.str.pad(6, side="right", fillchar="X") + codes.str[-1]).to_numpy(dtype=object)
    at_padded = release.rows_of(padded)
    placeholder = ~known & (codes.str.len().to_numpy() >= 4) & (at_padded >= 0) & billable_flag[at_padded]
    placeholder &= padded != codes.to_numpy(dtype=object)
    status = np.select(
        [billable, seventh, known, placeholder],
        ["ok", "seventh", "header", "placeholder"],
        "invalid",
    )
    # For a header code, name a billable code under it as an example (few headers: one loop each).
    example = [
        _example(c, release) if st in ("header", "seventh") else ""
        for c, st in zip(codes, status, strict=True)
    ]
    hint = np.select([status == "placeholder", status != "ok"], [padded, np.array(example, dtype=object)], "")
    return pd.Series(status, index=codes.to_numpy()), pd.Series(hint, index=codes.to_numpy())


_UNSPECIFIED = re.compile(r"(?<!with )\bunspecified\b", re.IGNORECASE)


def _example(header: str, release: icd10cm.Release) -> str:
    """The billable code to name for a header: among the shortest under it, the unspecified one (its
    title says "unspecified", not "with unspecified ..."), else one ending in 9, else the first
    (J18 -> J18.9, E11 -> E11.9, R10.1 -> R10.10, S52.521 -> S52.521A)."""
    under = release.billable_under(header)
    if not under:
        return ""
    size = min(len(c) for c in under)
    shortest = [c for c in under if len(c) == size]
    return min(
        shortest,
        key=lambda c: (_UNSPECIFIED.search(release.title_of(c)) is None, not c.endswith("9"), c),
    )


# Status and hint per code, memoised per release for small sets of codes: an encounter re-scrubbed
# as it is edited repeats its codes, and _classify costs a few ms of pandas per call.
_classified: dict[str, tuple[icd10cm.Release, dict[str, tuple[str, str]]]] = {}
_MEMO_CODES = 256
_MEMO_LIMIT = 100_000


def _classify_memoised(codes: np.ndarray, release: icd10cm.Release) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_classify` as (status, hint) arrays, from the memo for codes already seen with ``release``."""
    if len(codes) > _MEMO_CODES:
        st, hi = _classify(pd.Series(codes, dtype="str"), release)
        return st.to_numpy(), hi.to_numpy()
    held = _classified.get(release.name)
    if held is None or held[0] is not release:  # a new release of that name (another MEDBILL_HOME, an import)
        held = _classified[release.name] = (release, {})
    memo = held[1]
    keys = codes.tolist()
    new = list(dict.fromkeys(k for k in keys if k not in memo))
    if new:
        if len(memo) + len(new) > _MEMO_LIMIT:
            memo.clear()
        st, hi = _classify(pd.Series(new, dtype="str"), release)
        memo.update(zip(new, zip(st.to_numpy(), hi.to_numpy(), strict=True), strict=True))
    status, hint = np.empty(len(keys), dtype=object), np.empty(len(keys), dtype=object)
    status[:], hint[:] = [memo[k][0] for k in keys], [memo[k][1] for k in keys]
    return status, hint


@dataclasses.dataclass(frozen=True)
class DxStatus:
    """One entry per (claim, diagnosis slot) in use, as aligned arrays: ``claim`` position, ``pos``
    (slot 1-12), ``code`` (compact), ``code_id`` (into ``Batch.dx_vocab``), ``release`` (None when
    none covers the date), ``status`` (ok/invalid/norelease/header/seventh/placeholder), ``hint`` and
    ``dos`` (the claim's first date of service)."""

    claim: np.ndarray
    pos: np.ndarray
    code: np.ndarray
    code_id: np.ndarray
    release: np.ndarray
    status: np.ndarray
    hint: np.ndarray
    dos: np.ndarray

    def take(self, rows: np.ndarray) -> DxStatus:
        """The entries at ``rows`` (a boolean mask or positions)."""
        return DxStatus(**{f.name: getattr(self, f.name)[rows] for f in dataclasses.fields(self)})

    @property
    def field(self) -> np.ndarray:
        """The claims-table column of each entry: ``dx1`` ... ``dx12``."""
        return dx_fields(self.pos)


def icd_status(b: Batch) -> DxStatus:
    """Every diagnosis of the batch with its release and status, classified once per distinct code."""
    if "icd_status" in b.memo:
        return b.memo["icd_status"]
    dx = b.dx_long
    claim, code_id = dx["claim"].to_numpy(), dx["code_id"].to_numpy()
    release = _release_per_claim(b)[claim]
    status = np.full(len(claim), "norelease", dtype=object)
    hint = np.full(len(claim), "", dtype=object)
    for name in pd.unique(release[~pd.isna(release)]):
        rows = release == name
        # Classify each distinct code once, then spread back by code id.
        ids = np.unique(code_id[rows])
        st, hi = _classify_memoised(b.dx_vocab[ids], icd10cm.release(name))
        by_id_status = np.empty(len(b.dx_vocab), dtype=object)
        by_id_hint = np.empty(len(b.dx_vocab), dtype=object)
        by_id_status[ids], by_id_hint[ids] = st, hi
        status[rows] = by_id_status[code_id[rows]]
        hint[rows] = by_id_hint[code_id[rows]]
    found = DxStatus(
        claim=claim,
        pos=dx["pos"].to_numpy(),
        code=dx["code"].to_numpy(dtype=object),
        code_id=code_id,
        release=release,
        status=status,
        hint=hint,
        dos=b.claim_dos.to_numpy()[claim],
    )
    b.memo["icd_status"] = found
    return found


def _with_status(b: Batch, *statuses: str) -> DxStatus:
    """The diagnoses with one of ``statuses``; records the running rule as skipped where no release
    covers the date."""
    skip_uncovered(b)
    dx = icd_status(b)
    return dx.take(np.isin(dx.status, statuses))


def _for_example(hint: np.ndarray) -> np.ndarray:
    return np.where(hint != "", ", for example " + display_codes(hint), "")


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
    d = _with_status(b, "invalid")
    if not len(d.code):  # the usual case: no message text to build
        return no_findings()
    on = dates(pd.Series(d.dos)).to_numpy()
    msg = (
        display_codes(d.code)
        + " is not an ICD-10-CM code in "
        + d.release.astype(str).astype(object)
        + " (in effect on "
        + on
        + ")"
    )
    return findings(d.claim, -1, d.field, display_codes(d.code), msg)


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
    d = _with_status(b, "header")
    if not len(d.code):
        return no_findings()
    shown = display_codes(d.code)
    return findings(
        d.claim, -1, d.field, shown, shown + " is a header, not a billable code" + _for_example(d.hint)
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
    d = _with_status(b, "seventh")
    if not len(d.code):
        return no_findings()
    shown = display_codes(d.code)
    return findings(d.claim, -1, d.field, shown, shown + " needs a 7th character" + _for_example(d.hint))


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
    d = _with_status(b, "placeholder")
    if not len(d.code):
        return no_findings()
    shown = display_codes(d.code)
    return findings(
        d.claim,
        -1,
        d.field,
        shown,
        shown + " is missing X placeholders; the code is " + display_codes(d.hint),
    )


def _skip_hcpcs(b: Batch, lines: np.ndarray, days: np.ndarray) -> None:
    """PROC-INVALID could only check the format of these HCPCS lines: say why, with the fix."""
    found = hcpcs.releases()
    if not found:
        b.skip_lines(
            lines,
            "No HCPCS Level II release is imported: HCPCS codes were checked for format only. "
            "Run `medbill data fetch hcpcs` (or `medbill data import hcpcs PATH`).",
        )
        return
    labels, reasons = coverage.uncovered_labels("hcpcs", found, days)
    b.skip_labelled(lines, labels, [r + " These HCPCS codes were checked for format only." for r in reasons])


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
    code, day = b.line_values["procedure_code"], b.line_values["service_date"]
    rows = np.flatnonzero(~b.missing("procedure_code"))
    # Few distinct (code, date) pairs: check each once.
    _, first, pair = np.unique(
        b.key(["procedure_code", "service_date"])[rows], return_index=True, return_inverse=True
    )
    firsts = rows[first]
    codes, days = pd.Series(code[firsts]).astype(str), pd.Series(day[firsts])
    ok = procedures.is_valid_on_many(codes, days).to_numpy()
    checked = procedures.checked_on_many(codes, days).to_numpy()
    if not checked.all():  # HCPCS codes on dates no imported HCPCS release covers: format checked only
        pair = pair.reshape(-1)
        unchecked = ~checked[pair]
        _skip_hcpcs(b, rows[unchecked], day[rows[unchecked]])
    ok = ok | ~checked
    if ok.all():
        return no_findings()
    bad = rows[~ok[pair.reshape(-1)]]
    return findings(
        b.line_values["claim"][bad],
        bad,
        "procedure_code",
        code[bad],
        code[bad] + " is not a valid CPT/HCPCS code on " + dates(pd.Series(day[bad])).to_numpy(),
    )
