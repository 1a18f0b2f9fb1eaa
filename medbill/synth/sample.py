"""The sample practice: :func:`medbill.synth.generate`'s default output, written once to the cache
folder as ``medbill synth --format csv`` writes it (the repository's ``data/sample`` is the same files).

The key names medbill's version and a checksum of the generator (its modules and its ``_data``
tables), so a changed generator writes a fresh sample rather than reading a stale one.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from importlib import resources
from pathlib import Path

from medbill import __version__
from medbill.refdata._home import cache_dir


def _generator_checksum() -> str:
    """sha256 over the generator's sources and tables, read through the package."""
    digest = hashlib.sha256()
    synth = resources.files("medbill.synth")
    data = resources.files("medbill") / "_data"
    inputs = [p for p in synth.iterdir() if p.name.endswith(".py")]
    inputs += [p for p in data.iterdir() if p.name.startswith("synth_")]
    for item in sorted(inputs, key=lambda p: p.name):
        digest.update(item.name.encode() + b"\0" + item.read_bytes())
    return digest.hexdigest()


def sample_dir() -> Path:
    """The sample practice's claims folder (docs/tables.md), generated on first use."""
    from medbill.synth import DEFAULT_SEED, generate
    from medbill.synth.output import write

    target = cache_dir() / f"sample-{__version__}-{DEFAULT_SEED}-{_generator_checksum()[:16]}"
    if not (target / "claims.csv").is_file():
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(dir=target.parent, prefix=".sample."))
        try:
            write(generate(), tmp, "csv")  # as `medbill synth --format csv` writes it
            os.replace(tmp, target)
        except OSError:  # another process finished first: its copy is the same sample
            shutil.rmtree(tmp, ignore_errors=True)
    return target
