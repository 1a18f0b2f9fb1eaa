"""The billing summary's figures of a partitioned dataset, computed per partition on a local Dask
cluster, equal those of the claims folder it was made from; the report runs on the dataset."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import pandas as pd
import pytest

from medbill import synth
from medbill.analytics import accounting, as_tables, facts, filter_tables, labels, rollup, summary
from medbill.analytics.tables import read_dir
from medbill.claims.tables import TABLES, ClaimsData, read_claims_dir, write_claims_dir
from medbill.exceptions import InvalidArgument
from medbill.scale import engine
from medbill.scale.claims import PartitionedClaims
from medbill.scale.partition import partition

pytest.importorskip("distributed")

FIGURES = [
    # (view, arguments) as the billing_summary report calls them
    (summary.money_summary, ("month",)),
    (summary.money_summary, ("payer_id",)),
    (summary.money_summary, ("rendering_npi",)),
    (summary.money_summary, ("place_of_service",)),
    (summary.money_summary, ("billing_npi",)),  # not prefetched: a pass of its own
    (summary.top_procedures, (5,)),
    (summary.top_diagnoses, ("chapter", 10)),
    (summary.top_diagnoses, ("block", 10)),
    (summary.top_diagnoses, ("code", 10)),
    (summary.em_distribution, ()),
    (accounting.excluded_rows, ()),
    (accounting.input_accounting, ()),
]


@pytest.fixture(scope="module")
def untidy_dir(claims_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The practice with rows the reports exclude: an orphan line, a remittance without claim_id
    and a claims row repeating a claim_id (each must be named by its row in the input files)."""
    data = read_claims_dir(claims_dir)
    first = data.claims.iloc[[5]]
    orphan = data.lines.iloc[[0]].assign(claim_id="NO-SUCH-CLAIM")
    no_id = data.remit_claims.iloc[[3]].assign(claim_id=pd.NA)
    untidy = dataclasses.replace(
        data,
        claims=pd.concat([data.claims.iloc[:40], first, data.claims.iloc[40:]], ignore_index=True),
        lines=pd.concat([data.lines.iloc[:100], orphan, data.lines.iloc[100:]], ignore_index=True),
        remit_claims=pd.concat([data.remit_claims, no_id], ignore_index=True),
    )
    folder = tmp_path_factory.mktemp("untidy")
    write_claims_dir(ClaimsData(**{n: getattr(untidy, n) for n in TABLES}), folder, fmt="parquet")
    return folder


@pytest.fixture(scope="module")
def untidy_dataset(untidy_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return partition(untidy_dir, tmp_path_factory.mktemp("untidy_ds") / "ds", partitions=8).path


def test_every_billing_summary_figure_equals_the_folders(
    untidy_dir: Path, untidy_dataset: Path, dask_client
) -> None:
    whole = read_dir(untidy_dir)
    parts = PartitionedClaims.open(untidy_dataset)
    rollup.prefetch(parts, summary.BILLING_SUMMARY)
    for view, args in FIGURES:
        pd.testing.assert_frame_equal(view(parts, *args), view(whole, *args), obj=f"{view.__name__}{args}")
    # the untidy rows are excluded under their input row numbers, in both
    reasons = accounting.excluded_rows(parts).set_index("table")["reason"]
    assert reasons["lines"] == accounting.ORPHAN and reasons["remit_claims"] == accounting.NO_ID
    assert reasons["claims"] == "repeats claim_id of claims row 6"


def test_claim_facts_equal_the_folders_in_claims_order(claims_dir: Path, dataset, dask_client) -> None:
    whole = read_dir(claims_dir)
    parts = PartitionedClaims.open(dataset.path)  # 64 partitions, some empty
    as_of = synth.DEFAULT_END - pd.Timedelta(days=90)
    for cutoff in (None, as_of):
        pd.testing.assert_frame_equal(facts.claim_facts(parts, cutoff), facts.claim_facts(whole, cutoff))


@pytest.mark.parametrize(
    "where",
    [
        {"start": "2025-12-01", "end": "2026-03-31"},  # a service-date window
        {"payer_id": "MCR01"},  # one payer (the practice's Medicare)
    ],
)
def test_filtered_figures_equal_the_filtered_folder(claims_dir: Path, dataset, dask_client, where) -> None:
    whole = filter_tables(read_dir(claims_dir), **where)
    parts = filter_tables(PartitionedClaims.open(dataset.path), **where)
    assert len(whole.claims) > 0
    for view, args in FIGURES[:4]:
        pd.testing.assert_frame_equal(view(parts, *args), view(whole, *args))


def test_prefetch_makes_one_pass_for_the_whole_report(dataset, dask_client, monkeypatch) -> None:
    passes = []
    each = engine.each_partition
    monkeypatch.setattr(engine, "each_partition", lambda *a: passes.append(a[1]) or each(*a))
    parts = PartitionedClaims.open(dataset.path)
    rollup.prefetch(parts, summary.BILLING_SUMMARY)
    summary.money_summary(parts, "payer_id")
    accounting.input_accounting(parts)
    summary.top_diagnoses(parts, "block")
    assert len(passes) == 1


def test_names_come_from_the_shared_tables(claims_dir: Path, dataset) -> None:
    parts = PartitionedClaims.open(dataset.path)
    whole = read_dir(claims_dir)
    pd.testing.assert_series_equal(labels.payer_names(parts), labels.payer_names(whole))
    pd.testing.assert_series_equal(labels.provider_names(parts), labels.provider_names(whole))


def test_views_that_need_whole_tables_refuse_a_dataset(dataset) -> None:
    with pytest.raises(InvalidArgument, match=f"{dataset.path} is a partitioned dataset"):
        as_tables(PartitionedClaims.open(dataset.path))


@pytest.mark.slow
def test_billing_summary_report_runs_on_the_dataset(claims_dir: Path, dataset, dask_client, tmp_path) -> None:
    from medbill.reports import run_report

    address = dask_client.scheduler.address
    out = run_report("billing_summary", {"scheduler": address}, data_dir=dataset.path, out_dir=tmp_path)
    page = out.html.read_text(encoding="utf-8")
    tables = [json.loads(t) for t in re.findall(r'class="medbill-data"[^>]*>(.*?)</script>', page)]
    shown = {v for t in tables for row in t["rows"] for v in row if isinstance(v, float)}
    total = summary.money_summary(read_dir(claims_dir))["charge"].iloc[-1]
    assert total in shown  # the folder's total charge
    assert "manifest.json" in page and "part-00000/lines.parquet" in page  # provenance: the dataset's files
