"""``medbill partition``: whole patients per partition, every input row written exactly once."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from medbill.claims.tables import read_claims_dir
from medbill.cli import main
from medbill.exceptions import ImportFailed
from medbill.scale.partition import SOURCE_ROW, Dataset, partition


def test_every_row_lands_in_exactly_one_partition(claims_dir: Path, dataset: Dataset) -> None:
    source = read_claims_dir(claims_dir)
    for name, frame in source.items():
        assert sum(dataset.rows[name]) == len(frame), name
    lines = pd.concat([dataset.read(i).lines for i in range(dataset.partitions)])
    assert sorted(lines[SOURCE_ROW]) == list(range(len(source.lines)))


def test_a_patient_never_spans_two_partitions(dataset: Dataset) -> None:
    seen: dict[str, int] = {}
    for i in range(dataset.partitions):
        for patient in dataset.read(i).claims["patient_id"].dropna().unique():
            assert seen.setdefault(patient, i) == i, patient
    assert len(seen) > 1


def test_some_partitions_are_empty_and_still_hold_typed_tables(dataset: Dataset) -> None:
    empty = [i for i, n in enumerate(dataset.rows["lines"]) if n == 0]
    assert empty  # 64 partitions for about a hundred patients
    part = dataset.read(empty[0])
    assert part.lines.empty and "procedure_code" in part.lines.columns
    assert len(part.payers) == dataset.rows["payers"][0]  # shared tables come with every partition


def test_lines_follow_their_claim(dataset: Dataset) -> None:
    for i in range(0, dataset.partitions, 7):
        part = dataset.read(i)
        assert part.lines["claim_id"].isin(part.claims["claim_id"]).all()


@pytest.mark.parametrize(
    "partitions",
    [
        0,  # no partition at all
        True,  # a bool is not a count
    ],
)
def test_bad_partition_count_is_refused(claims_dir: Path, tmp_path: Path, partitions: object) -> None:
    with pytest.raises(ImportFailed, match="partitions"):
        partition(claims_dir, tmp_path / "ds", partitions)  # type: ignore[arg-type]


def test_cli_writes_a_dataset_and_refuses_a_non_empty_folder(
    claims_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "ds"
    assert main(["partition", str(claims_dir), "--out", str(out), "--partitions", "3"]) == 0
    assert Dataset.open(out).partitions == 3
    assert "lines: " in capsys.readouterr().out
    assert main(["partition", str(claims_dir), "--out", str(out)]) == 2
    assert "not empty" in capsys.readouterr().err


def test_opening_a_plain_folder_names_the_command(claims_dir: Path) -> None:
    with pytest.raises(ImportFailed, match="medbill partition"):
        Dataset.open(claims_dir)
