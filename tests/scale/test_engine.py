"""The Dask engine on a local two-worker cluster equals the single-process run exactly."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from medbill import synth
from medbill.claims.tables import read_claims_dir
from medbill.cli import main
from medbill.edits import scrub
from medbill.refdata.pfs import import_releases
from medbill.scale.engine import price_dataset, priced_lines, scrub_dataset
from medbill.scale.partition import Dataset

pytest.importorskip("distributed")
AS_OF = synth.DEFAULT_END


def test_scrub_on_dask_equals_scrub_of_the_whole_folder(
    claims_dir: Path, dataset: Dataset, dask_client
) -> None:
    single = scrub(read_claims_dir(claims_dir), as_of=AS_OF)
    many = scrub_dataset(dataset.path, as_of=AS_OF)
    # the injected duplicates are found, in both runs
    assert (single.findings["rule_id"] == "DUP-CLAIM").sum() >= 30
    for table in ("findings", "line_status", "claim_status", "skipped", "rules"):
        pd.testing.assert_frame_equal(getattr(many, table), getattr(single, table), obj=table)


def test_price_on_dask_equals_price_of_the_whole_folder(
    claims_dir: Path, dataset: Dataset, dask_client, shared_data
) -> None:
    import_releases(shared_data("cms/pfs/2025"))
    data = read_claims_dir(claims_dir)
    single = priced_lines(data.lines, data.claims, "national")
    many = price_dataset(dataset.path, locality="national")
    assert single["allowed"].notna().any() and single["allowed"].isna().any()  # priced and uncovered
    pd.testing.assert_frame_equal(many, single, check_categorical=False)


def test_price_lines_of_an_empty_table(dataset: Dataset, shared_data) -> None:
    import_releases(shared_data("cms/pfs/2025"))
    empty = next(i for i, n in enumerate(dataset.rows["lines"]) if n == 0)
    part = dataset.read(empty)
    priced = priced_lines(part.lines, part.claims, "national")
    assert priced.empty and "allowed" in priced.columns


def test_cli_scrub_with_the_dask_engine_prints_the_same_json(
    claims_dir: Path, dataset: Dataset, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["--json", "--as-of", AS_OF.isoformat()]
    single_code = main(["scrub", str(claims_dir), *args])
    single = json.loads(capsys.readouterr().out)
    dask_code = main(["scrub", str(dataset.path), "--engine", "dask", "--workers", "1", *args])
    assert (dask_code, json.loads(capsys.readouterr().out)) == (single_code, single)


def test_cli_price_folder_writes_every_line(claims_dir: Path, tmp_path: Path, shared_data) -> None:
    import_releases(shared_data("cms/pfs/2025"))
    out = tmp_path / "priced.parquet"
    assert main(["price", "--data", str(claims_dir), "--out", str(out), "--locality", "national"]) == 0
    assert len(pd.read_parquet(out)) == len(read_claims_dir(claims_dir).lines)


def test_cli_price_folder_needs_an_output_file(claims_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["price", "--data", str(claims_dir), "--out", "priced.txt"]) == 2
    assert "--out FILE ending .parquet or .csv" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("value", "said"), [("0", "at least 1"), ("-2", "at least 1"), ("two", "whole number")]
)
@pytest.mark.parametrize("command", [["scrub"], ["price", "--out", "priced.parquet", "--data"]])
def test_cli_refuses_a_cluster_without_workers(
    claims_dir: Path, capsys: pytest.CaptureFixture[str], command: list[str], value: str, said: str
) -> None:
    with pytest.raises(SystemExit) as stop:
        main([*command, str(claims_dir), "--engine", "dask", "--workers", value])
    assert stop.value.code == 2 and said in capsys.readouterr().err
