"""Tables medbill writes itself and ships under ``medbill/_data/``: reading them and their provenance."""

from __future__ import annotations

import hashlib
from importlib import resources

import pandas as pd

from medbill.refdata import store

PROJECT_LICENCE = "MIT (medbill's own table)"
LABEL_SOURCE = "medbill plain-language label"


def data_bytes(name: str) -> bytes:
    return (resources.files("medbill") / "_data" / name).read_bytes()


def read_csv(name: str, **kwargs: object) -> pd.DataFrame:
    """Read ``medbill/_data/<name>`` with every column as text unless ``dtype`` says otherwise."""
    with (resources.files("medbill") / "_data" / name).open("rb") as f:
        return pd.read_csv(f, dtype=kwargs.pop("dtype", str), keep_default_na=False, **kwargs)


def provenance(
    system: str, name: str, rows: int, note: str, licence: str = PROJECT_LICENCE
) -> store.Provenance:
    """Provenance of a packaged table; its release is the first 12 hex digits of its checksum."""
    sha = hashlib.sha256(data_bytes(name)).hexdigest()
    return store.Provenance(
        system=system,
        release=f"medbill-{sha[:12]}",
        effective_from=None,
        effective_to=None,
        source=f"medbill/_data/{name}",
        sha256=sha,
        rows=rows,
        licence=licence,
        note=note,
    )
