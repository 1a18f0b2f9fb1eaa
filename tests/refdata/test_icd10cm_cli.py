"""``medbill codes ...`` and ``medbill demo``: JSON contracts and forgiving input."""

from __future__ import annotations

import json

import pytest

from medbill.cli import main


def run_json(capsys, *argv: str, status: int = 0):
    assert main([*argv, "--json"]) == status
    return json.loads(capsys.readouterr().out)


@pytest.mark.parametrize("raw", ["s52521a", "S52.521A", " s52.521a "])  # the same code, any form
def test_lookup_json(capsys, raw: str) -> None:
    out = run_json(capsys, "codes", "lookup", raw)
    assert {k: out[k] for k in ("system", "code", "billable", "release")} == {
        "system": "icd10cm",
        "code": "S52.521A",
        "billable": True,
        "release": "FY2026",
    }
    assert out["title"].startswith("Torus fracture of lower end of right radius")
    assert "valid_on_date" not in out


@pytest.mark.parametrize(
    ("day", "release", "valid"),
    [
        ("2025-09-30", "FY2025", False),  # E11.A is not yet a code
        ("2025-10-01", "FY2026", True),
    ],
)
def test_lookup_on_date(capsys, day: str, release: str, valid: bool) -> None:
    out = run_json(capsys, "codes", "lookup", "E11.A", "--on", day, status=0 if valid else 1)
    assert (out["code"], out["release"], out["valid_on_date"]) == ("E11.A", release, valid)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["codes", "lookup", "E1.19"], "not an ICD-10-CM code"),  # malformed
        (["codes", "diff", "FY2024", "FY2026"], "FY2024"),  # unknown release name
    ],
)
def test_errors_exit_2_with_one_line(capsys, argv: list[str], message: str) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("medbill: error:") and message in err


@pytest.mark.parametrize(
    ("day", "fix"),
    [
        (
            "2026-12-01",
            "medbill data fetch icd10cm FY2027",
        ),  # after the last embedded release: the catalog has it
        ("2019-01-01", "medbill data import icd10cm PATH"),  # before every release medbill knows
    ],
)
def test_lookup_on_a_date_no_release_covers(capsys, day: str, fix: str) -> None:
    # The answer comes from the nearest release, says it does not cover the date, and exits 1.
    assert main(["codes", "lookup", "E11.9", "--on", day, "--json"]) == 1
    captured = capsys.readouterr()
    out = json.loads(captured.out)
    assert (out["covered"], out["valid_on_date"]) == (False, None)
    assert out["release"] in ("FY2025", "FY2026") and fix in out["coverage_message"]
    assert fix in captured.err


@pytest.mark.parametrize(
    ("argv", "holding"),
    [
        (["E11.9999"], []),  # well formed, in no release
        (["S30.1XXA"], [("FY2024-10-01", "FY2025")]),  # deleted in FY2026: FY2025 holds it
        (["QA0.0142", "--on", "2025-06-01"], [("FY2025-10-01", "FY2026")]),  # added in FY2026
    ],
)
def test_lookup_of_a_code_the_release_lacks_prints_json_and_exits_1(capsys, argv, holding) -> None:
    out = run_json(capsys, "codes", "lookup", *argv, status=1)
    assert out["valid_on_date"] is False and out["system"] == "icd10cm"
    assert "not in release" in out["message"]
    found = [("FY" + h["effective_from"], h["release"]) for h in out["releases_holding"]]
    assert found == holding
    assert all(h["title"] for h in out["releases_holding"])
    assert main(["codes", "lookup", *argv]) == 1  # text output, same exit code
    text = capsys.readouterr().out
    assert all(f"in {r} (" in text for _, r in holding)


@pytest.mark.parametrize(
    ("code", "system", "note"),
    [
        ("G0008", "hcpcs", "ICD-10-CM has no code G00.08"),  # only HCPCS holds it
        ("99213", "cpt", None),  # five digits: only CPT
        ("0001A", "cpt", None),  # vaccine administration code: CPT
        ("1234567893", "npi", None),  # ten digits: NPI
        ("E11.9", "icd10cm", None),  # a dot: only ICD-10-CM writes one
        ("E1100", "icd10cm", "could be HCPCS Level II E1100 or ICD-10-CM E11.00"),  # both hold it
    ],
)
def test_lookup_without_system_reads_the_shape(capsys, code, system, note) -> None:
    status = main(["codes", "lookup", code, "--json"])
    out = json.loads(capsys.readouterr().out)
    assert (out["system"], out["system_assumed"]) == (system, True)
    assert (note in out["system_note"]) if note else ("system_note" not in out)
    assert status in (0, 1)
    main(["codes", "lookup", code])
    assert f"system {system} assumed" in capsys.readouterr().out
    # with --system nothing is assumed
    main(["codes", "lookup", code, "--system", system, "--json"])
    assert "system_assumed" not in json.loads(capsys.readouterr().out)


def test_lookup_of_an_npi_cms_never_issues_says_so(capsys) -> None:
    out = run_json(capsys, "codes", "lookup", "9876543213", "--system", "npi")
    assert out["issued_first_digit"] is False and "1 or 2" in out["note"]
    assert "note" not in run_json(capsys, "codes", "lookup", "1234567893", "--system", "npi")


def test_search_json(capsys) -> None:
    hits = run_json(capsys, "codes", "search", "asthma NOS", "--limit", "3")
    assert len(hits) == 3
    assert {"code", "title", "billable", "score"} <= set(hits[0])
    assert hits[0]["code"] == "J45.909"


def test_releases_json(capsys) -> None:
    rows = [r for r in run_json(capsys, "codes", "releases") if r["system"] == "icd10cm"]
    by_name = {r["release"]: r for r in rows}
    assert by_name["FY2026"]["billable_count"] == 74_719
    assert by_name["FY2025"]["billable_count"] == 74_260
    assert (by_name["FY2026"]["effective_from"], by_name["FY2026"]["effective_to"]) == (
        "2025-10-01",
        "2026-09-30",
    )
    assert {"system", "release", "effective_from", "effective_to", "billable_count"} <= set(rows[0])


def test_diff_json_and_text(capsys) -> None:
    out = run_json(capsys, "codes", "diff", "FY2025", "FY2026")
    assert (out["old"], out["new"]) == ("FY2025", "FY2026")
    assert "E11.A" in {r["code"] for r in out["billable_changed_codes"] + out["added_codes"]}
    assert "S30.1XXA" in {r["code"] for r in out["deleted_codes"]}
    assert main(["codes", "diff", "FY2025", "FY2026", "--limit", "2"]) == 0
    assert "FY2025 -> FY2026" in capsys.readouterr().out


def test_lookup_text_with_notes(capsys) -> None:
    assert main(["codes", "lookup", "J45.909", "--notes"]) == 0
    text = capsys.readouterr().out
    assert "Unspecified asthma, uncomplicated" in text and "inclusion: Asthma NOS" in text


def test_demo_runs(capsys) -> None:
    assert main(["tour"]) == 0
    text = capsys.readouterr().out
    for expected in (
        "S52.521A",
        "E11.A on 2025-10-01: release FY2026, billable: yes",
        "J45.909",
        "FY2025 -> FY2026",
    ):
        assert expected in text
