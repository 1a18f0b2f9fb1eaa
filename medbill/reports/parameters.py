"""A report's parameters, read from its notebook's cell tagged ``parameters``.

Each parameter is one line ``name: type = default  # help`` (what ``papermill --help-notebook``
documents too). Types: ``str``, ``int``, ``float``, ``bool``, ``list[str]``, ``list[int]``, each
optionally ``| None``. Names starting with ``_`` are filled by the runner and are not user parameters.

Values from the command line (``-p key=value``) are text and converted to the declared type; values
from Python must already have it (an int is accepted for a float). Anything else is a
:class:`~medbill.exceptions.ReportError` naming the parameter, the value and the expected type.

A ``str`` parameter whose help says ``YYYY-MM-DD`` is a date: it must be empty or a real calendar
date, and ``start`` may not fall after ``end``; aging bucket ``edges`` must increase. All of this
is checked before any kernel starts.
"""

from __future__ import annotations

import ast
import io
import tokenize
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from medbill.exceptions import ReportError

_SCALARS: dict[str, type] = {"str": str, "int": int, "float": float, "bool": bool}
_TRUE = {"true", "yes", "1", "on"}
_FALSE = {"false", "no", "0", "off"}
DATE_MARK = "YYYY-MM-DD"


@dataclass(frozen=True)
class Parameter:
    """One declared parameter: its name, type text (``"list[int]"``), default and help."""

    name: str
    type: str
    default: Any
    help: str

    @property
    def optional(self) -> bool:
        return self.type.endswith("| None")

    @property
    def is_date(self) -> bool:
        """A text parameter holding a date (its help says YYYY-MM-DD)."""
        return self.base == "str" and DATE_MARK in self.help

    @property
    def base(self) -> str:
        return self.type.removesuffix("| None").strip()

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "type": self.type, "default": self.default, "help": self.help}


def _check_type(text: str, where: str) -> str:
    base = text.removesuffix("| None").strip()
    if base not in _SCALARS and base not in ("list[str]", "list[int]"):
        raise ReportError(
            f"{where}: parameter type {text!r} is not supported; use str, int, float, bool, "
            "list[str] or list[int], optionally '| None'"
        )
    return text


def _comments(source: str) -> dict[int, str]:
    found: dict[int, str] = {}
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type == tokenize.COMMENT:
            found[tok.start[0]] = tok.string.lstrip("#").strip()
    return found


def parse_parameters(source: str, where: str = "parameters cell") -> list[Parameter]:
    """The parameters declared in a ``parameters`` cell's source, in order (runner-filled ``_`` names
    excluded). Raises ReportError for a line that is not ``name: type = literal``."""
    if not isinstance(source, str):
        raise ReportError(f"{where}: expected the cell's source text, got {type(source).__name__}")
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        raise ReportError(f"{where}: not valid Python ({exc.msg}, line {exc.lineno})") from None
    except ValueError as exc:  # source holding NUL bytes
        raise ReportError(f"{where}: not valid Python ({exc})") from None
    comments = _comments(source)
    out = []
    for node in tree.body:
        if not (isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value):
            raise ReportError(
                f"{where}, line {node.lineno}: expected 'name: type = default  # help', got "
                f"{ast.get_source_segment(source, node)!r}"
            )
        name = node.target.id
        if name.startswith("_"):
            continue
        type_text = _check_type(ast.unparse(node.annotation), f"{where}, line {node.lineno}")
        try:
            default = ast.literal_eval(node.value)
        except ValueError:
            raise ReportError(
                f"{where}, line {node.lineno}: the default of {name!r} must be a literal"
            ) from None
        param = Parameter(name, type_text, default, comments.get(node.lineno, ""))
        coerce(param, default, where=f"{where}: default of")
        out.append(param)
    return out


