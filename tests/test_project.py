"""Project-level contracts: environment.yml mirrors pyproject, __all__ is honest, ruff is clean."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import yaml

import medbill

ROOT = Path(__file__).resolve().parents[1]


def _name(requirement: str) -> str:
    return re.split(r"[\s<>=!~\[;]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")


def test_environment_yml_lists_the_same_dependencies_as_pyproject() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = {_name(r) for r in project["dependencies"]}
    for extra in project["optional-dependencies"].values():
        wanted |= {_name(r) for r in extra}
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda: set[str] = set()
    pip: set[str] = set()
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            pip |= {_name(r) for r in dep.get("pip", []) if not r.startswith("-")}
        else:
            conda.add(_name(dep))
    conda.discard("python")
    conda.discard("pip")
    assert "conda-forge" in env["channels"]
    assert conda | pip == wanted, (
        f"only in environment.yml: {(conda | pip) - wanted}; only in pyproject: {wanted - (conda | pip)}"
    )


def test_python_version_matches() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pinned = [d for d in env["dependencies"] if isinstance(d, str) and d.startswith("python")]
    assert pinned and project["requires-python"].lstrip(">=") in pinned[0]


def test_all_is_honest() -> None:
    public = {n for n in vars(medbill) if not n.startswith("_") and n[0].isupper()}
    assert set(medbill.__all__) - {"__version__"} == public


def test_import_reads_no_data() -> None:
    code = "import sys, medbill; print(sorted(m for m in sys.modules if m.startswith(('pandas', 'medbill.refdata'))))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_ruff_is_clean() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "check", str(ROOT)], capture_output=True, text=True, cwd=ROOT
    )
    assert result.returncode == 0, result.stdout + result.stderr
