"""Report tables a reader can work with offline: every row, sortable by any column, filterable by
text, and downloadable as CSV, with a few lines of inline JavaScript and nothing fetched.

Each cell carries its raw value in ``data-v`` (numbers unformatted, dates ISO), so sorting is
numeric where it should be and the CSV holds numbers a spreadsheet can add up, under the same
headers in words the page shows. The script is inline in every table (it installs itself once per
page), so a table pasted alone into another page still works.
"""

from __future__ import annotations

import html
import itertools
import re
from collections.abc import Mapping

import numpy as np
import pandas as pd

from medbill.analytics.formats import format_values, header, kinds_of

_ids = itertools.count(1)
SCROLL_ROWS = 20  # taller tables scroll inside their box instead of pushing the page down

# The table behaviour: sort on header click, filter on typing, CSV built from data-v on click.
SCRIPT = """
(function () {
  if (window.medbillTables) { window.medbillTables.init(); return; }
  function cell(td) { return td.getAttribute("data-v"); }
  function csvField(text) {
    text = text == null ? "" : String(text);
    return /[",\\n\\r]/.test(text) ? '"' + text.replace(/"/g, '""') + '"' : text;
  }
  function toCsv(box) {
    var table = box.querySelector("table");
    var head = Array.prototype.map.call(table.tHead.rows[0].cells, function (th) {
      return csvField(th.getAttribute("data-header"));
    }).join(",");
    var body = Array.prototype.map.call(table.tBodies[0].rows, function (tr) {
      return Array.prototype.map.call(tr.cells, function (td) { return csvField(cell(td)); }).join(",");
    });
    return [head].concat(body).join("\\r\\n") + "\\r\\n";
  }
  function download(box) {
    var blob = new Blob(["\\ufeff" + toCsv(box)], {type: "text/csv;charset=utf-8"});
    var a = document.createElement("a");
    a.href = URL.createObjectURL(blob);
    a.download = box.getAttribute("data-file") + ".csv";
    document.body.appendChild(a);
    a.click();
    setTimeout(function () { URL.revokeObjectURL(a.href); a.remove(); }, 0);
  }
  function count(box) {
    var rows = box.querySelectorAll("tbody tr");
    var shown = Array.prototype.filter.call(rows, function (tr) { return !tr.hidden; }).length;
    box.querySelector(".medbill-count").textContent =
      (shown === rows.length ? rows.length.toLocaleString("en-US") + " rows"
        : shown.toLocaleString("en-US") + " of " + rows.length.toLocaleString("en-US") + " rows");
  }
  function sortBy(box, th) {
    var table = box.querySelector("table");
    var col = th.cellIndex, numeric = th.getAttribute("data-numeric") === "1";
    var dir = th.getAttribute("aria-sort") === "ascending" ? -1 : 1;
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (h) { h.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", dir === 1 ? "ascending" : "descending");
    var rows = Array.prototype.slice.call(table.tBodies[0].rows);
    rows.sort(function (a, b) {
      var x = cell(a.cells[col]), y = cell(b.cells[col]);
      if (x === "" || y === "") { return (x === "") - (y === ""); }
      if (numeric) { return dir * (parseFloat(x) - parseFloat(y)); }
      return dir * x.localeCompare(y, undefined, {numeric: true});
    });
    rows.forEach(function (tr) { table.tBodies[0].appendChild(tr); });
  }
  function setUp(box) {
    box.setAttribute("data-ready", "1");
    box.querySelector(".medbill-filter").addEventListener("input", function (e) {
      var words = e.target.value.toLowerCase().split(/\\s+/).filter(Boolean);
      box.querySelectorAll("tbody tr").forEach(function (tr) {
        var text = tr.textContent.toLowerCase();
        tr.hidden = !words.every(function (w) { return text.indexOf(w) >= 0; });
      });
      count(box);
    });
    box.querySelector(".medbill-csv").addEventListener("click", function () { download(box); });
    box.querySelectorAll("thead th").forEach(function (th) {
      th.addEventListener("click", function () { sortBy(box, th); });
    });
    count(box);
  }
  window.medbillTables = {
    init: function () {
      document.querySelectorAll(".medbill-table:not([data-ready])").forEach(setUp);
    },
    csv: toCsv
  };
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", window.medbillTables.init);
  } else { window.medbillTables.init(); }
})();
"""

