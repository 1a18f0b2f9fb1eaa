"""Claim scrubber: explainable edits on one claim or a million lines.

>>> from medbill.edits import scrub, rules
>>> result = scrub(claims_df, lines_df)        # or scrub(claims_data) / scrub(claim)
>>> result.findings                             # claim_id, line_number, rule_id, severity, ...
>>> result.raise_for_errors()                   # ScrubErrors when any error was found

Each rule is data (``rules()`` lists them with their references and fix hints); rule families live
in ``medbill/edits/rules/``; NCCI, MUE and MCE tables are imported with ``medbill data import``.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

# Import the rule subpackage before defining ``rules()`` below: a submodule import binds its name on
# the parent package only when first loaded, so the function keeps the name ``medbill.edits.rules``.
import medbill.edits.rules as _rule_modules  # noqa: F401
from medbill.edits.engine import PayerRules, Rule, select
from medbill.edits.result import ScrubResult
from medbill.edits.runner import scrub
from medbill.edits.whatif import WhatIf, what_if

__all__ = ["PayerRules", "Rule", "ScrubResult", "WhatIf", "rules", "scrub", "what_if"]


def rules(selected: Iterable[str] | None = None, disable: Iterable[str] = ()) -> pd.DataFrame:
    """Rule metadata (id, title, category, severity, reference, explanation, fix), one row per rule."""
    return pd.DataFrame([r.to_dict() for r in select(selected, disable)])
