"""Coding exercises that check themselves.

A :class:`Bank` (an instructor's YAML file, or the one medbill ships) holds :class:`Exercise`
items: a scenario, a date of service, the expected codes with their order rules, hints and
rationales. :func:`check` scores an answer and classifies every error by kind, citing the
guideline section (:mod:`medbill.teach.checker`); :mod:`medbill.teach.progress` keeps signed
progress files and writes the gradebook. The worked problems of walkthroughs 04-07 (an 835 to read,
a denial to work, a claim to price, a KPI to compute) answer typed questions
(:mod:`medbill.teach.questions`) whose answers medbill computes from their data
(:mod:`medbill.teach.solve`).
"""

from medbill.teach.checker import CheckResult, Finding, check
from medbill.teach.exercises import Answer, Bank, BankError, Exercise, exercise, exercises, load_bank
from medbill.teach.progress import Progress, collect_grades

__all__ = [
    "Answer",
    "Bank",
    "BankError",
    "CheckResult",
    "Exercise",
    "Finding",
    "Progress",
    "check",
    "collect_grades",
    "exercise",
    "exercises",
    "load_bank",
]
