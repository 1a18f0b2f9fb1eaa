"""``medbill tour``: a short, readable tour of the code engine on the embedded releases.

A lookup with its notes, billability by date of service, a search, and what changed from FY2025
to FY2026. Needs no import and no network: the releases ship inside medbill's dependencies.
"""

from __future__ import annotations

import argparse
import textwrap
from datetime import date


def register(p: argparse.ArgumentParser) -> None:
    p.set_defaults(func=run)


def _heading(text: str) -> None:
    print(f"\n{text}\n{'-' * len(text)}")


def _wrap(text: str, indent: str = "    ") -> str:
    return textwrap.fill(text, width=100, initial_indent=indent, subsequent_indent=indent + "  ")


def run(args: argparse.Namespace | None = None) -> int:
    from medbill.cli.codes import format_diff
    from medbill.refdata import icd10cm

    print("medbill: a tour of the ICD-10-CM engine (embedded releases, nothing to import)")

    _heading("1. Look up a code (input is forgiving: ' s52.521a ' is S52.521A)")
    code = icd10cm.lookup(" s52.521a ")
    print(f"  {code.display}  {code.title}")
    print(
        f"  billable: {'yes' if code.billable else 'no'}   chapter {code.chapter}   block {code.block}   "
        f"release {code.release}"
    )
    path = [
        f"chapter {a.display}" if a.kind == "chapter" else a.display for a in icd10cm.latest().ancestors(code)
    ]
    print("  path: " + " > ".join(reversed(path)))
    notes = icd10cm.latest().notes(code)
    print(f"  notes ({len(notes)}, most written on ancestors and inherited):")
    shown: dict[str, int] = {}
    for n in notes:
        if shown.get(n.kind, 0) >= 2:
            continue
        shown[n.kind] = shown.get(n.kind, 0) + 1
        where = f"from {n.source_code}" if n.inherited else "own"
        print(_wrap(f"{n.kind} ({where}): {n.text}"))

    _heading("2. Billable on the date of service? (fiscal years start October 1)")
    for day in (date(2025, 9, 30), date(2025, 10, 1)):
        rel = icd10cm.for_date(day)
        print(
            f"  E11.A on {day}: release {rel.name}, billable: {'yes' if icd10cm.is_billable('E11.A', on=day) else 'no'}"
        )

    _heading("3. Search titles and inclusion terms")
    for query in ("type 2 diabetes with neuropathy", "asthma NOS"):
        print(f"  {query!r}")
        for h in icd10cm.search(query, limit=3):
            print(f"    {h.score:.3f}  {h.code:<8} {h.title}   [{h.matched}]")

    names = [p.release for p in icd10cm.releases()]
    if len(names) >= 2:
        _heading(f"4. What changed from {names[-2]} to {names[-1]}")
        print(textwrap.indent(format_diff(icd10cm.diff(names[-2], names[-1]), limit=3), "  "))

    _heading("Releases")
    for p in icd10cm.releases():  # loaded above; cheap now
        print(f"  {p.release}  {p.effective_from} to {p.effective_to}  {p.rows:,} billable codes")
        print(_wrap(f"source: {p.source}", "    "))
        print(_wrap(p.note, "    "))
    print(
        "\nMore: `medbill codes --help`; import another CDC release with `medbill data import icd10cm PATH`."
    )
    return 0
