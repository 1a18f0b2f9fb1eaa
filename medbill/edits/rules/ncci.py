"""NCCI procedure-to-procedure edits: two codes billed for one patient, by one provider, on one date."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from medbill.edits.engine import Batch, findings, no_findings, rule
from medbill.edits.rules._util import dates
from medbill.refdata import coverage
from medbill.refdata import modifiers as modifier_codes
from medbill.refdata import ncci as ncci_tables
from medbill.refdata.store import Provenance

_INDICATOR = {
    0: "modifier indicator 0: no modifier bypasses this edit",
    1: "modifier indicator 1: bypassed only by an NCCI-associated modifier, none present",
}


def bypass_mask(b: Batch) -> np.ndarray:
    """Bool per line: carries a modifier that bypasses indicator-1 edits for the claim's payer."""
    star = b.config.get("*")
    default = star.bypass_modifiers if star and star.bypass_modifiers is not None else None
    if default is None:
        default = modifier_codes.NCCI_BYPASS
    mask = b.line_has_modifier(default)
    for payer, cfg in b.config.items():
        if payer != "*" and cfg.bypass_modifiers is not None:
            rows = b.line_values["payer_id"] == payer
            mask[rows] = b.line_has_modifier(cfg.bypass_modifiers)[rows]
    return mask


@dataclasses.dataclass(frozen=True)
class _Active:
    """The edits that can fire (indicator 0 or 1), with both codes as ids into one vocabulary, the
    rows ordered by column 1 id, and the columns :func:`_hits` needs as arrays."""

    table: pd.DataFrame
    ids: dict[str, int]  # code -> id
    column1: np.ndarray  # id per row
    column2: np.ndarray  # id per row
    effective: np.ndarray
    deletion: np.ndarray
    indicator: np.ndarray
    by_column1: np.ndarray  # row positions sorted by column 1 id (stable)
    starts: np.ndarray  # per id: where its rows start in by_column1
    counts: np.ndarray  # per id: how many rows have it as column 1

    def rows(self, codes: np.ndarray) -> np.ndarray:
        """Positions (ascending) of the edits between two of ``codes``; a dict lookup per distinct
        code, since an index lookup costs hundreds of microseconds even for a ten-line claim."""
        known = np.array([self.ids[c] for c in codes if c in self.ids], dtype="int64")
        count = self.counts[known]
        first = np.repeat(self.starts[known], count)
        rows = self.by_column1[first + np.arange(len(first)) - np.repeat(np.cumsum(count) - count, count)]
        return np.sort(rows[np.isin(self.column2[rows], known)])


_active_memo: dict[tuple[str, str], _Active] = {}


def _active(table: pd.DataFrame, prov: Provenance) -> _Active:
    """:class:`_Active` built once per installed release, so a one-claim scrub does not scan the
    whole PTP table."""
    key = (prov.release, prov.sha256)
    if key not in _active_memo:
        if len(_active_memo) >= 8:  # a few quarters at a time are worth keeping
            _active_memo.clear()
        table = table.assign(release=prov.release)
        active = table[table["modifier_indicator"] != 9]
        n = len(active)
        codes, vocab = pd.factorize(pd.concat([active["column1"], active["column2"]], ignore_index=True))
        vocab = vocab.tolist()
        column1 = codes[:n]
        counts = np.bincount(column1, minlength=len(vocab))
        _active_memo[key] = _Active(
            table=active,
            ids=dict(zip(vocab, range(len(vocab)), strict=True)),
            column1=column1,
            column2=codes[n:],
            effective=active["effective"].to_numpy(),
            deletion=active["deletion"].to_numpy(),
            indicator=active["modifier_indicator"].to_numpy(),
            by_column1=np.argsort(column1, kind="stable"),
            starts=np.cumsum(counts) - counts,
            counts=counts,
        )
    return _active_memo[key]


