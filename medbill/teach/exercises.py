"""Exercise banks: a YAML file an instructor writes, read into :class:`Bank`.

The bank medbill ships (``medbill/_data/exercises.yaml``) is one such file. Layout::

    bank: my-course-spring           # a name for the bank
    exercises:
      - id: end-01                   # unique in the bank
        topic: diabetes and endocrine
        kind: diagnosis              # or procedure
        difficulty: easy             # easy | medium | hard
        points: 1
        tags: [combination codes]
        date_of_service: 2026-03-18
        scenario: |                  # what a coder gets: a note, an op note, a discharge summary
          ...
        answer:
          ordered: [E11.42]          # in this order, the first one first-listed
          any_order: [Z79.4]         # after the ordered ones, in any order
          optional: []               # neither credit nor penalty
        alternatives:                # other accepted answers, same layout
          - ordered: [...]
        rationale:                   # why each code (shown with the solutions)
          E11.42: ...
        distractors:                 # wrong codes a student is likely to give, with their kind
          G62.9: combination_split   # (see medbill.teach.checker.KINDS)
        hints: [...]

A plain list under ``answer`` means every code is ordered. A ``kind: choice`` exercise is a
CPC-style multiple-choice question: ``options`` maps letters to ``{text, rationale}`` and
``answer`` lists the right letters. The worked problems of walkthroughs 04-07 (kinds
``remittance``, ``denial``, ``pricing``, ``kpi``) have ``data`` (their inputs) and ``questions``
instead of ``answer``, each with its own answer (:mod:`medbill.teach.questions`). Procedure codes are written
``CODE[-MOD...][xUNITS]``; their order never matters. :func:`load_bank` checks the file against
the code data (every code valid on the exercise's date of service) and raises :class:`BankError`
listing every problem; :func:`student_copy` writes the bank without answers.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from collections.abc import Iterator, Mapping
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from medbill.exceptions import MedbillError
from medbill.refdata.store import lazy
from medbill.teach.questions import WORKED_KINDS, Question, read_question

KINDS = ("diagnosis", "procedure", "choice", *WORKED_KINDS)
DIFFICULTIES = ("easy", "medium", "hard")


class BankError(MedbillError, ValueError):
    """An exercise bank that cannot be used: every problem is listed, with the exercise id."""

    message = "The exercise bank has problems."


@dataclasses.dataclass(frozen=True)
class Answer:
    """An accepted answer: codes in a fixed order, codes in any order after them, optional codes."""

    ordered: tuple[str, ...]
    any_order: tuple[str, ...] = ()
    optional: tuple[str, ...] = ()

    @property
    def required(self) -> tuple[str, ...]:
        return (*self.ordered, *self.any_order)

    def to_dict(self) -> dict[str, list[str]]:
        return {
            "ordered": list(self.ordered),
            "any_order": list(self.any_order),
            "optional": list(self.optional),
        }


@dataclasses.dataclass(frozen=True)
class Option:
    """One option of a multiple-choice question; the rationale says why it is right or wrong."""

    text: str
    rationale: str = ""


@dataclasses.dataclass(frozen=True)
class Exercise:
    id: str
    topic: str
    kind: str  # one of KINDS
    date_of_service: date
    scenario: str
    answer: Answer | None  # None in a student copy
    alternatives: tuple[Answer, ...] = ()
    hints: tuple[str, ...] = ()
    rationale: Mapping[str, str] = dataclasses.field(default_factory=dict)
    distractors: Mapping[str, str] = dataclasses.field(default_factory=dict)
    points: float = 1.0
    difficulty: str = "medium"
    tags: tuple[str, ...] = ()
    answer_keys: tuple[str, ...] = ()  # hashes of the accepted answers (student copies keep only these)
    options: Mapping[str, Option] = dataclasses.field(default_factory=dict)  # kind "choice" only
    data: Mapping[str, Any] = dataclasses.field(default_factory=dict)  # worked problems: their inputs
    questions: tuple[Question, ...] = ()  # worked problems only

    @property
    def is_worked(self) -> bool:
        return self.kind in WORKED_KINDS

    @property
    def has_answer(self) -> bool:
        if self.is_worked:
            return all(q.answer is not None for q in self.questions)
        return self.answer is not None

    @property
    def expected(self) -> tuple[str, ...]:
        """The required codes of the expected answer (ordered ones first); for a worked problem,
        ``name=value`` per question (an answer :func:`medbill.teach.check` takes as it is)."""
        if self.is_worked:
            self._require_answers()
            return tuple(f"{q.name}={q.answer}" for q in self.questions)
        return self._need_answer().required

    @property
    def accepted(self) -> tuple[Answer, ...]:
        """The expected answer followed by every accepted alternative."""
        if self.is_worked:
            return (Answer(ordered=(), any_order=self.expected),)
        return (self._need_answer(), *self.alternatives)

    def _require_answers(self) -> None:
        if not self.has_answer:
            raise BankError(
                f"Exercise {self.id} is a student copy without its answer; check it with the "
                "instructor's bank (`medbill teach check --bank FILE`)."
            )

    def _need_answer(self) -> Answer:
        self._require_answers()
        assert self.answer is not None, "a worked problem keeps its answers in its questions"
        return self.answer

    def _hints_without_answers(self) -> list[str]:
        """Hints that name no accepted code or value (a student copy drops the others)."""
        if not self.has_answer:
            return list(self.hints)
        if self.is_worked:
            values = {str(q.answer).upper() for q in self.questions}
            return [h for h in self.hints if not values & set(re.findall(r"[\w.-]+", h.upper()))]
        codes = {c.upper() for a in self.accepted for c in (*a.required, *a.optional)}
        codes |= {c.replace(".", "") for c in codes}
        return [h for h in self.hints if not codes & {t.strip(".") for t in re.findall(r"[\w.]+", h.upper())}]

    def to_dict(self, solutions: bool = False) -> dict[str, object]:
        d: dict[str, object] = {
            "id": self.id,
            "topic": self.topic,
            "kind": self.kind,
            "difficulty": self.difficulty,
            "points": self.points,
            "tags": list(self.tags),
            "date_of_service": self.date_of_service.isoformat(),
            "scenario": self.scenario,
            "hints": list(self.hints) if solutions else self._hints_without_answers(),
        }
        if self.options:
            d["options"] = {
                k: {"text": o.text, "rationale": o.rationale} if solutions else o.text
                for k, o in self.options.items()
            }
        if self.is_worked:
            d["data"] = dict(self.data)
            d["questions"] = [self._question_dict(q, solutions) for q in self.questions]
            return d
        if solutions:
            d["answer"] = self._need_answer().to_dict()
            d["alternatives"] = [a.to_dict() for a in self.alternatives]
            d["rationale"] = dict(self.rationale)
            d["distractors"] = dict(self.distractors)
        else:
            d["answer_keys"] = list(self.answer_keys or _keys(self))
        return d

    def _question_dict(self, q: Question, solutions: bool) -> dict[str, object]:
        d = q.to_dict(solutions)
        if not solutions:
            from medbill.teach.worked import question_key

            d["key"] = q.key if q.answer is None else question_key(self, q, q.answer)
        return d


def answer_key(exercise_id: str, codes: Any) -> str:
    """A hash of one answer (order-free, canonical codes): lets a student copy say "correct"
    without holding the codes. Salted with the exercise id so equal answers hash apart."""
    canon = sorted(re.sub(r"[\s.]", "", str(c)).upper() for c in codes)
    return hashlib.sha256(f"{exercise_id}|{' '.join(canon)}".encode()).hexdigest()


def _keys(ex: Exercise) -> tuple[str, ...]:
    return tuple(answer_key(ex.id, a.required) for a in ex.accepted)


@dataclasses.dataclass(frozen=True)
class Bank:
    """Exercises in file order, by id."""

    name: str
    source: str
    items: Mapping[str, Exercise]

    def __iter__(self) -> Iterator[Exercise]:
        return iter(self.items.values())

    def __len__(self) -> int:
        return len(self.items)

    @property
    def has_answers(self) -> bool:
        return all(e.has_answer for e in self)

    def get(self, exercise_id: str) -> Exercise:
        try:
            return self.items[exercise_id]
        except KeyError:
            raise KeyError(
                f"No exercise {exercise_id!r} in bank {self.name!r} ({self.source}); run "
                f"`medbill teach list` for the {len(self)} known ids."
            ) from None

    @classmethod
    def from_yaml(cls, path: str | Path, validate: bool = True) -> Bank:
        """Read an instructor's bank; with ``validate``, check every code on its date (BankError)."""
        p = Path(path)
        try:
            text = p.read_text(encoding="utf-8")
        except OSError as exc:
            raise BankError(f"Cannot read exercise bank {p}: {exc.strerror}.") from None
        return cls.from_text(text, str(p), validate=validate)

    @classmethod
    def from_text(cls, text: str, source: str, validate: bool = True) -> Bank:
        try:
            raw = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise BankError(f"{source} is not valid YAML: {exc}") from None
        if not isinstance(raw, dict) or not isinstance(raw.get("exercises"), list):
            raise BankError(f"{source}: a bank is a mapping with 'bank' (its name) and an 'exercises' list.")
        problems: list[str] = []
        items: dict[str, Exercise] = {}
        for n, entry in enumerate(raw["exercises"], 1):
            try:
                ex = _exercise(entry)
            except (KeyError, TypeError, ValueError) as exc:
                problems.append(f"exercise #{n} ({_id_of(entry)}): {exc}")
                continue
            if ex.id in items:
                problems.append(f"exercise #{n}: id {ex.id!r} is used twice")
            items[ex.id] = ex
        bank = cls(str(raw.get("bank", Path(source).stem)), source, items)
        if validate and not problems:
            from medbill.teach.validate import validate_bank

            problems = [p.describe() for p in validate_bank(bank) if p.severity == "error"]
        if problems:
            raise BankError(f"{source}: {len(problems)} problem(s):\n  " + "\n  ".join(problems))
        return bank

    def to_yaml(self, solutions: bool) -> str:
        """The bank as YAML; without ``solutions``, scenarios and hints only, with answer hashes."""
        rows = [{k: v for k, v in e.to_dict(solutions=solutions).items() if v not in ([], {})} for e in self]
        return yaml.safe_dump({"bank": self.name, "exercises": rows}, sort_keys=False, allow_unicode=True)


