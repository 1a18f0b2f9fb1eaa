"""Report tables a reader can work with offline: every row, sortable by any column, filterable by
text, and downloadable as CSV, with a few lines of inline JavaScript and nothing fetched.

The rows travel as JSON inside the page (raw values: plain numbers, ISO dates, text; a text column
that repeats a lot as positions in its list of distinct values), and the script draws them in the formats of :mod:`medbill.analytics.formats` ($1,234.50, 12.5%, 2,736).
JSON is about a quarter of the size of the same rows as HTML cells, which keeps a KPI page with
thousands of drill-down rows small. Sorting is numeric where it should be, and the CSV holds
numbers a spreadsheet can add up, under the same headers in words the page shows. The script is
inline in every table (it installs itself once per page), so a table pasted alone still works.
"""

from __future__ import annotations

import html
import itertools
import json
import math
import re
from collections.abc import Mapping
from typing import Any

import pandas as pd

from medbill.analytics.formats import header, kinds_of

_ids = itertools.count(1)
SCROLL_ROWS = 20  # taller tables scroll inside their box instead of pushing the page down

# Draw rows from the JSON, sort on header click, filter on typing, CSV from the raw values.
SCRIPT = r"""
(function () {
  if (window.medbillTables) { window.medbillTables.init(); return; }
  var US = "en-US";
  function fmt(v, kind) {
    if (v === null || v === undefined || v === "") { return ""; }
    if (typeof v !== "number") { return String(v); }
    if (kind === "money") {
      if (Math.abs(v) < 0.005) { v = 0; }
      return (v < 0 ? "-$" : "$") + Math.abs(v).toLocaleString(US, {minimumFractionDigits: 2, maximumFractionDigits: 2});
    }
    if (kind === "rate") { return (v * 100).toFixed(1) + "%"; }
    if (kind === "count") { return Math.round(v).toLocaleString(US); }
    if (kind === "days") {
      return Number.isInteger(v) ? v.toLocaleString(US)
        : v.toLocaleString(US, {minimumFractionDigits: 1, maximumFractionDigits: 1});
    }
    return String(v);
  }
  function csvField(v) {
    var text = v === null || v === undefined ? "" : String(v);
    return /[",\n\r]/.test(text) ? '"' + text.replace(/"/g, '""') + '"' : text;
  }
  function toCsv(box) {
    var d = box.medbillData;
    var lines = [d.headers.map(csvField).join(",")];
    d.rows.forEach(function (row) { lines.push(row.map(csvField).join(",")); });
    return lines.join("\r\n") + "\r\n";
  }
  function download(box) {
    var blob = new Blob(["\ufeff" + toCsv(box)], {type: "text/csv;charset=utf-8"});
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
    var all = rows.length.toLocaleString(US);
    box.querySelector(".medbill-count").textContent =
      shown === rows.length ? all + " rows" : shown.toLocaleString(US) + " of " + all + " rows";
  }
  function draw(box) {
    var d = box.medbillData, body = box.querySelector("tbody"), html = [];
    d.order.forEach(function (i) {
      var row = d.rows[i], cells = [];
      for (var c = 0; c < row.length; c++) {
        var text = fmt(row[c], d.kinds[c]).replace(/&/g, "&amp;").replace(/</g, "&lt;");
        cells.push(d.numeric[c] ? '<td class="num">' + text + "</td>" : "<td>" + text + "</td>");
      }
      html.push("<tr>" + cells.join("") + "</tr>");
    });
    body.innerHTML = html.join("");
    filter(box);
  }
  function filter(box) {
    var words = box.querySelector(".medbill-filter").value.toLowerCase().split(/\s+/).filter(Boolean);
    box.querySelectorAll("tbody tr").forEach(function (tr) {
      var text = tr.textContent.toLowerCase();
      tr.hidden = !words.every(function (w) { return text.indexOf(w) >= 0; });
    });
    count(box);
  }
  function sortBy(box, th) {
    var d = box.medbillData, col = th.cellIndex;
    var dir = th.getAttribute("aria-sort") === "ascending" ? -1 : 1;
    box.querySelectorAll("thead th").forEach(function (h) { h.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", dir === 1 ? "ascending" : "descending");
    d.order.sort(function (a, b) {
      var x = d.rows[a][col], y = d.rows[b][col];
      var ex = x === null || x === "", ey = y === null || y === "";
      if (ex || ey) { return ex - ey; }
      if (d.numeric[col]) { return dir * (x - y) || a - b; }
      return dir * String(x).localeCompare(String(y), undefined, {numeric: true}) || a - b;
    });
    draw(box);
  }
  function setUp(box) {
    box.setAttribute("data-ready", "1");
    var d = JSON.parse(box.querySelector("script.medbill-data").textContent);
    d.lookups.forEach(function (lookup, c) {
      if (lookup) { d.rows.forEach(function (row) { row[c] = lookup[row[c]]; }); }
    });
    d.numeric = d.kinds.map(function (k) { return ["money", "rate", "count", "days"].indexOf(k) >= 0; });
    d.order = d.rows.map(function (_r, i) { return i; });
    box.medbillData = d;
    box.querySelector(".medbill-filter").addEventListener("input", function () { filter(box); });
    box.querySelector(".medbill-csv").addEventListener("click", function () { download(box); });
    box.querySelectorAll("thead th").forEach(function (th) {
      th.addEventListener("click", function () { sortBy(box, th); });
    });
    draw(box);
  }
  window.medbillTables = {
    init: function () { document.querySelectorAll(".medbill-table:not([data-ready])").forEach(setUp); },
    csv: toCsv,
    format: fmt
  };
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", window.medbillTables.init);
  } else { window.medbillTables.init(); }
})();
"""

