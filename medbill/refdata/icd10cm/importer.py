"""``medbill data import icd10cm PATH``: install an official CDC ICD-10-CM release.

PATH may be the tabular XML file (``icd10cm-tabular-April-2025.xml``), the CDC order file
(``icd10cm-order-2027.txt``, see :mod:`.order_file`), a folder holding one of them, or the CDC zip
that holds it (the "table and index" zip or the "code descriptions" zip); a tabular XML is preferred
where both are found. An XML release is named by its ``<version>`` year, an order file by the year in
its name (``FY2027``); either answers for that whole fiscal year, and importing a release of a
fiscal year that is embedded replaces the embedded one. The file is parsed completely before
anything is installed, so a malformed or truncated file raises ``ImportFailed`` naming it and leaves
installed releases untouched; importing the same file again is a no-op.
"""

from __future__ import annotations

import hashlib
import io
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

from medbill.exceptions import ImportFailed
from medbill.refdata import store
from medbill.refdata.icd10cm import _sources, order_file
from medbill.refdata.icd10cm._model import PACK_FORMAT, fiscal_year_dates
from medbill.refdata.icd10cm.parser import parse_tabular


def _is_tabular(name: str) -> bool:
    base = name.rsplit("/", 1)[-1].lower()
    return base.endswith(".xml") and "tabular" in base and not base.startswith(".")


def _pick(names: list[str], where: str) -> str:
    """The one tabular XML among ``names``, else the one order file; ``ImportFailed`` otherwise."""
    for wanted, label in ((_is_tabular, "'*tabular*.xml'"), (order_file.is_order_file, "'*order*.txt'")):
        found = [n for n in names if wanted(n)]
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            raise ImportFailed(
                f"{where} holds {len(found)} files named like {label} ({', '.join(found)}); "
                "point at the one to import."
            )
    raise ImportFailed(
        f"{where} holds no CDC tabular XML ('*tabular*.xml') or order file ('icd10cm-order-YYYY.txt'); "
        "give the CDC file, its folder or its zip."
    )


def _read_source(path: Path) -> tuple[str, bytes]:
    """(display name, bytes) of the tabular XML or order file in ``path``."""
    if not path.exists():
        raise ImportFailed(
            f"{path} does not exist; give the CDC tabular XML or order file, its folder or its zip."
        )
    if path.is_dir():
        files = {str(p.relative_to(path)): p for p in sorted(path.rglob("*")) if p.is_file()}
        path = files[_pick(list(files), str(path))]
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as zf:
            member = _pick(zf.namelist(), path.name)
            return f"{path.name}:{member}", zf.read(member)
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
    if payload[:5].isdigit():  # an order number: the fixed-width order file, not XML
        return _import_order(source_name, payload, sha)
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


def _import_order(source_name: str, payload: bytes, sha: str) -> store.Provenance:
    packed = order_file.compile_release(sha, lambda: payload, source_name)
    prov = order_file.provenance(sha, source_name, packed, _sources.LICENCE)

    def write(folder: Path) -> None:
        (folder / order_file.PAYLOAD).write_bytes(payload)

    installed = store.install(prov, write)
    _sources.forget()
    return installed
