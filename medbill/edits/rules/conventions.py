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

from medbill.edits.engine import Batch, dx_fields, findings, no_findings, rule
from medbill.edits.rules._util import Groups, display_codes
from medbill.edits.rules.validity import DxStatus, icd_status, skip_uncovered
from medbill.exceptions import DataNotAvailable
from medbill.refdata import coverage, icd10cm, mce
from medbill.refdata.icd10cm._release import owner_display

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
    release = icd10cm.release(name)
    key = (id(release), kind, combine, with_ref)
    if key not in _notes_memo:
        n = pd.DataFrame(release.notes_of_kind(kind), columns=["owner", "text", "ref"], dtype=object)
        if combine:
            n["text"] = n["owner"].map(n["text"].groupby(n["owner"], sort=False).agg(join_notes))
        n["note"] = pd.factorize(n["owner"] if combine else pd.Series(np.arange(len(n))))[0]
        n = n.explode("ref")
        n = n[["note", "owner", "text", "ref"]].drop_duplicates(["note", "ref"])
        _notes_memo[key] = _Notes(n.dropna(subset=["ref"]) if with_ref else n)
    return _notes_memo[key]


def join_notes(texts: pd.Series | list[str]) -> str:
    """Notes of one kind on one code as one text: a note ending in ":" introduces the ones after it
    ("code to identify control using: insulin (Z79.4); oral antidiabetic drugs (Z79.84)")."""
    out = ""
    for text in texts:
        out += text if not out else (" " if out.endswith(":") else "; ") + text
    return out


def _per_release(b: Batch) -> list[tuple[str, DxStatus, np.ndarray, np.ndarray]]:
    """(release name, that release's valid diagnoses, their distinct codes and code ids) for each ICD
    release in use; computed once per batch for the three convention rules. Records the running rule
    as skipped for claims whose date no release covers."""
    skip_uncovered(b)
    if "icd_per_release" not in b.memo:
        dx = icd_status(b)
        dx = dx.take(dx.status == "ok")
        found = []
        for name in pd.unique(dx.release):
            rows = dx.take(dx.release == name)
            ids = np.unique(rows.code_id)
            found.append((name, rows, b.dx_vocab[ids], ids))
        b.memo["icd_per_release"] = found
    return b.memo["icd_per_release"]


_ELSEWHERE = re.compile("classified elsewhere", flags=re.IGNORECASE)


def _code_pairs(code: np.ndarray, code_id: np.ndarray, notes: _Notes) -> dict[str, np.ndarray]:
    """Per distinct code (``code``, ``code_id``): the notes over it (code_id, note, owner, text, ref)
    and, where the note's reference matches another distinct code of the batch, that code
    (``code_id_b``, else -1), as aligned arrays.

    Rows come in the order a chain of pandas merges would give: prefix length, then code, then note,
    then referenced code (rules that keep the first of duplicates depend on it).
    """
    pre_at, pre_text = _prefixes(list(code))
    pre, note = notes.by_owner.expand(pre_text)
    ref = notes.ref[note]
    at, other = Groups(pre_text).expand(ref, keep_unmatched=True)
    pre, note = pre[at], note[at]
    owner_code = pre_at[pre]
    return {
        "code": code[owner_code],
        "code_id": code_id[owner_code],
        "note": notes.note[note],
        "owner": notes.owner[note],
        "text": notes.text[note],
        "ref": ref[at],
        "code_id_b": np.where(other >= 0, code_id[pre_at[np.maximum(other, 0)]], -1).astype("int64"),
    }


def _take(columns: dict[str, np.ndarray], rows: np.ndarray) -> dict[str, np.ndarray]:
    return {k: v[rows] for k, v in columns.items()}


