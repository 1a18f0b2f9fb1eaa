"""Medically unlikely edits: more units than CMS considers plausible, per line or per day."""

from __future__ import annotations

import numpy as np
import pandas as pd

from medbill.edits.engine import Batch, findings, no_findings, rule
from medbill.refdata import coverage
from medbill.refdata import mue as mue_tables

_MAI = {1: "MAI 1 (per line)", 2: "MAI 2 (per day, policy)", 3: "MAI 3 (per day, clinical)"}


_combined_memo: dict[tuple[tuple[str, str], ...], tuple[pd.DataFrame, dict, np.ndarray, np.ndarray]] = {}


def _combined(releases: list) -> tuple[pd.DataFrame, dict[tuple[int, str], int], np.ndarray, np.ndarray]:
    """Every installed release's rows with its position as ``release``, the row of each (release,
    code) (one per code and release: import_release keeps the last), and the mue and mai columns
    as arrays; built once per set of installed releases rather than on every scrub call."""
    key = tuple((p.release, p.sha256) for p, _ in releases)
    if key not in _combined_memo:
        _combined_memo.clear()  # only the current combination is worth keeping
        tables = pd.concat([t.assign(release=i) for i, (_, t) in enumerate(releases)], ignore_index=True)
        keys = zip(tables["release"].tolist(), tables["code"].tolist(), strict=True)
        row_of = {key: row for row, key in enumerate(keys)}
        _combined_memo[key] = (tables, row_of, tables["mue"].to_numpy(), tables["mai"].to_numpy())
    return _combined_memo[key]


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
    releases = mue_tables.load("practitioner")
    provs = [p for p, _ in releases]
    tables, row_of, limit, mai = _combined(releases)
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
    # The table row of each line (a line whose code has none is not edited), looked up once per
    # distinct (release, code): the same rows as a merge on them, in line order.
    _, at, inverse = np.unique(release * len(codes) + code_id, return_index=True, return_inverse=True)
    keys = zip(release[at].tolist(), codes[code_id[at]].tolist(), strict=True)
    row = np.array([row_of.get(k, -1) for k in keys], dtype="int64")[inverse]
    hit = row >= 0
    line, row, code_id = line[hit], row[hit], code_id[hit]
    units = lv["units"][line]
    per_day = mai[row] != 1
    day = pd.factorize(b.encounter[line] * len(codes) + code_id)[0]
    if np.all(units == np.round(units)) and np.abs(units).sum() < 2**53:  # whole units: any sum is exact
        day_units = np.bincount(day, weights=units)[day]
    else:  # pandas' compensated sums, for the same last digits
        day_units = pd.Series(units).groupby(day).transform("sum").to_numpy()
    counted = np.where(per_day, day_units, units)
    over = counted > limit[row]
    if not over.any():
        return no_findings()
    line, counted, per_day = line[over], counted[over], per_day[over]
    h = tables.iloc[row[over]].reset_index(drop=True)
    h["line"] = line
    h["procedure_code"] = pd.Series(lv["procedure_code"][line], dtype=object)
    h["units"] = units[over]
    h["service_date"] = lv["service_date"][line]
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
