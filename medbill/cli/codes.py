"""``medbill codes``: look up, search, list releases and compare releases of a code system.

Every command takes ``--system`` (choices from :data:`medbill.refdata.registry.SYSTEMS`, default
icd10cm) and dispatches through the registry, so a new code system needs no change here. ``lookup``
without ``--system`` reads the system from the code's shape (:func:`registry.detect_system`) and
says which it assumed. A well-formed code that the release in effect does not hold is a finding,
not an error: the answer (``valid_on_date`` false, and the releases that do hold the code) is
printed and the exit code is 1.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from medbill.cli._output import iso_date, print_json, print_table
from medbill.exceptions import UnknownCode
from medbill.refdata import registry


def register(p: argparse.ArgumentParser) -> None:
    csub = p.add_subparsers(dest="codes_command", required=True, metavar="ACTION")
    systems = sorted(registry.SYSTEMS)

    def common(cmd: argparse.ArgumentParser, default: str | None = "icd10cm") -> None:
        shown = default or "read from the code's shape, else icd10cm"
        cmd.add_argument("--system", choices=systems, default=default, help=f"code system (default: {shown})")
        cmd.add_argument("--json", action="store_true", help="machine-readable output")

    look = csub.add_parser(
        "lookup", help="one code: title, billable, release (for a date of service with --on)"
    )
    look.add_argument("code", help="e.g. E11.9, s52521a, ' S52.521A '")
    look.add_argument("--on", type=iso_date, metavar="YYYY-MM-DD", help="date of service")
    look.add_argument("--notes", action="store_true", help="also print the code's notes (ICD-10-CM)")
    common(look, default=None)
    look.set_defaults(func=_lookup)

    find = csub.add_parser("search", help="ranked text search over titles (and inclusion terms)")
    find.add_argument("text")
    find.add_argument("--limit", type=int, default=10)
    find.add_argument("--on", type=iso_date, metavar="YYYY-MM-DD", help="search the release for this date")
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
    detected = registry.Detected(args.system) if args.system else registry.detect_system(args.code, args.on)
    system = detected.system
    try:
        record = registry.lookup(args.code, system=system, on=args.on)
    except UnknownCode as exc:
        return _absent(args, system, detected, exc)
    out: dict[str, Any] = record.to_dict()
    if not args.system:
        out["system_assumed"] = True
        if detected.note:
            out["system_note"] = detected.note
    notes = []
    if args.notes and system == "icd10cm":
        from medbill.refdata import icd10cm

        notes = (
            icd10cm.release(record.release).notes(record.code) if record.valid_on_date is not False else []
        )
        out["notes"] = [
            {
                "kind": n.kind,
                "text": n.text,
                "source_code": _display(n.source_code),
                "inherited": n.inherited,
                "refs": [icd10cm.format(r) for r in n.refs],
                "release": n.release,
            }
            for n in notes
        ]
    if record.covered is False:  # answered from a release whose dates do not cover --on
        print(f"medbill: not covered: {record.extra['coverage_message']}", file=sys.stderr)
    status = 1 if record.covered is False or record.valid_on_date is False else 0
    if record.valid_on_date is False and system == "icd10cm":
        why = "is not in" if "title_release" in record.extra else "is a header, not billable, in"
        out["message"] = (
            f"ICD-10-CM code {record.code!r} {why} release {record.release}, in effect on {args.on}."
        )
        out["releases_holding"] = [
            {k: v for k, v in h.items() if k != "code"} for h in _releases_holding(system, args.code)
        ]
    if args.json:
        print_json(out)
        return status
    print(f"{record.code}  {record.title}")
    _print_assumed(args, detected)
    billable = {True: "yes", False: "no", None: "n/a"}[record.billable]
    print(f"  system: {record.system}   release: {record.release}   billable: {billable}")
    if record.covered is False:
        print(f"  valid for billing on {args.on}: unknown (release {record.release} does not cover it)")
    elif record.valid_on_date is not None:
        print(f"  valid for billing on {args.on}: {'yes' if record.valid_on_date else 'no'}")
    for key, value in record.extra.items():
        if value not in (None, ""):
            print(f"  {key}: {value}")
    print(f"  source: {record.source}")
    for h in out.get("releases_holding", []):
        print(f"  in {h['release']} ({h['effective_from']} to {h['effective_to']}): {h['title']}")
    borrowed = {n.release for n in notes} - {record.release}
    if borrowed:
        print(f"  notes taken from release {', '.join(sorted(borrowed))} (this release has none of its own):")
    for n in notes:
        where = f" (from {_display(n.source_code)})" if n.inherited else ""
        print(f"  - {n.kind}{where}: {n.text}")
    return status


def _display(key: str) -> str:
    """A note owner as coders write it: codes with their dot, chapters and blocks as stored."""
    from medbill.refdata import icd10cm

    return icd10cm.format(key) if key[:1].isalpha() and "-" not in key else key


def _print_assumed(args: argparse.Namespace, detected: registry.Detected) -> None:
    if not args.system:
        print(f"  (system {detected.system} assumed from the code's shape; choose one with --system)")
        if detected.note:
            print(f"  note: {detected.note}")


def _absent(args: argparse.Namespace, system: str, detected: registry.Detected, exc: UnknownCode) -> int:
    """A well-formed code the release in effect does not hold: say so, with the releases that do."""
    holding = _releases_holding(system, args.code)
    out: dict[str, Any] = {
        "system": system,
        "code": holding[0]["code"] if holding else str(args.code).strip().upper(),
        "title": None,
        "billable": False,
        "valid_on_date": False,
        "message": str(exc),
        "releases_holding": [{k: v for k, v in h.items() if k != "code"} for h in holding],
    }
    if system == "icd10cm":
        from medbill.refdata import icd10cm

        cov = icd10cm.coverage_on(args.on) if args.on else None
        answering = cov.release if cov is not None else None
        out["release"] = answering.release if answering is not None else icd10cm.latest().name
        if cov is not None and not cov.covered:  # the release answering does not cover the date
            out.update(valid_on_date=None, covered=False, coverage_message=cov.message)
    if not args.system:
        out["system_assumed"] = True
        if detected.note:
            out["system_note"] = detected.note
    if args.json:
        print_json(out)
        return 1
    print(f"{out['code']}  not found: {exc}")
    _print_assumed(args, detected)
    for h in holding:
        print(f"  in {h['release']} ({h['effective_from']} to {h['effective_to']}): {h['title']}")
    if not holding:
        print("  no installed release holds this code")
    return 1


def _releases_holding(system: str, code: str) -> list[dict[str, Any]]:
    """Installed ICD-10-CM releases that hold ``code``, oldest first (other systems: none listed)."""
    if system != "icd10cm":
        return []
    from medbill.refdata import icd10cm

    found = []
    for prov in icd10cm.releases():
        hit = icd10cm.release(prov.release).get(code)
        if hit is not None:
            found.append(
                {
                    "code": hit.display,
                    "release": prov.release,
                    "effective_from": prov.effective_from,
                    "effective_to": prov.effective_to,
                    "title": hit.title,
                    "billable": hit.billable,
                }
            )
    return found


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