STYLE = (
    # !important: JupyterLab's own table style right-aligns every cell, text included.
    "<style>.medbill-table table{border-collapse:collapse;font-size:13px}"
    ".medbill-table th{cursor:pointer;position:sticky;top:0;background:#f4f4f4;text-align:left;"
    "padding:4px 8px;white-space:nowrap}"
    ".medbill-table th[aria-sort=ascending]::after{content:' \\25B2'}"
    ".medbill-table th[aria-sort=descending]::after{content:' \\25BC'}"
    ".medbill-table td{padding:3px 8px;border-top:1px solid #eee;text-align:left !important}"
    ".medbill-table td.num{text-align:right !important;font-variant-numeric:tabular-nums}"
    ".medbill-table .medbill-bar{display:flex;gap:12px;align-items:center;margin:6px 0}"
    "</style>"
)

_NUMERIC = ("money", "rate", "count", "days")


def raw_values(values: pd.Series, kind: str) -> list[Any]:
    """The values the page and the CSV carry: numbers (None when missing), ISO dates, yes/no, text."""
    if kind in _NUMERIC:
        numbers = pd.to_numeric(values, errors="coerce").astype("float64")
        return [round(float(n), 6) if math.isfinite(n) else None for n in numbers.fillna(math.nan)]
    if kind == "date":
        dates = pd.to_datetime(values, errors="coerce").dt.strftime("%Y-%m-%d")
        return dates.fillna(values.astype("string")).fillna("").astype(str).tolist()
    if kind == "flag":
        return ["" if pd.isna(v) else ("yes" if bool(v) else "no") for v in values]
    return values.astype("string").fillna("").astype(str).tolist()


def _dictionary(values: list[Any]) -> list[Any] | None:
    """The distinct values of a text column that repeats a lot (payer and provider names), else None:
    the rows then carry positions in this list instead of the same long text again and again."""
    distinct = list(dict.fromkeys(values))
    return distinct if len(distinct) * 4 <= len(values) else None


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
    columns, lookups = [], []
    for c in frame.columns:
        values = raw_values(frame[c], found[c])
        lookup = _dictionary(values) if found[c] not in _NUMERIC else None
        if lookup is not None:
            position = {v: i for i, v in enumerate(lookup)}
            values = [position[v] for v in values]
        columns.append(values)
        lookups.append(lookup)
    headers = [header(c) for c in frame.columns]
    payload = {
        "headers": headers,
        "kinds": [found[c] for c in frame.columns],
        "lookups": lookups,
        "rows": [list(row) for row in zip(*columns, strict=True)] if columns else [],
    }
    # "</" inside a script element would end it: JSON allows the escaped form.
    data = json.dumps(payload, separators=(",", ":"), allow_nan=False).replace("</", "<\\/")
    heads = "".join(f'<th title="Sort by {html.escape(h)}">{html.escape(h)}</th>' for h in headers)
    title = f"<strong>{html.escape(caption)}</strong>" if caption else ""
    scroll = "max-height:32em;overflow:auto;" if len(frame) > SCROLL_ROWS else ""
    name = file or file_stem(caption or "table")
    return (
        f'{STYLE}<div class="medbill-table" id="medbill-table-{next(_ids)}" data-file="{html.escape(name)}" '
        f'data-rows="{len(frame)}">'
        f'<div class="medbill-bar">{title}<input class="medbill-filter" type="search" '
        f'placeholder="Filter rows…" aria-label="Filter rows">'
        f'<span class="medbill-count">{len(frame):,} rows</span>'
        f'<button class="medbill-csv" type="button">Download CSV</button></div>'
        f'<div style="{scroll}"><table><thead><tr>{heads}</tr></thead><tbody></tbody></table></div>'
        f'<script type="application/json" class="medbill-data">{data}</script>'
        f"</div><script>{SCRIPT}</script>"
    )
