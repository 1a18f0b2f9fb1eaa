"""``medbill`` command line.

Each module in this package that defines ``register(subparsers)`` adds one command group
(``codes``, ``data``, ``x12`` ...); the parser is assembled from them, so a group is one file.
Commands return an exit status; medbill's own errors print one readable line and exit 2.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from collections.abc import Sequence

from medbill.exceptions import MedbillError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="medbill", description="Medical billing and coding toolkit.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except MedbillError as exc:
        print(f"medbill: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # `medbill ... | head`
        return 0
