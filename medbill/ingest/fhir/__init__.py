"""FHIR R4 (US Core, Synthea) Bundles and bulk NDJSON -> a coding worklist.

:func:`load_fhir` reads a file or folder and returns :class:`FhirWorklist` (``encounters``,
``findings``, ``suggestions``, ``skipped``); :func:`write_worklist` writes the four tables and
:func:`read_worklist` reads them back (``medbill data load fhir PATH --out DIR``). The tables are
described in ``docs/tables.md``. Suggestions are suggestions: nothing is accepted for the coder.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pandas as pd

from medbill.exceptions import ImportFailed
from medbill.ingest.fhir.suggest import SUGGESTION_COLUMNS, suggest
from medbill.ingest.fhir.worklist import ENCOUNTER_COLUMNS, FINDING_COLUMNS, SKIPPED_COLUMNS, build

TABLES = ("encounters", "findings", "suggestions", "skipped")


@dataclasses.dataclass
class FhirWorklist:
    """The four worklist tables; ``resources_read`` counts every resource or line read."""

    encounters: pd.DataFrame
    findings: pd.DataFrame
    suggestions: pd.DataFrame
    skipped: pd.DataFrame
    resources_read: int = 0
    ignored_files: list[str] = dataclasses.field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        return {
            "resources_read": self.resources_read,
            "encounters": len(self.encounters),
            "findings": len(self.findings),
            "suggestions": len(self.suggestions),
            "skipped": len(self.skipped),
            "ignored_files": ", ".join(self.ignored_files) or "none",
        }

    def encounter(self, encounter_id: str) -> tuple[pd.Series, pd.DataFrame]:
        """One encounter's worklist row and its findings joined to their suggestions."""
        rows = self.encounters[self.encounters["encounter_id"] == encounter_id]
        if rows.empty:
            raise ImportFailed(
                f"encounter {encounter_id!r} is not in the worklist; pick one from its encounters table"
            )
        found = self.findings[self.findings["encounter_id"] == encounter_id]
        merged = found.merge(self.suggestions, on="finding_id", how="left", suffixes=("", "_suggested"))
        return rows.iloc[0], merged


def load_fhir(path: str | Path) -> FhirWorklist:
    """Read FHIR R4 Bundles / NDJSON under ``path`` into a worklist with code suggestions."""
    built = build(path)
    return FhirWorklist(
        built["encounters"],
        built["findings"],
        suggest(built["findings"]),
        built["skipped"],
        built["resources_read"],
        built["ignored_files"],
    )


def write_worklist(worklist: FhirWorklist, out: str | Path, fmt: str = "csv") -> None:
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    for name in TABLES:
        frame = getattr(worklist, name)
        if fmt == "parquet":
            frame.to_parquet(out / f"{name}.parquet", index=False)
        else:
            frame.to_csv(out / f"{name}.csv", index=False)


_COLUMNS = {
    "encounters": ENCOUNTER_COLUMNS,
    "findings": FINDING_COLUMNS,
    "suggestions": SUGGESTION_COLUMNS,
    "skipped": SKIPPED_COLUMNS,
}


def read_worklist(folder: str | Path) -> FhirWorklist:
    """Read the tables :func:`write_worklist` wrote (CSV or parquet)."""
    folder = Path(folder)
    frames = {}
    for name in TABLES:
        parquet, csv = folder / f"{name}.parquet", folder / f"{name}.csv"
        if parquet.exists():
            frames[name] = pd.read_parquet(parquet)
        elif csv.exists():
            frames[name] = pd.read_csv(csv, dtype=str, keep_default_na=False)
            if name == "suggestions":
                frames[name] = frames[name].astype({"rank": int, "score": float})
        else:
            raise ImportFailed(
                f"{folder} has no {name}.csv or {name}.parquet; write it with `medbill data load fhir PATH --out {folder}`"
            )
        missing = set(_COLUMNS[name]) - set(frames[name].columns)
        if missing:
            raise ImportFailed(
                f"{folder}/{name} lacks columns {sorted(missing)}; reload it with `medbill data load fhir`"
            )
    return FhirWorklist(**frames)


__all__ = ["TABLES", "FhirWorklist", "load_fhir", "read_worklist", "write_worklist"]