def _matches(keys: np.ndarray, wanted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(position in ``wanted``, position in ``keys``) for every pair of equal keys."""
    order = np.argsort(keys, kind="stable")
    ordered = keys[order]
    lo = np.searchsorted(ordered, wanted, "left")
    count = np.searchsorted(ordered, wanted, "right") - lo
    at = np.repeat(np.arange(len(wanted)), count)
    offset = np.arange(len(at)) - np.repeat(np.cumsum(count) - count, count)
    return at, order[np.repeat(lo, count) + offset]


def _hits(
    b: Batch, active: _Active, rows: np.ndarray, ok: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(edit row of ``active``, line 1, line 2) for two lines of one encounter meeting a live edit of
    ``rows`` that no modifier bypasses, in the order merging the lines with each other and then with
    the edits would give: by line 1, line 2, edit."""
    lv = b.line_values
    line = np.flatnonzero(ok)
    code_id, codes = b.factorized("procedure_code")  # every line is coded (NA would be -1: none)
    code = np.array([*(active.ids.get(c, -1) for c in codes), -1], dtype="int64")[code_id[line]]
    encounter = b.encounter[line]
    # (edit, line 1) pairs by column 1 code, then line 2 by encounter and column 2 code.
    edit, first = _matches(code, active.column1[rows])
    width = len(active.ids) + 1
    at, second = _matches(encounter * width + code, encounter[first] * width + active.column2[rows[edit]])
    edit, first = rows[edit[at]], line[first[at]]
    second = line[second]
    dos = lv["service_date"][second]
    deletion = active.deletion[edit]
    keep = (first != second) & (active.effective[edit] <= dos) & (pd.isna(deletion) | (dos <= deletion))
    if keep.any():
        bypass = bypass_mask(b)
        keep &= ~((active.indicator[edit] == 1) & (bypass[first] | bypass[second]))
    edit, first, second = edit[keep], first[keep], second[keep]
    order = np.lexsort((edit, second, first))
    return edit[order], first[order], second[order]


@rule(
    "NCCI-PTP",
    title="NCCI procedure-to-procedure edit",
    category="ncci",
    severity="error",
    reference="CMS National Correct Coding Initiative, practitioner PTP edits",
    explanation=(
        "CMS pays only the column 1 code when both codes of a PTP pair are billed for the same patient by "
        "the same provider on the same date, while the edit is in effect (effective date through deletion "
        "date). Indicator 1 edits may be bypassed with an NCCI-associated modifier (59, XE, XS, XP, XU, "
        "anatomic modifiers ...) when the services were truly distinct; indicator 0 edits never; 9 are inactive."
    ),
    fix="Remove the column 2 service, or, only if documentation supports a distinct service, add the appropriate NCCI-associated modifier.",
)
def ncci_ptp(b: Batch) -> pd.DataFrame:
    releases = ncci_tables.load("practitioner")
    provs = [p for p, _ in releases]
    lv = b.line_values
    coded = np.flatnonzero(~b.missing("procedure_code"))
    # Each line is edited by the release in effect on its date (one per encounter: it has one date).
    which = np.full(len(lv["procedure_code"]), -1, dtype="int64")
    which[coded] = coverage.in_effect_many(provs, lv["service_date"][coded])
    b.skip_labelled(coded, *coverage.uncovered_labels("ncci", provs, lv["service_date"][coded]))
    parts = [no_findings()]
    for i in np.unique(which[which >= 0]):
        ok = which == i
        # Only edits between codes that occur in the batch, and not the inactive indicator-9 ones.
        active = _active(releases[i][1], provs[i])
        code_id, codes = b.factorized("procedure_code")
        rows = active.rows(codes[np.unique(code_id[ok])])
        if len(rows):
            parts.append(_findings(b, active, *_hits(b, active, rows, ok)))
    return pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]


def _findings(
    b: Batch, active: _Active, edit: np.ndarray, line1: np.ndarray, line2: np.ndarray
) -> pd.DataFrame:
    """Findings for the edit hits of one release."""
    lv = b.line_values
    if not len(edit):  # the usual case when the codes have edits: not live, bypassed, other encounters
        return no_findings()
    hits = active.table.iloc[edit].reset_index(drop=True)
    hits["service_date"] = lv["service_date"][line2]
    line1_number = pd.Series(b.line_numbers[line1]).astype("string").fillna("?").to_numpy()
    deleted = dates(hits["deletion"]).replace("", "none")
    message = (
        hits["column2"]
        + " is column 2 to "
        + hits["column1"]
        + " (line "
        + line1_number
        + ") on "
        + dates(hits["service_date"])
        + "; "
        + hits["modifier_indicator"].map(_INDICATOR)
        + ("; rationale: " + hits["rationale"]).where(hits["rationale"].ne(""), "")
    )
    reference = (
        "CMS NCCI PTP "
        + hits["release"]
        + ": "
        + hits["column1"]
        + "/"
        + hits["column2"]
        + " effective "
        + dates(hits["effective"])
        + ", deletion "
        + deleted
        + ", modifier indicator "
        + hits["modifier_indicator"].astype(str)
    )
    return findings(
        lv["claim"][line2],
        line2,
        "procedure_code",
        hits["column2"],
        message,
        reference=reference,
    )
