"""Multiple-choice questions and timed practice, with the clock passed in."""

from __future__ import annotations

from datetime import datetime

import pytest

from medbill.teach import check, exercise, load_bank
from medbill.teach.practice import Practice

START = datetime(2026, 3, 2, 9, 0)


@pytest.mark.parametrize(
    ("ex_id", "answer", "correct"),
    [
        ("cpc-01", "B", True),  # one right option
        ("cpc-01", "b)", True),  # written as on paper
        ("cpc-06", "C B", True),  # choose all that apply, any order
        ("cpc-06", "B", False),  # one of two
        ("cpc-04", "C D", False),  # a wrong option added to the right one
    ],
)
def test_multiple_choice_is_all_or_nothing(ex_id: str, answer: str, correct: bool) -> None:
    result = check(ex_id, answer)
    assert result.correct is correct and result.score == (1.0 if correct else 0.0)


def test_every_option_of_every_question_has_a_rationale() -> None:
    questions = [e for e in load_bank() if e.kind == "choice"]
    assert len(questions) >= 5
    assert all(o.rationale for q in questions for o in q.options.values())


def test_timed_practice_scores_late_answers_zero() -> None:
    practice = Practice.start(load_bank(), started=START, minutes=10, tags=["timed"], seed=1)
    assert {e.kind for e in practice.exercises} == {"choice"}
    first, second = practice.exercises[:2]
    right = " ".join(first.expected)
    assert practice.submit(first.id, right, at=datetime(2026, 3, 2, 9, 5)).correct
    late = practice.submit(second.id, " ".join(second.expected), at=datetime(2026, 3, 2, 9, 11))
    assert not late.correct and late.kinds[0] == "late" and "after the limit of 09:10" in late.feedback[0]
    summary = practice.summary()
    assert summary["answered"] == 2 and summary["correct"] == 1
    assert summary["percent"] == round(100 / len(practice.exercises), 1)


def test_the_same_seed_picks_the_same_set() -> None:
    bank = load_bank()
    a = Practice.start(bank, started=START, minutes=30, count=5, seed=7)
    b = Practice.start(bank, started=START, minutes=30, count=5, seed=7)
    assert [e.id for e in a.exercises] == [e.id for e in b.exercises] and len(a.exercises) == 5
    with pytest.raises(KeyError, match="not in this practice set"):
        a.submit(next(e.id for e in bank if e not in a.exercises), "A", at=START)


def test_a_filter_that_matches_nothing_says_so() -> None:
    with pytest.raises(ValueError, match="No exercise"):
        Practice.start(load_bank(), started=START, minutes=5, tags=["no-such-tag"])
    assert exercise("cpc-02").options["C"].text.startswith("Report only")
