"""Empty tables work everywhere: scrub, price and the analytics behind the reports, on zero claims,
zero lines and an empty partition of a dataset."""

from __future__ import annotations

from pathlib import Path

import pytest

from medbill import synth
from medbill.analytics import all_kpis, ar_aging, claim_facts
from medbill.analytics.coding import findings_summary
from medbill.analytics.summary import money_summary
from medbill.claims.tables import TABLES, ClaimsData, read_claims_dir, write_claims_dir
from medbill.edits import scrub
from medbill.pricing.pfs import price_lines
from medbill.refdata.pfs import import_releases
from medbill.scale.partition import Dataset

AS_OF = synth.DEFAULT_END


@pytest.fixture(scope="module")
def practice() -> ClaimsData:
    generated = synth.generate(lines=300, seed=9)
    return ClaimsData(**{name: getattr(generated, name) for name in TABLES})


def _emptied(data: ClaimsData, claims: int, lines: int) -> ClaimsData:
    """``data`` with its first ``claims`` claims and ``lines`` lines, and no payments or remittance."""
    keep = {name: frame.head(0) for name, frame in data.items()}
    return ClaimsData(**{**keep, "claims": data.claims.head(claims), "lines": data.lines.head(lines)})


@pytest.mark.parametrize(
    ("claims", "lines"),
    [
        (0, 0),  # nothing at all
        (5, 0),  # claims without lines
        (0, 5),  # lines without their claims
    ],
)
def test_scrub_price_and_analytics_of_empty_tables(
    practice: ClaimsData, shared_data, claims: int, lines: int
) -> None:
    import_releases(shared_data("cms/pfs/2025"))
    data = _emptied(practice, claims, lines)
    result = scrub(data, as_of=AS_OF)
    assert len(result.line_status) == lines and len(result.claim_status) == claims
    priced = price_lines(data.lines, claims=data.claims, locality="national")
    assert len(priced) == lines and "allowed" in priced.columns
    # no line, no charge: every figure is zero rather than an error
    assert claim_facts(data, as_of=AS_OF)["charge"].sum() == 0
    assert all_kpis(data, result.findings, as_of=AS_OF)
    assert ar_aging(data, as_of=AS_OF)["total"].sum() == 0
    assert money_summary(data)["charge"].sum() == 0
    assert findings_summary(result.findings)["findings"].sum() == len(result.findings)


def test_an_empty_partition_reads_scrubs_and_prices(dataset: Dataset, shared_data) -> None:
    import_releases(shared_data("cms/pfs/2025"))
    empty = next(i for i, n in enumerate(dataset.rows["lines"]) if n == 0)
    part = dataset.read(empty)
    result = scrub(part, as_of=AS_OF)
    assert result.findings.empty and result.line_status.empty
    assert price_lines(part.lines, claims=part.claims, locality="national").empty
    assert claim_facts(part, as_of=AS_OF).empty


def test_a_folder_of_header_rows_reads_compactly(practice: ClaimsData, tmp_path: Path) -> None:
    write_claims_dir(_emptied(practice, 0, 0), tmp_path, fmt="csv")
    data = read_claims_dir(tmp_path, compact=True)
    assert data.claims.empty and data.lines.empty
    assert str(data.lines["procedure_code"].dtype) == "category"
    assert scrub(data, as_of=AS_OF).ok
