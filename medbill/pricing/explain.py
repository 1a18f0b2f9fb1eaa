"""Explanations a student can follow: the steps from RVUs to dollars, as a table, text or HTML."""

from __future__ import annotations

import dataclasses
import html
from decimal import Decimal
from typing import Any

import pandas as pd


@dataclasses.dataclass(frozen=True)
class Step:
    """One line of an explanation: what was computed, how, and the result."""

    item: str
    how: str
    value: str


def _money(amount: Decimal | None) -> str:
    return "not priced" if amount is None else f"${amount:,.2f}"


def steps_table(steps: list[Step]) -> pd.DataFrame:
    return pd.DataFrame([dataclasses.asdict(s) for s in steps], columns=["item", "how", "value"])


def steps_html(title: str, steps: list[Step], footer: str) -> str:
    rows = "".join(
        f"<tr><td>{html.escape(s.item)}</td><td>{html.escape(s.how)}</td>"
        f"<td style='text-align:right'>{html.escape(s.value)}</td></tr>"
        for s in steps
    )
    return (
        f"<div><strong>{html.escape(title)}</strong><table>"
        "<thead><tr><th>item</th><th>how</th><th>value</th></tr></thead>"
        f"<tbody>{rows}</tbody></table><p>{html.escape(footer)}</p></div>"
    )


def steps_text(title: str, steps: list[Step], footer: str) -> str:
    width = max([len(s.item) for s in steps] + [4])
    how = max([len(s.how) for s in steps] + [3])
    lines = [title] + [f"  {s.item:<{width}}  {s.how:<{how}}  {s.value}" for s in steps] + [footer]
    return "\n".join(lines)


@dataclasses.dataclass(frozen=True)
class PriceExplanation:
    """The Medicare PFS price of one service line and every step that produced it.

    ``amount`` is the allowed amount in dollars (``None`` when the PFS has no national price for
    the code, e.g. carrier-priced codes); ``table`` lists the steps.
    """

    code: str
    modifiers: tuple[str, ...]
    year: int
    release: str  # the quarterly RVU release that priced it ("RVU25D")
    locality: str
    locality_name: str
    pos: str
    facility: bool
    status: str
    units: int
    payable: bool
    amount: Decimal | None
    fee_schedule_amount: Decimal | None
    components: dict[str, Decimal]
    rule: str
    steps: tuple[Step, ...]

    @property
    def table(self) -> pd.DataFrame:
        """The steps as a DataFrame (item, how, value)."""
        return steps_table(list(self.steps))

    @property
    def title(self) -> str:
        mods = f"-{'-'.join(self.modifiers)}" if self.modifiers else ""
        return (
            f"{self.code}{mods} x{self.units} at {self.locality} ({self.locality_name}), PFS {self.release}"
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: amounts as two-decimal strings."""
        return {
            "code": self.code,
            "modifiers": list(self.modifiers),
            "year": self.year,
            "release": self.release,
            "locality": self.locality,
            "locality_name": self.locality_name,
            "pos": self.pos,
            "facility": self.facility,
            "status": self.status,
            "units": self.units,
            "payable": self.payable,
            "amount": None if self.amount is None else f"{self.amount:.2f}",
            "fee_schedule_amount": None
            if self.fee_schedule_amount is None
            else f"{self.fee_schedule_amount:.2f}",
            "components": {k: str(v) for k, v in self.components.items()},
            "rule": self.rule,
            "steps": [dataclasses.asdict(s) for s in self.steps],
        }

    def __str__(self) -> str:
        return steps_text(self.title, list(self.steps), f"Allowed: {_money(self.amount)} ({self.rule})")

    def _repr_html_(self) -> str:
        return steps_html(self.title, list(self.steps), f"Allowed: {_money(self.amount)} — {self.rule}")
