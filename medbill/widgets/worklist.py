"""``WorklistWidget``: a biller works the follow-up worklist in JupyterLab.

Filter the list (kind of trouble, next action, payer by name, claim id), open a claim (its payer
and provider by name, its lines, the payer's adjustments explained, the scrubber's findings: the
one that predicted the denial first), and mark its action done with a note. Tables show money as
$1,234.50, dates as dates, headers in words and each reason's CARC/RARC text beside its codes.
The list comes from :func:`medbill.followup.worklist`; done actions are kept in :attr:`done` and,
with ``done_path``, in a CSV file that the next session reads.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

import ipywidgets as widgets
import pandas as pd

from medbill.analytics.formats import format_values, header, kinds_of
from medbill.analytics.tables import as_tables
from medbill.followup import worklist
from medbill.widgets.remittance_viewer import explain_adjustments

ALL = "(all)"
DONE_COLUMNS = ["claim_id", "action", "done_on", "note"]
_LIST_COLUMNS = [
    "priority", "claim_id", "payer", "provider", "category", "reason", "rarc", "reason_text", "action",
    "amount_at_stake", "deadline", "days_left",
]  # fmt: skip


def _html(frame: pd.DataFrame, empty: str = "No rows.") -> str:
    """``frame`` as an HTML table in the reports' formats (:mod:`medbill.analytics.formats`)."""
    if frame.empty:
        return f"<p style='color:#777'>{html.escape(empty)}</p>"
    kinds = kinds_of(frame)
    shown = pd.DataFrame({header(c): format_values(frame[c], kinds[c]).to_numpy() for c in frame.columns})
    return shown.to_html(index=False, border=0)


def _npi(row: pd.Series) -> str:
    """The NPI in brackets after the provider's name; nothing when the provider shown is the NPI."""
    npi = row["provider_npi"]
    return "" if pd.isna(npi) or str(npi) == str(row["provider"]) else f" (NPI {npi})"


def _options(values: pd.Series) -> list[str]:
    return [ALL, *sorted(values.dropna().astype(str).unique())]


