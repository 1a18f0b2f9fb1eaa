"""Medically unlikely edits: more units than CMS considers plausible, per line or per day."""

from __future__ import annotations

import numpy as np
import pandas as pd

from medbill.edits.engine import Batch, findings, no_findings, rule
from medbill.refdata import code_numbers, coverage
from medbill.refdata import mue as mue_tables

_MAI = {1: "MAI 1 (per line)", 2: "MAI 2 (per day, policy)", 3: "MAI 3 (per day, clinical)"}


def _values_of(
    releases: list[mue_tables.MueValues], release: np.ndarray, codes: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(found, mue, mai, rationale) per (release index, code text) pair: whether the release has a
    value for the code, and the value's columns (0 / "" where it has none)."""
    numbers = code_numbers.numbers(codes)
    found = np.zeros(len(codes), dtype=bool)
    limit = np.zeros(len(codes), dtype="int64")
    mai = np.zeros(len(codes), dtype="int8")
    rationale = np.full(len(codes), "", dtype=object)
    for r in np.unique(release):
        at = np.flatnonzero(release == r)
        row = releases[r].find(numbers[at])
        at, row = at[row >= 0], row[row >= 0]
        found[at] = True
        limit[at] = releases[r].mue[row]
        mai[at] = releases[r].mai[row]
        why = releases[r].rationale
        rationale[at] = why.categories.to_numpy(dtype=object)[why.codes[row]]
    return found, limit, mai, rationale


@rule(
    "MUE",
    title="Units above the medically unlikely edit",
    category="mue",
    severity="error",
    reference="CMS Medically Unlikely Edits, practitioner services",
    explanation=(
        "The MUE is the most units of a code one provider would report for one patient. MAI 1 counts units "
        "on each claim line; MAI 2 and 3 add up the units of all lines for the patient, provider and date. "
        "MAI 2 limits are absolute (policy); MAI 3 limits can be appealed with medical records."
    ),
    fix="Check the units against the record; split only if the payer allows (MAI 1 with 76/77/91/anatomic modifiers), otherwise correct the units.",
)
def mue(b: Batch) -> pd.DataFrame:
    releases = mue_tables.values("practitioner")
    provs = [r.provenance for r in releases]
    lv = b.line_values
    line = np.flatnonzero(~b.missing("procedure_code") & ~b.missing("units"))
    # the codes of these lines, numbered by first appearance among them
    all_ids, all_codes = b.factorized("procedure_code")
    code_id, at = pd.factorize(all_ids[line])
    codes = all_codes[at]
    if not len(codes):
        return no_findings()
    # The release in effect on each line's date; lines no release covers are skipped, not edited.
    day = lv["service_date"][line]
    release = coverage.in_effect_many(provs, day)
    b.skip_labelled(line, *coverage.uncovered_labels("mue", provs, day))
    keep = release >= 0
    line, code_id, release = line[keep], code_id[keep], release[keep]
    if not len(line):
        return no_findings()
    # The release's values for each line (a line whose code has none is not edited), looked up once
    # per distinct (release, code), in line order.
    _, at, inverse = np.unique(release * len(codes) + code_id, return_index=True, return_inverse=True)
    found, key_limit, key_mai, key_rationale = _values_of(releases, release[at], codes[code_id[at]])
    hit = found[inverse]
    line, key, code_id, release = line[hit], inverse[hit], code_id[hit], release[hit]
    limit, mai = key_limit[key], key_mai[key]
    units = lv["units"][line]
    per_day = mai != 1
    day = pd.factorize(b.encounter[line] * len(codes) + code_id)[0]
    if np.all(units == np.round(units)) and np.abs(units).sum() < 2**53:  # whole units: any sum is exact
        day_units = np.bincount(day, weights=units)[day]
    else:  # pandas' compensated sums, for the same last digits
        day_units = pd.Series(units).groupby(day).transform("sum").to_numpy()
    counted = np.where(per_day, day_units, units)
    over = counted > limit
    if not over.any():
        return no_findings()
    line, counted, per_day = line[over], counted[over], per_day[over]
    key = key[over]
    h = pd.DataFrame(
        {
            "release": release[over],
            "mue": key_limit[key],
            "mai": key_mai[key],
            "rationale": pd.Series(key_rationale[key], dtype="str"),
        }
    )
    h["procedure_code"] = pd.Series(lv["procedure_code"][line], dtype=object)
    h["units"] = units[over]
    release_name = np.array([p.release for p in provs], dtype=object)[h["release"].to_numpy()]
    message = (
        h["procedure_code"]
        + ": "
        + pd.Series(counted, dtype="float").map("{:g}".format)
        + np.where(per_day, " units that day", " units on the line")
        + " exceed the MUE of "
        + h["mue"].astype(str)
        + " ("
        + h["mai"].map(_MAI)
        + ")"
    )
    reference = (
        "CMS MUE "
        + pd.Series(release_name, dtype="str")
        + ": "
        + h["procedure_code"]
        + " MUE "
        + h["mue"].astype(str)
        + ", "
        + h["mai"].map(_MAI)
        + ("; rationale: " + h["rationale"]).where(h["rationale"].ne(""), "")
    )
    return findings(
        lv["claim"][line],
        line,
        "units",
        h["units"].map("{:g}".format),
        message,
        reference=reference,
    )
