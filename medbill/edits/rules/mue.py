"""Medically unlikely edits: more units than CMS considers plausible, per line or per day."""

from __future__ import annotations

import numpy as np
import pandas as pd

from medbill.edits import _refdata
from medbill.edits import mue as mue_tables
from medbill.edits.engine import Batch, findings, rule
from medbill.edits.rules._util import Groups, dates

_MAI = {1: "MAI 1 (per line)", 2: "MAI 2 (per day, policy)", 3: "MAI 3 (per day, clinical)"}


_combined_memo: dict[tuple[tuple[str, str], ...], tuple[pd.DataFrame, Groups]] = {}


def _combined(releases: list) -> tuple[pd.DataFrame, Groups]:
    """Every installed release's rows with its position as ``release``, grouped by code; built once
    per set of installed releases rather than on every scrub call."""
    key = tuple((p.release, p.sha256) for p, _ in releases)
    if key not in _combined_memo:
        _combined_memo.clear()  # only the current combination is worth keeping
        tables = pd.concat([t.assign(release=i) for i, (_, t) in enumerate(releases)], ignore_index=True)
        _combined_memo[key] = (tables, Groups(tables["code"].to_numpy(dtype=object)))
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
    tables, by_code = _combined(releases)
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
