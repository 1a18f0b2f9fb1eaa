"""``medbill price`` and ``medbill data import pfs``, run through their own argument parsers."""

from __future__ import annotations

import json

import pytest

from medbill.cli import build_parser
from medbill.exceptions import MedbillError


def run(argv: list[str]) -> int:
    """What ``medbill.cli.main`` does, with only the two groups under test (fast to build)."""
    parser = build_parser(["data", "price"])
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except MedbillError:
        return 2


def test_price_json_matches_cms(fs, capsys):
    assert run(["price", "76145", "--year", "2025", "--locality", "01112-05", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["amount"] == "1339.81"  # PFREV25C.txt, San Francisco
    assert out["facility"] is False
    assert out["components"]["pe_rvu"] == "29.03"
    assert out["components"]["conversion_factor"] == "32.3465"


def test_price_text_with_modifier_pos_units_and_county(fs, capsys):
    argv = ["price", "71046", "--year", "2025", "--state", "AL", "--county", "Jefferson", "--mod", "26"]
    assert run([*argv, "--pos", "21", "--units", "2"]) == 0
    text = capsys.readouterr().out
    assert "professional component" in text and "Allowed: $19.10" in text  # 2 x 9.55


@pytest.mark.parametrize(
    "argv",
    [
        ["price", "99999", "--year", "2025", "--locality", "10112-00"],  # unknown code
        ["price", "99213", "--year", "2025", "--locality", "99999-99"],  # unknown locality
        ["price", "99213", "--year", "1999", "--locality", "10112-00"],  # year not imported
        ["price", "99213", "--year", "2025"],  # no locality
    ],
)
def test_price_errors_exit_2(fs, argv):
    assert run(argv) == 2


def test_data_import_pfs(pfs_dir, fresh_home, capsys):
    assert run(["data", "import", "pfs", str(pfs_dir)]) == 0
    assert "installed pfs 2025" in capsys.readouterr().out
    assert run(["data", "import", "pfs", str(pfs_dir / "nowhere")]) == 2
