"""The command line's shape: groups load lazily, ``python -m medbill``, missing extras named."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import pytest

import medbill.cli
from medbill import __version__
from medbill.cli import COMMANDS, build_parser


def _run(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)


def test_every_group_module_is_a_command_and_registers() -> None:
    modules = {m.name for m in pkgutil.iter_modules(medbill.cli.__path__) if not m.name.startswith("_")}
    assert modules == set(COMMANDS)
    parser = build_parser()  # every group loaded: each register() must succeed
    assert parser.parse_args(["codes", "lookup", "E11.9"]).func.__module__ == "medbill.cli.codes"


@pytest.mark.parametrize(
    ("argv", "loaded"),
    [
        (["--help"], set()),  # the top-level help knows the groups by name only
        (["codes", "lookup", "E11.9", "--json"], {"medbill.cli.codes", "medbill.cli._output"}),
    ],
)
def test_a_command_line_loads_only_its_group_and_no_pandas(argv, loaded) -> None:
    code = (
        f"import sys\nfrom medbill.cli import main\ntry:\n    main({argv!r})\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in sys.modules if m.startswith(('medbill.cli.', 'pandas'))), file=sys.stderr)"
    )
    out = _run(code)
    assert eval(out.stderr.strip().splitlines()[-1]) == sorted(loaded)


def test_python_m_medbill() -> None:
    out = subprocess.run([sys.executable, "-m", "medbill", "--version"], capture_output=True, text=True)
    assert out.returncode == 0 and out.stdout.strip() == f"medbill {__version__}"


@pytest.mark.parametrize(
    ("blocked", "argv", "extra"),
    [
        ("papermill", ["report", "run", "billing_summary", "--out", "OUT"], "reports"),  # report run
        ("voila", ["app", "encounter", "--no-browser"], "app"),  # the Voila page
        ("ipywidgets", ["app", "encounter", "--no-browser"], "app"),  # app needs voila first
    ],
)
def test_a_missing_extra_is_named_with_exit_2_and_no_traceback(blocked, argv, extra, tmp_path) -> None:
    argv = [str(tmp_path) if a == "OUT" else a for a in argv]
    # None in sys.modules makes `import NAME` fail as if the package were not installed.
    code = (
        f"import sys\nsys.modules[{blocked!r}] = None\nfrom medbill.cli import main\nsys.exit(main({argv!r}))"
    )
    out = _run(code)
    assert out.returncode == 2, out.stderr
    assert f"pip install 'medbill[{extra}]'" in out.stderr and "Traceback" not in out.stderr


# Every date flag of the command line: (argv before the flag, the flag).
DATE_FLAGS = [
    (["price", "99213"], "--on"),
    (["worklist", "data/sample"], "--as-of"),
    (["scrub", "data/sample"], "--as-of"),
    (["status", "request", "data/sample", "--out", "unused"], "--as-of"),
    (["synth", "--out", "unused"], "--start"),
    (["codes", "lookup", "E11.9"], "--on"),
    (["data", "status"], "--on"),
    (["app", "encounter"], "--service-date"),
]


@pytest.mark.parametrize(("argv", "flag"), DATE_FLAGS, ids=[f"{a[0]} {f}" for a, f in DATE_FLAGS])
@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("2026-13-01", " (month must be in 1..12)"),  # a real reason is kept
        ("tomorrow", ""),  # Python's "Invalid isoformat string" is jargon: left out
    ],
)
def test_a_bad_date_names_the_flag_and_the_format_not_a_function(argv, flag, text, why, capsys) -> None:
    with pytest.raises(SystemExit) as exit_:
        build_parser().parse_args([*argv, flag, text])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert f"error: argument {flag}: {text!r} is not a date{why}; write it as YYYY-MM-DD" in err
    assert "isoformat" not in err


@pytest.mark.parametrize(
    "argv",
    [
        ["worklist", "data/sample"],
        ["status", "request", "data/sample", "--out", "unused"],  # was an internal error (exit 3)
    ],
)
@pytest.mark.parametrize(
    ("text", "message"),
    [("0", "0 is too small; give 1 or more"), ("x", "'x' is not a whole number; give 1 or more")],
)
def test_a_bad_number_of_days_names_the_flag_not_the_python_parameter(argv, text, message, capsys) -> None:
    with pytest.raises(SystemExit) as exit_:
        build_parser().parse_args([*argv, "--no-response-days", text])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert f"error: argument --no-response-days: {message}" in err
    assert "no_response_days" not in err and "invalid int" not in err
