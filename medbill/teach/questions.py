"""Worked problems: exercises answered with amounts, reason codes and choices, not a code list.

Walkthroughs 04-07 teach reading an 835, working a denial, pricing a claim and computing a KPI.
Their exercises (kinds :data:`WORKED_KINDS`) carry ``data`` (the 835 text, the claim, the fee
schedule inputs, the KPI tables) and named ``questions``; each question has a type saying how an
answer is read and compared:

==========  ===================================================  ===========================
type        answer                                               right when
==========  ===================================================  ===========================
money       ``84.12``, ``$1,234.50``                             within a cent
percent     ``12.5%`` or ``12.5``                                within 0.1 percentage point
days        ``41.3``                                             within 0.1 day
adjustment  group code and CARC: ``CO-45``, ``PR 1``             both match (half credit for one)
diagnosis   an ICD-10-CM code                                    the same code
procedure   ``CODE[-MOD...][xUNITS]``                            the same line
rarc        the letter of the option (options are RARC codes,    the letter
            shown as their meaning)
action      the letter of the option (options are follow-up      the letter
            actions of :mod:`medbill.followup.actions`)
why         the letter of the option (options are rules of the   the letter
            follow-up action table, shown as their reason)
==========  ===================================================  ===========================

An answer is ``name=value`` pieces (a mapping, a list, or text split on ``;`` and new lines); a
piece without a name answers the next unanswered question. Each question is worth an equal share.
The expected values are computed by medbill's own functions from ``data``
(:mod:`medbill.teach.solve`) and stored in the bank; a wrong answer gets the question's teaching
note (or the declared ``mistakes`` message for a likely wrong value), never the right value.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from medbill.exceptions import CodeError

WORKED_KINDS = ("remittance", "denial", "pricing", "kpi")
CHOICE_TYPES = ("rarc", "action", "why")
TYPES = ("money", "percent", "days", "adjustment", "diagnosis", "procedure", *CHOICE_TYPES)
GROUP_CODES = ("CO", "PR", "OA", "PI", "CR")

# How far a number may be from the expected one, in the unit of its canonical text.
TOLERANCE = {"money": Decimal("0.01"), "percent": Decimal("0.1"), "days": Decimal("0.1")}
PLACES = {"money": Decimal("0.01"), "percent": Decimal("0.1"), "days": Decimal("0.1")}


@dataclasses.dataclass(frozen=True)
class Question:
    """One named part of a worked problem."""

    name: str
    ask: str
    type: str
    answer: str | None  # canonical text; None in a student copy
    explain: str = ""  # what to read or compute, shown on a wrong answer (never the value)
    options: Mapping[str, str] = dataclasses.field(default_factory=dict)  # letter -> code or action
    field: str = ""  # denial corrections: the claim field the answer replaces (dx1, line1 ...)
    rationale: str = ""  # why the answer is right, shown once it is
    mistakes: Mapping[str, str] = dataclasses.field(default_factory=dict)  # likely wrong value -> message
    key: str = ""  # hash of the answer (student copies keep only this)

    def shown_options(self) -> dict[str, str]:
        """The options as a student sees them: a RARC by its meaning, a rule of the follow-up table
        by its reason (their codes would match the ones on the remittance and give the answer)."""
        return {letter: option_text(self.type, value) for letter, value in self.options.items()}

    def to_dict(self, solutions: bool) -> dict[str, object]:
        d: dict[str, object] = {"name": self.name, "ask": self.ask, "type": self.type}
        if self.options:
            d["options"] = dict(self.options) if solutions else self.shown_options()
        if self.field:
            d["field"] = self.field
        if self.explain:
            d["explain"] = self.explain
        if solutions:
            d["answer"] = self.answer
            if self.rationale:
                d["rationale"] = self.rationale
            if self.mistakes:
                d["mistakes"] = dict(self.mistakes)
        return d


def option_text(qtype: str, value: str) -> str:
    """What an option of a choice question says; a student copy's options are this text already."""
    if qtype == "rarc":
        from medbill.refdata import rarc

        return rarc.get(value) or value
    if qtype == "why":
        from medbill.followup.actions import action_table

        table = action_table()
        found = table.loc[table["rule"] == value, "why"]
        return str(found.iloc[0]) if len(found) else value
    return value


