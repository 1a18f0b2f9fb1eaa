"""What a scrub returns: the findings table, counts, and a status for every input line and claim."""

from __future__ import annotations

import dataclasses
import html

import numpy as np
import pandas as pd
from pandas.api.types import union_categoricals

from medbill.exceptions import ScrubErrors

FINDING_COLUMNS = ["claim_id", "line_number", "rule_id", "severity", "field", "value", "message", "reference"]
# Findings columns held as categoricals: few distinct values (messages come from a few templates),
# so a finding costs about 50 bytes instead of about 700 as Python strings.
CATEGORY_COLUMNS = ("rule_id", "severity", "field", "value", "message", "reference")
SEVERITY_RANK = {"error": 3, "warning": 2, "info": 1}
# A line's or claim's worst finding, ordered by rank: status >= "warning" selects warnings and errors.
STATUS = pd.CategoricalDtype(["clean", "info", "warning", "error"], ordered=True)
_COLOURS = {"error": "#b00020", "warning": "#a15c00", "info": "#0b5394"}
# Arrow-backed text: pandas 3 calls it "str"; pandas 2 reads "str" as object, so it is named there
TEXT = "str" if int(pd.__version__.split(".")[0]) >= 3 else "string[pyarrow]"
_NO_CATEGORIES = pd.Index([], dtype=TEXT)


def as_category(values: pd.Series | pd.Categorical | np.ndarray) -> pd.Categorical:
    """Text as a categorical whose categories are the distinct values present, sorted (so equal
    findings have equal dtypes however they were computed)."""
    if isinstance(values, pd.Series):
        values = values.array
    if isinstance(values, pd.Categorical):
        cat = values.remove_unused_categories()
    else:
        cat = pd.Categorical(np.asarray(values, dtype=object))
    if not len(cat.categories):
        return pd.Categorical.from_codes(cat.codes, categories=_NO_CATEGORIES)
    if cat.categories.dtype != TEXT:  # a check gave numbers or other objects: findings are text
        cat = pd.Categorical(pd.Series(np.asarray(cat, dtype=object)).astype(TEXT))  # missing stays missing
    if not cat.categories.is_monotonic_increasing:
        cat = cat.reorder_categories(cat.categories.sort_values())
    return cat


def concat_findings(parts: list[pd.DataFrame]) -> pd.DataFrame:
    """Findings tables one after another (``ignore_index``), the categorical columns kept categorical
    with the union of the parts' categories, sorted: equal to scrubbing the parts as one batch."""
    filled = [p for p in parts if len(p)] or parts[:1]
    # categories differ between parts, and concat would fall back to one Python string per finding
    text = {
        c: union_categoricals([p[c].array for p in filled], sort_categories=True)
        for c in CATEGORY_COLUMNS
        if c in filled[0]
    }
    joined = pd.concat([p.drop(columns=list(text)) for p in filled], ignore_index=True)
    for c in CATEGORY_COLUMNS:
        if c in text:
            joined.insert(filled[0].columns.get_loc(c), c, as_category(text[c]))
    return joined


