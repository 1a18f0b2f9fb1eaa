"""``RemittanceViewer``: an 835 file as tables, each adjustment explained, posted against the claims.

Parsing is ``medbill.claims.x12.read_835``, reasons come from ``medbill.refdata.carc`` / ``rarc``, and
posting from ``medbill.claims.posting.post``; the widget joins and shows them.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

import ipywidgets as widgets
import pandas as pd

from medbill.widgets._format import money

ALL = "(all claims)"
TABS = ("payments", "claims", "lines", "adjustments", "remarks")
VIEWS = ("eob", *TABS, "posting")


def explain_adjustments(adjustments: pd.DataFrame) -> pd.DataFrame:
    """``adjustments`` with ``group_meaning``, ``reason_text`` and a one-line ``explanation`` per row.

    A CARC missing from medbill's table keeps its row and says so, rather than being dropped.
    """
    from medbill.refdata import carc

    reasons = carc.table()[["code", "description"]].rename(
        columns={"code": "reason", "description": "reason_text"}
    )
    out = adjustments.merge(
        reasons.astype({"reason": "string"}), on="reason", how="left", validate="many_to_one"
    )
    out["group_meaning"] = out["group"].map(carc.GROUP_CODES).astype("string")
    unknown = "CARC " + out["reason"].astype("string") + " is not in medbill's CARC table"
    out["reason_text"] = out["reason_text"].astype("string").fillna(unknown)
    out["explanation"] = (
        out["group"].astype("string") + " (" + out["group_meaning"].fillna("unknown group") + "): "
    )
    out["explanation"] = out["explanation"] + out["reason_text"]
    return out


def explain_remarks(remarks: pd.DataFrame) -> pd.DataFrame:
    """``remarks`` with ``remark_text`` from medbill's RARC table where it has one."""
    try:
        from medbill.refdata import rarc
    except ImportError:
        return remarks.assign(remark_text=pd.NA)
    texts = (
        rarc.table().reset_index(drop=True)[["code", "summary"]].rename(columns={"summary": "remark_text"})
    )
    return remarks.merge(texts.astype({"code": "string"}), on="code", how="left", validate="many_to_one")


def _html(frame: pd.DataFrame) -> str:
    if frame is None or frame.empty:
        return "<p style='color:#777'>No rows.</p>"
    return frame.to_html(
        index=False, na_rep="", float_format=lambda v: f"{0.0 if abs(v) < 0.005 else v:,.2f}", border=0
    )


STATUS = {
    "1": "Processed as primary",
    "2": "Processed as secondary",
    "3": "Processed as tertiary",
    "4": "Denied",
    "19": "Primary, forwarded",
    "20": "Secondary, forwarded",
    "22": "Reversal of previous payment",
}


def _esc(value: Any) -> str:
    return html.escape("" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value))


def eob_html(claims: pd.DataFrame, lines: pd.DataFrame | None, adjustments: pd.DataFrame | None) -> str:
    """The remittance laid out like an explanation of benefits: per claim its status and totals, its
    service lines (billed, allowed, paid), each line's adjustments with group and CARC text, and what
    the patient owes."""
    if claims is None or claims.empty:
        return "<p style='color:#777'>No claims in this remittance.</p>"
    lines = lines if lines is not None else pd.DataFrame(columns=["claim_id", "line_number"])
    adjustments = (
        adjustments if adjustments is not None else pd.DataFrame(columns=["claim_id", "line_number"])
    )
    blocks = []
    for c in claims.itertuples():
        mine = lines[lines["claim_id"].astype("string").eq(str(c.claim_id)).fillna(False)]
        adj = adjustments[adjustments["claim_id"].astype("string").eq(str(c.claim_id)).fillna(False)]
        if "payment_id" in adj.columns and "payment_id" in claims.columns:
            adj = adj[adj["payment_id"].astype("string").eq(str(c.payment_id)).fillna(False)]
            mine = (
                mine[mine["payment_id"].astype("string").eq(str(c.payment_id)).fillna(False)]
                if "payment_id" in mine.columns
                else mine
            )
        rows = []
        for ln in mine.itertuples():
            rows.append(
                f"<tr class='medbill-eob-line'><td>{_esc(ln.line_number)}</td><td>{_esc(ln.procedure_code)}</td>"
                f"<td>{money(ln.charge)}</td><td>{money(getattr(ln, 'allowed', None))}</td><td>{money(ln.paid)}</td></tr>"
            )
            for a in adj[adj["line_number"].astype("Int64").eq(ln.line_number).fillna(False)].itertuples():
                rows.append(_adjustment_row(a))
        for a in adj[adj["line_number"].isna()].itertuples():  # claim-level adjustments
            rows.append(_adjustment_row(a))
        patient = (
            adj.loc[adj["group"].eq("PR").fillna(False), "amount"].sum() if "group" in adj.columns else 0.0
        )
        status = STATUS.get(str(c.status_code), f"status {c.status_code}")
        blocks.append(
            "<div class='medbill-eob' style='border:1px solid #ccc;border-radius:6px;padding:6px 12px;margin:6px 0'>"
            f"<h4 style='margin:4px 0'>Claim {_esc(c.claim_id)} — {_esc(status)}</h4>"
            f"<p>Billed <b>{money(c.charge)}</b> · Paid by the payer <b>{money(c.paid)}</b> · "
            f"Patient responsibility <b class='medbill-eob-patient'>{money(c.patient_responsibility)}</b></p>"
            "<table class='medbill-eob-lines'><tr><th>Line</th><th>Procedure</th><th>Billed</th>"
            "<th>Allowed</th><th>Paid</th></tr>" + "".join(rows) + "</table>"
            f"<p>Patient owes <b>{money(patient if patient else c.patient_responsibility)}</b> "
            "(deductible, coinsurance, copay and non-covered amounts: group PR).</p></div>"
        )
    return "".join(blocks)


