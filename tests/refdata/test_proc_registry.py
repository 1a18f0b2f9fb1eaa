"""Procedure and reference systems through the registry and the ``medbill codes`` command."""

from __future__ import annotations

import argparse
import json
import types

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from medbill.cli import codes as codes_cli
from medbill.exceptions import DataNotAvailable
from medbill.refdata import carc, cpt, hcpcs, modifiers, npi, pos, procedures, rarc, registry, taxonomy, tin

FIELDS = {"system", "code", "title", "billable", "release", "source"}


def _run(argv: list[str], capsys, status: int = 0) -> dict:
    # Only the ``codes`` command group is built: the others are not needed to run it.
    parser = argparse.ArgumentParser(prog="medbill")
    codes_cli.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    assert args.func(args) == status
    return json.loads(capsys.readouterr().out)


@pytest.mark.parametrize(
    ("system", "code", "shown", "billable"),
    [
        ("cpt", "99213", "99213", None),  # medbill label without any import
        ("modifier", "lt ", "LT", None),  # case and blanks normalised
        ("pos", "2", "02", None),  # one-digit POS padded
        ("carc", "45", "45", None),  # validedi table
        ("rarc", "n130", "N130", None),  # medbill's summary
        ("npi", "1234 567 893", "1234567893", None),  # check digit verified
        ("hcpcs", "j1100", "J1100", None),  # label fallback: no HCPCS release imported here
    ],
)
def test_cli_lookup_json_fields(fresh_home, capsys, system: str, code: str, shown: str, billable) -> None:
    out = _run(["codes", "lookup", code, "--system", system, "--json"], capsys)
    assert set(out) >= FIELDS
    assert out["system"] == system and out["code"] == shown and out["billable"] is billable
    assert out["title"] and out["release"] and out["source"]


def test_cli_lookup_hcpcs_with_release(shared_data, capsys) -> None:
    hcpcs.import_release(shared_data("cms/hcpcs/2020/2020-Alpha-Numeric-HCPCS-File.zip"))
    # terminated before the date of service: not valid, a finding (exit 1)
    out = _run(["codes", "lookup", "A4466", "--system", "hcpcs", "--on", "2020-02-01", "--json"], capsys, 1)
    assert out["release"] == "2020" and out["valid_on_date"] is False and out["terminated"] == "2016-12-31"
    assert out["covered"] is True
    hits = _run(["codes", "search", "surgical tray", "--system", "hcpcs", "--json"], capsys)
    assert hits[0]["code"] == "A4550"


def test_hcpcs_without_release_or_label_says_how_to_import(fresh_home) -> None:
    with pytest.raises(DataNotAvailable, match="medbill data import hcpcs"):
        registry.lookup("A0000", system="hcpcs")


def test_cross_system_search_is_ranked_consistently(shared_data) -> None:
    hcpcs.import_release(shared_data("cms/hcpcs/2020/2020-Alpha-Numeric-HCPCS-File.zip"))
    hits = registry.search("vaccine", systems=("hcpcs", "cpt", "modifier"), limit=30)
    assert {h.system for h in hits} >= {"hcpcs", "cpt"}
    assert all(0 <= h.score <= 1 for h in hits)
    order = {s: i for i, s in enumerate(registry.SEARCHABLE)}
    keys = [(-h.score, order[h.system], h.code) for h in hits]
    assert keys == sorted(keys)
    top = registry.search("left foot great toe", systems=("modifier", "cpt"), limit=1)
    assert (top[0].system, top[0].code) == ("modifier", "TA")


@given(st.from_regex(r"[A-V][0-9]{4}", fullmatch=True), st.sampled_from(["", " ", "  "]))
def test_hcpcs_round_trip(code: str, pad: str) -> None:
    messy = pad + code.lower() + pad
    assert hcpcs.compact(hcpcs.format(messy)) == hcpcs.compact(messy) == code


@given(st.from_regex(cpt.FORMAT, fullmatch=True))
def test_cpt_round_trip_and_system(code: str) -> None:
    assert cpt.compact(cpt.format(code.lower())) == code
    assert procedures.system_many([code]).tolist() == ["cpt"]


@pytest.mark.parametrize("module", [hcpcs, cpt, modifiers, pos, carc, rarc, procedures, npi, taxonomy, tin])
def test_all_is_honest(module: types.ModuleType) -> None:
    # Every name in __all__ exists; every public function or class defined here is listed.
    assert all(hasattr(module, name) for name in module.__all__)
    defined = {
        name
        for name, value in vars(module).items()
        if not name.startswith("_")
        and isinstance(value, (type, types.FunctionType))
        and getattr(value, "__module__", None) == module.__name__
    }
    registry_protocol = {"lookup_record", "search_hits", "embedded_releases"}
    assert defined - registry_protocol <= set(module.__all__), (
        defined - registry_protocol - set(module.__all__)
    )


JUNK = [None, "", 0, 1.5, b"99213", "9" * 100_000, "٩٩٢١٣", "\x00", ["99213"], float("nan")]


def test_vectorised_sweep_never_raises() -> None:
    s = pd.Series(JUNK, dtype=object)
    dates = pd.Series(["2025-01-01"] * len(JUNK))
    assert not procedures.is_valid_format_many(s).any()
    assert not procedures.is_valid_on_many(s, dates).any()
    assert procedures.system_many(s).isna().all()
    assert not s.modifier.is_valid().any()
    assert not npi.is_valid_many(s).any()
    assert not tin.ein_is_valid_many(s).any()
    assert pos.is_facility_many(s).isna().all()
