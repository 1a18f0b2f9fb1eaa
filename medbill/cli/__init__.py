"""``medbill`` command line.

Each module in this package that defines ``register(subparsers)`` adds one command group
(``codes``, ``data``, ``x12`` ...); the parser is assembled from them, so a group is one file.
Exit codes: 0 clean, 1 findings (scrub errors, invalid X12), 2 bad input or usage (medbill's own
errors and argparse's), 3 internal error (an unexpected exception: one line asking for a report).
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from collections.abc import Sequence
from typing import Final

from medbill.exceptions import MedbillError

EXIT_CLEAN: Final = 0
EXIT_FINDINGS: Final = 1
EXIT_BAD_INPUT: Final = 2
EXIT_INTERNAL: Final = 3


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
        return EXIT_BAD_INPUT
    except BrokenPipeError:  # `medbill ... | head`
        return EXIT_CLEAN
    except Exception as exc:  # a bug in medbill, not bad input: say so instead of a traceback
        print(
            f"medbill: internal error: {type(exc).__name__}: {exc} "
            "(this is a bug in medbill; please report it with the command that caused it)",
            file=sys.stderr,
        )
        return EXIT_INTERNAL
