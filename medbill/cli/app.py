"""``medbill app encounter``: the encounter coder as a standalone web page (Voila), code hidden.

For teaching labs: students get the widgets, not the notebook. The command writes a one-cell
notebook that builds ``EncounterCoder`` over a practice's claims folder and serves it with Voila.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from datetime import date
from pathlib import Path
from typing import Any

from medbill.exceptions import DataNotAvailable


def encounter_notebook(
    practice: Path, payer: str | None = None, locality: str = "", service_date: date | None = None
) -> Any:
    """The notebook Voila serves: one cell that shows the encounter coder for ``practice``."""
    when = f"date.fromisoformat({service_date.isoformat()!r})" if service_date else "None"
    source = (
        "from datetime import date\n\nfrom medbill.widgets import EncounterCoder\n\n"
        f"coder = EncounterCoder.from_practice_dir(\n    {str(practice)!r}, payer={payer!r}, locality={locality!r}, "
        f"service_date={when}\n)\ncoder"
    )
    import nbformat  # lazily: nbformat costs about a second, and every `medbill` command builds this parser

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source)])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return nb


def voila_command(notebook: Path, port: int | None, open_browser: bool) -> list[str]:
    command = [sys.executable, "-m", "voila", str(notebook), "--Voila.ip=127.0.0.1", "--strip_sources=True"]
    if port:
        command.append(f"--port={port}")
    if not open_browser:
        command.append("--no-browser")
    return command


def _encounter(args: argparse.Namespace) -> int:
    # imported here: medbill.synth loads pandas, which every other command would pay for at start-up
    from medbill.synth.sample import sample_dir

    practice = Path(args.practice).resolve() if args.practice else sample_dir()
    if not practice.is_dir():
        raise DataNotAvailable(
            f"Practice folder {practice} does not exist; pass --practice CLAIMS_DIR "
            "(a claims folder as in docs/tables.md, e.g. the repository's data/sample or `medbill synth --out DIR`)."
        )
    with tempfile.TemporaryDirectory(prefix="medbill-app-") as folder:
        notebook = Path(folder) / "encounter.ipynb"
        import nbformat

        nbformat.write(encounter_notebook(practice, args.payer, args.locality, args.service_date), notebook)
        try:
            return subprocess.call(voila_command(notebook, args.port, not args.no_browser))
        except KeyboardInterrupt:
            return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("app", help="serve an interactive medbill page (Voila)")
    apps = parser.add_subparsers(dest="app", required=True, metavar="APP")
    encounter = apps.add_parser("encounter", help="the encounter coder as a standalone page")
    encounter.add_argument(
        "--practice",
        default=None,
        help="claims folder with the payers and providers to offer (default: data/sample)",
    )
    encounter.add_argument(
        "--payer", default=None, help="payer_id chosen at start (default: the first payer)"
    )
    encounter.add_argument(
        "--locality", default="", help="PFS MAC-locality for Medicare prices, e.g. 15202-00"
    )
    encounter.add_argument(
        "--service-date",
        type=date.fromisoformat,
        default=None,
        help="date of service at start, YYYY-MM-DD (default: today, within the ICD-10-CM releases)",
    )
    encounter.add_argument("--port", type=int, default=None, help="port to serve on (default: Voila's 8866)")
    encounter.add_argument("--no-browser", action="store_true", help="do not open a browser")
    encounter.set_defaults(func=_encounter)
