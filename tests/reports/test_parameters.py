"""The parameters cell parser and validation: every bad input is a ReportError naming what to fix."""

from __future__ import annotations

import pytest

from medbill.exceptions import ReportError
from medbill.reports.parameters import Parameter, coerce, parse_parameters, validate

CELL = """
data_dir: str = ""  # claims folder
top: int = 10  # how many rows
rate: float = 0.5  # a fraction
strict: bool = False  # stop on warnings
edges: list[int] = [30, 60, 90]  # bucket edges
codes: list[str] = []  # procedure codes
limit: int | None = None  # optional cap
_run: dict = {}  # filled by the runner
"""


def test_parse_reads_names_types_defaults_and_help():
    params = parse_parameters(CELL)
    assert [p.name for p in params] == ["data_dir", "top", "rate", "strict", "edges", "codes", "limit"]
    top = params[1]
    assert (top.type, top.default, top.help) == ("int", 10, "how many rows")
    assert params[-1].optional and params[-1].default is None


@pytest.mark.parametrize(
    ("source", "match"),
    [
        ("x = 1", "expected 'name: type = default"),  # no annotation
        ("x: int", "expected 'name: type = default"),  # no default
        ("x: dict = {}", "not supported"),  # unsupported type
        ("x: int = 'ten'", "is not an int"),  # default of the wrong type
        ("x: int = len('a')", "must be a literal"),  # computed default
        ("x: int = = 1", "not valid Python"),  # syntax error
        ("print('hi')", "expected 'name: type = default"),  # a statement
    ],
)
def test_parse_rejects_bad_cells(source, match):
    with pytest.raises(ReportError, match=match):
        parse_parameters(source)


P = {p.name: p for p in parse_parameters(CELL)}


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("top", "25", 25),  # text from the command line
        ("top", 25, 25),  # already an int
        ("rate", "0.25", 0.25),  # text to float
        ("rate", 1, 1.0),  # an int is a fine float
        ("strict", "yes", True),  # words for booleans
        ("strict", "0", False),
        ("edges", "15, 45,90", [15, 45, 90]),  # comma-separated list
        ("edges", (10, 20), [10, 20]),  # a tuple from Python
        ("codes", "99213,99214", ["99213", "99214"]),
        ("codes", "", []),  # empty text: empty list
        ("limit", "none", None),  # optional
        ("limit", "", None),
        ("data_dir", "some/dir", "some/dir"),
    ],
)
def test_coerce_converts_text_and_accepts_typed_values(name, value, expected):
    assert coerce(P[name], value) == expected


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("top", "ten"),  # not a number
        ("top", 2.5),  # float for int
        ("top", True),  # a bool is not an int here
        ("top", None),  # not optional
        ("rate", "fast"),
        ("strict", "maybe"),
        ("strict", 1),  # int for bool
        ("edges", "30,sixty"),
        ("edges", [30, "60"]),
        ("data_dir", 5),  # str parameters take text only
        ("top", "9" * 100_000),  # beyond Python's digit limit for int()
        ("edges", "１" * 50_000 + ",x"),  # huge unicode text
    ],
)
def test_coerce_rejects_wrong_types(name, value):
    with pytest.raises(ReportError, match=repr(name)) as err:
        coerce(P[name], value)
    assert len(str(err.value)) < 200  # a huge value is shortened in the message


def test_unicode_digits_are_read_as_python_reads_them():
    assert coerce(P["top"], "１０") == 10  # full-width digits, as int() accepts them


def test_validate_fills_defaults_and_names_unknown_parameters():
    declared = list(P.values())
    values = validate("demo", declared, {"top": "3"})
    assert values["top"] == 3 and values["edges"] == [30, 60, 90]
    with pytest.raises(ReportError, match="has no parameter 'colour'; its parameters: data_dir") as err:
        validate("demo", declared, {"colour": "red"})
    assert err.value.report == "demo" and err.value.parameters == {"colour": "red"}


def test_parameter_to_dict():
    assert Parameter("top", "int", 10, "rows").to_dict() == {
        "name": "top",
        "type": "int",
        "default": 10,
        "help": "rows",
    }


@pytest.mark.parametrize(
    "junk",
    [
        None,  # no source at all
        0,  # not text
        b"x: int = 1",  # bytes
        "x: int = 1\x00",  # NUL byte
        "x: int = " + "9" * 100_000,  # huge literal
        "١: int = 1",  # unicode digit as a name
        "x: int = ١",  # unicode digit as a value
        "def f(:",  # truncated code
    ],
)
def test_parser_answers_junk_with_report_error(junk):
    with pytest.raises(ReportError):
        parse_parameters(junk)


def test_empty_cell_declares_nothing():
    assert parse_parameters("") == []