class WorklistWidget(widgets.VBox):
    """The worklist of ``data`` on ``as_of``, filterable, with a claim pane and a done list."""

    def __init__(
        self,
        data: Any,
        *,
        as_of: Any,
        findings: pd.DataFrame | None = None,
        done_path: str | Path | None = None,
        max_rows: int = 100,
    ) -> None:
        self.data = as_tables(data)
        self.as_of = pd.Timestamp(as_of).normalize()
        self.findings = findings
        self.rows = worklist(self.data, as_of=self.as_of, findings=findings)
        self.max_rows = max_rows
        self.done_path = Path(done_path) if done_path else None
        self.done = self._load_done()

        self.category = widgets.Dropdown(
            options=_options(self.rows["category"]), description="Trouble"
        ).add_class("medbill-worklist-category")
        self.action = widgets.Dropdown(options=_options(self.rows["action"]), description="Action")
        self.payer = widgets.Dropdown(options=_options(self.rows["payer"]), description="Payer")
        self.search = widgets.Text(placeholder="claim id contains", description="Claim")
        self.show_done = widgets.Checkbox(value=False, description="show done")
        self.table = widgets.HTML().add_class("medbill-worklist-table")
        self.count = widgets.HTML().add_class("medbill-worklist-count")
        self.claim = widgets.Dropdown(options=[], description="Open").add_class("medbill-worklist-claim")
        self.detail = widgets.HTML().add_class("medbill-worklist-detail")
        self.note = widgets.Text(
            placeholder="what was done (e.g. resubmitted with S93.401A)", description="Note"
        )
        self.mark = widgets.Button(description="Mark action done", button_style="success").add_class(
            "medbill-worklist-done"
        )
        self.message = widgets.HTML().add_class("medbill-worklist-message")
        for control in (self.category, self.action, self.payer, self.search, self.show_done):
            control.observe(lambda _c: self.refresh(), "value")
        self.claim.observe(lambda _c: self.open_claim(), "value")
        self.mark.on_click(lambda _b: self.mark_done())
        filters = widgets.HBox([self.category, self.action, self.payer])
        super().__init__(
            [
                filters,
                widgets.HBox([self.search, self.show_done]),
                self.count,
                self.table,
                self.claim,
                self.detail,
                widgets.HBox([self.note, self.mark]),
                self.message,
            ]
        )
        self.add_class("medbill-worklist")
        self.refresh()

    def _load_done(self) -> pd.DataFrame:
        if self.done_path and self.done_path.is_file():
            return pd.read_csv(self.done_path, dtype=str, keep_default_na=False).reindex(columns=DONE_COLUMNS)
        return pd.DataFrame({c: pd.Series(dtype=str) for c in DONE_COLUMNS})

    def shown(self) -> pd.DataFrame:
        """The worklist rows the filters keep (done claims only with ``show done``)."""
        rows = self.rows
        for control, column in (
            (self.category, "category"),
            (self.action, "action"),
            (self.payer, "payer"),
        ):
            if control.value != ALL:
                rows = rows[rows[column].astype("string").eq(control.value).fillna(False)]
        if self.search.value.strip():
            rows = rows[
                rows["claim_id"].astype(str).str.contains(self.search.value.strip(), case=False, regex=False)
            ]
        if not self.show_done.value:
            rows = rows[~rows["claim_id"].isin(self.done["claim_id"])]
        return rows

    def refresh(self) -> None:
        rows = self.shown()
        total = rows["amount_at_stake"].sum()
        self.count.value = (
            f"<b>{len(rows):,}</b> claims, <b>${total:,.2f}</b> at stake on {self.as_of.date()}"
        )
        table = rows[_LIST_COLUMNS].head(self.max_rows)
        self.table.value = _html(table, "Nothing to work with these filters.")
        ids = rows["claim_id"].astype(str).tolist()
        keep = self.claim.value if self.claim.value in ids else (ids[0] if ids else None)
        self.claim.options = ids
        self.claim.value = keep
        self.open_claim()

    def open_claim(self) -> None:
        """Show the chosen claim: why it is on the list, its lines, the payer's adjustments and the
        scrubber's findings (errors first: the one that predicted the denial)."""
        claim_id = self.claim.value
        if not claim_id:
            self.detail.value = ""
            return
        row = self.rows[self.rows["claim_id"].eq(claim_id)].iloc[0]
        deadline = (
            ""
            if pd.isna(row["deadline"])
            else f", deadline {row['deadline']:%Y-%m-%d} ({row['days_left']} days)"
        )
        head = (
            f"<h4>{html.escape(claim_id)}: {html.escape(str(row['category']))}, "
            f"{html.escape(str(row['reason']))} {html.escape('' if pd.isna(row['rarc']) else str(row['rarc']))}</h4>"
            f"<p>{html.escape(str(row['reason_text']))}</p>"
            f"<p>Payer: {html.escape(str(row['payer']))} · Provider: {html.escape(str(row['provider']))}"
            f"{html.escape(_npi(row))} · Patient: {html.escape(str(row['patient_id']))}</p>"
            f"<p><b>Next: {html.escape(str(row['action']))}</b>{html.escape(deadline)}. {html.escape(str(row['why']))}</p>"
        )
        finding = "" if pd.isna(row["finding"]) else str(row["finding"])
        predicted = (
            f"<p><b>The scrubber predicted it:</b> {html.escape(finding)}</p>"
            if finding
            else "<p style='color:#777'>No scrubber error on this claim.</p>"
        )
        lines = self.data.lines[self.data.lines["claim_id"].eq(claim_id)]
        lines = lines[["line_number", "service_date", "procedure_code", "modifier1", "units", "charge"]]
        adjustments = self.data.remit_adjustments[self.data.remit_adjustments["claim_id"].eq(claim_id)]
        explained = (
            explain_adjustments(adjustments) if len(adjustments) else adjustments.assign(explanation=None)
        )
        explained = explained[["payment_id", "line_number", "group", "reason", "amount", "explanation"]]
        findings = pd.DataFrame()
        if self.findings is not None and not self.findings.empty:
            findings = self.findings[self.findings["claim_id"].eq(claim_id)]
            findings = findings.assign(_error=findings["severity"].ne("error")).sort_values(
                "_error", kind="stable"
            )
            findings = findings[["line_number", "rule_id", "severity", "message"]]
        done = self.done[self.done["claim_id"].eq(claim_id)]
        done_html = f"<h5>Done</h5>{_html(done)}" if len(done) else ""
        self.detail.value = (
            head
            + predicted
            + f"<h5>Lines</h5>{_html(lines)}"
            + f"<h5>Payer adjustments</h5>{_html(explained, 'No remittance yet.')}"
            + f"<h5>Scrubber findings</h5>{_html(findings, 'Not scrubbed or nothing found.')}"
            + done_html
        )

    def mark_done(self) -> None:
        """Record the open claim's action as done (with the note), save, and refresh the list."""
        claim_id = self.claim.value
        if not claim_id:
            self.message.value = "<span style='color:#a00'>Open a claim first.</span>"
            return
        action = self.rows.loc[self.rows["claim_id"].eq(claim_id), "action"].iloc[0]
        entry = pd.DataFrame(
            [
                {
                    "claim_id": claim_id,
                    "action": action,
                    "done_on": str(self.as_of.date()),
                    "note": self.note.value,
                }
            ]
        )
        self.done = pd.concat([self.done, entry], ignore_index=True)
        if self.done_path:
            self.done_path.parent.mkdir(parents=True, exist_ok=True)
            self.done.to_csv(self.done_path, index=False)
        self.note.value = ""
        self.message.value = f"{html.escape(claim_id)}: {html.escape(action)} done."
        self.refresh()
