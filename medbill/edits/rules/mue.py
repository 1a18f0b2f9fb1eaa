"""Medically unlikely edits: more units than CMS considers plausible, per line or per day."""

from __future__ import annotations

import numpy as np
import pandas as pd

from medbill.edits import _refdata
from medbill.edits import mue as mue_tables
from medbill.edits.engine import Batch, findings, rule
from medbill.edits.rules._util import Groups, dates

_MAI = {1: "MAI 1 (per line)", 2: "MAI 2 (per day, policy)", 3: "MAI 3 (per day, clinical)"}


_combined_memo: dict[
    tuple[tuple[str, str], ...], tuple[pd.DataFrame, Groups, dict, np.ndarray, np.ndarray]
] = {}


def _combined(
    releases: list,
) -> tuple[pd.DataFrame, Groups, dict[tuple[int, str], int], np.ndarray, np.ndarray]:
    """Every installed release's rows with its position as ``release``, grouped by code, with the row
    of each (release, code) and the mue and mai columns as arrays; built once per set of installed
    releases rather than on every scrub call."""
    key = tuple((p.release, p.sha256) for p, _ in releases)
    if key not in _combined_memo:
        _combined_memo.clear()  # only the current combination is worth keeping
        tables = pd.concat([t.assign(release=i) for i, (_, t) in enumerate(releases)], ignore_index=True)
        keys = zip(tables["release"].tolist(), tables["code"].tolist(), strict=True)
        row_of = {key: row for row, key in enumerate(keys)}
        _combined_memo[key] = (
            tables,
            Groups(tables["code"].to_numpy(dtype=object)),
            row_of,
            tables["mue"].to_numpy(dtype="float64"),
            tables["mai"].to_numpy(),
        )
    return _combined_memo[key]


def _over_possible(b: Batch, releases: list) -> bool:
    """Whether any line can exceed its MUE; False is certain, True sends the rule through the full
    pandas path. Units summed per day with numpy are exact when whole numbers, else a margin covers
    the rounding difference from pandas' compensated sums."""
    tables, _, row_of, mue, mai = _combined(releases)
    if len(row_of) < len(tables):  # a (release, code) listed twice: leave it to the merge
        return True
    lv = b.line_values
    ok = ~pd.isna(lv["procedure_code"]) & ~pd.isna(lv["units"])
    code_id, codes = pd.factorize(lv["procedure_code"][ok])
    if not len(codes):
        return False
    release = (
        _refdata.pick_by_date([p for p, _ in releases], pd.Series(lv["service_date"][ok]))
        if len(releases) > 1
        else np.zeros(len(code_id), dtype="int64")  # one release serves every date
    )
    # Table row per line, looked up once per distinct (release, code).
    pairs, first = np.unique(release * len(codes) + code_id, return_index=True)
    keys = zip(release[first].tolist(), codes[code_id[first]].tolist(), strict=True)
    found = np.array([row_of.get(k, -1) for k in keys], dtype="int64")
    row = found[np.searchsorted(pairs, release * len(codes) + code_id)]
    hit = row >= 0
    if not hit.any():
        return False
    row, units = row[hit], lv["units"][ok][hit]
    day = pd.factorize(b.encounter[ok][hit] * len(codes) + code_id[hit])[0]
    counted = np.where(mai[row] != 1, np.bincount(day, weights=units)[day], units)
    whole = np.all(units == np.round(units)) and np.abs(units).sum() < 2**53
    margin = 0 if whole else 1e-9 * (1 + np.bincount(day, weights=np.abs(units))[day])
    return bool((counted > mue[row] - margin).any())


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
    if not _over_possible(b, releases):
        return findings([], [], [], [], [])
    provs = [p for p, _ in releases]
    ok = (b.lines["procedure_code"].notna() & b.lines["units"].notna()).to_numpy()
    ln = b.lines[ok]
    ln = pd.DataFrame(
        {
            "line": np.flatnonzero(ok),
            "procedure_code": ln["procedure_code"].to_numpy(),
            "units": ln["units"].to_numpy(),
            "service_date": ln["service_date"].to_numpy(),
            "encounter": b.encounter[ok],
            "release": _refdata.pick_by_date(provs, ln["service_date"]),
        }
    )
    tables, by_code, *_ = _combined(releases)
    tables = tables.iloc[np.sort(by_code.expand(pd.unique(ln["procedure_code"]))[1])]
    hit = ln.merge(tables, left_on=["release", "procedure_code"], right_on=["release", "code"], how="inner")
    per_day = hit["mai"].to_numpy() != 1
    day_units = hit.groupby(["encounter", "procedure_code"])["units"].transform("sum")
    counted = np.where(per_day, day_units, hit["units"])
    over = counted > hit["mue"].to_numpy()
    h = hit[over].reset_index(drop=True)
    if h.empty:
        return findings([], [], [], [], [])
    counted = counted[over]
    first = np.array([p.effective_from for p in provs], dtype="datetime64[ns]")
    before = h["service_date"].to_numpy() < first[h["release"].to_numpy()]
    release_name = np.array([p.release for p in provs], dtype=object)[h["release"].to_numpy()]
    message = (
        h["procedure_code"]
        + ": "
        + pd.Series(counted, dtype="float").map("{:g}".format)
        + np.where(per_day[over], " units that day", " units on the line")
        + " exceed the MUE of "
        + h["mue"].astype(str)
        + " ("
        + h["mai"].map(_MAI)
        + ")"
    )
    reference = (
        "CMS MUE "
        + pd.Series(release_name, dtype="str")
        + np.where(
            before,
            " (earliest installed; the date of service " + dates(h["service_date"]) + " precedes it)",
            "",
        )
        + ": "
        + h["procedure_code"]
        + " MUE "
        + h["mue"].astype(str)
        + ", "
        + h["mai"].map(_MAI)
        + ("; rationale: " + h["rationale"]).where(h["rationale"].ne(""), "")
    )
    return findings(
        b.lines["claim"].to_numpy()[h["line"].to_numpy()],
        h["line"],
        "units",
        h["units"].map("{:g}".format),
        message,
        reference=reference,
    )