def _from_text(param: Parameter, text: str) -> Any:
    base = param.base
    if param.optional and text.strip().lower() in ("", "none"):
        return None
    if base == "str":
        return text
    if base == "bool":
        word = text.strip().lower()
        if word in _TRUE | _FALSE:
            return word in _TRUE
        raise ValueError
    if base == "int":
        return int(text.strip())
    if base == "float":
        return float(text.strip())
    items = [item.strip() for item in text.split(",") if item.strip()]
    return [int(i) for i in items] if base == "list[int]" else items


def _is_of(base: str, value: Any) -> bool:
    if base == "float":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if base == "int":
        return isinstance(value, int) and not isinstance(value, bool)
    if base.startswith("list["):
        inner = base[5:-1]
        return isinstance(value, (list, tuple)) and all(_is_of(inner, v) for v in value)
    return isinstance(value, _SCALARS[base])


def coerce(param: Parameter, value: Any, *, where: str = "parameter") -> Any:
    """``value`` as ``param``'s type: text is converted, other values must already fit."""
    if value is None and param.optional:
        return None
    if isinstance(value, str) and param.base != "str":
        try:
            return _from_text(param, value)
        except ValueError:
            pass
    elif _is_of(param.base, value):
        return (
            float(value) if param.base == "float" else list(value) if param.base.startswith("list") else value
        )
    shown = repr(value) if len(repr(value)) <= 80 else repr(value)[:77] + "..."
    article = "an" if param.type[0] in "aeiou" else "a"
    raise ReportError(f"{where} {param.name!r}: {shown} is not {article} {param.type}")


def validate(report: str, declared: list[Parameter], given: Mapping[str, Any]) -> dict[str, Any]:
    """Every declared parameter's value (given, converted, or its default); unknown names and wrong
    types raise ReportError before anything runs."""
    by_name = {p.name: p for p in declared}
    unknown = sorted(set(given) - set(by_name))
    if unknown:
        known = ", ".join(by_name) or "none"
        raise ReportError(
            f"report {report!r} has no parameter {', '.join(map(repr, unknown))}; its parameters: {known}",
            report=report,
            parameters=dict(given),
        )
    values = {}
    for p in declared:
        if p.name in given:
            try:
                values[p.name] = coerce(p, given[p.name], where=f"report {report!r}: parameter")
            except ReportError as exc:
                raise ReportError(str(exc), report=report, parameters=dict(given)) from None
        else:
            values[p.name] = p.default
    _check_dates(report, declared, values, given)
    _check_edges(report, values, given)
    return values


def _check_edges(report: str, values: dict[str, Any], given: Mapping[str, Any]) -> None:
    """Aging bucket edges (a report's ``edges`` parameter) must increase: checked here, before a
    kernel starts, rather than seconds later in a cell."""
    if "edges" not in given or not isinstance(values.get("edges"), list):
        return
    from medbill.analytics.aging import bucket_labels

    try:
        bucket_labels(values["edges"])
    except ValueError as exc:
        raise ReportError(
            f"report {report!r}: parameter 'edges': {exc}; e.g. -p edges=30,60,90",
            report=report,
            parameters=dict(given),
        ) from None


def _check_dates(
    report: str, declared: list[Parameter], values: dict[str, Any], given: Mapping[str, Any]
) -> None:
    dates: dict[str, date] = {}
    for p in declared:
        text = values[p.name]
        if not p.is_date or not text:
            continue
        try:
            dates[p.name] = date.fromisoformat(str(text).strip())
        except ValueError as exc:
            raise ReportError(
                f"report {report!r}: parameter {p.name!r}: {text!r} is not a date ({exc}); "
                f"write it as {DATE_MARK}, e.g. -p {p.name}=2025-10-01",
                report=report,
                parameters=dict(given),
            ) from None
        values[p.name] = dates[p.name].isoformat()
    if "start" in dates and "end" in dates and dates["start"] > dates["end"]:
        raise ReportError(
            f"report {report!r}: start {dates['start']} is after end {dates['end']}; swap them",
            report=report,
            parameters=dict(given),
        )
