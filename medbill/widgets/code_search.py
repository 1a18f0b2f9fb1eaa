"""``CodeSearch``: search-as-you-type over medbill's code systems, with a detail pane.

The widget only calls the package: ranked hits come from ``medbill.refdata.registry.search``, the
detail pane from ``registry.lookup`` and, for ICD-10-CM, the release in effect on the chosen date
(breadcrumbs, inherited notes, the 7th-character table). Choosing "Use code" hands a ``CodeRecord``
to every callback registered with ``on_select``.
"""

from __future__ import annotations

import asyncio
import html
import re
from collections.abc import Callable
from datetime import date
from typing import Any

import ipywidgets as widgets

from medbill.exceptions import MedbillError
from medbill.refdata import registry
from medbill.refdata._types import CodeRecord, Hit

# Notes a coder must act on, in the order the detail pane shows them.
SHOWN_NOTE_KINDS: tuple[str, ...] = ("excludes1", "code_first", "use_additional", "code_also")
NOTE_LABELS = {
    "excludes1": "Excludes1 (never coded together)",
    "code_first": "Code first",
    "use_additional": "Use additional code",
    "code_also": "Code also",
}
MAX_OPEN_NOTES = 4
_SEVENTH_LINE = re.compile(r"^\s*([A-Z0-9])\s*[:\-–=]?\s+(.+?)\s*$")


def _esc(value: Any) -> str:
    return html.escape(str(value))


def _pick_7th(full: str, placeholder_to: int = 6) -> str:
    """Pad ``full`` (compact, without 7th character) with the placeholder X up to six characters."""
    return full.ljust(placeholder_to, "X")


