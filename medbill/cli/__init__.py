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


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The command-line parser; ``only`` registers just the command group of that module (the
    others, and what they import, are not loaded)."""
    parser = argparse.ArgumentParser(prog="medbill", description="Medical billing and coding toolkit.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name.startswith("_") or (only is not None and info.name != only):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        module.register(sub)
    return parser


def _group(argv: Sequence[str]) -> str | None:
    """The command module named by the first argument, when there is one of that name."""
    if not argv or argv[0].startswith("_"):
        return None
    names = {info.name for info in pkgutil.iter_modules(__path__)}
    return argv[0] if argv[0] in names else None


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser(_group(argv)).parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except MedbillError as exc:
        print(f"medbill: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # `medbill ... | head`
        return 0