def _on_claims(dx: DxStatus, pairs: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Claim diagnoses under each note, with ``pos_b``: the slot of the claim's diagnosis the note
    refers to, or -1 when the claim has none."""
    claim, pos, code_id = dx.claim, dx.pos, dx.code_id
    row, pair = Groups(pairs["code_id"]).expand(code_id)
    # The referenced code on the same claim: one key per (claim, code id), -1 when there is none.
    width = int(max(code_id.max(), 0)) + 1 if len(code_id) else 1
    b = pairs["code_id_b"][pair]
    wanted = np.where(b >= 0, claim[row] * width + b, -1)
    at, other = Groups(claim * width + code_id).expand(wanted, keep_unmatched=True)
    row, pair = row[at], pair[at]
    pos_b = np.where(other >= 0, pos[np.maximum(other, 0)], -1).astype("int64")
    keep = pos_b != pos[row]
    row, pair, pos_b = row[keep], pair[keep], pos_b[keep]
    on = _take(pairs, pair)
    on.update(claim=claim[row], pos=pos[row], code=dx.code[row], code_id=code_id[row], pos_b=pos_b)
    return on


def _first_of_each(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(group id per key in order of first appearance, position of each group's first key)."""
    ids = pd.factorize(keys)[0]
    return ids, np.unique(ids, return_index=True)[1]


@rule(
    "ICD-EXCLUDES1",
    title="Excludes1 pair on the same claim",
    category="conventions",
    severity="error",
    reference=f"{_GUIDE} I.A.12.a (Excludes1: not coded together, except when the two conditions are unrelated)",
    explanation=(
        "An Excludes1 note, written on the code or on its subcategory, category, section or chapter, means the "
        "excluded condition is not coded with the noted one. The exception (I.A.12.a): when the two conditions "
        "are unrelated to each other, both are reported. The finding stays an error until that is established: "
        "query the provider when the record does not say."
    ),
    fix=(
        "Keep the code the documentation supports; if the two conditions may be unrelated, query the provider "
        "and report both once the record confirms it."
    ),
)
def excludes1(b: Batch) -> pd.DataFrame:
    parts = [no_findings()]
    for name, dx, code, code_id in _per_release(b):
        # The release decides which pairs conflict (notes inherited up to the chapter); here they are
        # only joined onto the claims that hold both codes.
        conflicts = icd10cm.release(name).excludes1_conflicts(code.tolist())
        if not conflicts:
            continue
        id_of = dict(zip(code.tolist(), code_id.tolist(), strict=True))
        pairs = {
            "code": np.array([c.code for c in conflicts], dtype=object),
            "code_id": np.array([id_of[c.code] for c in conflicts], dtype="int64"),
            "note": np.arange(len(conflicts), dtype="int64"),
            "text": np.array([c.describe() for c in conflicts], dtype=object),
            "code_id_b": np.array([id_of[c.excluded] for c in conflicts], dtype="int64"),
        }
        m = _on_claims(dx, pairs)
        m = _take(m, m["pos_b"] >= 0)
        if not len(m["claim"]):
            continue
        # One finding per unordered pair of slots.
        lo, hi = np.minimum(m["pos"], m["pos_b"]), np.maximum(m["pos"], m["pos_b"])
        m = _take(m, _first_of_each((m["claim"] * 13 + lo) * 13 + hi)[1])
        code_b = display_codes(b.dx_vocab[m["code_id_b"]])
        parts.append(findings(m["claim"], -1, dx_fields(m["pos_b"]), code_b, m["text"]))
    return pd.concat(parts, ignore_index=True)


_mce_memo: dict[tuple[str, str], frozenset[str]] = {}


def _mce_manifestation(b: Batch, dx: DxStatus) -> np.ndarray:
    """Bool per diagnosis: on the MCE 'manifestation not allowed as principal' list of the MCE
    release in effect on its claim's date (False where none is installed or none covers it)."""
    try:
        releases = mce.load()
    except DataNotAvailable:
        return np.zeros(len(dx.code), dtype=bool)
    which = coverage.in_effect_many([p for p, _ in releases], dx.dos)
    out = np.zeros(len(dx.code), dtype=bool)
    for i in np.unique(which[which >= 0]):
        prov, table = releases[i]
        key = (prov.release, prov.sha256)
        if key not in _mce_memo:
            _mce_memo[key] = frozenset(table.loc[table["edit"] == "Principal_Manifestation", "code"])
        rows = which == i
        out[rows] = [c in _mce_memo[key] for c in dx.code[rows]]
    return out


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
    parts = [no_findings()]
    claims_n = np.bincount(b.dx_long["claim"].to_numpy(), minlength=len(b.claim_values["claim_id"]))
    for name, dx, code, code_id in _per_release(b):
        release = icd10cm.release(name)
        noted = _code_pairs(code, code_id, _notes(name, "code_first"))
        elsewhere = [
            _ELSEWHERE.search(release.title_of(c) + " " + release.title_of(o)) is not None
            for c, o in zip(noted["code"], noted["owner"], strict=True)
        ]
        manif = set(noted["code_id"][np.asarray(elsewhere, dtype=bool)])
        listed = _mce_manifestation(b, dx)
        if not manif and not listed.any():
            continue
        alone = claims_n[dx.claim] == 1
        d = dx.take((np.isin(dx.code_id, list(manif)) | listed) & ((dx.pos == 1) | alone))
        if not len(d.code):
            continue
        where = np.where(claims_n[d.claim] == 1, "is the only diagnosis", "is listed first").astype(object)
        shown = display_codes(d.code)
        message = shown + " is a manifestation code and " + where + "; code the underlying condition first"
        parts.append(findings(d.claim, -1, d.field, shown, message))
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
    parts = [no_findings()]
    for name, dx, code, code_id in _per_release(b):
        pairs = _code_pairs(code, code_id, _notes(name, "use_additional", combine=True, with_ref=True))
        if not len(pairs["note"]):
            continue
        m = _on_claims(dx, pairs)
        claim, pos, note = m["claim"], m["pos"], m["note"]
        notes_n = int(note.max()) + 1 if len(note) else 1
        # One group per (claim, slot, note): satisfied when any code the note names is on the claim.
        group, group_first = _first_of_each((claim * 13 + pos) * notes_n + note)
        satisfied = np.bincount(group, weights=m["pos_b"] >= 0, minlength=len(group_first))
        first = np.zeros(len(group), dtype=bool)
        first[group_first] = True
        d = _take(m, (satisfied[group] == 0) & first)
        if not len(d["claim"]):
            continue
        # The message depends only on the code and the note: build it once per distinct pair.
        pair, firsts = _first_of_each(d["code_id"] * notes_n + d["note"])
        owners = np.array([owner_display(o) for o in d["owner"][firsts]], dtype=object)
        shown = display_codes(d["code"])
        texts = shown[firsts] + ": use additional " + d["text"][firsts] + " (note on " + owners + ")"
        field = dx_fields(d["pos"])
        parts.append(findings(d["claim"], -1, field, shown, texts[pair]))
    return pd.concat(parts, ignore_index=True)


# Codes the guidelines never let stand first: (compact code prefixes, what they are, the guideline).
NEVER_FIRST: tuple[tuple[tuple[str, ...], str, str], ...] = (
    (("V", "W", "X", "Y"), "an external cause code (V00-Y99)", "I.C.20"),
    (("Z68",), "a body mass index code (Z68)", "I.C.21.c.3"),
    (("Z3A",), "a weeks-of-gestation code (Z3A)", "I.A.13: Z3A's 'code first' note"),
    (("B95", "B96", "B97"), "an infectious agent code (B95-B97)", "I.C.1.b; the B95-B97 section note"),
)


@rule(
    "ICD-NOT-FIRST",
    title="Code that may not be first-listed",
    category="conventions",
    severity="error",
    reference=(
        f"{_GUIDE} I.C.20 (external causes V00-Y99 are never first-listed), I.C.21.c.3 (BMI Z68 only with an "
        "associated reportable diagnosis), I.A.13 (Z3A weeks of gestation: 'code first' the obstetric "
        "condition), I.C.1.b and the B95-B97 section note (supplementary codes for the organism)"
    ),
    explanation=(
        "External cause codes, BMI codes, weeks-of-gestation codes and the B95-B97 organism codes add detail to "
        "another diagnosis; listed first, the claim has no reason for the visit. Manifestation codes are checked "
        "by ICD-MANIFESTATION."
    ),
    fix="List the condition treated first and keep this code as an additional diagnosis.",
)
def not_first(b: Batch) -> pd.DataFrame:
    dx = icd_status(b)
    first = dx.take((dx.pos == 1) & (dx.status == "ok"))
    parts = [no_findings()]
    for prefixes, what, guideline in NEVER_FIRST:
        # decided once per distinct code, then spread to the claims
        listed = np.array([c.startswith(prefixes) for c in b.dx_vocab], dtype=bool)
        hit = first.take(listed[first.code_id])
        if len(hit.code):
            shown = display_codes(hit.code)
            message = shown + f" is {what} and may not be first-listed (Guidelines {guideline})"
            parts.append(findings(hit.claim, -1, hit.field, shown, message))
    return pd.concat(parts, ignore_index=True)


@rule(
    "MCE-PRINCIPAL",
    title="Code on the MCE 'unacceptable principal diagnosis' list listed first",
    category="conventions",
    severity="warning",
    reference="CMS Definitions of Medicare Code Edits, section 7 (unacceptable principal diagnosis)",
    explanation=(
        "The imported Medicare Code Editor lists codes that are not acceptable as the principal diagnosis. The "
        "MCE is an inpatient edit: some codes on it (Z00-Z04 examinations, Z23 vaccination) are the usual "
        "first-listed code of an office visit (Guidelines IV and I.C.21.c.16), so the finding is a warning."
    ),
    fix="For an inpatient or facility claim list the condition treated first; for an office visit check the Z-code guidelines.",
)
def mce_principal(b: Batch) -> pd.DataFrame:
    from medbill.edits.rules.age_sex import _mce_hits, _mce_pairs

    edits = ["Principal_Unacceptable"]
    row, entry, _ = _mce_pairs(b, edits)
    first = b.dx_long["pos"].to_numpy()[row] == 1
    if not first.any():
        return no_findings()
    hit = _mce_hits(b, edits, row[first], entry[first])
    # codes the guidelines never let stand first are ICD-NOT-FIRST's (an error, not a warning)
    hit = hit[~hit["code"].str.startswith(tuple(p for group, _, _ in NEVER_FIRST for p in group))]
    shown = display_codes(hit["code"])
    return findings(
        hit["claim"],
        -1,
        "dx1",
        shown,
        shown
        + " is on the MCE unacceptable principal diagnosis list ("
        + hit["mce"]
        + ") and is listed first",
    )
