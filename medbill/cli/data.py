"""``medbill data``: import official reference releases and list what is installed."""

from __future__ import annotations

import argparse

from medbill.cli._output import print_json, print_table
from medbill.refdata import store


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("data", help="import and list reference data releases")
    dsub = p.add_subparsers(dest="data_command", required=True, metavar="ACTION")

    imp = dsub.add_parser("import", help="import an official release file or folder")
    imp.add_argument("system", choices=sorted(store.IMPORTERS))
    imp.add_argument("path")
    imp.add_argument(
        "--force",
        action="store_true",
        help="import even a file that looks truncated (last record cut off, far fewer rows than installed)",
    )
    imp.add_argument("--json", action="store_true")
    imp.set_defaults(func=_import)

    load = dsub.add_parser(
        "load", help="import claims from another layout into a CLAIMS_DIR (tuva, 835, csv)"
    )
    load.add_argument(
        "source", choices=("tuva", "835", "csv"), help="tuva folder, folder of 835 files, or a CSV"
    )
    load.add_argument("path")
    load.add_argument("--out", required=True, help="CLAIMS_DIR to write")
    load.add_argument("--format", choices=("csv", "parquet"), default="csv")
    load.add_argument("--mapping", help="column mapping YAML (csv only)")
    load.add_argument("--json", action="store_true")
    load.set_defaults(func=_load)

    lst = dsub.add_parser("list", help="list installed releases with provenance")
    lst.add_argument("--json", action="store_true")
    lst.set_defaults(func=_list)


def _import(args: argparse.Namespace) -> int:
    prov = store.import_file(args.system, args.path, force=args.force)
    if args.json:
        print_json(prov.to_dict())
    else:
        print(f"installed {prov.system} {prov.release}: {prov.rows:,} rows from {prov.source}")
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
    rows = [p.to_dict() for p in _all_releases()]
    if args.json:
        print_json(rows)
    else:
        print_table(
            rows, ["system", "release", "effective_from", "effective_to", "rows", "source", "licence"]
        )
    return 0


def _all_releases() -> list[store.Provenance]:
    """Embedded releases (shipped inside dependencies or the package) followed by imported ones."""
    from medbill.refdata.registry import embedded_releases

    return embedded_releases() + store.installed()
