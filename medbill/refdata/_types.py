"""Result types shared by every code system."""

from __future__ import annotations

import dataclasses
from typing import Any


@dataclasses.dataclass(frozen=True)
class CodeRecord:
    """One looked-up code, as every system reports it (the CLI's ``--json`` shape)."""

    system: str
    code: str  # display form, e.g. "S52.521A"
    title: str
    billable: bool | None  # None where billable does not apply (modifiers, POS, CARC)
    release: str
    source: str  # where the title came from (file, package, or "medbill plain-language label")
    valid_on_date: bool | None = None  # set when a date of service was asked about (None: unknown)
    covered: bool | None = None  # whether ``release``'s dates cover that date (None: no date asked)
    extra: dict[str, Any] = dataclasses.field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        d = {
            "system": self.system,
            "code": self.code,
            "title": self.title,
            "billable": self.billable,
            "release": self.release,
            "source": self.source,
        }
        if self.covered is not None:
            d["valid_on_date"] = self.valid_on_date
            d["covered"] = self.covered
        elif self.valid_on_date is not None:
            d["valid_on_date"] = self.valid_on_date
        d.update(self.extra)
        return d


@dataclasses.dataclass(frozen=True)
class Hit:
    """One search result. ``score`` is in [0, 1] for every system so results merge across systems."""

    system: str
    code: str  # display form
    title: str
    billable: bool | None
    score: float
    matched: str  # which text matched: "title", "inclusion term: ...", "code"

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)
