"""A widget front end for one exercise: answer box with CodeSearch, check, hints, progress."""

from __future__ import annotations

from html import escape

import ipywidgets as widgets

from medbill.refdata import registry
from medbill.refdata._types import CodeRecord
from medbill.teach.checker import CheckResult, check
from medbill.teach.exercises import Bank, Exercise, exercise
from medbill.teach.progress import Progress
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

        systems = (
            ("icd10cm",)
            if self.exercise.kind == "diagnosis"
            else tuple(s for s in registry.SEARCHABLE if s != "icd10cm")
        )
        self.search = CodeSearch(systems=systems, on=self.exercise.date_of_service, on_select=self._append)
        self.answer = widgets.Text(
            description="Answer",
            placeholder="codes in order, e.g. E11.42, Z79.4",
            layout=widgets.Layout(width="40em"),
        ).add_class("medbill-answer")
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
        super().__init__(
            [
                widgets.HTML(scenario),
                self.search,
                widgets.HBox([self.answer, self.check_button, self.hint_button]),
                self.feedback,
                self.hint_box,
                self.status,
            ]
        )

    def _append(self, record: CodeRecord) -> None:
        codes = [c for c in self.answer.value.replace(",", " ").split() if c]
        self.answer.value = ", ".join([*codes, record.code])

    def check(self) -> CheckResult:
        """Score the answer box, show the feedback and record the attempt."""
        self.result = check(self.exercise, self.answer.value)
        lines = list(self.result.feedback)
        if self.result.correct:  # the why of each code, once it is earned
            lines += [f"{code}: {why}" for code, why in self.exercise.rationale.items()]
        items = "".join(f"<li>{escape(line)}</li>" for line in lines)
        colour = "green" if self.result.correct else "#b35900"
        self.feedback.value = f"<b style='color:{colour}'>Score {self.result.score:.2f}</b><ul>{items}</ul>"
        if self.progress is not None:
            self.progress.record(self.answer.value.replace(",", " ").split(), self.result)
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
