"""The catalog of official releases, and ``medbill data sources`` / ``status`` / ``list``."""

from __future__ import annotations

import itertools
import json
import re
from datetime import date, timedelta

import pytest

from medbill.cli import main
from medbill.exceptions import DataNotAvailable
from medbill.refdata import catalog

QUARTERS = {"A": (1, 1), "B": (4, 1), "C": (7, 1), "D": (10, 1)}


@pytest.mark.parametrize(
    ("system", "releases"),
    [
        ("icd10cm", ["FY2025", "FY2026", "FY2027"]),
        ("hcpcs", [f"{y}-{m}" for y in (2025, 2026) for m in ("JAN", "APR", "JUL", "OCT")]),
        ("pfs", [f"RVU{y}{q}" for y in (25, 26) for q in "ABCD"]),
        ("ncci", ["2026Q1", "2026Q2", "2026Q3", "2026Q4"]),
        ("mue", ["2026Q1", "2026Q2", "2026Q3", "2026Q4"]),
        ("taxonomy", ["25.0", "25.1", "26.0", "26.1"]),
    ],
)
def test_catalog_lists_the_required_releases_back_to_back(system, releases):
    assert catalog.releases(system) == releases
    spans = sorted({(e.effective_from, e.effective_to) for e in catalog.entries(system)})
    for (_, end), (start, _) in itertools.pairwise(spans):
        assert start == end + timedelta(days=1)  # no gap, no overlap


def test_icd10cm_lists_code_descriptions_and_tabular_per_fiscal_year():
    for year in (2025, 2026, 2027):
        files = catalog.find("icd10cm", f"FY{year}")
        assert {(e.effective_from, e.effective_to) for e in files} == {
            (date(year - 1, 10, 1), date(year, 9, 30))
        }
        assert [e.install for e in files] == [True, False]  # fetch installs the order file; XML is listed
        assert "descriptions" in files[0].file.lower() and "index" in files[1].file.lower()


def test_pfs_releases_follow_their_quarter_letter():
    for e in catalog.entries("pfs"):
        year = 2000 + int(e.release[3:5])
        assert e.effective_from == date(year, *QUARTERS[e.release[-1]])
        assert e.unpack and "GPCI" in e.contents


def test_every_url_says_where_it_was_confirmed():
    for e in catalog.entries():
        assert e.url.startswith("https://") and e.confirmed, e
        assert e.file == re.sub("%20", " ", e.url.rsplit("/", 1)[-1])


def test_recorded_checksums_are_the_ones_in_the_shared_readme(shared_data):
    readme = shared_data("README.md").read_text()
    recorded = {e.sha256 for e in catalog.entries() if e.sha256}
    recorded |= {sha for e in catalog.entries() for sha in e.members.values()}
    assert len(recorded) == 7
    assert all(sha in readme for sha in recorded)
    [fy2027] = [e for e in catalog.find("icd10cm", "2027") if e.install]
    assert f"{fy2027.bytes:,}" in readme


def test_covering_and_find():
    assert catalog.covering("icd10cm", date(2026, 12, 1)).release == "FY2027"
    assert catalog.covering("pfs", date(2026, 9, 30)).release == "RVU26C"
    assert catalog.covering("icd10cm", date(2010, 1, 1)) is None
    with pytest.raises(DataNotAvailable, match="known: FY2025, FY2026, FY2027"):
        catalog.find("icd10cm", "FY2030")


def test_sources_json(capsys):
    assert main(["data", "sources", "ncci", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == 16  # four files a quarter
    assert {r["release"] for r in rows} == {"2026Q1", "2026Q2", "2026Q3", "2026Q4"}
    assert all(r["confirmed"] for r in rows)


def test_sources_unknown_system_exits_2(capsys):
    assert main(["data", "sources", "snomed"]) == 2
    assert "icd10cm" in capsys.readouterr().err


def test_status_names_the_fix_for_an_uncovered_date(fresh_home, capsys):
    # only embedded releases: ICD-10-CM FY2025 and FY2026
    assert main(["data", "status", "--on", "2026-12-01", "--json"]) == 1
    rows = {r["system"]: r for r in json.loads(capsys.readouterr().out)}
    assert rows["icd10cm"]["covered"] is False
    assert rows["icd10cm"]["fix"] == "medbill data fetch icd10cm FY2027"
    assert {r["release"] for r in rows["icd10cm"]["releases"]} >= {"FY2025", "FY2026"}
    assert rows["pfs"]["covered"] is None and rows["pfs"]["fix"] == "medbill data fetch pfs RVU26D"


def test_status_exits_0_when_every_system_with_releases_covers_the_date(fresh_home, capsys):
    assert main(["data", "status", "--on", "2026-03-01"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"icd10cm\s+yes: FY2026", out)


def test_list_shows_dates_and_coverage(fresh_home, capsys):
    assert main(["data", "list", "--on", "2025-05-01", "--json"]) == 0
    rows = {(r["system"], r["release"]): r for r in json.loads(capsys.readouterr().out)}
    assert rows[("icd10cm", "FY2025")]["covered"] is True
    assert rows[("icd10cm", "FY2026")]["covered"] is False
    assert rows[("icd10cm", "FY2026")]["effective_from"] == "2025-10-01"