def _id_of(entry: object) -> str:
    return str(entry.get("id", "no id")) if isinstance(entry, dict) else "not a mapping"


def _codes(values: object, field: str) -> tuple[str, ...]:
    if values is None:
        return ()
    if not isinstance(values, list):
        raise ValueError(f"{field} must be a list of codes, not {values!r}")
    return tuple(str(v).strip() for v in values)  # YAML reads 36415 as an int


def _answer(value: object) -> Answer:
    if isinstance(value, list):
        return Answer(ordered=_codes(value, "answer"))
    if not isinstance(value, dict):
        raise ValueError(f"answer must be a list or a mapping of ordered/any_order/optional, not {value!r}")
    unknown = set(value) - {"ordered", "any_order", "optional"}
    if unknown:
        raise ValueError(f"answer has unknown keys {sorted(unknown)}; use ordered, any_order, optional")
    ans = Answer(
        _codes(value.get("ordered"), "ordered"),
        _codes(value.get("any_order"), "any_order"),
        _codes(value.get("optional"), "optional"),
    )
    if not ans.required:
        raise ValueError("answer has no required code (ordered or any_order)")
    return ans


def _exercise(raw: object) -> Exercise:
    if not isinstance(raw, dict):
        raise TypeError("each exercise is a mapping")
    dos = raw["date_of_service"]
    if isinstance(dos, str):
        dos = date.fromisoformat(dos)
    if not isinstance(dos, date):
        raise ValueError(f"date_of_service {dos!r} is not a date (YYYY-MM-DD)")
    kind = raw.get("kind", "diagnosis")
    if kind not in KINDS:
        raise ValueError(f"kind {kind!r} is not one of {', '.join(KINDS)}")
    difficulty = raw.get("difficulty", "medium")
    if difficulty not in DIFFICULTIES:
        raise ValueError(f"difficulty {difficulty!r} is not one of {', '.join(DIFFICULTIES)}")
    from medbill.teach.checker import KINDS as ERROR_KINDS

    distractors = {str(k): str(v) for k, v in (raw.get("distractors") or {}).items()}
    bad = sorted(v for v in distractors.values() if v not in ERROR_KINDS)
    if bad:
        raise ValueError(f"distractor kind(s) {bad} unknown; use one of {', '.join(ERROR_KINDS)}")
    options = _options(raw.get("options"))
    if (kind == "choice") != bool(options):
        raise ValueError("a choice exercise needs options, and only a choice exercise has them")
    questions = tuple(read_question(q) for q in raw.get("questions") or [])
    if (kind in WORKED_KINDS) != bool(questions):
        raise ValueError(
            f"a {', '.join(WORKED_KINDS)} exercise has questions, and only those kinds have them"
        )
    if len({q.name for q in questions}) != len(questions):
        raise ValueError("two questions have the same name")
    if questions:
        if "answer" in raw:
            raise ValueError("a worked problem's answers are under each question, not under 'answer'")
        if not isinstance(raw.get("data"), dict):
            raise ValueError("a worked problem needs 'data': the inputs its questions are computed from")
    answer = _answer(raw["answer"]) if "answer" in raw else None
    if options and answer is not None:
        unknown_letters = sorted(set(answer.required) - set(options))
        if unknown_letters:
            raise ValueError(f"answer {unknown_letters} is not among the options {sorted(options)}")
    if answer is None and not raw.get("answer_keys") and not questions:
        raise KeyError("'answer'")
    return Exercise(
        id=str(raw["id"]),
        topic=str(raw["topic"]),
        kind=kind,
        date_of_service=dos,
        scenario=str(raw["scenario"]).strip(),
        answer=answer,
        alternatives=tuple(_answer(a) for a in raw.get("alternatives") or []),
        hints=tuple(str(h) for h in raw.get("hints") or []),
        rationale={str(k): str(v) for k, v in (raw.get("rationale") or {}).items()},
        distractors=distractors,
        points=float(raw.get("points", 1)),
        difficulty=difficulty,
        tags=tuple(str(t) for t in raw.get("tags") or []),
        answer_keys=tuple(str(k) for k in raw.get("answer_keys") or []),
        options=options,
        data=dict(raw.get("data") or {}),
        questions=questions,
    )


