"""The follow-up action table: what to do about an adjustment, keyed on group code, CARC and RARC.

``medbill/_data/followup_actions.csv`` is medbill's own table (its wording, not the payers'). Each
row: ``group`` (CO, PR, OA, PI, CR or ``*``), ``carc`` (or ``*``), ``rarc`` (or ``*``), the
``action`` (one of :data:`ACTIONS`), ``work`` (``yes``: the adjustment puts the claim on the
worklist; ``no``: routine, e.g. a contractual write-off or the patient's deductible), the
``deadline`` that governs it (``appeal``: the payer's appeal window from the remittance;
``timely_filing``: the payer's filing limit from the date of service; ``none``), ``why`` and, for
appeals, ``attach``: the documentation an appeal letter encloses.

The most specific row wins: group + CARC + RARC, then group + CARC, then group, then ``*``.
"""

from __future__ import annotations

from importlib import resources
from io import StringIO

import numpy as np
import pandas as pd

from medbill.refdata.store import lazy

ACTIONS: tuple[str, ...] = (
    "correct and resubmit",
    "corrected claim",
    "appeal with records",
    "verify eligibility and resubmit",
    "bill the other payer",
    "bill the secondary payer",
    "bill the patient",
    "check claim status",
    "write off (contractual)",
    "write off (denial)",
)
DEADLINES: tuple[str, ...] = ("appeal", "timely_filing", "none")
RESOLVED_COLUMNS = ("action", "work", "deadline_kind", "why", "attach", "rule")


@lazy
def action_table() -> pd.DataFrame:
    """The action table, one row per key (columns of the module docstring plus ``rule``: the key
    as text, e.g. ``CO-16-M76`` or ``CO-16-*``)."""
    text = resources.files("medbill").joinpath("_data/followup_actions.csv").read_text(encoding="utf-8")
    table = pd.read_csv(StringIO(text), dtype=str, keep_default_na=False)
    table["work"] = table["work"].eq("yes")
    table["rule"] = table["group"] + "-" + table["carc"] + "-" + table["rarc"]
    return table.rename(columns={"deadline": "deadline_kind"})


def resolve(groups: pd.Series, carcs: pd.Series, rarcs: pd.Series) -> pd.DataFrame:
    """The action row for each (group, CARC, RARC) triple, the most specific key first; an empty
    RARC matches only ``*``. Returns :data:`RESOLVED_COLUMNS` plus ``specificity`` (3 = all three
    keys matched, 0 = the catch-all row), aligned with the input's index."""
    table = action_table()
    keys = pd.DataFrame(
        {
            "group": groups.astype("string").str.strip().str.upper().fillna("").to_numpy(dtype=object),
            "carc": carcs.astype("string").str.strip().str.upper().fillna("").to_numpy(dtype=object),
            "rarc": rarcs.astype("string").str.strip().str.upper().fillna("").to_numpy(dtype=object),
        }
    )
    out = pd.DataFrame(index=keys.index, columns=[*RESOLVED_COLUMNS, "specificity"], dtype=object)
    levels = [
        (3, ["group", "carc", "rarc"]),
        (2, ["group", "carc"]),
        (1, ["group"]),
        (0, []),
    ]
    for specificity, on in levels:
        level = np.ones(len(table), dtype=bool)
        for column in ("group", "carc", "rarc"):
            level &= (table[column].ne("*") if column in on else table[column].eq("*")).to_numpy()
        rows = table[level]
        todo = out["action"].isna()
        if not todo.any():
            break
        if on:
            found = keys[todo].reset_index().merge(rows, on=on, how="inner").set_index("index")
        else:
            found = pd.DataFrame([rows.iloc[0]] * int(todo.sum()), index=keys.index[todo])
        found = found[~found.index.duplicated()]
        out.loc[found.index, list(RESOLVED_COLUMNS)] = found[list(RESOLVED_COLUMNS)].to_numpy()
        out.loc[found.index, "specificity"] = specificity
    out.index = groups.index
    out["work"] = out["work"].astype(bool)
    out["specificity"] = out["specificity"].astype(int)
    return out


def routine_keys() -> set[tuple[str, str]]:
    """(group, CARC) pairs that are routine whatever the remark: their group + CARC row is not work
    and no row keys them with a specific RARC. Adjustments with them never reach the worklist."""
    table = action_table()
    by_remark = set(
        zip(table.loc[table["rarc"].ne("*"), "group"], table.loc[table["rarc"].ne("*"), "carc"], strict=True)
    )
    plain = table[table["rarc"].eq("*") & table["carc"].ne("*") & table["group"].ne("*") & ~table["work"]]
    return {(g, c) for g, c in zip(plain["group"], plain["carc"], strict=True) if (g, c) not in by_remark}
