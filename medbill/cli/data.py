"""``medbill data``: import official reference releases and list what is installed."""

from __future__ import annotations

import argparse

from medbill import store
from medbill.cli._output import print_json, print_table


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("data", help="import and list reference data releases")
    dsub = p.add_subparsers(dest="data_command", required=True, metavar="ACTION")

    imp = dsub.add_parser("import", help="import an official release file or folder")
    imp.add_argument("system", choices=sorted(store.IMPORTERS))
    imp.add_argument("path")
    imp.add_argument("--json", action="store_true")
    imp.set_defaults(func=_import)

    lst = dsub.add_parser("list", help="list installed releases with provenance")
    lst.add_argument("--json", action="store_true")
    lst.set_defaults(func=_list)


def _import(args: argparse.Namespace) -> int:
    prov = store.import_file(args.system, args.path)
    if args.json:
        print_json(prov.to_dict())
    else:
        print(f"installed {prov.system} {prov.release}: {prov.rows:,} rows from {prov.source}")
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
    from medbill.codes.registry import embedded_releases

    return embedded_releases() + store.installed()
