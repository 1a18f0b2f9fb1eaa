"""The installed package is the product: the wheel, installed outside the checkout, runs its jobs.

``./dev.sh test`` builds the sdist and the wheel from it, installs the wheel (with the reports
extra) into a fresh environment and the core at its lowest allowed versions into another, and
names them in MEDBILL_DIST, MEDBILL_WHEEL_ENV and MEDBILL_FLOORS_ENV (network installs happen
there, not in tests). Without them these tests skip, or fail in CI.
"""

from __future__ import annotations

import json
import os
import subprocess
import tarfile
from pathlib import Path

import pytest

from medbill.bundled import shipped_notebooks

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow
# The core tests the floors environment runs (no extra needed; about 3 minutes).
FLOORS_SUBSET = [
    "tests/refdata",
    "tests/edits",
    "tests/pricing",
    "tests/claims/test_models.py",
    "tests/claims/test_tables.py",
    "tests/claims/test_x12_robustness.py",
]


def _prepared(variable: str) -> Path:
    value = os.environ.get(variable)
    if not value or not Path(value).is_dir():
        reason = f"{variable} is not set: run through ./dev.sh test, which builds and installs the wheel"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    return Path(value)


def _user_env(home: Path) -> dict[str, str]:
    """The environment of a user outside the checkout: no PYTHONPATH, their own MEDBILL_HOME."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "MEDBILL_REPORTS_DIR")}
    return {**env, "MEDBILL_HOME": str(home)}


def _run(venv: Path, args: list[str], cwd: Path, home: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(venv / "bin" / args[0]), *args[1:]], cwd=cwd, env=_user_env(home), capture_output=True, text=True
    )


def test_sdist_carries_the_notebooks_and_the_licence() -> None:
    [sdist] = _prepared("MEDBILL_DIST").glob("medbill-*.tar.gz")
    with tarfile.open(sdist) as tar:
        names = {n.split("/", 1)[1] for n in tar.getnames() if "/" in n}
    assert {"LICENSE", "medbill/py.typed"} <= names
    assert {f"medbill/_notebooks/{p}" for p in shipped_notebooks()} <= names


def test_wheel_runs_the_headline_jobs_from_an_empty_folder(tmp_path: Path) -> None:
    venv = _prepared("MEDBILL_WHEEL_ENV")
    empty, home = tmp_path / "empty", tmp_path / "home"
    empty.mkdir()

    located = _run(venv, ["python", "-c", "import medbill; print(medbill.__file__)"], empty, home)
    assert located.stdout.startswith(str(venv)), located  # the installed copy, not the checkout

    demo = _run(venv, ["medbill", "demo"], empty, home)
    assert demo.returncode == 0, demo.stderr
    assert (empty / "reports" / "billing_summary.html").stat().st_size > 100_000

    listed = _run(venv, ["medbill", "report", "list", "--json"], empty, home)
    assert len(json.loads(listed.stdout)) == 9, listed.stderr

    exported = _run(venv, ["medbill", "teach", "export", "--student", "students"], empty, home)
    assert exported.returncode == 0, exported.stderr
    student = sorted((empty / "students").glob("*.ipynb"))
    assert len(student) == 8
    for path in student:
        cells = json.loads(path.read_text())["cells"]
        solutions = [c for c in cells if "solution" in c["metadata"].get("tags", [])]
        assert solutions and all(not c.get("outputs") for c in solutions)

    copied = _run(venv, ["medbill", "notebooks", "mine"], empty, home)
    assert copied.returncode == 0, copied.stderr
    assert len(list((empty / "mine" / "notebooks").rglob("*.ipynb"))) == len(shipped_notebooks())
    assert (empty / "mine" / "data" / "sample" / "claims.csv").is_file()

    helped = _run(venv, ["python", "-m", "medbill", "--help"], empty, home)
    assert helped.returncode == 0 and "notebooks" in helped.stdout


def test_core_at_its_floors_passes_the_core_tests_and_names_missing_extras(tmp_path: Path) -> None:
    venv = _prepared("MEDBILL_FLOORS_ENV")
    report = _run(venv, ["medbill", "report", "run", "billing_summary"], tmp_path, tmp_path / "home")
    assert report.returncode == 2 and "pip install 'medbill[reports]'" in report.stderr
    assert "Traceback" not in report.stderr

    # The venv's pytest script does not put the checkout on sys.path: the floors install is tested.
    tests = _run(
        venv,
        [
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-o",
            "addopts=",
            "-W",
            "ignore::DeprecationWarning",
            *FLOORS_SUBSET,
        ],
        ROOT,
        tmp_path / "home",
    )
    assert tests.returncode == 0, tests.stdout[-3000:]