class CodeSearch(widgets.VBox):
    """Search box, ranked result list and detail pane across code systems.

    ``debounce_ms`` delays the search while the user is still typing (only inside a running event
    loop, i.e. a kernel; headless callers get the search at once). ``on`` is the date of service the
    hits and the validity line refer to.
    """

    def __init__(
        self,
        *,
        systems: tuple[str, ...] | None = None,
        on: date | None = None,
        limit: int = 20,
        debounce_ms: int = 150,
        on_select: Callable[[CodeRecord], object] | None = None,
    ) -> None:
        self.systems = tuple(systems or registry.SEARCHABLE)
        self.limit = limit
        self.debounce_ms = debounce_ms
        self._callbacks: list[Callable[[CodeRecord], object]] = [on_select] if on_select else []
        self._pending: asyncio.TimerHandle | None = None
        self.hits: list[Hit] = []
        self.selected: CodeRecord | None = None

        self.query = widgets.Text(
            placeholder="Type words or a code, e.g. diabetes, E11.9",
            description="Search",
            continuous_update=True,
            layout=widgets.Layout(width="32em"),
        ).add_class("medbill-search-input")
        self.system = widgets.Dropdown(
            options=[("All systems", "")] + [(s, s) for s in self.systems],
            value="",
            description="System",
            layout=widgets.Layout(width="16em", display="" if len(self.systems) > 1 else "none"),
        )
        self.date = widgets.DatePicker(value=on or date.today(), description="Valid on")
        self.status = widgets.HTML().add_class("medbill-search-status")
        self.results = widgets.Select(options=[], rows=8, layout=widgets.Layout(width="48em")).add_class(
            "medbill-search-results"
        )
        self.detail = widgets.HTML().add_class("medbill-code-detail")
        self.seventh = widgets.Dropdown(
            options=[], description="7th char", layout=widgets.Layout(width="40em", display="none")
        ).add_class("medbill-seventh")
        self.use_button = widgets.Button(
            description="Use code", button_style="primary", disabled=True, icon="check"
        ).add_class("medbill-use-code")
        self.message = widgets.HTML().add_class("medbill-search-message")

        self.query.observe(self._on_query, "value")
        self.system.observe(lambda _c: self.refresh(), "value")
        self.date.observe(self._on_date, "value")
        self.results.observe(self._on_result, "value")
        self.seventh.observe(lambda _c: self._show_detail(), "value")
        self.use_button.on_click(lambda _b: self.use())

        super().__init__(
            [
                widgets.HBox([self.query, self.system, self.date]),
                self.status,
                self.results,
                self.detail,
                widgets.HBox([self.seventh, self.use_button]),
                self.message,
            ]
        )
        self.add_class("medbill-code-search")

    # --- public API -------------------------------------------------------------------------
    def on_select(self, callback: Callable[[CodeRecord], object]) -> None:
        """Call ``callback(record)`` each time the user confirms a code with "Use code"."""
        self._callbacks.append(callback)

    def refresh(self) -> None:
        """Run the search for the current text now (the debounced path ends here)."""
        self._pending = None
        text = self.query.value.strip()
        if not text:
            self.hits = []
            self.results.value = None
            self.results.options = []
            self.status.value = ""
            return
        systems = (self.system.value,) if self.system.value else self.systems
        try:
            self.hits = registry.search(text, systems=systems, limit=self.limit, on=self.date.value)
        except MedbillError as exc:
            self.hits = []
            self.results.value = None
            self.results.options = []
            self.status.value = f"<span style='color:#b00'>{_esc(exc)}</span>"
            return
        self.results.value = None  # values are positions: clear first so the next pick always fires
        self.results.options = [(self._label(h), i) for i, h in enumerate(self.hits)]
        self.status.value = f"{len(self.hits)} result(s) for <b>{_esc(text)}</b>" + (
            "" if self.hits else " — try fewer or other words"
        )

    def use(self) -> CodeRecord | None:
        """Confirm the shown code (with its 7th character) and hand it to the callbacks."""
        record = self._current_record()
        if record is None:
            return None
        self.selected = record
        self.message.value = f"Selected <b>{_esc(record.code)}</b> {_esc(record.title)}"
        for callback in self._callbacks:
            callback(record)
        return record

    # --- events -----------------------------------------------------------------------------
    def _on_query(self, _change: dict) -> None:
        if self.debounce_ms <= 0:
            self.refresh()
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # headless (tests, scripts): no loop to wait on
            self.refresh()
            return
        if self._pending is not None:
            self._pending.cancel()
        self._pending = loop.call_later(self.debounce_ms / 1000, self._refresh_safely)

    def _refresh_safely(self) -> None:
        # A callback from the event loop has no cell to show a traceback in: show it in the widget.
        try:
            self.refresh()
        except Exception as exc:  # shown in the widget: a loop callback has no cell to show it in
            self.status.value = f"<span style='color:#b00'>Search failed: {_esc(exc)}</span>"

    def _on_date(self, _change: dict) -> None:
        kept = self._hit()
        self.refresh()
        if kept is None:
            return
        again = next(
            (i for i, h in enumerate(self.hits) if (h.system, h.code) == (kept.system, kept.code)), None
        )
        if again is not None:
            self.results.value = again
            return
        # The code the user was reading is not among the new date's hits: say whether it exists then.
        try:
            record = registry.lookup(kept.code, system=kept.system, on=self.date.value)
        except MedbillError as exc:
            self.detail.value = (
                f"<p style='color:#b00'>{_esc(kept.code)} on {self.date.value}: {_esc(exc)}</p>"
            )
            return
        self.detail.value = self._validity(record)

    def _on_result(self, _change: dict) -> None:
        self._fill_seventh()
        self._show_detail()

    # --- detail pane ----------------------------------------------------------------------------
    def _hit(self) -> Hit | None:
        index = self.results.value
        return self.hits[index] if index is not None and index < len(self.hits) else None

    def _label(self, hit: Hit) -> str:
        flag = "" if hit.billable in (True, None) else "  (header, not billable)"
        system = f"  [{hit.system}]" if len(self.systems) > 1 else ""
        return f"{hit.code}  {hit.title}{flag}{system}"

    def _icd_release(self) -> Any:
        from medbill.refdata import icd10cm

        return icd10cm.for_date(self.date.value) if self.date.value else icd10cm.latest()

    def _seventh_options(self, hit: Hit) -> list[tuple[str, str]]:
        """The 7th characters that complete the code into one the release holds, or [] when it needs
        none or is not specific enough to take one (S52.52 needs its 6th character first)."""
        if hit.system != "icd10cm":
            return []
        from medbill.refdata import icd10cm

        release = self._icd_release()
        code = icd10cm.compact(hit.code)
        if code not in release.table.index or not bool(release.table.at[code, "requires_7th"]):
            return []
        notes = [n for n in release.notes(code, inherited=True) if n.kind == "seven_chr_def"]
        options: list[tuple[str, str]] = []
        for note in notes:
            for line in str(note.text).splitlines():
                m = _SEVENTH_LINE.match(line)
                if m and _pick_7th(code) + m.group(1) in release.table.index:
                    options.append((f"{m.group(1)} — {m.group(2)}", m.group(1)))
        return options

    def _more_specific(self, hit: Hit) -> list[str]:
        """For a code that requires a 7th character but cannot take one yet, the codes below it that
        can (S52.52 -> S52.521, S52.522, S52.529)."""
        if hit.system != "icd10cm":
            return []
        from medbill.refdata import icd10cm

        release = self._icd_release()
        code = icd10cm.compact(hit.code)
        table = release.table
        if code not in table.index or not bool(table.at[code, "requires_7th"]) or self._seventh_options(hit):
            return []
        children = table[table["parent"].eq(code) & table["requires_7th"].astype(bool)]
        return [str(c) for c in children["code"]]

    def _fill_seventh(self) -> None:
        hit = self._hit()
        options = self._seventh_options(hit) if hit else []
        self.seventh.options = [("choose…", ""), *options] if options else []
        self.seventh.value = "" if options else None
        self.seventh.layout.display = "" if options else "none"

    def _full_code(self, hit: Hit) -> str:
        """The code to emit: the hit itself, or it completed with placeholder X and the 7th character."""
        if not self.seventh.options:
            return hit.code
        from medbill.refdata import icd10cm

        if not self.seventh.value:
            return ""
        return icd10cm.format(_pick_7th(icd10cm.compact(hit.code)) + self.seventh.value)

    def _current_record(self) -> CodeRecord | None:
        hit = self._hit()
        if hit is None:
            return None
        code = self._full_code(hit)
        if not code:
            return None
        try:
            return registry.lookup(code, system=hit.system, on=self.date.value)
        except MedbillError as exc:
            self.message.value = f"<span style='color:#b00'>{_esc(exc)}</span>"
            return None

    def _show_detail(self) -> None:
        hit = self._hit()
        if hit is None:
            self.detail.value = ""
            self.use_button.disabled = True
            return
        parts: list[str] = []
        needs_7th = bool(self.seventh.options)
        if hit.system == "icd10cm":
            parts.extend(self._icd_detail(hit, self._full_code(hit) if needs_7th else hit.code))
        else:
            parts.append(f"<h4>{_esc(hit.code)} — {_esc(hit.title)}</h4>")
        record = self._current_record() if (not needs_7th or self.seventh.value) else None
        if needs_7th and not self.seventh.value:
            parts.append("<p><b>Needs a 7th character:</b> choose one below to get a complete code.</p>")
        more = self._more_specific(hit)
        if more:
            parts.append(
                f"<p class='medbill-more-specific'><b>Not specific enough for a 7th character:</b> "
                f"choose one of {', '.join(_esc(c) for c in more)} first.</p>"
            )
        if record is not None:
            parts.append(self._validity(record))
        self.detail.value = "".join(parts)
        self.use_button.disabled = record is None

    def _icd_detail(self, hit: Hit, full: str) -> list[str]:
        """Breadcrumbs, title, billability of ``full`` (the code the user gets: the hit, or the hit
        with its 7th character; empty while the 7th character is still to choose) and notes."""
        from medbill.refdata import icd10cm

        release = self._icd_release()
        code = icd10cm.compact(hit.code)
        crumbs = [
            f"{_esc(row['code'])} {_esc(row['title'])}"
            for _, row in release.table.loc[self._ancestor_codes(release, code)].iterrows()
        ]
        if not full:
            billable_line = "<p>Billable: <b style='color:#a60'>once its 7th character is chosen</b></p>"
        elif release.is_billable(icd10cm.compact(full)):
            billable_line = f"<p>Billable: <b>yes</b> ({_esc(full)})</p>"
        else:
            billable_line = (
                f"<p>Billable: <b style='color:#b00'>no</b> — {_esc(full)} is a header; "
                "choose a more specific code.</p>"
            )
        parts = [
            f"<div style='color:#555;font-size:90%'>{' › '.join(crumbs)}</div>",
            f"<h4>{_esc(hit.code)} — {_esc(hit.title)}</h4>",
            billable_line,
        ]
        notes = [n for n in release.notes(code, inherited=True) if n.kind in SHOWN_NOTE_KINDS]
        notes.sort(key=lambda n: SHOWN_NOTE_KINDS.index(n.kind))
        if notes:
            items = "".join(
                f"<li><b>{_esc(NOTE_LABELS[n.kind])}</b>: {_esc(n.text)}"
                + (f" <i>(from {_esc(self._display(release, n.source_code))})</i>" if n.inherited else "")
                + "</li>"
                for n in notes
            )
            counts = ", ".join(
                f"{sum(n.kind == kind for n in notes)} {NOTE_LABELS[kind].split(' (')[0].lower()}"
                for kind in SHOWN_NOTE_KINDS
                if any(n.kind == kind for n in notes)
            )
            # A long list starts folded so the rest of the pane stays in view.
            state = " open" if len(notes) <= MAX_OPEN_NOTES else ""
            parts.append(
                f"<details{state}><summary>Notes: {counts}</summary><ul class='medbill-notes'>{items}</ul></details>"
            )
        return parts

    @staticmethod
    def _display(release: Any, key: str) -> str:
        """A table key (code, block "E08-E13" or chapter "4") as the tabular shows it."""
        table = release.table
        return str(table.at[key, "code"]) if key in table.index else str(key)

    @staticmethod
    def _ancestor_codes(release: Any, code: str) -> list[str]:
        """Ancestors from the chapter down, as table index keys (``Release.ancestors`` order varies)."""
        found = [getattr(a, "code", a) for a in release.ancestors(code)]
        keys = [k for k in found if k in release.table.index]
        depth = {"chapter": 0, "block": 1, "category": 2, "subcategory": 3, "code": 4}
        return sorted(keys, key=lambda k: (depth.get(release.table.at[k, "kind"], 5), len(k)))

    def _validity(self, record: CodeRecord) -> str:
        on = self.date.value
        valid = record.valid_on_date
        when = f"on {on.isoformat()}" if on else "in the latest release"
        # A code looked up outside its release carries the release its title came from.
        absent = record.extra.get("title_release", record.release) != record.release
        if absent:
            return (
                f"<p style='color:#b00'>{_esc(record.code)} is <b>not valid</b> {when}: "
                f"it is not in {_esc(record.release)} (it is in {_esc(record.extra['title_release'])}).</p>"
            )
        if record.billable is False and record.system == "icd10cm":
            return (
                f"<p style='color:#a60'>{_esc(record.code)} is a header in {_esc(record.release)}: "
                "claims need a billable code below it.</p>"
            )
        if valid is False:
            return f"<p style='color:#b00'>{_esc(record.code)} is <b>not valid</b> {when} ({_esc(record.release)}).</p>"
        return f"<p style='color:#060'>{_esc(record.code)} is valid {when} ({_esc(record.release)}).</p>"
