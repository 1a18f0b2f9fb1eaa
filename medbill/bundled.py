"""The notebooks that ship inside medbill: report templates, teaching walkthroughs, examples.

They are package data under ``medbill/_notebooks/``: in the repository a link to the top-level
``notebooks/`` folder (their one editable copy), in an sdist and a wheel the files themselves. They
are found through :mod:`importlib.resources` on the package, the same way in a checkout and in a wheel.
:func:`copy_workspace` gives a user their own copy to open and change.
"""

from __future__ import annotations

import importlib.resources
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from medbill.exceptions import DataNotAvailable

REPORTS = "reports"
TEACHING = "teaching"
# The sample practice inside a workspace: the example notebooks read it as ``../data/sample``.
WORKSPACE_SAMPLE = Path("data") / "sample"


def notebooks_dir() -> Path:
    """The folder of shipped notebooks (``reports/`` and ``teaching/`` below it)."""
    root = importlib.resources.files("medbill") / "_notebooks"
    if not isinstance(root, Path) or not root.is_dir():
        raise DataNotAvailable(f"medbill's notebooks are missing from {root}; reinstall medbill")
    return root


def report_templates_dir() -> Path:
    """The report templates medbill ships (``medbill report list``)."""
    return notebooks_dir() / REPORTS


def walkthroughs_dir() -> Path:
    """The teaching walkthroughs (``medbill teach export``)."""
    return notebooks_dir() / TEACHING


def shipped_notebooks() -> list[Path]:
    """Every shipped notebook, relative to :func:`notebooks_dir`, sorted."""
    root = notebooks_dir()
    return sorted(p.relative_to(root) for p in root.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)


@dataclass
class Workspace:
    """What :func:`copy_workspace` did: files written, and files left alone because they existed."""

    root: Path
    written: list[Path] = field(default_factory=list)
    kept: list[Path] = field(default_factory=list)


def copy_workspace(dest: str | Path, sample: Path | None = None) -> Workspace:
    """Copy the shipped notebooks to ``dest/notebooks`` and the sample practice to ``dest/data/sample``.

    The layout is the repository's, so every notebook runs as it is. Files that already exist are
    kept (a user's edits are never overwritten) and listed in the result. ``sample`` defaults to
    :func:`medbill.synth.sample.sample_dir`.
    """
    if sample is None:
        from medbill.synth.sample import sample_dir

        sample = sample_dir()
    root = Path(dest)
    if root.exists() and not root.is_dir():
        raise DataNotAvailable(f"{root} exists and is not a folder; give a folder to copy the notebooks into")
    result = Workspace(root)
    pairs = [(notebooks_dir() / rel, root / "notebooks" / rel) for rel in shipped_notebooks()]
    pairs += [(p, root / WORKSPACE_SAMPLE / p.name) for p in sorted(sample.glob("*.csv"))]
    for source, target in pairs:
        if target.exists():
            result.kept.append(target)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        result.written.append(target)
    return result
