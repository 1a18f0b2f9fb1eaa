"""``medbill`` command line.

Each command group (``codes``, ``data``, ``x12`` ...) is one module of this package named after
it, with ``register(parser)`` adding its arguments. The top-level parser knows the groups only by
name and help (:data:`COMMANDS`); the one module a command line names is imported, so
``medbill --help`` and a lookup do not pay for pandas, nbformat or the other groups.
Exit codes: 0 clean, 1 findings (scrub errors, invalid X12, work on the worklist), 2 bad input or
usage (medbill's own errors, a missing optional extra, and argparse's), 3 internal error (an
unexpected exception: one line asking for a report).
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from typing import Final

from medbill import __version__
from medbill.exceptions import MedbillError

EXIT_CLEAN: Final = 0
EXIT_FINDINGS: Final = 1
EXIT_BAD_INPUT: Final = 2
EXIT_INTERNAL: Final = 3

# Command group -> its one-line help; the module medbill.cli.<group> defines the rest.
COMMANDS = {
    "app": "serve an interactive medbill page (Voila)",
    "claims": "work with a CLAIMS_DIR of claims tables",
    "codes": "look up and search diagnosis and procedure codes",
    "data": "import and list reference data releases",
    "demo": "run the billing summary report on the sample practice; print its path",
    "notebooks": "copy the example, teaching and report notebooks with the sample practice to a folder",
    "partition": "write a claims folder as a Parquet dataset partitioned by a hash of patient_id",
    "price": "Medicare PFS price of one code at one locality, explained",
    "report": "list and run billing reports (notebooks to offline HTML)",
    "scrub": "run claim edits (validity, NCCI, MUE, modifiers, integrity ...)",
    "status": "claim status: write 276 requests, read 277 responses",
    "synth": "generate a synthetic practice (claims, remittances, A/R)",
    "teach": "coding exercises that check themselves",
    "tour": "a short tour of the code engine: lookup with notes, search, release diff",
    "worklist": "claims that need follow-up: denials, underpayments, no response, not sent",
    "x12": "read and validate X12 837P and 835 files",
}


def build_parser(load: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The parser, with the arguments of the groups in ``load`` (default: every group)."""
    parser = argparse.ArgumentParser(prog="medbill", description="Medical billing and coding toolkit.")
    parser.add_argument("--version", action="version", version=f"medbill {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, help_text in COMMANDS.items():
        group = sub.add_parser(name, help=help_text)
        if load is None or name in load:
            importlib.import_module(f"{__name__}.{name}").register(group)
    return parser


def _named_command(argv: Sequence[str]) -> list[str]:
    """The group a command line names (argparse takes the first positional), or none."""
    first = next((a for a in argv if not a.startswith("-")), None)
    return [first] if first in COMMANDS else []


def main(argv: Sequence[str] | None = None) -> int:
    from medbill._extras import missing_extra

    argv = sys.argv[1:] if argv is None else list(argv)
    try:
        args = build_parser(_named_command(argv)).parse_args(argv)
        return int(args.func(args) or 0)
    except MedbillError as exc:
        print(f"medbill: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except ModuleNotFoundError as exc:  # an optional extra that is not installed
        error = missing_extra(exc)
        if error is None:
            return _internal(exc)
        print(f"medbill: error: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except BrokenPipeError:  # `medbill ... | head`
        return EXIT_CLEAN
    except Exception as exc:  # a bug in medbill, not bad input: say so instead of a traceback
        return _internal(exc)


def _internal(exc: BaseException) -> int:
    print(
        f"medbill: internal error: {type(exc).__name__}: {exc} "
        "(this is a bug in medbill; please report it with the command that caused it)",
        file=sys.stderr,
    )
    return EXIT_INTERNAL
