"""Per-student progress files and the teacher's grade table."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from medbill.refdata.store import atomic_write_bytes
from medbill.teach.checker import CheckResult


class Progress:
    """Attempts of one student, saved as JSON after every attempt."""

    def __init__(self, student: str, path: str | Path) -> None:
        self.student = student
        self.path = Path(path)
        self.attempts: list[dict[str, object]] = []
        if self.path.exists():
            saved = json.loads(self.path.read_text())
            if saved.get("student") != student:
                raise ValueError(
                    f"{self.path} holds progress of {saved.get('student')!r}, not {student!r}; use one file per student."
                )
            self.attempts = saved["attempts"]

    def record(self, answer: list[str], result: CheckResult) -> None:
        self.attempts.append(
            {
                "exercise": result.exercise_id,
                "answer": answer,
                "score": result.score,
                "at": datetime.now(UTC).isoformat(timespec="seconds"),
            }
        )
        payload = {"student": self.student, "attempts": self.attempts}
        atomic_write_bytes(self.path, json.dumps(payload, indent=1).encode())

    def best(self) -> dict[str, float]:
        """Best score per exercise attempted."""
        out: dict[str, float] = {}
        for a in self.attempts:
            out[str(a["exercise"])] = max(out.get(str(a["exercise"]), 0.0), float(a["score"]))  # type: ignore[arg-type]
        return out


def collect_grades(paths: Iterable[str | Path]) -> pd.DataFrame:
    """One row per student, one column per exercise (best score), plus ``attempted`` and ``mean``."""
    rows = []
    for p in paths:
        saved = json.loads(Path(p).read_text())
        progress = Progress(saved["student"], p)
        rows.append({"student": saved["student"], **progress.best()})
    table = pd.DataFrame(rows).set_index("student").sort_index()
    exercise_cols = sorted(table.columns)
    table = table[exercise_cols]
    table["attempted"] = table.notna().sum(axis=1)
    table["mean"] = table[exercise_cols].mean(axis=1).round(3)
    return table
