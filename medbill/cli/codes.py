"""``medbill codes``: look up, search, list releases and compare releases of a code system.

Every command takes ``--system`` (choices from :data:`medbill.refdata.registry.SYSTEMS`, default
icd10cm) and dispatches through the registry, so a new code system needs no change here.
"""

from __future__ import annotations

import argparse
from datetime import date
from typing import Any

from medbill.cli._output import print_json, print_table
from medbill.refdata import registry


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date; use YYYY-MM-DD, e.g. 2025-10-01") from None


def register(p: argparse.ArgumentParser) -> None:
    csub = p.add_subparsers(dest="codes_command", required=True, metavar="ACTION")
    systems = sorted(registry.SYSTEMS)

    def common(cmd: argparse.ArgumentParser) -> None:
        cmd.add_argument(
            "--system", choices=systems, default="icd10cm", help="code system (default: icd10cm)"
        )
        cmd.add_argument("--json", action="store_true", help="machine-readable output")

    look = csub.add_parser(
        "lookup", help="one code: title, billable, release (for a date of service with --on)"
    )
    look.add_argument("code", help="e.g. E11.9, s52521a, ' S52.521A '")
    look.add_argument("--on", type=_date, metavar="YYYY-MM-DD", help="date of service")
    look.add_argument("--notes", action="store_true", help="also print the code's notes (ICD-10-CM)")
    common(look)
    look.set_defaults(func=_lookup)

    find = csub.add_parser("search", help="ranked text search over titles (and inclusion terms)")
    find.add_argument("text")
    find.add_argument("--limit", type=int, default=10)
    find.add_argument("--on", type=_date, metavar="YYYY-MM-DD", help="search the release for this date")
    common(find)
    find.set_defaults(func=_search)

    rel = csub.add_parser("releases", help="available releases with their effective dates and counts")
    rel.add_argument("--system", choices=systems, default=None, help="only this system")
    rel.add_argument("--json", action="store_true")
    rel.set_defaults(func=_releases)

    dif = csub.add_parser("diff", help="codes added, deleted and retitled between two releases")
    dif.add_argument("old", help="e.g. FY2025")
    dif.add_argument("new", help="e.g. FY2026")
    dif.add_argument("--limit", type=int, default=10, help="codes listed per change kind (text output)")
    dif.add_argument("--system", choices=["icd10cm"], default="icd10cm")
    dif.add_argument("--json", action="store_true")
    dif.set_defaults(func=_diff)


def _lookup(args: argparse.Namespace) -> int:
    record = registry.lookup(args.code, system=args.system, on=args.on)
    out: dict[str, Any] = record.to_dict()
    notes = []
    if args.notes and args.system == "icd10cm":
        from medbill.refdata import icd10cm

        notes = (
            icd10cm.release(record.release).notes(record.code) if record.valid_on_date is not False else []
        )
        out["notes"] = [
            {
                "kind": n.kind,
                "text": n.text,
                "source_code": n.source_code,
                "inherited": n.inherited,
                "refs": n.refs,
            }
            for n in notes
        ]
    if args.json:
        print_json(out)
        return 0
    print(f"{record.code}  {record.title}")
    billable = {True: "yes", False: "no", None: "n/a"}[record.billable]
    print(f"  system: {record.system}   release: {record.release}   billable: {billable}")
    if record.valid_on_date is not None:
        print(f"  valid for billing on {args.on}: {'yes' if record.valid_on_date else 'no'}")
    for key, value in record.extra.items():
        if value not in (None, ""):
            print(f"  {key}: {value}")
    print(f"  source: {record.source}")
    for n in notes:
        where = f" (from {n.source_code})" if n.inherited else ""
        print(f"  - {n.kind}{where}: {n.text}")
    return 0


def _search(args: argparse.Namespace) -> int:
    hits = registry.search(args.text, systems=[args.system], limit=args.limit, on=args.on)
    if args.json:
        print_json([h.to_dict() for h in hits])
        return 0
    if not hits:
        print(f"no {args.system} codes match {args.text!r}")
        return 0
    rows = [
        {
            "score": f"{h.score:.3f}",
            "code": h.code,
            "billable": {True: "yes", False: "no", None: ""}[h.billable],
            "title": h.title,
            "matched": h.matched,
        }
        for h in hits
    ]
    print_table(rows, ["score", "code", "billable", "title", "matched"])
    return 0


def release_rows(system: str | None = None) -> list[dict[str, Any]]:
    """One row per available release: system, release, effective dates, billable_count, source, note."""
    rows = []
    for s in sorted(registry.SYSTEMS):
        if system not in (None, s):
            continue
        if s == "icd10cm":
            from medbill.refdata import icd10cm

            provs = icd10cm.releases()  # embedded and imported, an import replacing an embedded one
        else:
            provs = registry.releases(s)
        for p in provs:
            rows.append(
                {
                    "system": p.system,
                    "release": p.release,
                    "effective_from": p.effective_from,
                    "effective_to": p.effective_to,
                    "billable_count": p.rows if p.system == "icd10cm" else None,
                    "rows": p.rows,
                    "source": p.source,
                    "sha256": p.sha256,
                    "note": p.note,
                }
            )
    return rows


def _releases(args: argparse.Namespace) -> int:
    rows = release_rows(args.system)
    if args.json:
        print_json(rows)
    else:
        print_table(rows, ["system", "release", "effective_from", "effective_to", "billable_count", "source"])
    return 0


def _diff(args: argparse.Namespace) -> int:
    from medbill.refdata import icd10cm

    d = icd10cm.diff(args.old, args.new)
    if args.json:
        print_json(d.to_dict())
        return 0
    print(format_diff(d, args.limit))
    return 0


def format_diff(d: Any, limit: int = 10) -> str:
    """Readable summary of an ICD-10-CM ``ReleaseDiff`` with up to ``limit`` examples per change."""
    s = d.summary()
    lines = [
        f"ICD-10-CM {s['old']} -> {s['new']}: {s['added']:,} codes added ({s['added_billable']:,} billable), "
        f"{s['deleted']:,} deleted ({s['deleted_billable']:,} billable), {s['retitled']:,} retitled, "
        f"{s['billable_changed']:,} changed billability"
    ]
    for label, frame in (("added", d.added), ("deleted", d.deleted)):
        if len(frame):
            lines.append(f"  {label} (first {min(limit, len(frame))} of {len(frame):,}):")
            lines += [f"    {r.code:<9} {r.title}" for r in frame.head(limit).itertuples()]
    if len(d.retitled):
        lines.append(f"  retitled (first {min(limit, len(d.retitled))} of {len(d.retitled):,}):")
        for r in d.retitled.head(limit).itertuples():
            lines += [f"    {r.code:<9} was: {r.old_title}", f"    {'':<9} now: {r.new_title}"]
    if len(d.billable_changed):
        lines.append(
            f"  billability changed (first {min(limit, len(d.billable_changed))} of {len(d.billable_changed):,}):"
        )
        for r in d.billable_changed.head(limit).itertuples():
            was, now = ("billable" if v else "header" for v in (r.old_billable, r.new_billable))
            lines.append(f"    {r.code:<9} {was} -> {now}: {r.title}")
    return "\n".join(lines)
