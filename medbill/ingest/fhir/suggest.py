"""Billing-code suggestions for the findings of a FHIR worklist. Nothing here is accepted for the coder.

- a Condition coded in ICD-10-CM keeps its code, flagged when not valid on the finding's date;
- other Conditions (SNOMED CT or text): medbill's ICD-10-CM search on the display text without its
  SNOMED CT semantic tag (no SNOMED CT map is shipped: it is licensed). The text is also searched in
  ICD-10-CM's own wording where it uses a lay or adjectival word ICD-10-CM words otherwise
  (``medbill/_data/icd10cm_wording.csv``: "muscle pain" -> "myalgia", "renal" -> "kidney"), and
  when the best code leaves words of the text unmatched ("Escherichia coli urinary tract
  infection"), those words are searched alone and their best code is suggested second, as a coder
  codes a second condition. Billable codes first, then codes that add no context the text does not
  name (history, newborn, subsequent encounter ...), then score, then code;
- Immunizations: CVX -> vaccine product and administration codes from ``medbill/_data/cvx_to_cpt.csv``;
  an unknown CVX code falls back to the search;
- Procedures: medbill's CPT/HCPCS search on the display text.

The search runs once per distinct (kind, code, text, release in effect), not once per finding.
"""

from __future__ import annotations

import functools
import re
import warnings
from datetime import date
from typing import Any

import pandas as pd

from medbill.refdata import icd10cm, registry
from medbill.refdata._packaged import read_csv
from medbill.refdata._types import Hit
from medbill.refdata.coverage import CoverageWarning

TOP = 5
SUGGESTION_COLUMNS = [
    "finding_id", "rank", "code", "system", "title", "billable", "score", "matched_words", "source", "note",
]  # fmt: skip
_SEMANTIC_TAG = re.compile(
    r"\s*\((disorder|finding|procedure|situation|morphologic abnormality|event|regime/therapy)\)\s*$", re.I
)
_WORD = re.compile(r"[a-z0-9]+")
_DEFAULT_WORDS = re.compile(r"\b(unspecified|nos|not elsewhere classified|not specified|without)\b", re.I)
_STOP = frozenset(
    {"and", "the", "of", "with", "without", "for", "by", "to", "in", "on", "or", "due", "using"}
)
# A title that adds one of these contexts, absent from the finding's text, is ranked after those that
# do not: a coder does not code "family history of stroke" or "congenital tuberculosis" from "Stroke"
# or "Tuberculosis".
_CONTEXTS = ("family history", "history", "newborn", "congenital", "perinatal", "pregnancy", "puerperium",
             "sequela", "subsequent encounter", "postprocedural", "screening", "complicating")  # fmt: skip
_CONTEXT_WORDS = frozenset(w for c in _CONTEXTS for w in c.split())


def clean_text(text: str) -> str:
    """The words worth searching: the display without its SNOMED CT semantic tag."""
    return _SEMANTIC_TAG.sub("", text or "").strip()


def matched_words(query: str, title: str) -> str:
    """Query words found in ``title`` (whole words, or sharing their first five letters)."""
    have = set(_WORD.findall(title.lower()))
    found = []
    for word in dict.fromkeys(_WORD.findall(query.lower())):
        if word in _STOP:
            continue
        if word in have or (len(word) >= 5 and any(h[:5] == word[:5] for h in have)):
            found.append(word)
    return " ".join(found)


def _adds_context(query: str, title: str) -> bool:
    asked, offered = query.lower(), title.lower()
    return any(c in offered and c not in asked for c in _CONTEXTS)


def cvx_table() -> pd.DataFrame:
    """medbill's CVX -> product and administration code table (codes and medbill's own labels)."""
    return read_csv("cvx_to_cpt.csv")


@functools.cache
def wording_table() -> tuple[tuple[re.Pattern[str], str, str], ...]:
    """medbill's lay and adjectival words with ICD-10-CM's wording for them, as (pattern, term, wording)."""
    table = read_csv("icd10cm_wording.csv")
    return tuple(
        (re.compile(rf"\b{re.escape(term)}\b", re.I), term, wording)
        for term, wording in zip(table["term"], table["icd_wording"], strict=True)
    )


