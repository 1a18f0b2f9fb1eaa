"""``medbill notebooks DIR``: a folder of your own with every shipped notebook and the sample practice."""

from __future__ import annotations

import argparse


def register(p: argparse.ArgumentParser) -> None:
    p.description = (
        "Copy the example notebooks, the teaching walkthroughs and the report templates to DIR/notebooks "
        "and the sample practice to DIR/data/sample, ready to open in JupyterLab. Existing files are kept."
    )
    p.add_argument("dest", metavar="DIR", help="folder to copy into (created if missing)")
    p.set_defaults(func=_copy)


def _copy(args: argparse.Namespace) -> int:
    from medbill.bundled import copy_workspace

    done = copy_workspace(args.dest)
    for path in done.kept:
        print(f"kept {path} (exists)")
    print(
        f"wrote {len(done.written)} files to {done.root}; open it with: jupyter lab {done.root / 'notebooks'}"
    )
    return 0
