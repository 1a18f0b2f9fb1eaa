"""A widget front end for one exercise: answer box with CodeSearch, check, hints, progress.

A worked problem (walkthroughs 04-07) shows its data (the 835 text, the claim, the figures, the
tables) and one answer box per question instead of the code search."""

from __future__ import annotations

from collections.abc import Mapping
from html import escape
from typing import Any

import ipywidgets as widgets
import pandas as pd

from medbill.refdata import registry
from medbill.refdata._types import CodeRecord
from medbill.teach.checker import CheckResult, check
from medbill.teach.exercises import Bank, Exercise, exercise
from medbill.teach.progress import Progress
from medbill.teach.questions import Question
from medbill.widgets.code_search import CodeSearch


class ExerciseWidget(widgets.VBox):
    """Scenario, answer box fed by a CodeSearch, Check and Hint buttons, feedback and progress."""

    def __init__(
        self, ex: Exercise | str, progress: Progress | None = None, bank: Bank | None = None
    ) -> None:
        self.exercise = exercise(ex, bank) if isinstance(ex, str) else ex
        self.progress = progress
        self.hints_shown = 0
        self.result: CheckResult | None = None

        self.answer = widgets.Text(
            description="Answer",
            placeholder="codes in order, e.g. E11.42, Z79.4",
            layout=widgets.Layout(width="40em"),
        ).add_class("medbill-answer")
        # one box per question of a worked problem, by question name
        self.answers = {
            q.name: widgets.Text(description=q.name, layout=widgets.Layout(width="24em"))
            for q in self.exercise.questions
        }
        self.check_button = widgets.Button(description="Check", button_style="success").add_class(
            "medbill-check"
        )
        self.hint_button = widgets.Button(description="Hint", disabled=not self.exercise.hints)
        self.feedback = widgets.HTML().add_class("medbill-feedback")
        self.hint_box = widgets.HTML()
        self.status = widgets.HTML(self._status_text())
        self.check_button.on_click(lambda _b: self.check())
        self.hint_button.on_click(lambda _b: self.hint())

        scenario = (
            f"<h4>{escape(self.exercise.id)} · {escape(self.exercise.topic)}</h4>"
            f"<p>{escape(self.exercise.scenario)}</p>"
            + "".join(
                f"<p><b>{escape(k)}.</b> {escape(o.text)}</p>" for k, o in self.exercise.options.items()
            )
            + f"<p><i>Date of service: {self.exercise.date_of_service}</i></p>"
        )
        if self.exercise.is_worked:
            body = [
                widgets.HTML(scenario + _exhibits(self.exercise.data)),
                *(
                    widgets.VBox([widgets.HTML(_ask(q)), self.answers[q.name]])
                    for q in self.exercise.questions
                ),
                widgets.HBox([self.check_button, self.hint_button]),
            ]
        else:
            systems = (
                ("icd10cm",)
                if self.exercise.kind == "diagnosis"
                else tuple(s for s in registry.SEARCHABLE if s != "icd10cm")
            )
            self.search = CodeSearch(
                systems=systems, on=self.exercise.date_of_service, on_select=self._append
            )
            body = [
                widgets.HTML(scenario),
                self.search,
                widgets.HBox([self.answer, self.check_button, self.hint_button]),
            ]
        super().__init__([*body, self.feedback, self.hint_box, self.status])

    def _append(self, record: CodeRecord) -> None:
        codes = [c for c in self.answer.value.replace(",", " ").split() if c]
        self.answer.value = ", ".join([*codes, record.code])

    def _given(self) -> list[str]:
        if self.exercise.is_worked:
            return [f"{name}={box.value.strip()}" for name, box in self.answers.items() if box.value.strip()]
        return self.answer.value.replace(",", " ").split()

    def check(self) -> CheckResult:
        """Score the answer box(es), show the feedback and record the attempt."""
        given = self._given()
        self.result = check(self.exercise, given if self.exercise.is_worked else self.answer.value)
        lines = list(self.result.feedback)
        if self.result.correct:  # the why of each code, once it is earned
            lines += [f"{code}: {why}" for code, why in self.exercise.rationale.items()]
            lines += [f"{q.name}: {q.rationale}" for q in self.exercise.questions if q.rationale]
        items = "".join(f"<li>{escape(line)}</li>" for line in lines)
        colour = "green" if self.result.correct else "#b35900"
        self.feedback.value = f"<b style='color:{colour}'>Score {self.result.score:.2f}</b><ul>{items}</ul>"
        if self.progress is not None:
            self.progress.record(given, self.result)
        self.status.value = self._status_text()
        return self.result

    def hint(self) -> str:
        """Show the next hint (they point at the tabular note or guideline section)."""
        hints = self.exercise.hints
        self.hints_shown = min(self.hints_shown + 1, len(hints))
        shown = hints[: self.hints_shown]
        self.hint_box.value = "".join(f"<p>💡 {escape(h)}</p>" for h in shown)
        self.hint_button.disabled = self.hints_shown == len(hints)
        return shown[-1]

    def _status_text(self) -> str:
        if self.progress is None:
            return ""
        best = self.progress.best()
        return f"<small>{self.progress.student}: {len(best)} exercise(s) attempted, best here {best.get(self.exercise.id, 0):.2f}</small>"


def _ask(q: Question) -> str:
    options = "".join(f"<br><b>{escape(k)}.</b> {escape(text)}" for k, text in q.shown_options().items())
    return f"<p><b>{escape(q.name)}</b>: {escape(q.ask)}{options}</p>"


def _exhibits(data: Mapping[str, Any]) -> str:
    """The problem's data as a coder sees it: text as it is, rows as tables, settings as a list."""
    out = []
    for name, value in data.items():
        if isinstance(value, str) and "\n" in value:
            out.append(f"<p><b>{escape(name)}</b></p><pre>{escape(value)}</pre>")
        elif isinstance(value, dict) or (
            isinstance(value, list) and value and all(isinstance(v, dict) for v in value)
        ):
            rows = [value] if isinstance(value, dict) else value
            table = pd.DataFrame(rows).to_html(index=False, na_rep="", border=0)
            out.append(f"<p><b>{escape(name)}</b></p>{table}")
        else:
            out.append(f"<p><b>{escape(name)}</b>: {escape(str(value))}</p>")
    return "".join(out)
