"""``medbill app encounter``: the encounter coder as a standalone web page (Voila), code hidden.

For teaching labs: students get the widgets, not the notebook. The command writes a notebook (a
title and how-to, then one cell that builds ``EncounterCoder`` over a practice's claims folder) and
serves it with Voila on 127.0.0.1 behind a token (``--no-token`` to go without). The date of service
starts on a day the imported Medicare fee schedule covers; without one the page says which
fee schedule to import and how. Saved encounters go to a user folder (``--save-dir``, default
``~/Documents/medbill``), never to the temporary folder the notebook is served from. SIGTERM or
Ctrl+C stops the server.
"""

from __future__ import annotations

import argparse
import secrets
import signal
import subprocess
import sys
import tempfile
from datetime import date
from pathlib import Path
from typing import Any

from medbill._extras import require
from medbill.cli._output import iso_date
from medbill.exceptions import DataNotAvailable

TITLE = "medbill encounter coder"
HOW_TO = (
    "Code one visit as a claim. Set the patient's age and sex, the date and place of service, the "
    "payer and the rendering provider. Search diagnoses by words or code and press *Use code* "
    "(order them with the arrows: the first is the primary); search procedures the same way "
    '("flu shot", "EKG", 99213) or type a code on a line, with modifiers, units, charge and the '
    "diagnosis pointers (A, AB ...). Scrubber findings and the expected payment update as you type; "
    "rules that could not run are listed with the command that enables them. Export the claim as "
    "837P, CMS-1500 or JSON, and save your work with *Save*."
)


def default_save_dir() -> Path:
    """Where the app saves encounters by default: ``<Documents>/medbill``."""
    import platformdirs

    return Path(platformdirs.user_documents_dir()) / "medbill"


def fee_schedule_date(today: date) -> tuple[date | None, str]:
    """A date of service the imported Medicare PFS covers (today when it does, else the last day
    of the newest import), or None and what to import."""
    from medbill.refdata.registry import releases

    covering = [r for r in releases("pfs") if r.effective_from]
    for r in covering:
        if (
            r.effective_from is not None
            and r.effective_from <= today
            and (r.effective_to is None or today <= r.effective_to)
        ):
            return today, ""
    ends = [r.effective_to for r in covering if r.effective_to and r.effective_to < today]
    if ends:
        last = max(ends)
        return last, (
            f"The newest imported Medicare fee schedule ends on {last.isoformat()}, so the date of "
            f"service starts there. For {today.year} prices, import the CMS PFS files for {today.year}: "
            f"`medbill data import pfs DIR`."
        )
    return None, (
        f"No Medicare fee schedule is imported, so Medicare amounts cannot be shown. Import the CMS PFS "
        f"files for {today.year}: `medbill data import pfs DIR` (PPRRVU, GPCI and locality files)."
    )


def encounter_notebook(
    practice: Path,
    payer: str | None = None,
    locality: str = "",
    service_date: date | None = None,
    save_dir: Path | None = None,
    note: str = "",
) -> Any:
    """The notebook Voila serves: a title and how-to (with ``note`` when there is one), then one
    cell that shows the encounter coder for ``practice``, saving to ``save_dir``."""
    when = f"date.fromisoformat({service_date.isoformat()!r})" if service_date else "None"
    folder = save_dir or default_save_dir()
    source = (
        "from datetime import date\nfrom pathlib import Path\n\nfrom medbill.widgets import EncounterCoder\n\n"
        f"coder = EncounterCoder.from_practice_dir(\n    {str(practice)!r}, payer={payer!r}, locality={locality!r}, "
        f"service_date={when}\n)\n"
        f"save_dir = Path({str(folder)!r})\nsave_dir.mkdir(parents=True, exist_ok=True)\n"
        'coder.state_path.value = str(save_dir / "encounter.json")\ncoder'
    )
    import nbformat  # lazily: nbformat costs about a second, and every `medbill` command builds this parser

    intro = f"# {TITLE}\n\n{HOW_TO}\n\nSaved encounters go to `{folder}`."
    if note:
        intro += f"\n\n**{note}**"
    nb = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_markdown_cell(intro), nbformat.v4.new_code_cell(source)]
    )
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["title"] = TITLE
    return nb


def voila_command(
    notebook: Path, port: int | None, open_browser: bool, token: str | None = None
) -> list[str]:
    """The Voila command line; ``token`` None serves without one."""
    command = [sys.executable, "-m", "voila", str(notebook), "--Voila.ip=127.0.0.1", "--strip_sources=True"]
    if port:
        command.append(f"--port={port}")
    if not open_browser:
        command.append("--no-browser")
    command.append(f"--Voila.token={token}" if token else "--Voila.token=")
    return command


def serve(command: list[str]) -> int:
    """Run the server until it exits, Ctrl+C, or SIGTERM (which stops the server too)."""
    process = subprocess.Popen(command)

    def stop(_signum: int, _frame: Any) -> None:
        process.terminate()

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        return process.wait()
    except KeyboardInterrupt:
        process.terminate()
        process.wait()
        return 0
    finally:
        signal.signal(signal.SIGTERM, previous)
        if process.poll() is None:
            process.kill()


def _encounter(args: argparse.Namespace) -> int:
    for module in ("voila", "ipywidgets", "ipykernel"):  # Voila runs in a subprocess: check first
        require(module, "app")
    # imported here: medbill.synth loads pandas, which every other command would pay for at start-up
    from medbill.synth.sample import sample_dir

    practice = Path(args.practice).resolve() if args.practice else sample_dir()
    if not practice.is_dir():
        raise DataNotAvailable(
            f"Practice folder {practice} does not exist; pass --practice CLAIMS_DIR "
            "(a claims folder as in docs/tables.md, e.g. the repository's data/sample or `medbill synth --out DIR`)."
        )
    service_date, note = args.service_date, ""
    if service_date is None:
        service_date, note = fee_schedule_date(date.today())
    save_dir = Path(args.save_dir).expanduser().resolve() if args.save_dir else default_save_dir()
    token = None if args.no_token else secrets.token_urlsafe(16)
    with tempfile.TemporaryDirectory(prefix="medbill-app-") as folder:
        notebook = Path(folder) / "encounter.ipynb"
        import nbformat

        nb = encounter_notebook(practice, args.payer, args.locality, service_date, save_dir, note)
        nbformat.write(nb, notebook)
        port = args.port or 8866
        print(
            f"Serving the encounter coder at http://127.0.0.1:{port}/" + (f"?token={token}" if token else "")
        )
        if note:
            print(note, file=sys.stderr)
        return serve(voila_command(notebook, port, not args.no_browser, token))


def register(parser: argparse.ArgumentParser) -> None:
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
        type=iso_date,
        default=None,
        help="date of service at start, YYYY-MM-DD (default: today if the imported fee schedule covers it)",
    )
    encounter.add_argument(
        "--save-dir", default=None, help="folder for saved encounters (default: ~/Documents/medbill)"
    )
    encounter.add_argument("--port", type=int, default=None, help="port to serve on (default: Voila's 8866)")
    encounter.add_argument("--no-browser", action="store_true", help="do not open a browser")
    encounter.add_argument(
        "--no-token",
        action="store_true",
        help="serve without an access token (anyone on this machine can open it)",
    )
    encounter.set_defaults(func=_encounter)
