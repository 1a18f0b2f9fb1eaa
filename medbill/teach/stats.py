"""Coverage of a bank: how many exercises touch each ICD-10-CM chapter, the procedure side, and
the worked problems of walkthroughs 04-07."""

from __future__ import annotations

import pandas as pd

from medbill.exceptions import MedbillError
from medbill.refdata import icd10cm
from medbill.teach.exercises import Bank, Exercise

PROCEDURES = "procedures"
CHOICE = "multiple choice"
# worked problems: one row per kind, titled by what its walkthrough teaches
WORKED_ROWS = {
    "remittance": "04 reading an 835 and its CARC/RARC",
    "denial": "05 working a denial",
    "pricing": "06 pricing a claim (PFS, MPPR, coinsurance)",
    "kpi": "07 computing a KPI",
}


def _chapters(ex: Exercise) -> tuple[str, set[str]]:
    """(chapter of the first-listed code, chapters of every required code) of a diagnosis exercise."""
    release = icd10cm.for_date(ex.date_of_service)
    chapters = []
    for code in ex.expected:
        chapter = release.lookup(code).chapter
        if chapter is None:
            raise MedbillError(f"exercise {ex.id}: {code} is in no ICD-10-CM chapter; give a billable code")
        chapters.append(chapter)
    return chapters[0], set(chapters)


def coverage_table(bank: Bank) -> pd.DataFrame:
    """One row per ICD-10-CM chapter, one for procedures, one for multiple choice and one per kind of
    worked problem (walkthroughs 04-07): exercises whose first-listed code is in the chapter (or of
    the kind), exercises with any code in it, and counts by difficulty."""
    titles = icd10cm.latest().table.drop_duplicates("chapter").set_index("chapter")["chapter_title"]
    empty = {"first_listed": 0, "any_code": 0, "easy": 0, "medium": 0, "hard": 0}
    rows = {ch: {"title": titles.get(ch, ""), **empty} for ch in sorted(titles.index, key=int)}
    rows[PROCEDURES] = {"title": "CPT/HCPCS procedure coding", **empty}
    rows[CHOICE] = {"title": "CPC-style multiple-choice questions", **empty}
    rows |= {kind: {"title": title, **empty} for kind, title in WORKED_ROWS.items()}
    for ex in bank:
        if ex.is_worked:
            first, touched = ex.kind, {ex.kind}
        elif ex.kind != "diagnosis":
            first = PROCEDURES if ex.kind == "procedure" else CHOICE
            touched = {first}
        else:
            first, touched = _chapters(ex)
        rows[first]["first_listed"] += 1
        rows[first][ex.difficulty] += 1
        for ch in touched:
            rows[ch]["any_code"] += 1
    table = pd.DataFrame.from_dict(rows, orient="index")
    table.index.name = "chapter"
    return table
