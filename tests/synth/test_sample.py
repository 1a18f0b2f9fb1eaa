"""``sample_dir``: the sample practice written once into the cache, the same files as data/sample."""

from __future__ import annotations

from pathlib import Path

from medbill.synth.sample import sample_dir

COMMITTED = Path(__file__).resolve().parents[2] / "data" / "sample"


def test_sample_is_generated_into_the_cache_as_committed(fresh_home: Path) -> None:
    folder = sample_dir()
    assert folder.is_relative_to(fresh_home)  # never a path into the checkout
    committed = sorted(COMMITTED.glob("*.csv"))
    assert sorted(p.name for p in folder.iterdir()) == [p.name for p in committed]
    assert [p.name for p in committed if (folder / p.name).read_bytes() != p.read_bytes()] == []
    claims = folder / "claims.csv"
    before = claims.stat().st_mtime_ns
    assert sample_dir() == folder and claims.stat().st_mtime_ns == before  # generated once
