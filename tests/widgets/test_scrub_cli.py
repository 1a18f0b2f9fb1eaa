"""``medbill scrub``: a summary first, the findings to a file or up to --limit, flags named in errors."""

from __future__ import annotations

import pandas as pd
import pytest

from medbill.cli import main
from medbill.synth.sample import sample_dir


@pytest.fixture(scope="module")
def practice():
    return sample_dir()


def test_summary_comes_first_then_limited_findings(practice, capsys):
    assert main(["scrub", str(practice), "--limit", "2", "--as-of", "2026-07-01"]) == 1
    captured = capsys.readouterr()
    lines = captured.out.splitlines()
    claims = len(pd.read_csv(practice / "claims.csv"))
    assert lines[0].startswith(f"Scrubbed {claims:,} claims, ")
    assert "Findings per rule:" in lines
    assert any(line.startswith("Rules that did not run") for line in lines)
    assert any("medbill data import ncci PATH" in line for line in lines)
    rows = lines[lines.index("") + 2 :]  # after the blank line and the table header
    assert len(rows) == 2
    assert "more findings: --out FILE writes them all" in captured.err


def test_every_finding_goes_to_the_file(practice, tmp_path, capsys):
    out = tmp_path / "findings.csv"
    assert main(["scrub", str(practice), "--out", str(out), "--as-of", "2026-07-01"]) == 1
    printed = capsys.readouterr().out
    findings = pd.read_csv(out)
    total = int(printed.splitlines()[0].split(": ")[1].split(" findings")[0].replace(",", ""))
    assert len(findings) == total > 20
    assert f"All {total:,} findings written to {out}" in printed


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--rules", "NOPE"], "--rules NOPE: No scrub rule matches 'NOPE'"),  # the flag, not rules()
        (["--disable", "ZZZ"], "--disable ZZZ: No scrub rule matches 'ZZZ'"),
        (["--limit", "-1"], "--limit -1"),
    ],
)
def test_bad_flags_are_named_without_a_traceback(practice, argv, message, capsys):
    assert main(["scrub", str(practice), *argv]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_list_rules_needs_no_claims_dir(capsys):
    assert main(["scrub", "--list-rules"]) == 0
    assert "NCCI-PTP" in capsys.readouterr().out
    assert main(["scrub"]) == 2
    assert "CLAIMS_DIR is missing" in capsys.readouterr().err
