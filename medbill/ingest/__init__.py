"""Importers from other claim layouts into medbill's claims tables.

- :mod:`~medbill.ingest.tuva`: the Tuva Project input layout (medical_claim + eligibility CSVs);
- :mod:`~medbill.ingest.remits`: a folder of 835 files -> remittance tables;
- :mod:`~medbill.ingest.csvmap`: any CSV of claim lines with a column mapping (dict or YAML);
- :mod:`~medbill.ingest.fhir`: FHIR R4 Bundles / bulk NDJSON -> a coding worklist, and the claims and
  remittance tables its Claim and ExplanationOfBenefit resources allow.

Each accounts for every input row: mapped, or listed with the reason it could not map.
:func:`load` runs one of them and writes a ``CLAIMS_DIR`` (``medbill data load``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from medbill.exceptions import ImportFailed

SOURCES = ("tuva", "835", "csv", "fhir")


def load(
    source: str, path: str | Path, out: str | Path, fmt: str = "csv", mapping: str | None = None
) -> dict[str, Any]:
    """Import ``path`` (a layout named by ``source``) and write the tables to ``out``; returns a summary
    (counts, and where the rows that could not map were written)."""
    from medbill.claims.tables import write_claims_dir

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    if source == "tuva":
        from medbill.ingest.tuva import load_tuva, write_tuva_load

        result = load_tuva(path)
        write_tuva_load(result, out, fmt)
        return {
            **result.summary(),
            "unmapped_file": str(out / "unmapped.csv"),
            "notes_file": str(out / "notes.csv"),
        }
    if source == "835":
        from medbill.claims.tables import SCHEMAS, coerce_table
        from medbill.ingest.remits import load_835_folder
        from medbill.synth.output import write_csv

        remits = load_835_folder(path)
        for name, frame in remits.tables.items():
            if not len(frame.columns):
                continue
            typed = coerce_table(name, frame, source=str(path))
            if fmt == "parquet":
                typed.to_parquet(out / f"{name}.parquet", index=False)
            else:  # dates ISO, money with two decimals, as the claims tables' CSVs
                write_csv(typed, out / f"{name}.csv", [c for c, k in SCHEMAS[name].items() if k == "money"])
        remits.failures.to_csv(out / "failures.csv", index=False)
        return {**remits.summary(), "failures_file": str(out / "failures.csv")}
    if source == "csv":
        from medbill.ingest.csvmap import load_csv

        if mapping is None:
            raise ImportFailed("a generic CSV needs --mapping MAPPING.yaml (see medbill.ingest.csvmap)")
        mapped = load_csv(path, mapping)
        write_claims_dir(mapped.data, out, fmt)
        mapped.unmapped.to_csv(out / "unmapped.csv", index=False)
        return {
            "input_rows": mapped.input_rows,
            "mapped_lines": len(mapped.data.lines),
            "unmapped_rows": len(mapped.unmapped),
            "claims": len(mapped.data.claims),
            "unmapped_file": str(out / "unmapped.csv"),
        }
    if source == "fhir":
        from medbill.ingest.fhir import load_fhir, write_worklist

        worklist = load_fhir(path)
        write_worklist(worklist, out, fmt)
        return {
            **worklist.summary(),
            "skipped_file": str(out / f"skipped.{fmt}"),
            "claims_skipped_file": str(out / f"claims_skipped.{fmt}"),
        }
    raise ImportFailed(f"unknown source {source!r}; choose one of {', '.join(SOURCES)}")


__all__ = ["SOURCES", "load"]
