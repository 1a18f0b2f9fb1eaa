"""ICD-10-CM conventions read from the tabular itself: Excludes1 pairs, manifestation codes listed
first or alone, and "use additional code" reminders.

Notes apply to the code they sit on and everything below it, so a diagnosis matches a note when the
note's code is a prefix of the diagnosis (compact codes nest by prefix). Work is done once per
distinct code, then joined back to the claims.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from medbill.edits.engine import Batch, findings, rule
from medbill.edits.rules._util import require
from medbill.edits.rules.validity import icd_status
from medbill.exceptions import DataNotAvailable

_GUIDE = "ICD-10-CM Official Guidelines for Coding and Reporting"


def _prefixes(codes: pd.Series) -> pd.DataFrame:
    """(code, prefix) for every prefix of length 3..len(code) of each distinct code."""
    u = pd.Series(codes.unique(), dtype="str")
    parts = [
        pd.DataFrame({"code": u[u.str.len() >= n], "prefix": u[u.str.len() >= n].str[:n]})
        for n in range(3, 8)
    ]
    return pd.concat(parts, ignore_index=True)


def _notes(name: str, kind: str) -> pd.DataFrame:
    """Notes of one kind in one release, exploded to one row per referenced code prefix (``ref``)."""
    icd = require("medbill.codes.icd10cm", "release_names_for", "release", "latest")
    notes = icd.release(name).notes_table
    n = notes[notes["kind"] == kind].reset_index(drop=True)
    n = n.assign(note=np.arange(len(n))).explode("refs").rename(columns={"code": "owner", "refs": "ref"})
    return n[["note", "owner", "text", "ref"]]


def _per_release(b: Batch):
    """(release name, that release's diagnoses) for each ICD release in use, valid codes only."""
    dx = icd_status(b)
    dx = dx[dx["status"].eq("ok")]
    for name in dx["release"].dropna().unique():
        yield name, dx[dx["release"] == name]


def _noted(dx: pd.DataFrame, notes: pd.DataFrame) -> pd.DataFrame:
    """Diagnoses under a note: dx columns + note, owner, text, ref (one row per ref)."""
    pre = _prefixes(dx["code"])
    owned = pre.merge(notes, left_on="prefix", right_on="owner")
    return dx.merge(owned.drop(columns="prefix"), on="code")


def _claim_has_ref(dx: pd.DataFrame, wanted: pd.DataFrame) -> pd.Series:
    """For rows of ``wanted`` (claim, ref, pos), whether another diagnosis of the claim starts with ref."""
    pre = _prefixes(dx["code"])
    have = dx[["claim", "pos", "code"]].merge(pre, on="code")
    m = wanted.reset_index().merge(
        have, left_on=["claim", "ref"], right_on=["claim", "prefix"], suffixes=("", "_b")
    )
    m = m[m["pos"] != m["pos_b"]]
    return pd.Series(False, index=wanted.index).where(~wanted.index.isin(m["index"]), True)


@rule(
    "ICD-EXCLUDES1",
    title="Excludes1 pair on the same claim",
    category="conventions",
    severity="warning",
    reference=f"{_GUIDE} I.A.12.a (Excludes1: the two conditions are never coded together)",
    explanation=(
        "An Excludes1 note means the excluded code describes a condition that cannot occur with the noted one. "
        "The exception is when the two conditions are unrelated to each other; then both may be reported."
    ),
    fix="Keep the code that matches the documentation; if the conditions are truly unrelated, document that.",
)
def excludes1(b: Batch) -> pd.DataFrame:
    parts = []
    for name, dx in _per_release(b):
        noted = _noted(dx, _notes(name, "excludes1")).dropna(subset=["ref"])
        hit = noted.reset_index(drop=True)
        pre = _prefixes(dx["code"])
        have = dx[["claim", "pos", "code"]].merge(pre, on="code")
        m = hit.merge(have, left_on=["claim", "ref"], right_on=["claim", "prefix"], suffixes=("", "_b"))
        m = m[m["pos"] != m["pos_b"]]
        # One finding per unordered pair of slots.
        lo, hi = np.minimum(m["pos"], m["pos_b"]), np.maximum(m["pos"], m["pos_b"])
        m = m.assign(lo=lo, hi=hi).drop_duplicates(["claim", "lo", "hi"])
        parts.append(
            findings(
                m["claim"],
                -1,
                "dx" + m["pos_b"].astype(str),
                m["code_b"],
                m["code"]
                + " has an Excludes1 note for "
                + m["code_b"]
                + " (on "
                + m["owner"]
                + ": "
                + m["text"]
                + ")",
            )
        )
    return pd.concat(parts, ignore_index=True) if parts else findings([], [], [], [], [])


def _mce_manifestations() -> set[str]:
    """Codes on the MCE 'manifestation not allowed as principal' list, when an MCE release is installed."""
    from medbill.edits import mce

    try:
        releases = mce.load()
    except DataNotAvailable:
        return set()
    return {c for _, t in releases for c in t.loc[t["edit"] == "Principal_Manifestation", "code"]}


@rule(
    "ICD-MANIFESTATION",
    title="Manifestation code listed first or alone",
    category="conventions",
    severity="error",
    reference=f"{_GUIDE} I.A.13 (etiology/manifestation convention: 'code first' the underlying condition); MCE manifestation list",
    explanation=(
        "Codes titled '... in diseases classified elsewhere' (with a 'code first' note) describe a manifestation; "
        "the underlying condition must be reported and listed before it."
    ),
    fix="Add the underlying condition named in the 'code first' note and list it before the manifestation.",
)
def manifestation(b: Batch) -> pd.DataFrame:
    icd = require("medbill.codes.icd10cm", "release_names_for", "release", "latest")
    parts = []
    mce_list = _mce_manifestations()
    for name, dx in _per_release(b):
        release = icd.release(name)
        table = release.table
        noted = _noted(dx, _notes(name, "code_first"))
        title = (
            noted["code"].map(table["title"]).fillna("") + " " + noted["owner"].map(table["title"]).fillna("")
        )
        manif = set(noted.loc[title.str.contains("in diseases classified elsewhere", case=False), "code"])
        manif |= mce_list & set(dx["code"])
        claims_n = b.dx_long.groupby("claim").size()
        d = dx[dx["code"].isin(manif)]
        alone = claims_n.reindex(d["claim"]).to_numpy() == 1
        d = d[(d["pos"].to_numpy() == 1) | alone]
        where = np.where(
            claims_n.reindex(d["claim"]).to_numpy() == 1, "is the only diagnosis", "is listed first"
        )
        parts.append(
            findings(
                d["claim"],
                -1,
                "dx" + d["pos"].astype(str),
                d["code"],
                d["code"] + " is a manifestation code and " + where + "; code the underlying condition first",
            )
        )
    return pd.concat(parts, ignore_index=True) if parts else findings([], [], [], [], [])


@rule(
    "ICD-USE-ADDITIONAL",
    title="'Use additional code' reminder",
    category="conventions",
    severity="info",
    reference=f"{_GUIDE} I.A.13 ('use additional code' notes)",
    explanation="The tabular asks for an additional code with this one; none of the codes it names is on the claim.",
    fix="Add the additional code when the documentation supports it.",
)
def use_additional(b: Batch) -> pd.DataFrame:
    parts = []
    for name, dx in _per_release(b):
        noted = _noted(dx, _notes(name, "use_additional")).dropna(subset=["ref"]).reset_index(drop=True)
        present = _claim_has_ref(dx, noted)
        satisfied = present.groupby([noted["claim"], noted["pos"], noted["note"]]).transform("any")
        d = noted[~satisfied].drop_duplicates(["claim", "pos", "note"])
        parts.append(
            findings(
                d["claim"],
                -1,
                "dx" + d["pos"].astype(str),
                d["code"],
                d["code"] + ": " + d["text"] + " (note on " + d["owner"] + ")",
            )
        )
    return pd.concat(parts, ignore_index=True) if parts else findings([], [], [], [], [])
