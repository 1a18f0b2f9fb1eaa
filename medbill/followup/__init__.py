"""Following up on claims: the worklist of claims that need work and the actions that fit them.

- :mod:`~medbill.followup.actions` — the action table keyed on group code, CARC and RARC
- :mod:`~medbill.followup.worklist` — every claim that needs work, with its reason, next action,
  amount at stake and deadline, sorted by priority
"""

from medbill.followup.actions import action_table, resolve
from medbill.followup.worklist import WORKLIST_COLUMNS, worklist, worklist_findings, worklist_summary

__all__ = ["WORKLIST_COLUMNS", "action_table", "resolve", "worklist", "worklist_findings", "worklist_summary"]
