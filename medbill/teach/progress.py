"""Per-student progress files, signed, and the instructor's gradebook.

A progress file holds the student's answers. With a key (bytes the instructor holds, for example
from ``medbill teach key``), the file carries an HMAC-SHA256 signature over its content and
reading it with the same key refuses a file edited by hand. Grades never trust a stored score:
:func:`collect_grades` checks every recorded answer again against the instructor's bank, and an
exercise a student never attempted counts 0.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from medbill.exceptions import MedbillError
from medbill.refdata.store import atomic_write_bytes
from medbill.teach.checker import CheckResult, check
from medbill.teach.exercises import Bank, default_bank


class ProgressError(MedbillError, ValueError):
    """A progress file that is unreadable, someone else's, or fails its signature check."""

    message = "The progress file cannot be used."


def new_key() -> str:
    """A fresh signing key (hex) for an instructor to keep and hand to the lab machines' widgets."""
    return secrets.token_hex(32)


def _sign(key: bytes, student: str, attempts: list[dict[str, object]]) -> str:
    body = json.dumps({"student": student, "attempts": attempts}, sort_keys=True).encode()
    return hmac.new(key, body, hashlib.sha256).hexdigest()


def _key(key: str | bytes | None) -> bytes | None:
    return key.encode() if isinstance(key, str) else key


class Progress:
    """Attempts of one student, saved as JSON after every attempt (signed when given a key)."""

    def __init__(self, student: str, path: str | Path, key: str | bytes | None = None) -> None:
        self.student = student
        self.path = Path(path)
        self.key = _key(key)
        self.attempts: list[dict[str, object]] = []
        if self.path.exists():
            saved = read_progress(self.path, self.key)
            if saved["student"] != student:
                raise ProgressError(
                    f"{self.path} holds progress of {saved['student']!r}, not {student!r}; use one file per student."
                )
            self.attempts = saved["attempts"]

    def record(self, answer: list[str], result: CheckResult, at: datetime | None = None) -> None:
        self.attempts.append(
            {
                "exercise": result.exercise_id,
                "answer": list(answer),
                "score": result.score,
                "at": (at or datetime.now(UTC)).isoformat(timespec="seconds"),
            }
        )
        payload: dict[str, object] = {"student": self.student, "attempts": self.attempts}
        if self.key is not None:
            payload["signature"] = _sign(self.key, self.student, self.attempts)
        atomic_write_bytes(self.path, json.dumps(payload, indent=1).encode())

    def best(self) -> dict[str, float]:
        """Best stored score per exercise attempted (for the student's own view)."""
        out: dict[str, float] = {}
        for a in self.attempts:
            ex_id = str(a["exercise"])
            out[ex_id] = max(out.get(ex_id, 0.0), float(a["score"]))  # type: ignore[arg-type]
        return out


def read_progress(path: Path, key: bytes | None) -> dict:
    """The saved content; with ``key``, only when its signature matches (else ProgressError)."""
    try:
        saved = json.loads(path.read_text())
        student, attempts = str(saved["student"]), list(saved["attempts"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ProgressError(f"{path} is not a medbill progress file ({exc}).") from None
    if key is not None:
        signature = saved.get("signature")
        if not isinstance(signature, str) or not hmac.compare_digest(
            signature, _sign(key, student, attempts)
        ):
            raise ProgressError(
                f"{path} fails its signature check: it was edited outside medbill or signed with another "
                "key. Grade it only after asking the student."
            )
    return {"student": student, "attempts": attempts}


def collect_grades(
    paths: Iterable[str | Path], bank: Bank | None = None, key: str | bytes | None = None
) -> pd.DataFrame:
    """One row per student, one column per exercise of the bank: the best score of the answers
    recorded, checked again against ``bank`` (an unattempted exercise is 0); then ``attempted``,
    ``points`` (score x each exercise's points), ``possible`` and ``percent``."""
    bank = bank or default_bank()
    ids = [e.id for e in bank]
    rows = {}
    for p in paths:
        saved = read_progress(Path(p), _key(key))
        best = dict.fromkeys(ids, 0.0)
        attempted = set()
        for a in saved["attempts"]:
            ex_id = str(a["exercise"])
            if ex_id not in best:
                continue  # an exercise from another bank
            attempted.add(ex_id)
            best[ex_id] = max(best[ex_id], check(bank.get(ex_id), a["answer"]).score)
        rows[saved["student"]] = {**best, "attempted": len(attempted)}
    table = pd.DataFrame.from_dict(rows, orient="index", columns=[*ids, "attempted"]).sort_index()
    table.index.name = "student"
    weights = pd.Series({e.id: e.points for e in bank})
    table["points"] = table[ids].mul(weights).sum(axis=1).round(2)
    table["possible"] = float(weights.sum())
    table["percent"] = (100 * table["points"] / table["possible"]).round(1)
    return table


def gradebook_csv(grades: pd.DataFrame, bank: Bank | None = None, section: str = "") -> str:
    """The grade table as a CSV an LMS imports (Canvas/Moodle style): Student, ID, SIS User ID,
    Section, one points column per exercise named ``<id> (<points> pts)``, then the total."""
    bank = bank or default_bank()
    columns: dict[str, object] = {
        "Student": grades.index,
        "ID": grades.index,
        "SIS User ID": grades.index,
        "Section": section,
    }
    for e in bank:  # built as one frame: a column at a time fragments it (pandas warns)
        columns[f"{e.id} ({e.points:g} pts)"] = (grades[e.id] * e.points).round(2).to_numpy()
    total = f"medbill total ({grades['possible'].iloc[0]:g} pts)" if len(grades) else "medbill total"
    columns[total] = grades["points"].to_numpy()
    return pd.DataFrame(columns).to_csv(index=False)
