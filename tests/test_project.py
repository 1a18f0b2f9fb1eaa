"""Project-level contracts: the conda files mirror pyproject, the package list is complete, one
version string, ``__all__`` is honest, ``import medbill`` is light, ruff is clean."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tomllib
from inspect import ismodule
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement

import medbill
from medbill._extras import EXTRA_OF

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
PROJECT = PYPROJECT["project"]
# conda-forge name -> PyPI name where they differ.
CONDA_NAMES = {"nbconvert-core": "nbconvert", "python-build": "build"}
RUNTIME_EXTRAS = ("reports", "lab", "app", "fhir", "dask")


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _requirements(requirements: list[str]) -> dict[str, str]:
    """name -> version specifier, as a comparable string."""
    parsed = [Requirement(r) for r in requirements]
    return {_normal(r.name): str(r.specifier) for r in parsed}


def _conda_file(name: str) -> dict[str, str]:
    env = yaml.safe_load((ROOT / name).read_text())
    assert env["channels"] == ["conda-forge"]
    found: dict[str, str] = {}
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            found |= _requirements([r for r in dep["pip"] if not r.startswith("-")])
        elif dep not in ("pip",) and not dep.startswith("python>"):
            req = Requirement(dep)
            found[_normal(CONDA_NAMES.get(req.name, req.name))] = str(req.specifier)
    return found


def test_environment_yml_is_the_core_and_the_runtime_extras() -> None:
    wanted = _requirements(PROJECT["dependencies"])
    for extra in RUNTIME_EXTRAS:
        wanted |= _requirements(PROJECT["optional-dependencies"][extra])
    assert _conda_file("environment.yml") == wanted


def test_environment_test_yml_is_the_test_extra() -> None:
    assert _conda_file("environment-test.yml") == _requirements(PROJECT["optional-dependencies"]["test"])


def test_all_extra_is_every_runtime_extra() -> None:
    [everything] = PROJECT["optional-dependencies"]["all"]
    assert Requirement(everything).extras == set(RUNTIME_EXTRAS)


def test_every_missing_module_message_names_a_real_extra() -> None:
    assert set(EXTRA_OF.values()) <= set(RUNTIME_EXTRAS)


def test_python_version_matches() -> None:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pinned = [d for d in env["dependencies"] if isinstance(d, str) and d.startswith("python")]
    assert pinned == [f"python{PROJECT['requires-python']}"]


def test_package_list_is_every_folder_under_medbill() -> None:
    setuptools = PYPROJECT["tool"]["setuptools"]
    # followlinks: medbill/_notebooks is a link to the top-level notebooks/ folder
    on_disk = {
        ".".join(Path(folder).relative_to(ROOT).parts)
        for folder, _, _ in os.walk(ROOT / "medbill", followlinks=True)
        if "__pycache__" not in folder and ".ipynb_checkpoints" not in folder
    }
    assert set(setuptools["packages"]) == on_disk
    assert "package-dir" not in setuptools  # every package's files are found under medbill/


def test_one_version_string() -> None:
    assert PROJECT["dynamic"] == ["version"] and "version" not in PROJECT
    assert PYPROJECT["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "medbill.__version__"}
    assert re.fullmatch(r"\d+\.\d+\.\d+", medbill.__version__)
    assert f"## {medbill.__version__}\n" in (ROOT / "CHANGELOG.md").read_text()


def test_licence_file_is_the_declared_one() -> None:
    assert PROJECT["license"] == "MIT" and PROJECT["license-files"] == ["LICENSE"]
    assert (ROOT / "LICENSE").read_text().startswith("MIT License")
    assert (ROOT / "medbill" / "py.typed").is_file()


def test_all_is_honest() -> None:
    defined = {n for n, v in vars(medbill).items() if not n.startswith("_") and not ismodule(v)}
    assert set(medbill.__all__) - {"__version__"} == defined | set(medbill._LAZY)
    assert sorted(set(dir(medbill)) & set(medbill.__all__)) == sorted(medbill.__all__)
    for name in medbill.__all__:
        assert getattr(medbill, name) is not None


def _modules_after(code: str) -> list[str]:
    show = "import sys; print(sorted(m for m in sys.modules if m.startswith(('pandas', 'medbill.'))))"
    out = subprocess.run(
        [sys.executable, "-c", f"{code}; {show}"], capture_output=True, text=True, check=True
    )
    return eval(out.stdout)


def test_import_reads_no_data_and_imports_no_pandas() -> None:
    assert _modules_after("import medbill") == ["medbill._accessors", "medbill.exceptions"]


def test_root_api_loads_on_first_use() -> None:
    loaded = _modules_after("import medbill; medbill.lookup")
    assert "medbill.refdata.registry" in loaded
    assert not any(m.startswith("pandas") for m in loaded)  # a lookup needs no pandas


def test_ruff_is_clean() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "check", str(ROOT)], capture_output=True, text=True, cwd=ROOT
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.slow
def test_mypy_finds_no_errors(tmp_path: Path) -> None:
    # The configuration is pyproject.toml's [tool.mypy]; a fresh cache, so the result is this tree's.
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--cache-dir", str(tmp_path)], capture_output=True, text=True, cwd=ROOT
    )
    assert result.returncode == 0, result.stdout[-5000:]
