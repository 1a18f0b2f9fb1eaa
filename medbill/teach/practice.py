"""Timed practice in the CPC style: a fixed set of exercises, a time limit, a score at the end.

The clock is data: ``started`` and every ``at`` are passed in, so a session can be replayed and
tested. An answer given after the limit is recorded and scores 0.
"""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Sequence
from datetime import datetime, timedelta

from medbill.teach.checker import CheckResult, Finding, check
from medbill.teach.exercises import Bank, Exercise


@dataclasses.dataclass
class Practice:
    exercises: tuple[Exercise, ...]
    started: datetime
    minutes: float
    results: dict[str, CheckResult] = dataclasses.field(default_factory=dict)

    @classmethod
    def start(
        cls,
        bank: Bank,
        *,
        started: datetime,
        minutes: float,
        count: int | None = None,
        tags: Sequence[str] = (),
        difficulty: str | None = None,
        seed: int = 0,
    ) -> Practice:
        """Pick ``count`` exercises (all that match when None) with any of ``tags`` and the given
        difficulty; ``seed`` makes the pick repeatable."""
        pool = [
            e
            for e in bank
            if (not tags or set(tags) & set(e.tags)) and (difficulty is None or e.difficulty == difficulty)
        ]
        if not pool:
            raise ValueError(
                f"No exercise in bank {bank.name!r} has tags {list(tags)} and difficulty {difficulty}."
            )
        chosen = random.Random(seed).sample(pool, min(count or len(pool), len(pool)))
        return cls(tuple(chosen), started, minutes)

    @property
    def deadline(self) -> datetime:
        return self.started + timedelta(minutes=self.minutes)

    def submit(self, exercise_id: str, answer: str | Sequence[str], at: datetime) -> CheckResult:
        """Score one answer given at ``at``; the last answer to an exercise counts."""
        ex = next((e for e in self.exercises if e.id == exercise_id), None)
        if ex is None:
            raise KeyError(f"{exercise_id!r} is not in this practice set: {[e.id for e in self.exercises]}")
        result = check(ex, answer)
        if at > self.deadline:
            late = Finding(
                "late",
                "",
                f"Answered at {at:%H:%M}, after the limit of {self.deadline:%H:%M} "
                "(timed practice: an answer after the limit scores 0).",
            )
            result = CheckResult(ex.id, 0.0, (late, *result.findings), False, 0.0)
        self.results[ex.id] = result
        return result

    def summary(self) -> dict[str, float]:
        """Questions, answered, correct, points earned and possible, and the percent score."""
        possible = sum(e.points for e in self.exercises)
        points = sum(r.points for r in self.results.values())
        return {
            "questions": len(self.exercises),
            "answered": len(self.results),
            "correct": sum(r.correct for r in self.results.values()),
            "points": round(points, 2),
            "possible": possible,
            "percent": round(100 * points / possible, 1) if possible else 0.0,
        }
