"""A folder of 835 files -> the remittance tables (docs/tables.md), through the claims 835 reader.

Every file is accounted for: read (its rows carry ``source_file``) or listed in ``failures`` with
the reader's message. Per-file sequence numbers of the reader are dropped: they repeat across files.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pandas as pd

from medbill.claims.tables import ClaimsData
from medbill.exceptions import ImportFailed, MedbillError

REMIT_TABLES = ("remit_payments", "remit_claims", "remit_lines", "remit_adjustments", "remit_remarks")
PATTERNS = ("*.835", "*.edi", "*.txt", "*.x12")


@dataclasses.dataclass
class RemitLoad:
    tables: dict[str, pd.DataFrame]
    failures: pd.DataFrame  # source_file, error
    files: int

    def summary(self) -> dict[str, int]:
        return {
            "files": self.files,
            "failed": len(self.failures),
            **{k: len(v) for k, v in self.tables.items()},
        }


def load_835_folder(folder: str | Path) -> RemitLoad:
    """Read every ``*.835``/``*.edi``/``*.txt``/``*.x12`` file under ``folder`` (recursively, in name order)."""
    from medbill.claims.x12.reader_835 import remit_frames, type_remit_frames

    if not isinstance(folder, (str, Path)) or not str(folder).strip():
        raise ImportFailed(f"expected a folder path, got {folder!r}")
    folder = Path(folder)
    if not _is_dir(folder):
        raise ImportFailed(f"835 folder {folder} does not exist")
    files = sorted({p for pattern in PATTERNS for p in folder.rglob(pattern) if p.is_file()})
    parts: dict[str, list[pd.DataFrame]] = {name: [] for name in REMIT_TABLES}
    failures = []
    for path in files:  # one reader call per file; the tables are typed once, after the loop
        name = path.relative_to(folder).as_posix()
        try:
            frames, _ = remit_frames(path)
        except MedbillError as exc:
            failures.append((name, str(exc)))
            continue
        for table in REMIT_TABLES:
            frame = frames[table]
            frame = frame.drop(columns=[c for c in frame.columns if c.endswith("_seq") or c == "line_index"])
            parts[table].append(frame.assign(source_file=name) if table == "remit_payments" else frame)
    tables = (
        type_remit_frames({name: pd.concat(frames, ignore_index=True) for name, frames in parts.items()})
        if parts["remit_payments"]
        else {name: pd.DataFrame() for name in REMIT_TABLES}
    )
    return RemitLoad(
        tables=tables, failures=pd.DataFrame(failures, columns=["source_file", "error"]), files=len(files)
    )


def as_claims_data(load: RemitLoad, claims: ClaimsData) -> ClaimsData:
    """``claims`` with the remittance tables of ``load`` attached (typed per docs/tables.md)."""
    present = {k: v for k, v in load.tables.items() if len(v.columns)}
    return dataclasses.replace(claims, **present)


def _is_dir(path: Path) -> bool:
    try:
        return path.is_dir()
    except OSError:  # e.g. a name too long for the file system
        return False
