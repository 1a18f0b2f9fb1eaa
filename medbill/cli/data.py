"""``medbill data``: the catalog of official releases, fetch, import, and what covers a date."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from typing import Any

from medbill.cli._output import iso_date, print_json, print_table
from medbill.refdata import registry, store


def register(p: argparse.ArgumentParser) -> None:
    dsub = p.add_subparsers(dest="data_command", required=True, metavar="ACTION")

    imp = dsub.add_parser("import", help="import an official release file or folder")
    imp.add_argument("system", choices=registry.IMPORTABLE)
    imp.add_argument("path")
    imp.add_argument(
        "--force",
        action="store_true",
        help="import even a file that looks truncated (last record cut off, far fewer rows than installed)",
    )
    imp.add_argument("--json", action="store_true")
    imp.set_defaults(func=_import)

    load = dsub.add_parser(
        "load",
        help="import claims from another layout into a CLAIMS_DIR (tuva, 835, csv), or FHIR into a worklist",
    )
    load.add_argument(
        "source",
        choices=("tuva", "835", "csv", "fhir"),
        help="tuva folder, folder of 835 files, a CSV, or FHIR R4 Bundles/NDJSON (file or folder)",
    )
    load.add_argument("path")
    load.add_argument(
        "--out", required=True, help="CLAIMS_DIR to write (for fhir: the worklist and claims folder)"
    )
    load.add_argument("--format", choices=("csv", "parquet"), default="csv")
    load.add_argument("--mapping", help="column mapping YAML (csv only)")
    load.add_argument("--json", action="store_true")
    load.set_defaults(func=_load)

    lst = dsub.add_parser("list", help="list installed and embedded releases with their dates and coverage")
    lst.add_argument(
        "--on", type=iso_date, default=None, help="date checked for coverage, YYYY-MM-DD (default: today)"
    )
    lst.add_argument("--json", action="store_true")
    lst.set_defaults(func=_list)

    src = dsub.add_parser("sources", help="the official releases medbill knows: URL, size, sha256, dates")
    src.add_argument("system", nargs="?", help="only this system (icd10cm, hcpcs, pfs, ncci, mue, taxonomy)")
    src.add_argument("--json", action="store_true")
    src.set_defaults(func=_sources)

    fet = dsub.add_parser("fetch", help="download, verify and import an official release")
    fet.add_argument("system", choices=registry.IMPORTABLE)
    fet.add_argument(
        "release", nargs="?", help="release name from `medbill data sources` (default: in effect --on)"
    )
    fet.add_argument(
        "--on", type=iso_date, default=None, help="with no RELEASE, the date to cover (default: today)"
    )
    fet.add_argument(
        "--mirror",
        default=None,
        help="folder or http(s) URL holding the files under their URL without the scheme (default: $MEDBILL_MIRROR)",
    )
    fet.add_argument("--no-progress", action="store_true", help="no progress bar")
    fet.add_argument("--json", action="store_true")
    fet.set_defaults(func=_fetch)

    st = dsub.add_parser(
        "status", help="per system: releases, the dates they cover, and whether DATE is covered"
    )
    st.add_argument("--on", type=iso_date, default=None, help="date to check, YYYY-MM-DD (default: today)")
    st.add_argument("--json", action="store_true")
    st.set_defaults(func=_status)


def _import(args: argparse.Namespace) -> int:
    installed = registry.import_all(args.system, args.path, force=args.force)
    if args.json:
        print_json(installed[0].to_dict() if len(installed) == 1 else [p.to_dict() for p in installed])
        return 0
    for prov in installed:
        dates = f" ({prov.effective_from} to {prov.effective_to})" if prov.effective_from else ""
        print(f"installed {prov.system} {prov.release}{dates}: {prov.rows:,} rows from {prov.source}")
    return 0


def _load(args: argparse.Namespace) -> int:
    from medbill.ingest import load

    summary = load(args.source, args.path, args.out, args.format, args.mapping)
    if args.json:
        print_json(summary)
    else:
        print(", ".join(f"{k}: {v:,}" if isinstance(v, int) else f"{k}: {v}" for k, v in summary.items()))
    return 0


def _list(args: argparse.Namespace) -> int:
    from medbill.refdata import coverage

    day = args.on or date.today()
    rows = []
    for p in _all_releases():
        row = p.to_dict()
        row["covered"] = coverage.covers(p, day)
        rows.append(row)
    if args.json:
        print_json(rows)
    else:
        for row in rows:
            row["covered"] = "yes" if row["covered"] else "no"
        print(f"covered: whether the release covers {day}")
        print_table(
            rows,
            ["system", "release", "effective_from", "effective_to", "covered", "rows", "source", "licence"],
        )
    return 0


def _sources(args: argparse.Namespace) -> int:
    from medbill.refdata import catalog

    entries = catalog.entries(args.system)
    if args.system and not entries:
        systems = ", ".join(dict.fromkeys(e.system for e in catalog.entries()))
        print(
            f"medbill: error: the catalog has no system {args.system!r}; it lists: {systems}.",
            file=sys.stderr,
        )
        return 2
    rows: list[dict[str, Any]] = [
        {
            "system": e.system,
            "release": e.release,
            "effective_from": e.effective_from,
            "effective_to": e.effective_to,
            "url": e.url,
            "file": e.file,
            "bytes": e.bytes,
            "sha256": e.sha256,
            "members": e.members,
            "fetched": e.install,
            "contents": e.contents,
            "confirmed": e.confirmed,
        }
        for e in entries
    ]
    if args.json:
        print_json(rows)
        return 0
    for row in rows:
        row["fetched"] = "yes" if row["fetched"] else "no (reference)"
        row["sha256"] = (row["sha256"] or "")[:16] or ("members" if row["members"] else "")
    print_table(
        rows, ["system", "release", "effective_from", "effective_to", "fetched", "bytes", "sha256", "url"]
    )
    print(
        "\nsha256 shows the first 16 hex digits; `--json` gives everything, with where each URL was confirmed."
    )
    return 0


def _fetch(args: argparse.Namespace) -> int:
    from medbill.refdata import catalog
    from medbill.refdata.fetch import choose_release, fetch

    provs = fetch(args.system, args.release, on=args.on, mirror=args.mirror, progress=not args.no_progress)
    name = choose_release(args.system, args.release, args.on or date.today())
    unchecked = [e.file for e in catalog.find(args.system, name) if e.install and not (e.sha256 or e.members)]
    if args.json:
        print_json([p.to_dict() for p in provs])
    else:
        for p in provs:
            print(
                f"installed {p.system} {p.release} ({p.effective_from} to {p.effective_to}): "
                f"{p.rows:,} rows from {p.source}"
            )
    if unchecked:
        print(
            f"note: no checksum is recorded for {', '.join(unchecked)}; compare the installed sha256 "
            "(`medbill data list --json`) with the publisher's if it gives one.",
            file=sys.stderr,
        )
    return 0


def _status(args: argparse.Namespace) -> int:
    from medbill.refdata import coverage

    day = args.on or date.today()
    releases = _all_releases()
    rows: list[dict[str, Any]] = []
    for system in coverage.LABELS:
        mine = [p for p in releases if p.system == system]
        cov = coverage.coverage(system, mine, day)
        rows.append(
            {
                "system": system,
                "releases": [
                    {"release": p.release, "effective_from": p.effective_from, "effective_to": p.effective_to}
                    for p in mine
                ],
                "on": day,
                "covered": cov.covered if mine else None,
                "release": cov.release.release if cov.covered and cov.release else None,
                "fix": "" if cov.covered else coverage.fix_command(system, day),
            }
        )
    if args.json:
        print_json(rows)
    else:
        table = [
            {
                "system": r["system"],
                "releases": ", ".join(
                    f"{x['release']} ({x['effective_from'] or '…'} to {x['effective_to'] or '…'})"
                    for x in r["releases"]
                )
                or "none",
                f"covers {day}": {True: f"yes: {r['release']}", False: "NO", None: "no release"}[
                    r["covered"]
                ],
                "fix": r["fix"],
            }
            for r in rows
        ]
        print_table(table, ["system", f"covers {day}", "fix", "releases"])
    # 1 when a system that has releases does not cover the date; systems with none are listed only
    return 1 if any(r["covered"] is False for r in rows) else 0


def _all_releases() -> list[store.Provenance]:
    """Embedded releases (shipped inside dependencies or the package) followed by imported ones."""
    from medbill.refdata.registry import embedded_releases

    return embedded_releases() + store.installed()
