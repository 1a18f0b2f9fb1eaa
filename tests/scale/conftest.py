"""A small synthetic practice with injected duplicate claims, written as a claims folder and as a
patient-partitioned dataset, and one local Dask cluster shared by the module's tests."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from medbill import synth
from medbill.claims.tables import TABLES, ClaimsData, write_claims_dir
from medbill.scale.partition import Dataset, partition

DUPLICATED = 30  # claims sent twice, under a new claim id


def with_duplicates(data: ClaimsData, n: int) -> ClaimsData:
    """``data`` plus a second original copy of ``n`` of its claims (new claim ids, same lines)."""
    picked = data.claims["claim_id"].iloc[np.linspace(0, len(data.claims) - 1, n).astype(int)]
    renamed = {c: f"{c}DUP" for c in picked}
    claims = data.claims[data.claims["claim_id"].isin(picked)].assign(
        claim_id=lambda f: f["claim_id"].map(renamed), claim_frequency="1"
    )
    lines = data.lines[data.lines["claim_id"].isin(picked)].assign(
        claim_id=lambda f: f["claim_id"].map(renamed)
    )
    return dataclasses.replace(
        data,
        claims=pd.concat([data.claims, claims], ignore_index=True),
        lines=pd.concat([data.lines, lines], ignore_index=True),
    )


@pytest.fixture(scope="session")
def claims_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    practice = synth.generate(lines=800, seed=7)
    folder = tmp_path_factory.mktemp("practice")
    data = ClaimsData(**{name: getattr(practice, name) for name in TABLES})
    write_claims_dir(with_duplicates(data, DUPLICATED), folder, fmt="parquet")
    return folder


@pytest.fixture(scope="session")
def dataset(claims_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Dataset:
    # more partitions than about a hundred patients fill evenly: some partitions are empty
    return partition(claims_dir, tmp_path_factory.mktemp("dataset") / "ds", partitions=64)


@pytest.fixture(scope="module")
def dask_client(_session_home: Path) -> Iterator[object]:
    """A two-worker local cluster whose workers see the session's MEDBILL_HOME."""
    pytest.importorskip("distributed")
    from medbill.scale.engine import client

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MEDBILL_HOME", str(_session_home))
        with client(workers=2) as c:
            yield c
