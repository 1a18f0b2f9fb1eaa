"""Modifier logic: contradictory pairs, modifiers on the wrong kind of code, duplicates, unknown codes."""

from __future__ import annotations

import numpy as np
import pandas as pd

from medbill.edits.engine import MODIFIER_COLUMNS, Batch, findings, no_findings, rule
from medbill.edits.rules._util import modifier_text, positions
from medbill.refdata import modifiers as modifier_codes

CATEGORY = "modifiers"
_NCCI_MANUAL = "NCCI Policy Manual for Medicare Services, ch. 1 §E (modifiers)"
_X_MODIFIERS = ["XE", "XS", "XP", "XU"]
# Modifiers that describe surgical, diagnostic or bilateral services and do not apply to an E/M visit.
_NOT_ON_EM = ["26", "TC", "50", "51", "59", *_X_MODIFIERS]
# E/M-only modifiers other than 25 (which has its own rule).
_EM_ONLY = ["24", "57"]
# General ophthalmological services (eye exams, new and established patients): CMS treats them as E/M
# services for the E/M modifiers 24, 25 and 57 (NCCI Policy Manual for Medicare Services, ch. XI
# "Medicine", general ophthalmological services 92002-92014; Claims Processing Manual ch. 12 §30.6.6).
EYE_EXAMS = ("92002", "92004", "92012", "92014")
_EM_CODES = "E/M codes (99202-99499, eye exams 92002-92014)"
# CPT Category II performance-measure exclusion modifiers, valid only on Category II codes (####F).
_CAT2_MODIFIERS = ["1P", "2P", "3P", "8P"]


def _em(b: Batch) -> np.ndarray:
    """Bool per line: an E/M service for modifier purposes, eye exams 92002-92014 included (memoised)."""
    if "em_for_modifiers" not in b.memo:
        ids, codes = b.factorized("procedure_code")
        eye = np.array([*(c in EYE_EXAMS for c in codes), False], dtype=bool)[ids]
        b.memo["em_for_modifiers"] = b.is_em.to_numpy() | eye
    return b.memo["em_for_modifiers"]


def _pair_on_line(b: Batch, first: list[str], second: list[str], message: str) -> pd.DataFrame:
    pos = positions(b.line_has_modifier(first) & b.line_has_modifier(second))
    if not len(pos):  # the usual case: skip the message text
        return no_findings()
    mods = modifier_text(pd.DataFrame({c: b.line_values[c][pos] for c in MODIFIER_COLUMNS}, dtype=object))
    return findings(b.line_values["claim"][pos], pos, "modifiers", mods, message)


@rule(
    "MOD-26-TC",
    title="Modifiers 26 and TC on one line",
    category=CATEGORY,
    severity="error",
    reference="CMS Claims Processing Manual ch. 12 §20.4.3 (professional and technical components)",
    explanation="26 bills the professional component and TC the technical one; both together mean the global service.",
    fix="Remove both modifiers to bill the global service, or keep the one component you performed.",
)
def mod_26_tc(b: Batch) -> pd.DataFrame:
    return _pair_on_line(b, ["26"], ["TC"], "26 and TC on the same line")


@rule(
    "MOD-50-LTRT",
    title="Modifier 50 with LT or RT",
    category=CATEGORY,
    severity="error",
    reference="CMS Claims Processing Manual ch. 12 §40.7 (bilateral procedures)",
    explanation="50 already means both sides; adding LT or RT contradicts it.",
    fix="Bill one line with 50 (units 1) for a bilateral procedure, or LT/RT alone for one side.",
)
def mod_50_ltrt(b: Batch) -> pd.DataFrame:
    return _pair_on_line(b, ["50"], ["LT", "RT"], "50 together with LT/RT")


@rule(
    "MOD-59-X",
    title="Modifier 59 with an X modifier",
    category=CATEGORY,
    severity="error",
    reference="CMS MLN Matters SE1418 (XE, XS, XP, XU are more specific subsets of 59)",
    explanation="XE, XS, XP and XU replace 59 with a more specific reason; CMS says not to use 59 together with them.",
    fix="Keep only the X modifier that states why the service was distinct.",
)
def mod_59_x(b: Batch) -> pd.DataFrame:
    return _pair_on_line(b, ["59"], _X_MODIFIERS, "59 together with " + "/".join(_X_MODIFIERS))


@rule(
    "MOD-25-EM",
    title="Modifier 25 on a code that is not E/M",
    category=CATEGORY,
    severity="error",
    reference=(
        "CMS Claims Processing Manual ch. 12 §30.6.6 (modifier 25: significant, separately identifiable E/M); "
        "NCCI Policy Manual for Medicare Services ch. XI (general ophthalmological services 92002-92014 take "
        "the E/M modifiers 24, 25 and 57)"
    ),
    explanation=(
        "25 marks an evaluation and management service as separate from a same-day procedure; it only belongs on "
        "E/M codes, which for this purpose include the eye exams 92002-92014."
    ),
    fix="Move 25 to the E/M line, or remove it.",
)
def mod_25_em(b: Batch) -> pd.DataFrame:
    has_25 = b.line_has_modifier(["25"])
    if not has_25.any():
        return no_findings()
    pos = positions(has_25 & ~b.missing("procedure_code") & ~_em(b))
    if not len(pos):
        return no_findings()
    code = b.line_values["procedure_code"][pos]
    return findings(
        b.line_values["claim"][pos],
        pos,
        "modifiers",
        code + " 25",
        "25 on " + code + f", which is not one of the {_EM_CODES}",
    )


