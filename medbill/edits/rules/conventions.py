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


_notes_memo: dict[tuple[int, str, bool], pd.DataFrame] = {}


def _notes(name: str, kind: str, combine: bool = False) -> pd.DataFrame:
    """Notes of one kind in one release, one row per referenced code prefix (``ref``).

    With ``combine``, all notes of that kind on one code form one ``note`` whose ``text`` joins
    theirs ("use additional code" lists alternatives as separate notes). Memoised per release.
    """
    icd = require("medbill.codes.icd10cm", "release_names_for", "release", "latest")
    release = icd.release(name)
    key = (id(release), kind, combine)
    if key not in _notes_memo:
        notes = release.notes_table
        n = notes[notes["kind"] == kind]
        owner = n["code"].astype(str)
        text = n["text"].astype(str)
        if combine:
            text = owner.map(text.groupby(owner).agg("; ".join))
        # Object columns: these rows are joined onto every matching diagnosis of a big batch.
        n = pd.DataFrame(
            {
                "owner": pd.Series(owner.to_numpy(dtype=object), dtype=object),
                "text": pd.Series(text.to_numpy(dtype=object), dtype=object),
                "ref": pd.Series(n["refs"].to_numpy(dtype=object), dtype=object),
            }
        )
        n["note"] = pd.factorize(n["owner"] if combine else pd.Series(np.arange(len(n))))[0]
        n = n.explode("ref")
        _notes_memo[key] = n[["note", "owner", "text", "ref"]].drop_duplicates(["note", "ref"])
    return _notes_memo[key]


def _per_release(b: Batch):
    """(release name, that release's valid diagnoses, their distinct codes) for each ICD release in use."""
    dx = icd_status(b)
    dx = dx[dx["status"].eq("ok")]
    for name in dx["release"].dropna().unique():
        rows = dx[dx["release"] == name]
        ids = np.unique(rows["code_id"].to_numpy())
        yield name, rows, pd.DataFrame({"code": b.dx_vocab[ids].astype(str), "code_id": ids})


def _code_pairs(codes: pd.DataFrame, notes: pd.DataFrame) -> pd.DataFrame:
    """Per distinct code: the notes over it (code_id, note, owner, text, ref) and, where the note's
    reference matches another distinct code of the batch, that code (``code_id_b``, else -1)."""
    pre = _prefixes(codes["code"]).merge(codes, on="code")
    noted = pre.merge(notes, left_on="prefix", right_on="owner").drop(columns="prefix")
    matched = noted.merge(
        pre[["prefix", "code_id"]], left_on="ref", right_on="prefix", how="left", suffixes=("", "_b")
    )
    matched["code_id_b"] = matched["code_id_b"].fillna(-1).astype("int64")
    return matched.drop(columns="prefix")


def _on_claims(dx: pd.DataFrame, pairs: pd.DataFrame) -> pd.DataFrame:
    """Claim diagnoses under each note, with ``pos_b``: the slot of the claim's diagnosis the note
    refers to, or -1 when the claim has none."""
    rows = dx[["claim", "pos", "code", "code_id"]].merge(pairs.drop(columns="code"), on="code_id")
    other = dx[["claim", "code_id", "pos"]].rename(columns={"code_id": "code_id_b", "pos": "pos_b"})
    rows = rows.merge(other, on=["claim", "code_id_b"], how="left")
    rows["pos_b"] = rows["pos_b"].fillna(-1).astype("int64")
    return rows[rows["pos_b"] != rows["pos"]]


def _none() -> pd.DataFrame:
    return findings([], [], [], [], [])


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
    parts = [_none()]
    for name, dx, codes in _per_release(b):
        pairs = _code_pairs(codes, _notes(name, "excludes1").dropna(subset=["ref"]))
        m = _on_claims(dx, pairs[pairs["code_id_b"] >= 0])
        m = m[m["pos_b"] >= 0]
        # One finding per unordered pair of slots.
        lo, hi = np.minimum(m["pos"], m["pos_b"]), np.maximum(m["pos"], m["pos_b"])
        m = m.assign(lo=lo, hi=hi).drop_duplicates(["claim", "lo", "hi"])
        code_b = pd.Series(b.dx_vocab[m["code_id_b"].to_numpy()], index=m.index, dtype=object)
        message = (
            m["code"] + " has an Excludes1 note for " + code_b + " (on " + m["owner"] + ": " + m["text"] + ")"
        )
        parts.append(findings(m["claim"], -1, "dx" + m["pos_b"].astype(str), code_b, message))
    return pd.concat(parts, ignore_index=True)


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
        "Codes titled '... in (other) diseases classified elsewhere' (with a 'code first' note) describe a manifestation; "
        "the underlying condition must be reported and listed before it."
    ),
    fix="Add the underlying condition named in the 'code first' note and list it before the manifestation.",
)
def manifestation(b: Batch) -> pd.DataFrame:
    icd = require("medbill.codes.icd10cm", "release_names_for", "release", "latest")
    parts = [_none()]
    mce_list = _mce_manifestations()
    claims_n = np.bincount(b.dx_long["claim"].to_numpy(), minlength=len(b.claims))
    for name, dx, codes in _per_release(b):
        table = icd.release(name).table
        noted = _code_pairs(codes, _notes(name, "code_first"))
        title = (
            noted["code"].map(table["title"]).fillna("") + " " + noted["owner"].map(table["title"]).fillna("")
        )
        manif = set(noted.loc[title.str.contains("classified elsewhere", case=False), "code_id"])
        manif |= set(codes.loc[codes["code"].isin(mce_list), "code_id"])
        d = dx[dx["code_id"].isin(list(manif))]
        alone = claims_n[d["claim"].to_numpy()] == 1
        d = d[(d["pos"].to_numpy() == 1) | alone]
        where = np.where(claims_n[d["claim"].to_numpy()] == 1, "is the only diagnosis", "is listed first")
        message = (
            d["code"] + " is a manifestation code and " + where + "; code the underlying condition first"
        )
        parts.append(findings(d["claim"], -1, "dx" + d["pos"].astype(str), d["code"], message))
    return pd.concat(parts, ignore_index=True)


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
    parts = [_none()]
    for name, dx, codes in _per_release(b):
        pairs = _code_pairs(codes, _notes(name, "use_additional", combine=True).dropna(subset=["ref"]))
        m = _on_claims(dx, pairs)
        found = pd.Series((m["pos_b"] >= 0).to_numpy())
        satisfied = found.groupby(
            [m["claim"].to_numpy(), m["pos"].to_numpy(), m["note"].to_numpy()]
        ).transform("any")
        d = m[~satisfied.to_numpy()].drop_duplicates(["claim", "pos", "note"])
        # The message depends only on the code and the note: build it once per distinct pair.
        texts = d[["code_id", "note", "code", "owner", "text"]].drop_duplicates(["code_id", "note"])
        texts = texts.assign(
            message=texts["code"] + ": " + texts["text"] + " (note on " + texts["owner"] + ")"
        )
        d = d[["claim", "pos", "code", "code_id", "note"]].merge(
            texts[["code_id", "note", "message"]], on=["code_id", "note"]
        )
        parts.append(findings(d["claim"], -1, "dx" + d["pos"].astype(str), d["code"], d["message"]))
    return pd.concat(parts, ignore_index=True)