def reworded(query: str) -> tuple[str, str]:
    """``query`` in ICD-10-CM's wording and a note of what was read how; ``("", "")`` when nothing applies."""
    text, read = query, []
    for pattern, term, wording in wording_table():
        if pattern.search(text):
            text = pattern.sub(wording, text)
            read.append(f"{term} read as {wording}")
    return (text, "; ".join(read)) if read else ("", "")


def _search(query: str, systems: tuple[str, ...], on: date) -> list[Hit]:
    if systems == ("icd10cm",):
        return icd10cm.search(query, TOP * 5, on=on)
    return registry.search(query, systems, TOP * 5, on=on)


def _rows(hits: list[Hit], query: str, source: str) -> list[dict[str, Any]]:
    return [
        {
            "code": h.code,
            "system": h.system,
            "title": h.title,
            "billable": h.billable,
            "score": round(h.score, 3),
            # the words of the title or of the term that matched (an inclusion term, an includes note)
            "matched_words": matched_words(query, f"{h.title} {h.matched.partition(': ')[2]}"),
            "source": source,
            "searched": query,  # the text searched (a reworded query), for the words left; not a column
        }
        for h in hits
    ]


def default_code(rel: icd10cm.Release, code: str) -> icd10cm.Code | None:
    """The billable code a coder takes under header ``code`` when nothing more is documented: at each
    level the last child whose title adds a default qualifier ("unspecified", "without ...") the
    header's lacks (the tabular lists the unspecified code last: E11.9 after E11.8 "with unspecified
    complications"), else the first child (for a 7th-character code: the initial encounter)."""
    found = rel.get(code)
    while found is not None and not found.billable:
        children = rel.children(found.code)
        if not children:
            return None
        have = len(_DEFAULT_WORDS.findall(found.title))
        qualified = [c for c in children if len(_DEFAULT_WORDS.findall(c.title)) > have]
        found = qualified[-1] if qualified else children[0]
    return found


def _billable(rows: list[dict[str, Any]], rel: icd10cm.Release) -> list[dict[str, Any]]:
    """``rows`` with each ICD-10-CM header replaced by its default billable code."""
    out = []
    for row in rows:
        found = default_code(rel, row["code"]) if row["billable"] is False else None
        if found is not None:
            source = f"{row['source']}, default code under {row['code']}"
            row = {**row, "code": found.display, "title": found.title, "billable": True, "source": source}
        out.append(row)
    return out


def _order(rows: list[dict[str, Any]], query: str) -> list[dict[str, Any]]:
    """Billable first (None: CPT/HCPCS carry no such flag), then no added context, then score, then
    code; one row per code (its best)."""
    rows = sorted(
        rows, key=lambda r: (r["billable"] is False, _adds_context(query, r["title"]), -r["score"], r["code"])
    )
    best: dict[str, dict[str, Any]] = {}
    for row in rows:
        best.setdefault(row["code"], row)
    return list(best.values())


def _unmatched(query: str, matched: str) -> str:
    """The words of ``query`` that ``matched`` does not hold (connecting and context words left out:
    "history" alone names no condition)."""
    have = set(matched.split())
    words = dict.fromkeys(_WORD.findall(query.lower()))
    return " ".join(w for w in words if w not in _STOP and w not in have and w not in _CONTEXT_WORDS)


def _condition_rows(query: str, on: date) -> list[dict[str, Any]]:
    """ICD-10-CM rows for a Condition's text, best first: the text and its ICD-10-CM wording searched,
    headers replaced by their default billable code, and the best code for the words the first one
    leaves unmatched put second."""
    icd = ("icd10cm",)
    rows = _rows(_search(query, icd, on), query, "medbill search")
    answering = icd10cm.coverage_on(on).release
    assert answering is not None  # the search above raised DataNotAvailable otherwise
    rel = icd10cm.release(answering.release)
    variant, read = reworded(query)
    if variant:
        rows += _rows(_search(variant, icd, on), variant, f"medbill search ({read})")
    rows = _order(_billable(rows, rel), query)
    rest = (
        _unmatched(rows[0]["searched"], rows[0]["matched_words"]) if rows and rows[0]["matched_words"] else ""
    )
    if rest:
        source = f"medbill search (words left: {rest})"
        second = _order(_billable(_rows(_search(rest, icd, on), rest, source), rel), rest)
        if second and second[0]["code"] not in {r["code"] for r in rows[:TOP]}:
            rows.insert(1, second[0])
    return rows


