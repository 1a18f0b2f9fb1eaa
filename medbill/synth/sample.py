"""Where the sample practice is: ``data/sample`` of the checkout, or the same sample generated once."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from medbill.refdata._home import cache_dir

CHECKOUT_SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample"


def sample_dir() -> Path:
    """The sample practice: ``data/sample`` of the checkout, or (installed without one) the same
    sample generated once with :func:`medbill.synth.generate` into the cache folder."""
    if (CHECKOUT_SAMPLE / "claims.csv").is_file():
        return CHECKOUT_SAMPLE
    from medbill.claims.tables import write_claims_dir
    from medbill.synth import DEFAULT_SEED, generate

    target = cache_dir() / f"sample-{DEFAULT_SEED}"
    if not (target / "claims.csv").is_file():
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(dir=target.parent, prefix=".sample."))
        try:
            write_claims_dir(generate(), tmp)
            os.replace(tmp, target)
        except OSError:  # another process finished first: its copy is the same sample
            shutil.rmtree(tmp, ignore_errors=True)
    return target
