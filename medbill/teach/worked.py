"""Grading worked problems (:mod:`medbill.teach.questions`): each question right or wrong, with
the kind of error, the question's teaching note and the rule's citation, never the right value."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from medbill.exceptions import CodeError
from medbill.teach.checker import KINDS, CheckResult, Finding
from medbill.teach.exercises import Exercise, answer_key
from medbill.teach.questions import Question, canonical, close_enough, near_values, split_named

# The error kind of a wrong answer, by exercise kind and question type.
_KIND_BY_TYPE = {"adjustment": "adjustment_reason", "rarc": "remark_meaning", "action": "denial_action"}
_KIND_BY_EXERCISE = {
    "remittance": "remit_amount",
    "denial": "correction",
    "pricing": "price",
    "kpi": "kpi_value",
}

Given = str | Sequence[str] | Mapping[str, Any]


def error_kind(ex: Exercise, q: Question) -> str:
    if q.type == "why":
        return "denial_action"
    return _KIND_BY_TYPE.get(q.type) or _KIND_BY_EXERCISE[ex.kind]


def _say(kind: str, label: str, text: str) -> Finding:
    return Finding(kind, label, f"{text.rstrip('. ')} ({KINDS[kind][1]}).")


def question_key(ex: Exercise, q: Question, value: str) -> str:
    """The hash a student copy keeps for one question's canonical answer."""
    return answer_key(f"{ex.id}/{q.name}", [value])


def grade_worked(ex: Exercise, answer: Given) -> CheckResult:
    """Score every question of a worked problem (an instructor's bank, or a student copy's hashes)."""
    given, problems = split_named(ex.questions, answer)
    main_kind = _KIND_BY_EXERCISE[ex.kind]
    findings = [_say(main_kind, "", f"Not read: {p}") for p in problems]
    credit = 0.0
    for q in ex.questions:
        gained, found = _grade_one(ex, q, given.get(q.name))
        credit += gained
        findings += found
    score = round(credit / len(ex.questions), 2)
    if problems:
        score = round(max(0.0, score - 0.1 * len(problems)), 2)
    return CheckResult(ex.id, score, tuple(findings), score == 1.0, round(score * ex.points, 2))


def _grade_one(ex: Exercise, q: Question, text: str | None) -> tuple[float, list[Finding]]:
    kind = error_kind(ex, q)
    if text is None:
        return 0.0, [_say(kind, "", f"{q.name}: no answer given")]
    try:
        value = canonical(q, text)
    except CodeError as exc:
        return 0.0, [_say(kind, text, f"{q.name}: {exc}")]
    if q.answer is None:  # a student copy: only the hash can say "right"
        if any(question_key(ex, q, v) == q.key for v in near_values(q, value)):
            return 1.0, []
        note = "not yet (this copy holds no answers; your instructor's grading explains each error)"
        return 0.0, [_say(kind, text, f"{q.name}: {note}")]
    if close_enough(q, value, q.answer):
        return 1.0, []
    if value in q.mistakes:
        return 0.0, [_say(kind, text, f"{q.name}: {q.mistakes[value]}")]
    if q.type == "adjustment":
        return _adjustment_half(kind, q, text, value)
    if q.type in ("diagnosis", "procedure"):
        text_why = f"{text} does not fix what the payer denied: re-read the remark code and the claim"
    else:
        text_why = f"{text} is not right"
    return 0.0, [_say(kind, text, f"{q.name}: {text_why}. {q.explain}".rstrip())]


def _adjustment_half(kind: str, q: Question, text: str, value: str) -> tuple[float, list[Finding]]:
    """Half credit when the group code or the CARC is right, with what each one says."""
    assert q.answer is not None
    (group, carc), (want_group, want_carc) = value.split("-"), q.answer.split("-")
    if carc == want_carc:
        why = (
            f"the reason code is right but the group is not: the group says who bears the amount "
            f"(CO the provider, PR the patient, OA/PI neither by contract). {q.explain}"
        )
        return 0.5, [_say(kind, text, f"{q.name}: {text}: {why}".rstrip())]
    if group == want_group:
        why = f"the group is right but the reason code (CARC) is not. {q.explain}"
        return 0.5, [_say(kind, text, f"{q.name}: {text}: {why}".rstrip())]
    return 0.0, [_say(kind, text, f"{q.name}: {text} is not right. {q.explain}".rstrip())]