def _ranked(text: str, systems: tuple[str, ...], on: date) -> tuple[list[dict[str, Any]], str]:
    query = clean_text(text)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", CoverageWarning)
        if systems == ("icd10cm",):
            rows = _condition_rows(query, on)
        else:
            rows = _order(_rows(_search(query, systems, on), query, "medbill search"), query)
    note = next((str(w.message) for w in caught if issubclass(w.category, CoverageWarning)), "")
    return rows[:TOP], note


def _given_icd(code: str, on: date) -> tuple[list[dict[str, Any]], str]:
    cover = icd10cm.coverage_on(on)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CoverageWarning)
        found = icd10cm.get(code, on=on)
    if not cover.covered:
        note = cover.message
    elif found is None or not icd10cm.is_billable(code, on=on):
        note = f"{code} is not a valid billable ICD-10-CM code on {on.isoformat()}; choose another code"
    else:
        note = ""
    title = found.title if found is not None else ""
    row = {
        "code": code,
        "system": "icd10cm",
        "title": title,
        "billable": found is not None and not note,
        "score": 1.0,
        "matched_words": "",
        "source": "given in the record",
    }
    return [row], note


def _for_key(kind: str, system: str, code: str, display: str, given: str, on: date, cvx: pd.DataFrame):
    if given:
        return _given_icd(given, on)
    if kind == "condition":
        return _ranked(display, ("icd10cm",), on)
    if kind == "immunization" and system == "cvx" and code.lstrip("0") in cvx.index:
        row = cvx.loc[code.lstrip("0")]
        rows = [
            {
                "code": row[col],
                "system": "cpt" if row[col][0].isdigit() else "hcpcs",
                "title": label,
                "billable": None,
                "score": 1.0,
                "matched_words": "",
                "source": "cvx table",
            }
            for col, label in (
                ("product_code", f"{row['vaccine']} (vaccine product)"),
                ("admin_code", "administration"),
            )
        ]
        return rows, ""
    return _ranked(display, ("cpt", "hcpcs"), on)


def suggest(findings: pd.DataFrame) -> pd.DataFrame:
    """Up to five suggestions per finding, ranked; one row per (finding, suggestion)."""
    if findings.empty:
        return pd.DataFrame(columns=SUGGESTION_COLUMNS)
    cvx = cvx_table().assign(key=lambda t: t["cvx"].str.lstrip("0")).set_index("key")
    frame = findings[["finding_id", "kind", "system", "code", "display", "icd10cm_given", "date"]].copy()
    # One search per release in effect: the same text on dates under the same release answers alike.
    # Dates no release covers share one search (answered from the nearest release); a given ICD-10-CM
    # code is checked on its own date.
    release = icd10cm.release_names_for(frame["date"])
    frame["release"] = release.fillna("uncovered").where(frame["icd10cm_given"] == "", frame["date"])
    keys = ["kind", "system", "code", "display", "icd10cm_given", "release"]
    frame["key"] = frame.groupby(keys, sort=False).ngroup()
    parts = []
    for row in frame.drop_duplicates("key").itertuples(index=False):
        rows, note = _for_key(
            row.kind, row.system, row.code, row.display, row.icd10cm_given, date.fromisoformat(row.date), cvx
        )
        part = pd.DataFrame(rows, columns=SUGGESTION_COLUMNS[2:-1])
        parts.append(part.assign(rank=range(1, len(part) + 1), note=note, key=row.key))
    table = pd.concat(parts, ignore_index=True)
    out = frame[["finding_id", "key", "date"]].merge(table, on="key", how="inner")
    uncovered = out["note"].str.startswith("No ICD-10-CM release covers") & (
        out["source"] == "medbill search"
    )
    out.loc[uncovered, "note"] = (
        "No ICD-10-CM release covers " + out.loc[uncovered, "date"] + "; suggested from the nearest release"
    )
    return out[SUGGESTION_COLUMNS].sort_values(["finding_id", "rank"], kind="stable").reset_index(drop=True)
