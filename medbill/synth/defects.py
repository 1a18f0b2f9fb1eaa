"""Coding and billing defects planted in some claims, the kind a claim scrubber catches.

Each claim carries at most one defect. The payer's answer to it (the CARC/RARC pair in
:data:`DENIALS`) is what :mod:`medbill.synth.adjudication` sends back, so scrub findings and denials
line up claim by claim.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

# defect name -> (share of eligible claims that carry it, what it breaks)
DEFECT_RATES: dict[str, float] = {
    "missing_7th_character": 0.30,  # injury code sent without its 7th character (S93.401 for S93.401A)
    "nonbillable_dx": 0.05,  # a category/subcategory header as first-listed diagnosis (E11 for E11.9)
    "bad_dx_pointer": 0.008,  # a line points at a diagnosis slot that is empty
    "ncci_missing_modifier": 0.20,  # E/M without 25/57 beside a procedure, or a PTP pair without 59
    "missing_member_id": 0.006,  # subscriber member id left empty
    "late_submission": 0.012,  # sent after the payer's timely filing limit
}
DEFECTS: tuple[str, ...] = ("none", *DEFECT_RATES)

# defect -> (group, CARC, RARC) the payer answers with; ncci applies to the bundled line only.
DENIALS: dict[str, tuple[str, str, str]] = {
    "missing_7th_character": ("CO", "16", "M76"),
    "nonbillable_dx": ("CO", "16", "M76"),
    "bad_dx_pointer": ("CO", "16", "MA130"),
    "ncci_missing_modifier": ("CO", "97", "M15"),
    "missing_member_id": ("CO", "16", "N382"),
    "late_submission": ("CO", "29", ""),
}


@dataclasses.dataclass
class ClaimArrays:
    """What the defects touch: per-claim diagnoses and member id, per-line modifiers and pointers."""

    dx: np.ndarray  # [claims, 3] object, "" when unused
    member_id: np.ndarray
    injury: np.ndarray  # bool per claim
    header_variant: np.ndarray  # per claim, "" when the scenario has none
    payer_billed: np.ndarray  # bool per claim: a payer (not self-pay) gets the claim
    late_possible: np.ndarray  # bool per claim: a late submission still falls before the end date
    line_claim: np.ndarray
    line_modifier: np.ndarray
    line_pointer: np.ndarray
    line_is_em: np.ndarray


def plant(rng: np.random.Generator, a: ClaimArrays) -> tuple[np.ndarray, np.ndarray]:
    """Plant defects in place; returns the defect index per claim (into :data:`DEFECTS`) and a
    per-line flag for the line a payer bundles (the one that lost its modifier)."""
    n = len(a.member_id)
    defect = np.zeros(n, dtype=np.int64)
    em_mod = np.zeros(n, dtype=bool)
    np.logical_or.at(em_mod, a.line_claim, a.line_is_em & np.isin(a.line_modifier, ["25", "57"]))
    has_59 = np.zeros(n, dtype=bool)
    np.logical_or.at(has_59, a.line_claim, a.line_modifier == "59")
    eligible = {
        "missing_7th_character": a.injury,
        "nonbillable_dx": a.header_variant != "",
        "bad_dx_pointer": np.ones(n, dtype=bool),
        "ncci_missing_modifier": em_mod | has_59,
        "missing_member_id": np.ones(n, dtype=bool),
        "late_submission": a.late_possible,
    }
    for i, (name, rate) in enumerate(DEFECT_RATES.items(), start=1):
        pick = (defect == 0) & a.payer_billed & eligible[name] & (rng.random(n) < rate)
        defect[pick] = i

    def has(name: str) -> np.ndarray:
        return defect == DEFECTS.index(name)

    cut = has("missing_7th_character")
    a.dx[cut, 0] = pd.Series(a.dx[cut, 0], dtype=object).str[:-1].to_numpy(dtype=object)
    a.dx[:, 0] = np.where(has("nonbillable_dx"), a.header_variant, a.dx[:, 0])
    a.member_id[:] = np.where(has("missing_member_id"), "", a.member_id)

    # Bad pointer: the claim's first line also points at the first empty diagnosis slot.
    n_dx = (a.dx != "").sum(axis=1)
    first_line = np.r_[True, a.line_claim[1:] != a.line_claim[:-1]]
    bad = first_line & has("bad_dx_pointer")[a.line_claim]
    extra_letter = np.array(list("ABCD"), dtype=object)[np.minimum(n_dx[a.line_claim], 3)]
    a.line_pointer[:] = np.where(bad, (a.line_pointer + extra_letter), a.line_pointer)

    # NCCI: drop the 59 from the column-2 line if there is one, else the E/M's 25/57.
    ncci = has("ncci_missing_modifier")[a.line_claim]
    drop_59 = ncci & (a.line_modifier == "59")
    drop_em = ncci & ~has_59[a.line_claim] & a.line_is_em & np.isin(a.line_modifier, ["25", "57"])
    bundled = drop_59 | drop_em
    a.line_modifier[:] = np.where(bundled, "", a.line_modifier)
    return defect, bundled
