"""``RemittanceViewer``: an 835 file as tables, each adjustment explained, posted against the claims.

Parsing is ``medbill.claims.x12.read_835``, reasons come from ``medbill.refdata.carc`` / ``rarc``, and
posting from ``medbill.claims.posting.post``; the widget joins and shows them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import ipywidgets as widgets
import pandas as pd

ALL = "(all claims)"
TABS = ("payments", "claims", "lines", "adjustments", "remarks")


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
    return frame.to_html(index=False, na_rep="", float_format=lambda v: f"{v:,.2f}", border=0)


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
        self.views = {name: widgets.HTML().add_class(f"medbill-remit-{name}") for name in (*TABS, "posting")}
        self.balance_view = widgets.HTML(self._balance_html()).add_class("medbill-remit-balance")
        tabs = widgets.Tab(children=[*self.views.values(), self.balance_view])
        for i, title in enumerate([*TABS, "posting", "balance"]):
            tabs.set_title(i, title.capitalize())
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
            frame = self.shown(name)
            if frame is None:
                view.value = (
                    "<p style='color:#777'>Pass the submitted claims (claims_data=...) to post this remittance.</p>"
                    if name == "posting"
                    else "<p style='color:#777'>This 835 has no such rows.</p>"
                )
            else:
                view.value = _html(frame)
