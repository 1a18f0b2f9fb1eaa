"""Score an answer to an exercise and explain it from the code data.

Partial credit (each expected code is worth an equal share of 1.0):

============================================  ======
answer for an expected code                   credit
============================================  ======
the code, in its expected position            1.0
the code, in another position (sequencing)    0.75
same subcategory, other code                  0.5
same category, other code                     0.25
missing                                       0
============================================  ======

Then 0.1 is taken off for each code that is not expected at all and 0.25 for each Excludes1
conflict between the codes given; the score never goes below 0. Accepted alternatives are scored
the same way and the best total counts. Procedure answers (``99214-25``) are compared as a set:
code and modifiers 1.0, code with other modifiers 0.5, same code family (first four characters) 0.25.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Sequence

from medbill.exceptions import CodeError, DataNotAvailable
from medbill.refdata import icd10cm, modifiers
from medbill.teach.exercises import Exercise, exercise

EXTRA_PENALTY = 0.1
EXCLUDES1_PENALTY = 0.25
ORDINALS = ("first", "second", "third", "fourth", "fifth", "sixth")


@dataclasses.dataclass(frozen=True)
class CheckResult:
    exercise_id: str
    score: float  # 0..1
    feedback: tuple[str, ...]
    correct: bool

    def to_dict(self) -> dict[str, object]:
        return {
            "id": self.exercise_id,
            "score": self.score,
            "correct": self.correct,
            "feedback": list(self.feedback),
        }

    def _repr_html_(self) -> str:
        from html import escape

        items = "".join(f"<li>{escape(f)}</li>" for f in self.feedback)
        return f"<div><b>Score {self.score:.2f}</b><ul>{items}</ul></div>"


def _split(answer: str | Iterable[str]) -> list[str]:
    if isinstance(answer, str):
        return [a for a in re.split(r"[\s,;]+", answer) if a]
    return [str(a).strip() for a in answer if str(a).strip()]


def check(ex: Exercise | str, answer: str | Sequence[str]) -> CheckResult:
    """Score ``answer`` (codes in order, first-listed first) against an exercise."""
    ex = exercise(ex) if isinstance(ex, str) else ex
    given = _split(answer)
    if not given:
        return CheckResult(ex.id, 0.0, ("No codes were given.",), False)
    grade = _check_procedures if ex.kind == "procedure" else _check_diagnoses
    results = [grade(ex, expected, given) for expected in ex.accepted]
    score, feedback = max(results, key=lambda r: r[0])
    score = round(max(0.0, min(1.0, score)), 2)
    if score == 1.0:
        feedback = ["Correct: every code is right and in the right order.", *feedback]
    return CheckResult(ex.id, score, tuple(feedback), score == 1.0)


# --- diagnoses ---------------------------------------------------------------------------------


def _check_diagnoses(ex: Exercise, expected: Sequence[str], given: list[str]) -> tuple[float, list[str]]:
    release = icd10cm.for_date(ex.date_of_service)
    feedback: list[str] = []
    codes: list[str | None] = []
    for raw in given:
        try:
            codes.append(icd10cm.compact(raw))
        except CodeError:
            feedback.append(
                f"{raw!r} is not in ICD-10-CM format (a letter, two characters, then up to four more)."
            )
            codes.append(None)
    want = [icd10cm.compact(c) for c in expected]
    used: set[int] = set()
    credit = 0.0
    for pos, exp in enumerate(want):
        exact = [i for i, c in enumerate(codes) if c == exp and i not in used]
        if exact:
            i = exact[0]
            used.add(i)
            if i == pos:
                credit += 1.0
            else:
                credit += 0.75
                feedback.append(
                    f"{icd10cm.format(exp)} is right but belongs {ORDINALS[min(pos, 5)]}, not {ORDINALS[min(i, 5)]}: "
                    "check the sequencing instructions (code first / use additional code) and the guidelines."
                )
            continue
        near = [i for i, c in enumerate(codes) if c and i not in used and c[:3] == exp[:3]]
        if near:
            i = near[0]
            used.add(i)
            gained, text = _near_miss(release, ex, codes[i], exp)
            credit += gained
            feedback.append(text)
        else:
            feedback.append(f"Missing a code from {_describe_category(release, exp)}.")
    for i, c in enumerate(codes):
        if i in used or c is None:
            continue
        credit -= EXTRA_PENALTY * len(want)
        feedback.append(f"{_display(c)} is not expected here: {_why_not(release, ex, c)}")
    conflicts = _excludes1_conflicts(release, [c for c in codes if c])
    credit -= EXCLUDES1_PENALTY * len(conflicts) * len(want)
    feedback.extend(conflicts)
    return credit / len(want), feedback


def _display(code: str) -> str:
    try:
        return icd10cm.format(code)
    except CodeError:
        return code


def _near_miss(release: icd10cm.Release, ex: Exercise, got: str, exp: str) -> tuple[float, str]:
    """Credit and explanation for a code in the expected category that is not the expected code."""
    shown = _display(got)
    record = release.get(got)
    if record is None:
        return 0.25, f"{shown} is not a code in {release.name}: {_other_release_note(got, ex)}"
    if not record.billable:
        if _requires_7th(release, got):
            return 0.5 if exp.startswith(got) else 0.25, (
                f"{shown} is missing characters: this code needs a 7th character (for example A initial, "
                f"D subsequent, S sequela) and X placeholders where it is shorter than six; see the 7th-character note."
            )
        return 0.25 if got[:4] != exp[:4] else 0.5, (
            f"{shown} ({record.title}) is a header, not billable: go further, look at {_display(exp[: len(got) + 1])}-."
        )
    same_sub = got[:4] == exp[:4]
    hint_prefix = exp[: _common_prefix_len(got, exp) + 1]
    return 0.5 if same_sub else 0.25, (
        f"{shown} ({record.title}) is valid but the scenario documents more: look at {_display(hint_prefix)}-."
    )


def _common_prefix_len(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


def _requires_7th(release: icd10cm.Release, code: str) -> bool:
    table = release.table
    return bool(code in table.index and table.at[code, "requires_7th"])


def _describe_category(release: icd10cm.Release, code: str) -> str:
    record = release.get(code[:3])
    return f"{code[:3]} ({record.title})" if record else f"category {code[:3]}"


def _other_release_note(code: str, ex: Exercise) -> str:
    for prov in icd10cm.releases():
        if prov.release == icd10cm.for_date(ex.date_of_service).name:
            continue
        try:
            if icd10cm.release(prov.release).get(code) is not None:
                return f"it exists in {prov.release}, but the date of service is {ex.date_of_service}."
        except DataNotAvailable:
            continue
    return "check the tabular list for this category."


def _why_not(release: icd10cm.Release, ex: Exercise, code: str) -> str:
    record = release.get(code)
    if record is None:
        return f"it is not valid on {ex.date_of_service} ({_other_release_note(code, ex)})"
    if not record.billable:
        return f"{record.title} is a header, not a billable code."
    return f"{record.title} is not documented in the scenario."


def _excludes1_conflicts(release: icd10cm.Release, codes: list[str]) -> list[str]:
    # the release's one Excludes1 rule, shared with the scrubber (codes not in the release are
    # already explained as not valid on the date)
    return [f"Excludes1 conflict: {c.describe()}" for c in release.excludes1_conflicts(codes)]


# --- procedures --------------------------------------------------------------------------------


def _parse_procedure(text: str) -> tuple[str, frozenset[str]]:
    code, *mods = text.strip().upper().split("-")
    return code, frozenset(m for m in mods if m)


def _check_procedures(ex: Exercise, expected: Sequence[str], given: list[str]) -> tuple[float, list[str]]:
    want = [_parse_procedure(e) for e in expected]
    got = [_parse_procedure(g) for g in given]
    feedback: list[str] = []
    used: set[int] = set()
    credit = 0.0
    for code, mods in want:
        same = [i for i, (c, _) in enumerate(got) if c == code and i not in used]
        if same:
            i = same[0]
            used.add(i)
            if got[i][1] == mods:
                credit += 1.0
                continue
            credit += 0.5
            for m in sorted(mods - got[i][1]):
                feedback.append(f"{code} needs modifier {m}: {_modifier_meaning(m)}")
            for m in sorted(got[i][1] - mods):
                feedback.append(f"{code} should not carry modifier {m}: {_modifier_meaning(m)}")
            continue
        family = [i for i, (c, _) in enumerate(got) if c[:4] == code[:4] and i not in used]
        if family:
            i = family[0]
            used.add(i)
            credit += 0.25
            feedback.append(
                f"{got[i][0]} is in the right code family but not the right code: re-read the scenario."
            )
        else:
            feedback.append(f"A procedure is missing: {len(want)} service(s) were performed.")
    for i, (c, _) in enumerate(got):
        if i not in used:
            credit -= EXTRA_PENALTY * len(want)
            feedback.append(f"{c} is not supported by the scenario.")
    return credit / len(want), feedback


def _modifier_meaning(mod: str) -> str:
    record = modifiers.get(mod)
    return record.meaning if record is not None else "not a known modifier"