def read_question(raw: object) -> Question:
    """A question from the bank's YAML (``ValueError`` naming what is wrong)."""
    if not isinstance(raw, dict) or "name" not in raw or "ask" not in raw or "type" not in raw:
        raise ValueError("each question is a mapping with name, ask and type")
    qtype = str(raw["type"])
    if qtype not in TYPES:
        raise ValueError(f"question {raw['name']!r}: type {qtype!r} is not one of {', '.join(TYPES)}")
    options = {str(k).upper(): str(v) for k, v in (raw.get("options") or {}).items()}
    if (qtype in CHOICE_TYPES) != bool(options):
        raise ValueError(f"question {raw['name']!r}: options belong to the types {', '.join(CHOICE_TYPES)}")
    q = Question(
        name=str(raw["name"]),
        ask=str(raw["ask"]).strip(),
        type=qtype,
        answer=None,
        explain=str(raw.get("explain", "")).strip(),
        options=options,
        field=str(raw.get("field", "")),
        rationale=str(raw.get("rationale", "")).strip(),
        key=str(raw.get("key", "")),
    )
    answer = raw.get("answer")
    mistakes = {canonical(q, k): str(v) for k, v in (raw.get("mistakes") or {}).items()}
    q = dataclasses.replace(q, answer=None if answer is None else canonical(q, answer), mistakes=mistakes)
    if q.answer in mistakes:
        raise ValueError(f"question {q.name}: the answer {q.answer} is also listed under mistakes")
    return q


# --- reading one value -------------------------------------------------------------------------


def canonical(q: Question, value: object) -> str:
    """The comparable text of an answer to ``q``; ``CodeError`` saying how to write it."""
    text = str(value).strip()
    if q.type in TOLERANCE:
        return _number(q, text)
    if q.type == "adjustment":
        return _adjustment(text)
    if q.type == "diagnosis":
        from medbill.refdata import icd10cm

        return icd10cm.format(icd10cm.compact(text))
    if q.type == "procedure":
        from medbill.teach.checker import parse_procedure

        line = parse_procedure(text)
        return "-".join([line.code, *sorted(line.modifiers)]) + (f"x{line.units}" if line.units != 1 else "")
    letter = text.upper().rstrip(").")
    if letter not in q.options:
        raise CodeError(f"{text!r} is not one of the options {', '.join(q.options)}")
    return letter


def _number(q: Question, text: str) -> str:
    cleaned = re.sub(r"[\s$,]", "", text).removesuffix("%").removesuffix("days").removesuffix("day")
    example = {"money": "84.12", "percent": "12.5%", "days": "41.3"}[q.type]
    try:  # a huge number fails to quantize; infinity and NaN are not amounts
        number = Decimal(cleaned)
        if not number.is_finite():
            raise InvalidOperation
        return str(number.quantize(PLACES[q.type]))
    except InvalidOperation:
        raise CodeError(f"{text[:40]!r} is not a number: write it like {example}") from None


def _adjustment(text: str) -> str:
    m = re.fullmatch(r"([A-Za-z]{2})\s*[-: ]?\s*([A-Za-z]?\d{1,3})", text)
    if not m or m[1].upper() not in GROUP_CODES:
        raise CodeError(
            f"{text!r} is not a group code and CARC: write the group ({', '.join(GROUP_CODES)}), a dash "
            "and the reason code, for example OA-23"
        )
    return f"{m[1].upper()}-{m[2].upper()}"


def close_enough(q: Question, given: str, expected: str) -> bool:
    if q.type in TOLERANCE:
        return abs(Decimal(given) - Decimal(expected)) <= TOLERANCE[q.type]
    return given == expected


def near_values(q: Question, value: str) -> list[str]:
    """Every canonical value within tolerance of ``value`` (student copies compare hashes)."""
    if q.type not in TOLERANCE:
        return [value]
    step, n = PLACES[q.type], int(TOLERANCE[q.type] / PLACES[q.type])
    return [str(Decimal(value) + k * step) for k in range(-n, n + 1)]


# --- reading a whole answer --------------------------------------------------------------------


def split_named(
    questions: Iterable[Question], answer: str | Mapping[str, Any] | Iterable[str]
) -> tuple[dict[str, str], list[str]]:
    """(answer text by question name, problems): named pieces go to their question, unnamed ones
    to the next question not yet answered."""
    names = [q.name for q in questions]
    if isinstance(answer, Mapping):
        pieces = [(str(k), str(v)) for k, v in answer.items()]
    else:
        items = [answer] if isinstance(answer, str) else [str(a) for a in answer]
        parts = [p for item in items for p in re.split(r"[;\n]+", item)]
        pieces = []
        for part in (p.strip() for p in parts):
            m = re.fullmatch(r"([A-Za-z_]\w*)\s*=\s*(.*)", part)
            if m:
                pieces.append((m[1], m[2].strip()))
            elif part:
                pieces.append(("", part))
    out: dict[str, str] = {}
    problems = []
    for name, value in pieces:
        if name and name not in names:
            problems.append(f"there is no question {name!r}; the questions are {', '.join(names)}")
            continue
        if not name:
            name = next((n for n in names if n not in out), "")
            if not name:
                problems.append(f"{value!r} is one answer more than there are questions ({len(names)})")
                continue
        if value:
            out[name] = value
    return out, problems