@rule(
    "MOD-25-NOPROC",
    title="Modifier 25 without a same-day procedure",
    category=CATEGORY,
    severity="warning",
    reference="CMS Claims Processing Manual ch. 12 §30.6.6",
    explanation="25 is only needed when a procedure is billed the same day; without one the payer may deny or question it.",
    fix="Remove 25, or add the same-day procedure line it refers to.",
)
def mod_25_noproc(b: Batch) -> pd.DataFrame:
    em = _em(b)
    em_25 = b.line_has_modifier(["25"]) & em
    if not em_25.any():
        return no_findings()
    proc = ~b.missing("procedure_code") & ~em
    day = b.key(["claim", "service_date"])
    has_proc = np.bincount(day, weights=proc)[day] > 0
    pos = positions(em_25 & ~has_proc)
    if not len(pos):
        return no_findings()
    return findings(
        b.line_values["claim"][pos],
        pos,
        "modifiers",
        b.line_values["procedure_code"][pos] + " 25",
        "25 on an E/M with no other procedure on the same claim and date",
    )


@rule(
    "MOD-CODE-TYPE",
    title="Modifier not valid for the kind of code",
    category=CATEGORY,
    severity="error",
    reference=f"{_NCCI_MANUAL}; CPT Category II performance modifiers 1P/2P/3P/8P",
    explanation=(
        "Some modifiers only make sense on some kinds of code: 24 and 57 on E/M visits; 26, TC, 50, 51, 59 "
        "and X{EPSU} not on E/M visits; 1P/2P/3P/8P only on Category II codes (####F)."
    ),
    fix="Remove the modifier or move it to the line it describes.",
)
def mod_code_type(b: Batch) -> pd.DataFrame:
    # What can fire, per (line, slot), without the Category II pattern (its modifiers are rare).
    present = ~b.missing("procedure_code")[:, None]
    em = _em(b)[:, None]
    possible = (
        (b.modifier_slots(_EM_ONLY) & ~em & present)
        | (b.modifier_slots(_NOT_ON_EM) & em)
        | (b.modifier_slots(_CAT2_MODIFIERS) & present)
    )
    if not possible.any():
        return no_findings()
    m = b.modifiers_long
    m = m[possible[m["line"].to_numpy(), m["slot"].to_numpy() - 1]]  # the slots that can fire, in order
    code = b.line_values["procedure_code"][m["line"].to_numpy()]
    code = pd.Series(code, index=m.index, dtype="string")
    em = pd.Series(_em(b)[m["line"].to_numpy()], index=m.index)
    cat2 = code.str.fullmatch(r"[0-9]{4}F").fillna(False).astype(bool)
    bad_em_only = m["modifier"].isin(_EM_ONLY) & ~em & code.notna()
    bad_on_em = m["modifier"].isin(_NOT_ON_EM) & em
    bad_cat2 = m["modifier"].isin(_CAT2_MODIFIERS) & ~cat2 & code.notna()
    reason = np.select(
        [bad_em_only, bad_on_em, bad_cat2],
        ["is only valid on E/M codes", "is not valid on an E/M code", "is only valid on Category II codes"],
        "",
    )
    hit = reason != ""
    d = m[hit]
    return findings(
        b.line_values["claim"][d["line"].to_numpy()],
        d["line"],
        "modifier" + d["slot"].astype(str),
        d["modifier"],
        "modifier " + d["modifier"] + " on " + code[hit].astype(str) + " " + reason[hit],
    )


@rule(
    "MOD-DUP",
    title="Modifier repeated on a line",
    category=CATEGORY,
    severity="error",
    reference="ASC X12 005010X222A1 SV101-3..6 (procedure modifiers)",
    explanation="Each modifier is reported once per line; a repeat is a data entry slip.",
    fix="Remove the repeated modifier.",
)
def mod_dup(b: Batch) -> pd.DataFrame:
    matrix = b.modifier_ids[0]
    slots = matrix.shape[1]
    repeat = [(matrix[:, j] >= 0) & (matrix[:, j] == matrix[:, i]) for j in range(slots) for i in range(j)]
    if not np.any(repeat):
        return no_findings()
    m = b.modifiers_long
    d = m[m.duplicated(["line", "modifier"], keep="first")]
    return findings(
        b.line_values["claim"][d["line"].to_numpy()],
        d["line"],
        "modifier" + d["slot"].astype(str),
        d["modifier"],
        "modifier " + d["modifier"] + " appears twice on the line",
    )


@rule(
    "MOD-UNKNOWN",
    title="Unknown modifier",
    category=CATEGORY,
    severity="error",
    reference="CMS HCPCS Level II and CPT modifier lists",
    explanation="A modifier that is not a published CPT or HCPCS Level II modifier is rejected.",
    fix="Check the modifier against the CPT/HCPCS lists; modifiers are two characters.",
)
def mod_unknown(b: Batch) -> pd.DataFrame:
    known = _known()
    if all(m in known for m in b.modifier_ids[1]):
        return no_findings()
    m = b.modifiers_long
    d = m[~m["modifier"].isin(known)]
    return findings(
        b.line_values["claim"][d["line"].to_numpy()],
        d["line"],
        "modifier" + d["slot"].astype(str),
        d["modifier"],
        "modifier " + d["modifier"] + " is not a known CPT/HCPCS modifier",
    )


_known_memo: list[tuple[pd.DataFrame, set[str]]] = []


def _known() -> set[str]:
    """The published modifiers, upper case (rebuilt if the modifier table is reloaded)."""
    table = modifier_codes.table()
    if not _known_memo or _known_memo[0][0] is not table:
        _known_memo[:] = [(table, set(table["modifier"].astype(str).str.upper()))]
    return _known_memo[0][1]
