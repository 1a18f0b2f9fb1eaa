"""FHIR R4 (US Core, Synthea) Bundles and bulk NDJSON -> a coding worklist, and claims.

:func:`load_fhir` reads a file or folder and returns :class:`FhirWorklist` (``encounters``,
``findings``, ``suggestions``, ``skipped``; and ``billing``, the claims and remittance tables the
export's Claim and ExplanationOfBenefit resources allow, with ``claims_skipped``).
:func:`write_worklist` writes them all to one folder, which is then also a claims folder
(``read_claims_dir``), and :func:`read_worklist` reads the worklist back (``medbill data load fhir
PATH --out DIR``). The tables are described in ``docs/tables.md``. Suggestions are suggestions:
nothing is accepted for the coder.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pandas as pd

from medbill.claims.tables import ClaimsData, write_claims_dir
from medbill.exceptions import ImportFailed
from medbill.ingest.fhir.billing import CLAIMS_SKIPPED_COLUMNS
from medbill.ingest.fhir.suggest import SUGGESTION_COLUMNS, suggest
from medbill.ingest.fhir.worklist import ENCOUNTER_COLUMNS, FINDING_COLUMNS, SKIPPED_COLUMNS, build

TABLES = ("encounters", "findings", "suggestions", "skipped")


@dataclasses.dataclass
class FhirWorklist:
    """The four worklist tables; ``resources_read`` counts every resource or line read. ``billing``
    holds the claims and remittance tables carried from Claim and ExplanationOfBenefit resources and
    ``claims_skipped`` what could not be carried (None when read back with :func:`read_worklist`)."""

    encounters: pd.DataFrame
    findings: pd.DataFrame
    suggestions: pd.DataFrame
    skipped: pd.DataFrame
    resources_read: int = 0
    ignored_files: list[str] = dataclasses.field(default_factory=list)
    billing: ClaimsData | None = None
    claims_skipped: pd.DataFrame | None = None

    def summary(self) -> dict[str, Any]:
        counts = {
            "resources_read": self.resources_read,
            "encounters": len(self.encounters),
            "findings": len(self.findings),
            "suggestions": len(self.suggestions),
            "skipped": len(self.skipped),
        }
        if self.billing is not None and self.claims_skipped is not None:
            counts |= {
                "claims": len(self.billing.claims),
                "claim_lines": len(self.billing.lines),
                "remittances": len(
                    self.billing.remit_claims if self.billing.remit_claims is not None else []
                ),
                "claims_skipped": len(self.claims_skipped),
            }
        return {**counts, "ignored_files": ", ".join(self.ignored_files) or "none"}

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
        built["billing"],
        built["claims_skipped"],
    )


def write_worklist(worklist: FhirWorklist, out: str | Path, fmt: str = "csv") -> None:
    """Write the worklist tables to ``out``, and beside them the claims and remittance tables (every
    table, empty when the export had no Claim) and ``claims_skipped``."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    frames = {name: getattr(worklist, name) for name in TABLES}
    if worklist.billing is not None:
        write_claims_dir(worklist.billing, out, fmt)
        skipped = worklist.claims_skipped
        frames["claims_skipped"] = (
            pd.DataFrame(columns=CLAIMS_SKIPPED_COLUMNS) if skipped is None else skipped
        )
    for name, frame in frames.items():
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
