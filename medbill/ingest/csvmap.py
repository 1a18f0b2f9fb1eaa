"""Any CSV of claim lines -> the claims tables, through a column mapping (a dict or a small YAML).

The mapping names, for each medbill column, the source column that holds it::

    claims:                 # claim-level columns, taken from each claim's first row
      claim_id: Claim No
      patient_id: MRN
      payer_id: Plan
      dx1: Primary Dx
      dx2: Secondary Dx
    lines:                  # one row per service line
      service_date: DOS
      procedure_code: CPT
      modifier1: Mod
      units: Qty
      charge: Billed
    date_format: "%m/%d/%Y" # optional; ISO when absent

``claims.claim_id``, ``lines.procedure_code`` and ``lines.charge`` are required. Lines are numbered
in file order within each claim unless ``lines.line_number`` is mapped. A row that cannot map (no
claim id, procedure code or charge, a charge or unit count that is not a number, a date that does
not match the format) is listed in ``unmapped`` with the reason; every input row is either a line or
an unmapped row.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from medbill.claims.tables import SCHEMAS, ClaimsData
from medbill.exceptions import ImportFailed

REQUIRED = {"claims": ("claim_id",), "lines": ("procedure_code", "charge")}


@dataclasses.dataclass
class CsvLoad:
    data: ClaimsData
    unmapped: pd.DataFrame  # source_row, claim_id, reason
    input_rows: int


def read_mapping(mapping: dict[str, Any] | str | Path) -> dict[str, Any]:
    """A mapping dict as given, or read from a YAML file; checked against the tables' columns."""
    if isinstance(mapping, (str, Path)):
        try:
            mapping = yaml.safe_load(Path(mapping).read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            raise ImportFailed(f"cannot read the column mapping {mapping}: {exc}") from exc
    if not isinstance(mapping, dict):
        raise ImportFailed(
            f"a column mapping is a dict with 'claims' and 'lines' sections, got {type(mapping).__name__}"
        )
    unknown_sections = set(mapping) - {"claims", "lines", "date_format"}
    if unknown_sections:
        raise ImportFailed(
            f"unknown mapping section(s) {sorted(unknown_sections)}; use claims, lines, date_format"
        )
    for section in ("claims", "lines"):
        columns = mapping.get(section) or {}
        if not isinstance(columns, dict):
            raise ImportFailed(f"mapping section {section!r} must map medbill column -> source column")
        unknown = set(columns) - set(SCHEMAS[section])
        if unknown:
            raise ImportFailed(
                f"mapping {section}: {sorted(unknown)} are not columns of {section} (docs/tables.md)"
            )
        missing = [c for c in REQUIRED[section] if c not in columns]
        if missing:
            raise ImportFailed(f"mapping {section} must name a source column for {', '.join(missing)}")
    return mapping


def load_csv(path: str | Path, mapping: dict[str, Any] | str | Path) -> CsvLoad:
    """Map the CSV at ``path`` to ``claims`` and ``lines`` with ``mapping``."""
    spec = read_mapping(mapping)
    if not isinstance(path, (str, Path)) or not str(path).strip():
        raise ImportFailed(f"expected a CSV file path, got {path!r}")
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise ImportFailed(f"cannot read CSV {path}: {exc}") from exc
    sources = {**spec["claims"], **spec["lines"]}
    absent = sorted({src for src in sources.values() if src not in raw.columns})
    if absent:
        raise ImportFailed(
            f"{path}: the mapping names column(s) {absent} that the CSV does not have; it has {list(raw.columns)}"
        )
    fmt = spec.get("date_format", "%Y-%m-%d")
    frame = pd.DataFrame({col: raw[src].str.strip() for col, src in sources.items()})
    source_row = pd.Series(range(2, len(raw) + 2), index=raw.index)

    reason = pd.Series(pd.NA, index=raw.index, dtype="string")

    def refuse(mask: pd.Series, text: str) -> None:
        nonlocal reason
        reason = reason.mask(reason.isna() & mask.to_numpy(), text)

    refuse(frame["claim_id"] == "", "no claim id")
    refuse(frame["procedure_code"] == "", "no procedure code")
    kinds = {
        **{c: SCHEMAS["claims"][c] for c in spec["claims"]},
        **{c: SCHEMAS["lines"][c] for c in spec["lines"]},
    }
    for column, kind in kinds.items():
        text = frame[column]
        if kind == "date":
            parsed = pd.to_datetime(text.replace("", pd.NA), format=fmt, errors="coerce")
            refuse(
                (text != "") & parsed.isna(),
                f"{column} {sources[column]!r} does not match the date format {fmt}",
            )
            frame[column] = parsed
        elif kind in ("money", "float", "int"):
            parsed = pd.to_numeric(
                text.str.replace(r"[$,]", "", regex=True).replace("", pd.NA), errors="coerce"
            )
            refuse((text != "") & parsed.isna(), f"{column} {sources[column]!r} is not a number")
            if column == "charge":
                refuse(text == "", "no charge")
            frame[column] = parsed
    bad = reason.notna()
    unmapped = pd.DataFrame(
        {"source_row": source_row[bad], "claim_id": frame.loc[bad, "claim_id"], "reason": reason[bad]}
    ).reset_index(drop=True)
    ok = frame[~bad]
    lines = ok[[*spec["lines"], "claim_id"]].copy()
    if "line_number" not in lines:
        lines["line_number"] = ok.groupby("claim_id", sort=False).cumcount() + 1
    claims = ok[list(spec["claims"])].drop_duplicates("claim_id", keep="first")
    data = ClaimsData(claims=claims.reset_index(drop=True), lines=lines.reset_index(drop=True))
    return CsvLoad(data=data, unmapped=unmapped, input_rows=len(raw))
