"""``medbill data import icd10cm PATH``: install any official CDC ICD-10-CM tabular XML release.

PATH may be the tabular XML file itself, a folder holding it, or the CDC zip (the file whose name
contains "tabular" and ends in ".xml", e.g. ``icd10cm-tabular-April-2025.xml``). The release is
named by the XML's ``<version>`` year (``FY2025``) and answers for that whole fiscal year; importing
a release of a fiscal year that is embedded replaces the embedded one. The file is parsed completely
before anything is installed, so malformed or truncated XML raises ``ImportFailed`` naming the file
and leaves installed releases untouched; importing the same file again is a no-op.
"""

from __future__ import annotations

import hashlib
import io
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

from medbill.exceptions import ImportFailed
from medbill.refdata import store
from medbill.refdata.icd10cm import _sources
from medbill.refdata.icd10cm._model import PACK_FORMAT, fiscal_year_dates
from medbill.refdata.icd10cm.parser import parse_tabular


def _is_tabular(name: str) -> bool:
    base = name.rsplit("/", 1)[-1].lower()
    return base.endswith(".xml") and "tabular" in base and not base.startswith(".")


def _read_source(path: Path) -> tuple[str, bytes]:
    """(display name, XML bytes) of the tabular file in ``path``."""
    if not path.exists():
        raise ImportFailed(f"{path} does not exist; give the CDC tabular XML file, its folder or its zip.")
    if path.is_dir():
        found = sorted(p for p in path.rglob("*") if p.is_file() and _is_tabular(p.name))
        if len(found) != 1:
            what = "no file" if not found else f"{len(found)} files ({', '.join(p.name for p in found)})"
            raise ImportFailed(
                f"{path}: found {what} named like '*tabular*.xml'; point at the one tabular XML file to import."
            )
        path = found[0]
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as zf:
            members = [m for m in zf.namelist() if _is_tabular(m)]
            if len(members) != 1:
                raise ImportFailed(
                    f"{path.name}: the zip holds {len(members)} files named like '*tabular*.xml' "
                    f"({', '.join(members) or 'none'}); extract the one to import and give its path."
                )
            return f"{path.name}:{members[0]}", zf.read(members[0])
    try:
        return path.name, path.read_bytes()
    except OSError as exc:
        raise ImportFailed(f"{path}: cannot be read ({exc}).") from exc


def _note(source_name: str, name: str) -> str:
    start, end = fiscal_year_dates(int(name[2:]))
    if "april" in source_name.lower():
        return f"Imported: CDC tabular XML {source_name}, {_sources.april_note(name, start, end)}"
    return f"Imported: CDC tabular XML {source_name}, release of {name}; answers for {start} to {end}"


def import_release(path: Path | str) -> store.Provenance:
    """Install the CDC tabular XML release at ``path`` and return its provenance."""
    path = store.as_path(path)
    source_name, payload = _read_source(path)
    sha = hashlib.sha256(payload).hexdigest()
    for prov in store.installed(_sources.SYSTEM):
        if prov.sha256 == sha:
            return prov  # the same file again: nothing to do
    key = f"icd10cm-xml-{sha[:32]}-v{PACK_FORMAT}"  # the compiled cache the release loads from
    try:
        # a compiled cache of these exact bytes means they parsed before; otherwise parse (and cache) now
        packed = store.cached(key, lambda: parse_tabular(io.BytesIO(payload)).pack())
    except (ET.ParseError, ValueError, AttributeError, TypeError) as exc:
        raise ImportFailed(
            f"{source_name} is not a readable CDC ICD-10-CM tabular XML file ({exc}); "
            "installed releases are unchanged. Re-download the release from the CDC and import it again."
        ) from exc
    name = f"FY{packed['version']}"
    start, end = fiscal_year_dates(int(packed["version"]))
    prov = store.Provenance(
        system=_sources.SYSTEM,
        release=name,
        effective_from=start,
        effective_to=end,
        source=source_name,
        sha256=sha,
        rows=packed["billable"].count(1),
        licence=_sources.LICENCE,
        note=f"{_note(source_name, name)}. Contains: {packed['contents']}.",
    )

    def write(folder: Path) -> None:
        (folder / _sources.IMPORTED_XML).write_bytes(payload)

    installed = store.install(prov, write)
    _sources.forget()
    return installed
