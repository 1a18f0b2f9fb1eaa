"""``medbill price`` and ``medbill data import pfs``, run through their own argument parsers."""

from __future__ import annotations

import json

import pytest

from medbill.cli import build_parser
from medbill.exceptions import MedbillError


def run(argv: list[str]) -> int:
    """What ``medbill.cli.main`` does, with only the two groups under test (fast to build)."""
    parser = build_parser(["data", "price"])
    try:
        args = parser.parse_args(argv)
        return int(args.func(args) or 0)
    except MedbillError:
        return 2
    except SystemExit as exc:  # argparse refused a flag's value
        return int(exc.code or 0)


def test_price_json_matches_cms(fs, capsys):
    assert run(["price", "76145", "--on", "2025-11-14", "--locality", "01112-05", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["amount"] == "1339.81"  # PFREV25C.txt, San Francisco
    assert out["release"] == "RVU25D"
    assert out["facility"] is False
    assert out["components"]["pe_rvu"] == "29.03"
    assert out["components"]["conversion_factor"] == "32.3465"


def test_price_text_with_modifier_pos_units_and_county(fs, capsys):
    argv = ["price", "71046", "--release", "RVU25D", "--state", "AL", "--county", "Jefferson", "--mod", "26"]
    assert run([*argv, "--pos", "21", "--units", "2"]) == 0
    text = capsys.readouterr().out
    assert "professional component" in text and "Allowed: $19.10" in text  # 2 x 9.55


def test_on_date_picks_the_quarter(fs, capsys):
    # 2025-03-31 is RVU25A's last day, 2025-10-01 RVU25D's first
    for day, release in (("2025-03-31", "RVU25A"), ("2025-10-01", "RVU25D")):
        assert run(["price", "99213", "--on", day, "--locality", "10112-00", "--json"]) == 0
        assert json.loads(capsys.readouterr().out)["release"] == release


def test_national_and_qp_2026(fs26, capsys):
    argv = ["price", "99213", "--on", "2026-08-03", "--locality", "national"]
    assert run([*argv, "--json"]) == 0
    plain = json.loads(capsys.readouterr().out)
    assert run([*argv, "--qp", "--json"]) == 0
    qp = json.loads(capsys.readouterr().out)
    assert (plain["amount"], qp["amount"]) == ("95.19", "95.67")  # 2.85 x 33.4009, 2.85 x 33.5675
    assert run(argv) == 0
    text = capsys.readouterr().out
    assert "GPCIs of 1.0" in text and "non-QP" in text


@pytest.mark.parametrize(
    "argv",
    [
        ["price", "99999", "--release", "RVU25D", "--locality", "10112-00"],  # unknown code
        ["price", "99213", "--release", "RVU25D", "--locality", "99999-99"],  # unknown locality
        ["price", "99213", "--year", "1999", "--locality", "10112-00"],  # year not imported
        ["price", "99213", "--year", "2025", "--locality", "10112-00"],  # 2025 has two releases
        ["price", "99213", "--on", "2025-05-01", "--locality", "10112-00"],  # no release covers it
        ["price", "99213", "--on", "someday", "--locality", "10112-00"],  # not a date
        ["price", "99213", "--release", "RVU25D"],  # no locality
    ],
)
def test_price_errors_exit_2(fs, argv):
    assert run(argv) == 2


def test_year_with_two_releases_names_them(fs, capsys):
    from medbill.cli import main

    assert main(["price", "99213", "--year", "2025", "--locality", "10112-00"]) == 2
    err = capsys.readouterr().err
    assert "RVU25A" in err and "RVU25D" in err and "--on DATE" in err


def test_data_import_pfs(pfs_dir, fresh_home, capsys):
    assert run(["data", "import", "pfs", str(pfs_dir)]) == 0
    assert "installed pfs RVU25D" in capsys.readouterr().out
    assert run(["data", "import", "pfs", str(pfs_dir / "nowhere")]) == 2
