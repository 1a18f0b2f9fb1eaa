"""Scrub results hold their text compactly (categoricals, Arrow strings) and find exactly what the
object layout found; empty batches give empty tables of the same types."""

from __future__ import annotations

import pandas as pd
import pytest

from medbill import synth
from medbill.claims.tables import ClaimsData, read_claims_dir, write_claims_dir
from medbill.edits import engine, scrub
from medbill.edits.result import CATEGORY_COLUMNS, STATUS, TEXT, as_category, concat_findings

AS_OF = synth.DEFAULT_END


@pytest.fixture(scope="module")
def practice():
    return synth.generate(lines=1500, seed=5)


@pytest.fixture(scope="module")
def result(practice):
    return scrub(practice, as_of=AS_OF)


def test_findings_text_is_categorical_and_small(result) -> None:
    f = result.findings
    assert len(f) > 200
    assert f["claim_id"].dtype == TEXT
    for column in CATEGORY_COLUMNS:
        cats = f[column].cat.categories
        # the categories are the values present, sorted: equal findings have equal dtypes
        assert cats.is_monotonic_increasing and set(cats) == set(f[column].dropna()), column
    # about 700 bytes a finding as Python strings; the compact layout holds the same in well under 150
    assert f.memory_usage(deep=True).sum() / len(f) < 150


def test_status_is_ordered_by_severity(result) -> None:
    for table in (result.line_status, result.claim_status):
        assert table["status"].dtype == STATUS
        worse = table["status"] >= "warning"
        assert worse.tolist() == table["status"].isin(["warning", "error"]).tolist()
        assert worse.any() and not worse.all()


def test_compacting_each_rules_findings_early_changes_nothing(practice, result, monkeypatch) -> None:
    monkeypatch.setattr(engine, "_COMPACT_FROM", 1)  # every rule's findings compacted on arrival
    pd.testing.assert_frame_equal(scrub(practice, as_of=AS_OF).findings, result.findings)
    monkeypatch.setattr(engine, "_COMPACT_FROM", 10**9)  # none: object text until the end
    late = scrub(practice, as_of=AS_OF)
    pd.testing.assert_frame_equal(late.findings, result.findings)
    # and as plain values, the way the object layout held them
    as_text = result.findings.astype(object).where(result.findings.notna(), None)
    assert as_text.to_dict("records") == late.findings.astype(object).where(
        late.findings.notna(), None
    ).to_dict("records")


def test_wrapped_batch_frames_equal_stacked_ones(practice, monkeypatch) -> None:
    monkeypatch.setattr(engine, "_WRAP_FROM", 10**9)
    stacked = engine.Batch(practice.claims, practice.lines, as_of=AS_OF)
    monkeypatch.setattr(engine, "_WRAP_FROM", 0)
    wrapped = engine.Batch(practice.claims, practice.lines, as_of=AS_OF)
    pd.testing.assert_frame_equal(wrapped.lines, stacked.lines)
    pd.testing.assert_frame_equal(wrapped.claims, stacked.claims)


def test_findings_of_parts_concatenate_to_the_whole(result) -> None:
    f = result.findings
    half = len(f) // 2
    # each part with its own categories, as a partition scrubbed apart would have them
    parts = [
        part.reset_index(drop=True).assign(**{c: as_category(part[c]) for c in CATEGORY_COLUMNS})
        for part in (f.iloc[:0], f.iloc[:half], f.iloc[half:])
    ]
    assert parts[1]["message"].cat.categories.tolist() != f["message"].cat.categories.tolist()
    pd.testing.assert_frame_equal(concat_findings(parts), f)


@pytest.mark.parametrize(
    ("n_claims", "n_lines"),
    [
        (0, 0),  # nothing at all
        (3, 0),  # claims without lines: each is a finding
        (0, 3),  # lines whose claims are missing
    ],
)
def test_empty_tables_scrub_to_typed_results(practice, result, n_claims: int, n_lines: int) -> None:
    data = ClaimsData(practice.claims.head(n_claims), practice.lines.head(n_lines))
    got = scrub(data, as_of=AS_OF)
    assert len(got.line_status) == n_lines and len(got.claim_status) == n_claims
    assert got.findings.empty == (n_claims == n_lines == 0)
    _assert_compact(got)
    assert got.to_dict()["lines_checked"] == n_lines and isinstance(repr(got), str)
    assert got.counts["findings"].sum() == len(got.findings)


def test_a_folder_of_header_rows_only_scrubs(practice, tmp_path) -> None:
    write_claims_dir(ClaimsData(practice.claims.head(0), practice.lines.head(0)), tmp_path)
    got = scrub(read_claims_dir(tmp_path, compact=True), as_of=AS_OF)
    assert got.findings.empty and got.ok and got.line_status.empty and got.claim_status.empty
    _assert_compact(got)


def _assert_compact(got) -> None:
    f = got.findings
    assert list(f.columns) == ["claim_id", "line_number", *CATEGORY_COLUMNS, "claim_row", "line_row"]
    assert f["claim_id"].dtype == TEXT
    assert all(isinstance(f[c].dtype, pd.CategoricalDtype) for c in CATEGORY_COLUMNS)
    assert (f[["line_number", "claim_row", "line_row"]].dtypes == "Int64").all()
    assert got.line_status["status"].dtype == STATUS and got.claim_status["status"].dtype == STATUS