STYLE = (
    "<style>.medbill-table table{border-collapse:collapse;font-size:13px}"
    ".medbill-table th{cursor:pointer;position:sticky;top:0;background:#f4f4f4;text-align:left;"
    "padding:4px 8px;white-space:nowrap}"
    ".medbill-table th[aria-sort=ascending]::after{content:' \\25B2'}"
    ".medbill-table th[aria-sort=descending]::after{content:' \\25BC'}"
    ".medbill-table td{padding:3px 8px;border-top:1px solid #eee;text-align:left}"
    ".medbill-table td.num{text-align:right;font-variant-numeric:tabular-nums}"
    ".medbill-table .medbill-bar{display:flex;gap:12px;align-items:center;margin:6px 0}"
    "</style>"
)

_NUMERIC = ("money", "rate", "count", "days")


def _raw(values: pd.Series, kind: str) -> list[str]:
    """The value behind each cell: plain numbers, ISO dates, yes/no, text."""
    if kind in _NUMERIC:
        numbers = pd.to_numeric(values, errors="coerce").astype("float64").to_numpy()
        text = values.astype("string").fillna("").to_numpy()
        return [
            repr(round(float(n), 6)) if np.isfinite(n) else str(t) for n, t in zip(numbers, text, strict=True)
        ]
    if kind == "date":
        dates = pd.to_datetime(values, errors="coerce").dt.strftime("%Y-%m-%d")
        return dates.fillna(values.astype("string")).fillna("").astype(str).tolist()
    if kind == "flag":
        return ["" if pd.isna(v) else ("yes" if bool(v) else "no") for v in values]
    return values.astype("string").fillna("").astype(str).tolist()


def file_stem(text: str) -> str:
    """A download file name from a caption: "By payer" -> "by-payer"."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "table"


def datatable_html(
    frame: pd.DataFrame,
    caption: str = "",
    *,
    kinds: Mapping[str, str] | None = None,
    file: str = "",
) -> str:
    """``frame`` as an interactive table with every row (see the module docstring).

    ``kinds`` overrides the kind of a column (:mod:`medbill.analytics.formats`); ``file`` names the
    CSV download (default: from the caption).
    """
    frame = frame.reset_index(drop=True)
    found = kinds_of(frame, kinds)
    table_id = f"medbill-table-{next(_ids)}"
    heads = "".join(
        f'<th data-header="{html.escape(header(c))}" data-numeric="{int(found[c] in _NUMERIC)}" '
        f'title="Sort by {html.escape(header(c))}">{html.escape(header(c))}</th>'
        for c in frame.columns
    )
    columns = []
    for c in frame.columns:
        shown = format_values(frame[c], found[c]).tolist()
        raw = _raw(frame[c], found[c])
        css = ' class="num"' if found[c] in _NUMERIC else ""
        columns.append(
            [
                f'<td{css} data-v="{html.escape(r)}">{html.escape(s)}</td>'
                for s, r in zip(shown, raw, strict=True)
            ]
        )
    body = (
        "".join("<tr>" + "".join(cells) + "</tr>" for cells in zip(*columns, strict=True)) if columns else ""
    )
    title = f"<strong>{html.escape(caption)}</strong>" if caption else ""
    scroll = "max-height:32em;overflow:auto;" if len(frame) > SCROLL_ROWS else ""
    name = file or file_stem(caption or "table")
    return (
        f'{STYLE}<div class="medbill-table" id="{table_id}" data-file="{html.escape(name)}" '
        f'data-rows="{len(frame)}">'
        f'<div class="medbill-bar">{title}<input class="medbill-filter" type="search" '
        f'placeholder="Filter rows…" aria-label="Filter rows">'
        f'<span class="medbill-count">{len(frame):,} rows</span>'
        f'<button class="medbill-csv" type="button">Download CSV</button></div>'
        f'<div style="{scroll}"><table><thead><tr>{heads}</tr></thead><tbody>{body}</tbody></table></div>'
        f"</div><script>{SCRIPT}</script>"
    )