@dataclasses.dataclass(frozen=True)
class ScrubResult:
    """Findings with fixed columns, plus one status row per input line and per input claim.

    ``findings`` columns: claim_id, line_number (NA for claim-level findings), rule_id, severity,
    field, value, message, reference; ``line_row`` / ``claim_row`` give the input positions. Text
    is compact: claim_id an Arrow string, the others categoricals (:data:`CATEGORY_COLUMNS`);
    ``status`` in ``line_status`` / ``claim_status`` is the ordered categorical :data:`STATUS`.
    ``skipped`` lists the rules that did not check some or all lines, and why (reference data not
    imported, or no release covering those dates of service): columns rule_id, reason, lines,
    claims. ``line_status["unchecked"]`` / ``claim_status["unchecked"]`` count the rules that did
    not check a line (a claim: its most-unchecked line); a line with no findings is "clean" only
    for the rules that ran.
    """

    findings: pd.DataFrame
    line_status: pd.DataFrame
    claim_status: pd.DataFrame
    rules: pd.DataFrame
    skipped: pd.DataFrame

    @property
    def counts(self) -> pd.DataFrame:
        """Findings per rule and severity, most frequent first."""
        if self.findings.empty:
            return pd.DataFrame({"rule_id": [], "severity": [], "findings": []}).astype(
                {"rule_id": "str", "severity": "str", "findings": "int64"}
            )
        return (
            self.findings.groupby(["rule_id", "severity"], sort=True, observed=True)
            .size()
            .rename("findings")
            .reset_index()
            .sort_values(["findings", "rule_id"], ascending=[False, True], kind="stable")
            .reset_index(drop=True)
        )

    @property
    def errors(self) -> pd.DataFrame:
        return self.findings[self.findings["severity"].eq("error")]

    @property
    def ok(self) -> bool:
        """True when no finding is an error."""
        return self.errors.empty

    def raise_for_errors(self) -> ScrubResult:
        """Raise ``ScrubErrors`` (with ``.findings`` = the error rows) when any error was found."""
        errs = self.errors
        if not errs.empty:
            first = errs.iloc[0]
            raise ScrubErrors(
                errs.reset_index(drop=True),
                f"{len(errs)} scrub error(s) on {errs['claim_id'].nunique()} claim(s); first: claim "
                f"{first['claim_id']} {first['rule_id']}: {first['message']}. See .findings.",
            )
        return self

    def to_dict(self) -> dict:
        """The CLI's JSON shape."""
        cols = ["claim_id", "line_number", "rule_id", "severity", "field", "value", "message", "reference"]
        f = self.findings[cols].astype(object).where(self.findings[cols].notna(), None)
        return {
            "lines_checked": len(self.line_status),
            "claims_checked": len(self.claim_status),
            "counts": {
                str(r): int(n) for r, n in self.findings["rule_id"].value_counts().sort_index().items() if n
            },
            "skipped_rules": self.skipped.to_dict("records"),
            "findings": [
                {k: (int(v) if k == "line_number" and v is not None else v) for k, v in row.items()}
                for row in f.to_dict("records")
            ],
        }

    def __repr__(self) -> str:
        sev = self.findings["severity"].value_counts()
        return (
            f"<ScrubResult {len(self.claim_status)} claims, {len(self.line_status)} lines: "
            f"{int(sev.get('error', 0))} errors, {int(sev.get('warning', 0))} warnings, "
            f"{int(sev.get('info', 0))} info; {self.skipped['rule_id'].nunique()} rules skipped for some lines>"
        )

    def _repr_html_(self, max_rows: int = 200) -> str:
        """Notebook rendering: a summary line, skipped rules, then findings coloured by severity."""
        parts = [f"<p><b>{html.escape(repr(self)[1:-1])}</b></p>"]
        if not self.skipped.empty:
            items = "".join(
                f"<li><code>{html.escape(r.rule_id)}</code> ({r.lines:,} lines): {html.escape(r.reason)}</li>"
                for r in self.skipped.itertuples()
            )
            parts.append(f"<details><summary>Rules not run</summary><ul>{items}</ul></details>")
        if self.findings.empty:
            parts.append("<p>No findings.</p>")
            return "".join(parts)
        head = "".join(f"<th>{c}</th>" for c in FINDING_COLUMNS)
        rows = []
        shown = self.findings.head(max_rows)
        for r in shown[FINDING_COLUMNS].itertuples(index=False):
            colour = _COLOURS.get(r.severity, "inherit")
            cells = []
            for name, v in zip(FINDING_COLUMNS, r, strict=True):
                text = "" if pd.isna(v) else html.escape(str(v))
                style = f' style="color:{colour};font-weight:bold"' if name == "severity" else ""
                cells.append(f"<td{style}>{text}</td>")
            rows.append(f"<tr>{''.join(cells)}</tr>")
        parts.append(f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>")
        if len(self.findings) > max_rows:
            parts.append(f"<p>… {len(self.findings) - max_rows} more findings in <code>.findings</code>.</p>")
        return "".join(parts)
