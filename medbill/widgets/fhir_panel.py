"""The documentation of a FHIR encounter beside medbill's code suggestions, for ``EncounterCoder.from_fhir``.

Nothing is accepted automatically: the coder picks a suggestion and clicks *Add* (a diagnosis for an
ICD-10-CM code, a procedure line for CPT/HCPCS), or codes by hand as usual.
"""

from __future__ import annotations

from html import escape
from typing import Any

import ipywidgets as widgets
import pandas as pd


def documentation_html(encounter: pd.Series, findings: pd.DataFrame) -> str:
    """The encounter as documented: who, when, why, and each finding with its source coding."""
    facts = [
        ("Date", encounter["date"]),
        ("Class / type", f"{encounter['class']} · {encounter['type_text']}"),
        ("Reason", encounter["reason"]),
        ("Practitioner", encounter["practitioner"]),
        ("Organization", encounter["organization"]),
        ("Payer", encounter["payer"]),
        ("E/M family (suggested)", encounter["em_family"]),
    ]
    rows = "".join(
        f"<tr><th style='text-align:left'>{escape(k)}</th><td>{escape(str(v))}</td></tr>"
        for k, v in facts
        if v
    )
    seen = findings.drop_duplicates("finding_id")
    items = "".join(
        f"<li>{escape(f.kind)}: <b>{escape(f.display)}</b> <span style='color:#666'>"
        f"({escape(f.system)} {escape(f.code)}, {escape(str(f.date))})</span></li>"
        for f in seen.itertuples()
    )
    return f"<h4>Documentation</h4><table>{rows}</table><ul>{items or '<li>no findings documented</li>'}</ul>"


def suggestions_html(findings: pd.DataFrame) -> str:
    """The suggestions per finding: rank, code, title, score, matched words and any note."""
    if findings["code_suggested"].isna().all():
        return "<h4>Suggestions</h4><p>No suggestions for this encounter.</p>"
    blocks = []
    for _fid, group in findings.dropna(subset=["code_suggested"]).groupby("finding_id", sort=False):
        head = group.iloc[0]
        rows = "".join(
            f"<tr><td>{int(s.rank)}</td><td><code>{escape(s.code_suggested)}</code></td><td>{escape(str(s.title))}</td>"
            f"<td>{float(s.score):.2f}</td><td>{escape(str(s.matched_words))}</td><td>{escape(str(s.source_suggested))}</td></tr>"
            for s in group.itertuples()
        )
        note = f"<div style='color:#a60'>{escape(str(head['note']))}</div>" if head["note"] else ""
        blocks.append(
            f"<p><b>{escape(head['display'])}</b></p>{note}<table><tr><th>#</th><th>code</th><th>title</th>"
            f"<th>score</th><th>matched</th><th>from</th></tr>{rows}</table>"
        )
    return "<h4>Suggestions (not accepted until you add them)</h4>" + "".join(blocks)


class SuggestionPanel(widgets.VBox):
    """Documentation and suggestions side by side, and a picker that adds one suggestion to ``coder``."""

    def __init__(self, encounter: pd.Series, findings: pd.DataFrame, coder: Any) -> None:
        self.coder = coder
        self.documentation = widgets.HTML(documentation_html(encounter, findings)).add_class(
            "medbill-fhir-doc"
        )
        self.suggestions = widgets.HTML(suggestions_html(findings)).add_class("medbill-fhir-suggestions")
        offered = findings.dropna(subset=["code_suggested"])
        self.pick = widgets.Dropdown(
            options=[
                (
                    f"{s.code_suggested} · {str(s.title)[:50]} ({s.display})",
                    (s.system_suggested, s.code_suggested),
                )
                for s in offered.itertuples()
            ],
            value=None,
            description="Suggestion",
            layout=widgets.Layout(width="48em"),
        )
        self.add_button = widgets.Button(description="Add", icon="plus").add_class("medbill-fhir-add")
        self.add_button.on_click(lambda _b: self.add_selected())
        super().__init__(
            [
                widgets.HBox(
                    [
                        widgets.Box([self.documentation], layout=widgets.Layout(width="45%")),
                        widgets.Box([self.suggestions], layout=widgets.Layout(width="55%")),
                    ]
                ),
                widgets.HBox([self.pick, self.add_button]),
            ]
        )
        self.add_class("medbill-fhir-panel")

    def add_selected(self) -> None:
        """Add the picked suggestion: an ICD-10-CM code as a diagnosis, CPT/HCPCS as a procedure line."""
        if self.pick.value is None:
            return
        system, code = self.pick.value
        if system == "icd10cm":
            self.coder.add_diagnosis(code)
        else:
            self.coder.add_line(procedure_code=code)
