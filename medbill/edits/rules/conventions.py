"""ICD-10-CM conventions read from the tabular itself: Excludes1 pairs, manifestation codes listed
first or alone, and "use additional code" reminders.

Notes apply to the code they sit on and everything below it, so a diagnosis matches a note when the
note's code is a prefix of the diagnosis (compact codes nest by prefix). Work is done once per
distinct code, then joined back to the claims.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from medbill.edits.engine import Batch, findings, rule
from medbill.edits.rules._util import Groups, require
from medbill.edits.rules.validity import icd_status
from medbill.exceptions import DataNotAvailable

_GUIDE = "ICD-10-CM Official Guidelines for Coding and Reporting"


def _prefixes(codes: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """(position in ``codes``, prefix) for every prefix of length 3..len(code) of each distinct code,
    shortest prefixes first (one short loop per distinct code, never per claim row)."""
    at = [i for n in range(3, 8) for i, c in enumerate(codes) if len(c) >= n]
    text = [c[:n] for n in range(3, 8) for c in codes if len(c) >= n]
    return np.asarray(at, dtype="int64"), np.asarray(text, dtype=object)


class _Notes:
    """Notes of one kind in one release as aligned arrays (note, owner, text, ref), grouped by owner."""

    def __init__(self, table: pd.DataFrame) -> None:
        self.note = table["note"].to_numpy(dtype="int64")
        self.owner = table["owner"].to_numpy(dtype=object)
        self.text = table["text"].to_numpy(dtype=object)
        self.ref = table["ref"].to_numpy(dtype=object)
        self.by_owner = Groups(self.owner)


_notes_memo: dict[tuple[int, str, bool, bool], _Notes] = {}


def _notes(name: str, kind: str, combine: bool = False, with_ref: bool = False) -> _Notes:
    """Notes of one kind in one release, one row per referenced code prefix (``ref``); with
    ``with_ref`` only the rows that name one.

    With ``combine``, all notes of that kind on one code form one ``note`` whose ``text`` joins
    theirs ("use additional code" lists alternatives as separate notes). Built once per release:
    every scrub call, even of one claim, reuses it.
    """
    icd = require("medbill.codes.icd10cm", "release_names_for", "release", "latest")
    release = icd.release(name)
    key = (id(release), kind, combine, with_ref)
    if key not in _notes_memo:
        notes = release.notes_table
        n = notes[notes["kind"] == kind]
        owner = n["code"].astype(str)
        text = n["text"].astype(str)
        if combine:
            text = owner.map(text.groupby(owner).agg("; ".join))
        n = pd.DataFrame(
            {
                "owner": pd.Series(owner.to_numpy(dtype=object), dtype=object),
                "text": pd.Series(text.to_numpy(dtype=object), dtype=object),
                "ref": pd.Series(n["refs"].to_numpy(dtype=object), dtype=object),
            }
        )
        n["note"] = pd.factorize(n["owner"] if combine else pd.Series(np.arange(len(n))))[0]
        n = n.explode("ref")
        n = n[["note", "owner", "text", "ref"]].drop_duplicates(["note", "ref"])
        _notes_memo[key] = _Notes(n.dropna(subset=["ref"]) if with_ref else n)
    return _notes_memo[key]


def _per_release(b: Batch) -> list[tuple[str, pd.DataFrame, pd.DataFrame]]:
    """(release name, that release's valid diagnoses, their distinct codes) for each ICD release in
    use; computed once per batch for the three convention rules."""
    if "icd_per_release" not in b.memo:
        dx = icd_status(b)
        dx = dx[dx["status"].eq("ok")]
        found = []
        for name in dx["release"].dropna().unique():
            rows = dx[dx["release"] == name]
            ids = np.unique(rows["code_id"].to_numpy())
            found.append((name, rows, pd.DataFrame({"code": b.dx_vocab[ids].astype(str), "code_id": ids})))
        b.memo["icd_per_release"] = found
    return b.memo["icd_per_release"]


_titles_memo: dict[int, dict[str, str]] = {}


def _titles(release) -> dict[str, str]:
    """Code -> title of one release ("" when it has none), built once per release."""
    key = id(release)
    if key not in _titles_memo:
        titles = release.table["title"].fillna("")
        _titles_memo[key] = dict(zip(titles.index.astype(str), titles.astype(str), strict=True))
    return _titles_memo[key]


_ELSEWHERE = re.compile("classified elsewhere", flags=re.IGNORECASE)


def _code_pairs(codes: pd.DataFrame, notes: _Notes) -> pd.DataFrame:
    """Per distinct code: the notes over it (code_id, note, owner, text, ref) and, where the note's
    reference matches another distinct code of the batch, that code (``code_id_b``, else -1).

    Rows come in the order a chain of pandas merges would give: prefix length, then code, then note,
    then referenced code (rules that keep the first of duplicates depend on it).
    """
    code = codes["code"].to_numpy(dtype=object)
    code_id = codes["code_id"].to_numpy(dtype="int64")
    pre_at, pre_text = _prefixes(list(code))
    pre, note = notes.by_owner.expand(pre_text)
    ref = notes.ref[note]
    at, other = Groups(pre_text).expand(ref, keep_unmatched=True)
    pre, note = pre[at], note[at]
    owner_code = pre_at[pre]
    return pd.DataFrame(
        {
            "code": pd.Series(code[owner_code], dtype=object),
            "code_id": code_id[owner_code],
            "note": notes.note[note],
            "owner": pd.Series(notes.owner[note], dtype=object),
            "text": pd.Series(notes.text[note], dtype=object),
            "ref": pd.Series(ref[at], dtype=object),
            "code_id_b": np.where(other >= 0, code_id[pre_at[np.maximum(other, 0)]], -1).astype("int64"),
        }
    )


def _on_claims(dx: pd.DataFrame, pairs: pd.DataFrame) -> pd.DataFrame:
    """Claim diagnoses under each note, with ``pos_b``: the slot of the claim's diagnosis the note
    refers to, or -1 when the claim has none."""
    claim, pos, code_id = dx["claim"].to_numpy(), dx["pos"].to_numpy(), dx["code_id"].to_numpy()
    row, pair = Groups(pairs["code_id"].to_numpy()).expand(code_id)
    # The referenced code on the same claim: one key per (claim, code id), -1 when there is none.
    width = int(max(code_id.max(), 0)) + 1 if len(dx) else 1
    b = pairs["code_id_b"].to_numpy()[pair]
    wanted = np.where(b >= 0, claim[row] * width + b, -1)
    at, other = Groups(claim * width + code_id).expand(wanted, keep_unmatched=True)
    row, pair = row[at], pair[at]
    pos_b = np.where(other >= 0, pos[np.maximum(other, 0)], -1).astype("int64")
    keep = pos_b != pos[row]
    row, pair, pos_b = row[keep], pair[keep], pos_b[keep]

    def text(values: np.ndarray) -> pd.Series:
        # Object columns stay object: pandas would otherwise convert every string to Arrow.
        return pd.Series(values, dtype=object)

    return pd.DataFrame(
        {
            "claim": claim[row],
            "pos": pos[row],
            "code": text(dx["code"].to_numpy(dtype=object)[row]),
            "code_id": code_id[row],
            "note": pairs["note"].to_numpy()[pair],
            "owner": text(pairs["owner"].to_numpy(dtype=object)[pair]),
            "text": text(pairs["text"].to_numpy(dtype=object)[pair]),
            "ref": text(pairs["ref"].to_numpy(dtype=object)[pair]),
            "code_id_b": pairs["code_id_b"].to_numpy()[pair],
            "pos_b": pos_b,
        }
    )


def _first_of_each(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(group id per key in order of first appearance, position of each group's first key)."""
    ids = pd.factorize(keys)[0]
    return ids, np.unique(ids, return_index=True)[1]


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
        pairs = _code_pairs(codes, _notes(name, "excludes1", with_ref=True))
        m = _on_claims(dx, pairs[pairs["code_id_b"] >= 0])
        m = m[m["pos_b"] >= 0]
        if m.empty:
            continue
        # One finding per unordered pair of slots.
        lo, hi = np.minimum(m["pos"], m["pos_b"]), np.maximum(m["pos"], m["pos_b"])
        m = m.assign(lo=lo, hi=hi).drop_duplicates(["claim", "lo", "hi"])
        code_b = pd.Series(b.dx_vocab[m["code_id_b"].to_numpy()], index=m.index, dtype=object)
        message = (
            m["code"] + " has an Excludes1 note for " + code_b + " (on " + m["owner"] + ": " + m["text"] + ")"
        )
        parts.append(findings(m["claim"], -1, "dx" + m["pos_b"].astype(str), code_b, message))
    return pd.concat(parts, ignore_index=True)


_mce_memo: dict[tuple[tuple[str, str], ...], set[str]] = {}


def _mce_manifestations() -> set[str]:
    """Codes on the MCE 'manifestation not allowed as principal' list, when an MCE release is installed
    (built once per set of installed releases)."""
    from medbill.edits import mce

    try:
        releases = mce.load()
    except DataNotAvailable:
        return set()
    key = tuple((p.release, p.sha256) for p, _ in releases)
    if key not in _mce_memo:
        _mce_memo[key] = {
            c for _, t in releases for c in t.loc[t["edit"] == "Principal_Manifestation", "code"]
        }
    return _mce_memo[key]


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
        titles = _titles(icd.release(name))
        noted = _code_pairs(codes, _notes(name, "code_first"))
        elsewhere = [
            _ELSEWHERE.search(titles.get(c, "") + " " + titles.get(o, "")) is not None
            for c, o in zip(noted["code"], noted["owner"], strict=True)
        ]
        manif = set(noted.loc[np.asarray(elsewhere, dtype=bool), "code_id"])
        on_list = [c in mce_list for c in codes["code"]]
        manif |= set(codes.loc[np.asarray(on_list, dtype=bool), "code_id"])
        d = dx[dx["code_id"].isin(list(manif))]
        alone = claims_n[d["claim"].to_numpy()] == 1
        d = d[(d["pos"].to_numpy() == 1) | alone]
        if d.empty:
            continue
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
        pairs = _code_pairs(codes, _notes(name, "use_additional", combine=True, with_ref=True))
        m = _on_claims(dx, pairs)
        claim, pos, note = m["claim"].to_numpy(), m["pos"].to_numpy(), m["note"].to_numpy()
        notes_n = int(note.max()) + 1 if len(note) else 1
        # One group per (claim, slot, note): satisfied when any code the note names is on the claim.
        group, group_first = _first_of_each((claim * 13 + pos) * notes_n + note)
        satisfied = np.bincount(group, weights=(m["pos_b"] >= 0).to_numpy(), minlength=len(group_first))
        first = np.zeros(len(group), dtype=bool)
        first[group_first] = True
        d = m[(satisfied[group] == 0) & first]
        # The message depends only on the code and the note: build it once per distinct pair.
        pair, firsts = _first_of_each(d["code_id"].to_numpy() * notes_n + d["note"].to_numpy())
        code = d["code"].to_numpy(dtype=object)
        texts = (
            code[firsts]
            + ": "
            + d["text"].to_numpy(dtype=object)[firsts]
            + " (note on "
            + d["owner"].to_numpy(dtype=object)[firsts]
            + ")"
        )
        field = np.char.add("dx", d["pos"].to_numpy().astype(str))
        parts.append(findings(d["claim"], -1, field, code, texts[pair]))
    return pd.concat(parts, ignore_index=True)
