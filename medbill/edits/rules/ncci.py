"""NCCI procedure-to-procedure edits: two codes billed for one patient, by one provider, on one date."""

from __future__ import annotations

import numpy as np
import pandas as pd

from medbill.edits.engine import Batch, findings, no_findings, rule
from medbill.edits.rules._util import dates
from medbill.refdata import code_numbers, coverage
from medbill.refdata import modifiers as modifier_codes
from medbill.refdata import ncci as ncci_tables

_INDICATOR = {
    0: "modifier indicator 0: no modifier bypasses this edit",
    1: "modifier indicator 1: bypassed only by an NCCI-associated modifier, none present",
}


def bypass_mask(b: Batch) -> np.ndarray:
    """Bool per line: carries a modifier that bypasses indicator-1 edits for the claim's payer."""
    star = b.config.get("*")
    default = star.bypass_modifiers if star and star.bypass_modifiers is not None else None
    if default is None:
        default = modifier_codes.NCCI_BYPASS
    mask = b.line_has_modifier(default)
    for payer, cfg in b.config.items():
        if payer != "*" and cfg.bypass_modifiers is not None:
            rows = b.line_values["payer_id"] == payer
            mask[rows] = b.line_has_modifier(cfg.bypass_modifiers)[rows]
    return mask


def _matches(keys: np.ndarray, wanted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(position in ``wanted``, position in ``keys``) for every pair of equal keys."""
    order = np.argsort(keys, kind="stable")
    ordered = keys[order]
    lo = np.searchsorted(ordered, wanted, "left")
    count = np.searchsorted(ordered, wanted, "right") - lo
    at = np.repeat(np.arange(len(wanted)), count)
    offset = np.arange(len(at)) - np.repeat(np.cumsum(count) - count, count)
    return at, order[np.repeat(lo, count) + offset]


def _hits(
    b: Batch, edits: ncci_tables.PtpEdits, rows: np.ndarray, ok: np.ndarray, numbers: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(edit row of ``edits``, line 1, line 2) for two lines of one encounter meeting a live edit of
    ``rows`` that no modifier bypasses, in the order merging the lines with each other and then with
    the edits would give: by line 1, line 2, edit. ``numbers`` is the code number of each distinct
    procedure code of the batch."""
    lv = b.line_values
    code_id, _ = b.factorized("procedure_code")
    line = np.flatnonzero(ok)
    code = numbers[code_id[line]].astype("int64")  # every line in ``ok`` is coded
    line, code = line[code >= 0], code[code >= 0]  # a code no edit can name
    encounter = b.encounter[line]
    # (edit, line 1) pairs by column 1 code, then line 2 by encounter and column 2 code.
    edit, first = _matches(code, edits.column1[rows])
    width = code_numbers.COUNT
    at, second = _matches(encounter * width + code, encounter[first] * width + edits.column2[rows[edit]])
    edit, first = rows[edit[at]], line[first[at]]
    second = line[second]
    day = lv["service_date"][second].astype("datetime64[D]").astype("int64")
    keep = (first != second) & (edits.effective[edit] <= day) & (day <= edits.deletion[edit])
    if keep.any():
        bypass = bypass_mask(b)
        keep &= ~((edits.indicator[edit] == 1) & (bypass[first] | bypass[second]))
    edit, first, second = edit[keep], first[keep], second[keep]
    order = np.lexsort((edit, second, first))
    return edit[order], first[order], second[order]


@rule(
    "NCCI-PTP",
    title="NCCI procedure-to-procedure edit",
    category="ncci",
    severity="error",
    reference="CMS National Correct Coding Initiative, practitioner PTP edits",
    explanation=(
        "CMS pays only the column 1 code when both codes of a PTP pair are billed for the same patient by "
        "the same provider on the same date, while the edit is in effect (effective date through deletion "
        "date). Indicator 1 edits may be bypassed with an NCCI-associated modifier (59, XE, XS, XP, XU, "
        "anatomic modifiers ...) when the services were truly distinct; indicator 0 edits never; 9 are inactive."
    ),
    fix="Remove the column 2 service, or, only if documentation supports a distinct service, add the appropriate NCCI-associated modifier.",
)
def ncci_ptp(b: Batch) -> pd.DataFrame:
    releases = ncci_tables.edits("practitioner")
    provs = [e.provenance for e in releases]
    lv = b.line_values
    coded = np.flatnonzero(~b.missing("procedure_code"))
    # Each line is edited by the release in effect on its date (one per encounter: it has one date).
    which = np.full(len(lv["procedure_code"]), -1, dtype="int64")
    which[coded] = coverage.in_effect_many(provs, lv["service_date"][coded])
    b.skip_labelled(coded, *coverage.uncovered_labels("ncci", provs, lv["service_date"][coded]))
    code_id, codes = b.factorized("procedure_code")
    numbers = code_numbers.numbers(codes)
    parts = [no_findings()]
    for i in np.unique(which[which >= 0]):
        ok = which == i
        # Only edits between codes that occur in the release's lines.
        rows = releases[i].rows(numbers[np.unique(code_id[ok])])
        if len(rows):
            parts.append(_findings(b, releases[i], *_hits(b, releases[i], rows, ok, numbers)))
    return pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]


def _findings(
    b: Batch, edits: ncci_tables.PtpEdits, edit: np.ndarray, line1: np.ndarray, line2: np.ndarray
) -> pd.DataFrame:
    """Findings for the edit hits of one release."""
    lv = b.line_values
    if not len(edit):  # the usual case when the codes have edits: not live, bypassed, other encounters
        return no_findings()
    hits = edits.table(edit)
    hits["service_date"] = lv["service_date"][line2]
    line1_number = pd.Series(b.line_numbers[line1]).astype("string").fillna("?").to_numpy()
    deleted = dates(hits["deletion"]).replace("", "none")
    message = (
        hits["column2"]
        + " is column 2 to "
        + hits["column1"]
        + " (line "
        + line1_number
        + ") on "
        + dates(hits["service_date"])
        + "; "
        + hits["modifier_indicator"].map(_INDICATOR)
        + ("; rationale: " + hits["rationale"]).where(hits["rationale"].ne(""), "")
    )
    reference = (
        f"CMS NCCI PTP {edits.provenance.release}: "
        + hits["column1"]
        + "/"
        + hits["column2"]
        + " effective "
        + dates(hits["effective"])
        + ", deletion "
        + deleted
        + ", modifier indicator "
        + hits["modifier_indicator"].astype(str)
    )
    return findings(
        lv["claim"][line2],
        line2,
        "procedure_code",
        hits["column2"],
        message,
        reference=reference,
    )
