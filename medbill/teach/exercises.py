"""The exercise bank: ``medbill/_data/exercises.yaml``, written by the project."""

from __future__ import annotations

import dataclasses
from datetime import date
from importlib import resources

import yaml

from medbill.refdata.store import lazy


@dataclasses.dataclass(frozen=True)
class Exercise:
    id: str
    topic: str
    kind: str  # "diagnosis" or "procedure"
    date_of_service: date
    scenario: str
    expected: tuple[str, ...]
    alternatives: tuple[tuple[str, ...], ...] = ()
    hints: tuple[str, ...] = ()

    @property
    def accepted(self) -> tuple[tuple[str, ...], ...]:
        """The expected answer followed by every accepted alternative."""
        return (self.expected, *self.alternatives)

    def to_dict(self, solutions: bool = False) -> dict[str, object]:
        d: dict[str, object] = {
            "id": self.id,
            "topic": self.topic,
            "kind": self.kind,
            "scenario": self.scenario,
            "date_of_service": self.date_of_service.isoformat(),
        }
        if solutions:
            d["expected"] = list(self.expected)
            d["alternatives"] = [list(a) for a in self.alternatives]
        return d


def _codes(values: list[object]) -> tuple[str, ...]:
    return tuple(str(v) for v in values)  # YAML reads 36415 as an int


@lazy
def _bank() -> dict[str, Exercise]:
    text = resources.files("medbill").joinpath("_data/exercises.yaml").read_text(encoding="utf-8")
    bank = {}
    for raw in yaml.safe_load(text):
        ex = Exercise(
            id=raw["id"],
            topic=raw["topic"],
            kind=raw.get("kind", "diagnosis"),
            date_of_service=raw["date_of_service"],
            scenario=raw["scenario"],
            expected=_codes(raw["expected"]),
            alternatives=tuple(_codes(a) for a in raw.get("alternatives", [])),
            hints=tuple(raw.get("hints", [])),
        )
        bank[ex.id] = ex
    return bank


def exercises(topic: str | None = None) -> list[Exercise]:
    """Every exercise in bank order, optionally of one topic."""
    return [e for e in _bank().values() if topic is None or e.topic == topic]


def exercise(exercise_id: str) -> Exercise:
    """One exercise by id; ``KeyError`` names the known ids when it does not exist."""
    try:
        return _bank()[exercise_id]
    except KeyError:
        raise KeyError(
            f"No exercise {exercise_id!r}; run `medbill teach list` for the {len(_bank())} known ids."
        ) from None
