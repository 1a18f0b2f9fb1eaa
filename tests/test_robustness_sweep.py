"""The junk-value sweep (issue 22) as tests: every swept function answers junk with a medbill error or
a result, never another exception or a hang. Each test prints its figure table (functions, inputs
tried, failures); ``python tests/robustness_sweep.py`` prints the refdata one on its own."""

from __future__ import annotations

import inspect
import shutil
from pathlib import Path

import pytest
import robustness_sweep as sweep
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from medbill.refdata import registry


def _check(figures: sweep.Figures, capsys: pytest.CaptureFixture[str]) -> None:
    with capsys.disabled():
        print("\n" + figures.table())
    failures = figures.failure_lines()
    assert failures == [], "\n".join(failures[:60])


@pytest.fixture
def imported_home(shared_data, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("MEDBILL_HOME", str(tmp_path / "home"))
    for system, relative in sweep.IMPORTS:
        registry.import_file(system, shared_data(relative))
    return tmp_path / "home"


def test_refdata_sweep(imported_home, capsys):
    _check(sweep.run_sweep(sweep.refdata_functions()), capsys)


def test_claims_models_sweep(capsys):
    _check(sweep.run_sweep(sweep.model_targets()), capsys)


def test_scrub_and_claims_tables_sweep(tmp_path, capsys):
    sample = Path(__file__).resolve().parents[1] / "data" / "sample"
    folder = tmp_path / "claims"
    folder.mkdir()
    for name in ("claims.csv", "lines.csv"):
        lines = (sample / name).read_text().splitlines()[:40]  # a few claims are enough
        (folder / name).write_text("\n".join(lines) + "\n")
    _check(sweep.run_sweep(sweep.api_targets(folder)), capsys)


def test_pricing_sweep(shared_data, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("MEDBILL_HOME", str(tmp_path / "home"))
    pfs = tmp_path / "pfs"
    shutil.copytree(shared_data("cms/pfs/2025"), pfs)
    registry.import_file("pfs", pfs)
    _check(sweep.run_sweep(sweep.pricing_targets()), capsys)


# Hypothesis goes past the fixed junk list: any text, bytes or number into the code verbs, and any
# bytes as a lines.csv.
ANY_VALUE = st.one_of(
    st.none(), st.text(max_size=40), st.binary(max_size=40), st.integers(), st.floats(), st.booleans()
)
CODE_VERBS = ("compact", "validate", "is_valid", "format", "get", "lookup")


@given(value=ANY_VALUE)
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_code_verbs_take_any_value(value):
    from medbill.refdata import carc, cpt, icd10cm, modifiers, npi, pos, rarc, taxonomy

    for module in (carc, cpt, icd10cm, modifiers, npi, pos, rarc, taxonomy):
        for verb in CODE_VERBS:
            fn = getattr(module, verb, None)
            if fn is not None:
                first = next(iter(inspect.signature(fn).parameters))
                assert sweep.call_once(fn, {first: value}) is None, f"{module.__name__}.{verb}({value!r})"


@given(content=st.binary(max_size=300))
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_any_bytes_as_lines_csv(tmp_path_factory, content):
    from medbill.claims.tables import read_claims_dir

    folder = tmp_path_factory.mktemp("claims")
    (folder / "claims.csv").write_text("claim_id\nC1\n")
    (folder / "lines.csv").write_bytes(b"claim_id,line_number,procedure_code,charge\n" + content)
    assert sweep.call_once(read_claims_dir, {"path": folder}) is None
