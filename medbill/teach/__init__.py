"""Coding exercises that check themselves.

An :class:`Exercise` has a scenario, a date of service, the expected codes in order and hints;
:func:`check` scores an answer against it and explains, from the code data itself, what was right
and what was not. See :mod:`medbill.teach.checker` for the partial-credit rules.
"""

from medbill.teach.checker import CheckResult, check
from medbill.teach.exercises import Exercise, exercise, exercises
from medbill.teach.progress import Progress, collect_grades

__all__ = ["CheckResult", "Exercise", "Progress", "check", "collect_grades", "exercise", "exercises"]
