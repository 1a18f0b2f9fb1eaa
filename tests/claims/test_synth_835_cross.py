"""Cross-check with another part: the synthetic practice's 835 files read back into its own tables."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from medbill.claims.posting import post
from medbill.claims.tables import read_claims_dir
from medbill.claims.x12 import read_835, validate

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample"


@pytest.fixture(scope="module")
def sample():
    if not (SAMPLE / "remit_claims.csv").exists():
        pytest.skip("no synthetic sample in data/sample")
    return read_claims_dir(SAMPLE)


def test_synthetic_835s_read_balance_and_match_their_tables(sample, tmp_path: Path) -> None:
    x12_835 = pytest.importorskip("medbill.synth.x12_835")
    paths = x12_835.write_835s(sample, tmp_path)
    assert paths
    posted_tables = post(sample, sample)
    for path in paths[:3]:
        remit = read_835(path)
        assert remit.imbalances().empty, path.name
        assert validate(path) == [], path.name
        payment_id = remit.payments["payment_id"].iloc[0]
        expected = sample.remit_claims[sample.remit_claims["payment_id"] == payment_id]
        got = remit.claims[["claim_id", "charge", "paid"]].sort_values("claim_id").reset_index(drop=True)
        want = expected[["claim_id", "charge", "paid"]].sort_values("claim_id").reset_index(drop=True)
        pd.testing.assert_frame_equal(got, want, check_dtype=False)
        # posting the file and posting the tables give the same statuses
        from_file = post(remit, sample).set_index(["claim_id", "line_number"])["status"].sort_index()
        from_tables = (
            posted_tables[posted_tables["payment_id"] == payment_id]
            .set_index(["claim_id", "line_number"])["status"]
            .sort_index()
        )
        pd.testing.assert_series_equal(from_file, from_tables, check_dtype=False)