def _adjustment_row(a: Any) -> str:
    return (
        "<tr class='medbill-eob-adjustment' style='color:#555'><td></td>"
        f"<td colspan='3'>{_esc(a.group)}-{_esc(a.reason)}: {_esc(getattr(a, 'reason_text', ''))}</td>"
        f"<td>{money(-a.amount) if pd.notna(a.amount) else ''}</td></tr>"
    )


class RemittanceViewer(widgets.VBox):
    """Tabs for the 835's payments, claims, lines, explained adjustments, remarks, balance and posting."""

    def __init__(self, remittance: Any, claims_data: Any | None = None) -> None:
        self.remittance = remittance
        self.claims_data = claims_data
        tables = remittance.tables
        self.tables: dict[str, pd.DataFrame] = {name: tables.get(f"remit_{name}") for name in TABS}
        if self.tables["adjustments"] is not None:
            self.tables["adjustments"] = explain_adjustments(self.tables["adjustments"])
        if self.tables["remarks"] is not None:
            self.tables["remarks"] = explain_remarks(self.tables["remarks"])
        self.posting = self._post()
        claim_ids = (
            self.tables["claims"]["claim_id"].dropna().astype(str).unique()
            if self.tables["claims"] is not None
            else []
        )
        self.claim = widgets.Dropdown(options=[ALL, *claim_ids], description="Claim").add_class(
            "medbill-remit-claim"
        )
        self.views = {name: widgets.HTML().add_class(f"medbill-remit-{name}") for name in VIEWS}
        self.balance_view = widgets.HTML(self._balance_html()).add_class("medbill-remit-balance")
        tabs = widgets.Tab(children=[*self.views.values(), self.balance_view])
        for i, title in enumerate([*VIEWS, "balance"]):
            tabs.set_title(i, "EOB" if title == "eob" else title.capitalize())
        self.claim.observe(lambda _c: self.refresh(), "value")
        super().__init__([self.claim, tabs])
        self.add_class("medbill-remittance-viewer")
        self.refresh()

    @classmethod
    def from_file(cls, path: str | Path, claims_data: Any | None = None) -> RemittanceViewer:
        """Read an 835 file and show it (posted against ``claims_data`` when given)."""
        from medbill.claims.x12 import read_835

        return cls(read_835(Path(path)), claims_data)

    def _post(self) -> pd.DataFrame | None:
        if self.claims_data is None:
            return None
        from medbill.claims.posting import post

        return post(self.remittance, self.claims_data)

    def _balance_html(self) -> str:
        balance = self.remittance.balance()
        if isinstance(balance, pd.DataFrame):
            return _html(balance)
        return f"<pre>{balance}</pre>"

    def shown(self, name: str) -> pd.DataFrame | None:
        """Table ``name`` (a tab's name or "posting") narrowed to the chosen claim."""
        frame = self.posting if name == "posting" else self.tables.get(name)
        if frame is None or self.claim.value == ALL or "claim_id" not in frame.columns:
            return frame
        return frame[frame["claim_id"].astype("string").eq(self.claim.value).fillna(False)]

    def refresh(self) -> None:
        for name, view in self.views.items():
            if name == "eob":
                view.value = eob_html(self.shown("claims"), self.shown("lines"), self.shown("adjustments"))
                continue
            frame = self.shown(name)
            if frame is None:
                view.value = (
                    "<p style='color:#777'>Pass the submitted claims (claims_data=...) to post this remittance.</p>"
                    if name == "posting"
                    else "<p style='color:#777'>This 835 has no such rows.</p>"
                )
            else:
                view.value = _html(frame)