def _options(raw: object) -> dict[str, Option]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise ValueError("options map letters to {text, rationale}")
    out = {}
    for letter, value in raw.items():
        if isinstance(value, dict):
            out[str(letter).upper()] = Option(str(value["text"]), str(value.get("rationale", "")))
        else:
            out[str(letter).upper()] = Option(str(value))  # a student copy: text only
    return out


@lazy
def default_bank() -> Bank:
    """The bank medbill ships (checked by the test suite, so not re-validated at run time)."""
    text = resources.files("medbill").joinpath("_data/exercises.yaml").read_text(encoding="utf-8")
    return Bank.from_text(text, "medbill/_data/exercises.yaml", validate=False)


def load_bank(path: str | Path | None = None, validate: bool = True) -> Bank:
    """An instructor's bank from ``path`` (validated on load), or medbill's own when None."""
    return default_bank() if path is None else Bank.from_yaml(path, validate=validate)


def exercises(topic: str | None = None, bank: Bank | None = None) -> list[Exercise]:
    """Every exercise in bank order, optionally of one topic."""
    return [e for e in (bank or default_bank()) if topic is None or e.topic == topic]


def exercise(exercise_id: str, bank: Bank | None = None) -> Exercise:
    """One exercise by id; ``KeyError`` names the known ids when it does not exist."""
    return (bank or default_bank()).get(exercise_id)
