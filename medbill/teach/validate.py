"""Check a bank against the code data: every code valid on its exercise's date of service.

ICD-10-CM codes are looked up in the release in effect on the date (a date no installed release
covers is an error, never answered from another release). HCPCS Level II codes are checked
against an imported CMS release covering the date; with none, a code medbill labels is accepted
with a warning saying the check was skipped and the command that enables it. CPT has no dated
release here: codes are checked against medbill's labels and any imported descriptors. A worked
problem's answers are computed again from its data (:mod:`medbill.teach.solve`); pricing needs
the PFS release it names imported, and says so as a warning when it is not.
"""

from __future__ import annotations

import dataclasses

from medbill.exceptions import CodeError, DataNotAvailable
from medbill.refdata import cpt, hcpcs, icd10cm, rarc
from medbill.teach.checker import parse_procedure
from medbill.teach.exercises import Bank, Exercise


@dataclasses.dataclass(frozen=True)
class Problem:
    exercise_id: str
    severity: str  # "error" or "warning"
    message: str

    def describe(self) -> str:
        return f"{self.exercise_id}: {self.message}"


def validate_bank(bank: Bank) -> list[Problem]:
    """Every problem of every exercise, errors and warnings, in bank order."""
    return [p for ex in bank for p in validate_exercise(ex)]


def _codes(ex: Exercise) -> list[str]:
    out: list[str] = []
    for answer in ex.accepted:
        out += [c for c in (*answer.required, *answer.optional) if c not in out]
    return out


def validate_exercise(ex: Exercise) -> list[Problem]:
    if not ex.has_answer:
        return []  # a student copy: nothing to check against
    if ex.is_worked:
        return [Problem(ex.id, sev, msg) for sev, msg in _worked_problems(ex)]
    check = {"diagnosis": _diagnosis_problems, "procedure": _procedure_problems}.get(
        ex.kind, _choice_problems
    )
    return [Problem(ex.id, sev, msg) for sev, msg in check(ex)]


def _diagnosis_problems(ex: Exercise) -> list[tuple[str, str]]:
    cov = icd10cm.coverage_on(ex.date_of_service)
    if not cov.covered:
        return [
            (
                "error",
                f"date of service {ex.date_of_service} is outside every installed ICD-10-CM release: {cov.message}",
            )
        ]
    release = icd10cm.for_date(ex.date_of_service)
    out = []
    for code in [*_codes(ex), *ex.distractors]:
        try:
            record = release.get(icd10cm.compact(code))
        except CodeError:
            record = None
        if code in ex.distractors:
            if record is None:
                out.append(("error", f"distractor {code} is not a code in {release.name}"))
        elif record is None or not record.billable:
            what = "not a code" if record is None else "a header, not billable"
            out.append(("error", f"{code} is {what} in {release.name}, the release for {ex.date_of_service}"))
    return out


def _choice_problems(ex: Exercise) -> list[tuple[str, str]]:
    """A multiple-choice question has no codes to check; an option without rationale is a warning."""
    bare = [k for k, o in ex.options.items() if not o.rationale]
    return [("warning", f"option(s) {', '.join(bare)} have no rationale")] if bare else []


def _procedure_problems(ex: Exercise) -> list[tuple[str, str]]:
    out = []
    for text in _codes(ex):
        try:
            line = parse_procedure(text)
        except CodeError as exc:
            out.append(("error", str(exc)))
            continue
        if cpt.is_valid(line.code):
            if cpt.get(line.code) is None:
                out.append(
                    (
                        "error",
                        f"CPT {line.code} is unknown: neither medbill's labels nor an imported descriptor file has it",
                    )
                )
            continue
        out += _hcpcs_problems(ex, line.code)
    return out


def _hcpcs_problems(ex: Exercise, code: str) -> list[tuple[str, str]]:
    try:
        covered = hcpcs.coverage_on(ex.date_of_service).covered
    except DataNotAvailable:
        covered = False
    if covered:
        if hcpcs.is_valid_on(code, ex.date_of_service):
            return []
        return [("error", f"HCPCS {code} is not valid on {ex.date_of_service}")]
    labelled = cpt.labels()
    known = code in labelled.index
    skipped = (
        f"HCPCS {code} not checked on {ex.date_of_service}: no imported HCPCS release covers the date "
        "(import CMS's file with `medbill data import hcpcs PATH`)"
    )
    if known:
        return [("warning", skipped)]
    return [("error", f"{skipped}, and medbill does not label {code}")]


def _option_problems(ex: Exercise) -> list[tuple[str, str]]:
    """Options of the choice questions name real RARCs, follow-up actions and action-table rules."""
    from medbill.followup.actions import ACTIONS, action_table

    known = {
        "rarc": lambda v: rarc.get(v) is not None,
        "action": lambda v: v in ACTIONS,
        "why": lambda v: v in set(action_table()["rule"]),
    }
    return [
        ("error", f"question {q.name}: option {letter} ({value}) is not a known {q.type}")
        for q in ex.questions
        for letter, value in q.options.items()
        if q.type in known and not known[q.type](value)
    ]


def _worked_problems(ex: Exercise) -> list[tuple[str, str]]:
    from medbill.teach.solve import worked_problems

    out = _option_problems(ex)
    try:
        out += [("error", p) for p in worked_problems(ex)]
    except DataNotAvailable as exc:
        out.append(("warning", f"answers not recomputed: {exc}"))
    return out
