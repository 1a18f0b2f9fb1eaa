"""One entry point across code systems and reference tables: lookup, search, releases, import.

Each code system module (``medbill.refdata.<system>``) provides:

- ``lookup_record(code, on=None) -> CodeRecord`` (raises the guide's errors),
- ``search_hits(text, limit, on=None) -> list[Hit]`` where the system is searchable,
- ``embedded_releases() -> list[Provenance]`` for data shipped with medbill or its dependencies.

Modules are imported where they are used (real imports, loaded on first use, so ``medbill codes
lookup`` does not pay for pandas-based systems it does not touch).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from datetime import date
from pathlib import Path
from types import ModuleType

from medbill.exceptions import InvalidArgument, MedbillError
from medbill.refdata import store
from medbill.refdata._text import search_args
from medbill.refdata._types import CodeRecord, Hit

SYSTEMS: tuple[str, ...] = ("icd10cm", "hcpcs", "cpt", "modifier", "pos", "carc", "rarc", "npi", "taxonomy")
SEARCHABLE: tuple[str, ...] = ("icd10cm", "hcpcs", "cpt", "modifier")
# Systems with official files to import (``medbill data import SYSTEM PATH``), code sets and tables.
IMPORTABLE: tuple[str, ...] = (
    "icd10cm",
    "hcpcs",
    "cpt",
    "taxonomy",
    "pfs",
    "ncci",
    "mue",
    "mce",
    "carc",
    "rarc",
)


def system_module(system: str) -> ModuleType:
    """The module of a code system; ``InvalidArgument`` (a ValueError) naming the systems for anything else."""
    if not isinstance(system, str) or system not in SYSTEMS:
        raise InvalidArgument(f"Unknown code system {system!r:.60}; choose one of: {', '.join(SYSTEMS)}.")
    match system:
        case "icd10cm":
            from medbill.refdata import icd10cm

            return icd10cm
        case "hcpcs":
            from medbill.refdata import hcpcs

            return hcpcs
        case "cpt":
            from medbill.refdata import cpt

            return cpt
        case "modifier":
            from medbill.refdata import modifiers

            return modifiers
        case "pos":
            from medbill.refdata import pos

            return pos
        case "carc":
            from medbill.refdata import carc

            return carc
        case "rarc":
            from medbill.refdata import rarc

            return rarc
        case "npi":
            from medbill.refdata import npi

            return npi
        case "taxonomy":
            from medbill.refdata import taxonomy

            return taxonomy
        case _:
            raise ValueError(f"Unknown code system {system!r}; choose one of: {', '.join(SYSTEMS)}.")


def importer(system: str) -> Callable[[Path], store.Provenance]:
    """The function that imports one official file or folder of ``system``."""
    if not isinstance(system, str):
        raise InvalidArgument(
            f"The system to import is named by text ({', '.join(IMPORTABLE)}), not {system!r}."
        )
    match system:
        case "icd10cm":
            from medbill.refdata.icd10cm import importer as icd10cm_importer

            return icd10cm_importer.import_release
        case "hcpcs":
            from medbill.refdata import hcpcs

            return hcpcs.import_release
        case "cpt":
            from medbill.refdata import cpt

            return cpt.import_descriptors
        case "taxonomy":
            from medbill.refdata import taxonomy

            return taxonomy.import_release
        case "pfs":
            from medbill.refdata import pfs

            return pfs.import_release
        case "ncci":
            from medbill.refdata import ncci

            return ncci.import_release
        case "mue":
            from medbill.refdata import mue

            return mue.import_release
        case "mce":
            from medbill.refdata import mce

            return mce.import_release
        case "carc":
            from medbill.refdata import carc

            return carc.import_release
        case "rarc":
            from medbill.refdata import rarc

            return rarc.import_release
        case _:
            from medbill.exceptions import DataNotAvailable

            raise DataNotAvailable(
                f"Unknown system {system!r} for import; choose one of: {', '.join(IMPORTABLE)}."
            )


def import_file(system: str, path: str | Path, *, force: bool = False) -> store.Provenance:
    """Import an official release file (or folder) of ``system`` atomically; see :data:`IMPORTABLE`.
    A PFS folder may hold several quarterly releases: this returns the newest (see :func:`import_all`).
    Refuses what looks truncated unless ``force`` (see :func:`medbill.refdata.store.guarded`)."""
    fn = importer(system) if isinstance(system, str) else importer("")
    with store.guarded(path, force, f"{system} release file or folder") as checked:
        return fn(checked)


def import_all(system: str, path: str | Path, *, force: bool = False) -> list[store.Provenance]:
    """Every release one file or folder installs (a PFS folder: one per PPRRVU file), oldest first."""
    if isinstance(system, str) and system == "pfs":
        from medbill.refdata.pfs import import_releases

        with store.guarded(path, force, "folder of CMS PFS files") as checked:
            return import_releases(checked)
    return [import_file(system, path, force=force)]


def lookup(code: str, system: str = "icd10cm", on: date | None = None) -> CodeRecord:
    """Look ``code`` up in ``system``; raises ``UnknownCode`` / ``InvalidFormat`` as the system does."""
    return system_module(system).lookup_record(code, on=on)


def search(
    text: str, systems: tuple[str, ...] | list[str] | None = None, limit: int = 20, on: date | None = None
) -> list[Hit]:
    """Ranked search across systems: by score, then system order in ``SEARCHABLE``, then code."""
    text, limit = search_args(text, limit)
    if isinstance(systems, str):
        systems = [systems]
    if systems is not None and not (
        isinstance(systems, (list, tuple)) and all(isinstance(s, str) for s in systems)
    ):
        raise InvalidArgument(
            f"systems must be a list of system names such as ['icd10cm'], got {systems!r:.60}."
        )
    chosen = list(systems) if systems else list(SEARCHABLE)
    hits: list[Hit] = []
    for system in chosen:
        hits.extend(system_module(system).search_hits(text, limit, on=on))
    order = {s: i for i, s in enumerate(SEARCHABLE)}
    hits.sort(key=lambda h: (-h.score, order.get(h.system, len(order)), h.code))
    return hits[:limit]


@dataclasses.dataclass(frozen=True)
class Detected:
    """The system a code was taken to belong to, and why (``note``) when its shape fits several."""

    system: str
    note: str | None = None


# Shapes only one system writes; anything else is read as ICD-10-CM.
_ONLY = (
    (re.compile(r"[0-9]{10}"), "npi"),
    (re.compile(r"[0-9]{5}|[0-9]{4}[AFMTU]"), "cpt"),
    (re.compile(r"[0-9]{3}[0-9A-Z]{6}X"), "taxonomy"),
)
# A letter and four digits is a HCPCS Level II code and also an ICD-10-CM code without its dot
# (G0008 / G00.08): the code sets themselves decide.
_HCPCS_OR_ICD = re.compile(r"[A-V][0-9]{4}")


def detect_system(code: str, on: date | None = None) -> Detected:
    """The code system a code's shape names: NPI (ten digits), CPT (five digits, or four and
    A/F/M/T/U), NUCC taxonomy (ten characters ending in X), else ICD-10-CM. A letter and four digits
    fits both HCPCS Level II and ICD-10-CM: the system that holds the code wins; when both or
    neither do, ICD-10-CM, with a note saying so."""
    text = code.strip().upper() if isinstance(code, str) else ""
    for shape, system in _ONLY:
        if shape.fullmatch(text):
            return Detected(system)
    if not _HCPCS_OR_ICD.fullmatch(text):
        return Detected("icd10cm")
    holds = [s for s in ("icd10cm", "hcpcs") if _holds(s, text, on)]
    icd = f"{text[:3]}.{text[3:]}"
    if holds == ["hcpcs"]:
        return Detected("hcpcs", f"{text} is read as HCPCS Level II: ICD-10-CM has no code {icd}.")
    both = "both hold a code so written" if holds else "neither holds it"
    return Detected(
        "icd10cm",
        f"{text} could be HCPCS Level II {text} or ICD-10-CM {icd} ({both}); read as ICD-10-CM. "
        "Pass --system hcpcs for the HCPCS code.",
    )


def _holds(system: str, code: str, on: date | None) -> bool:
    try:
        lookup(code, system=system, on=on)
    except (MedbillError, ValueError):
        return False
    return True


def embedded_releases() -> list[store.Provenance]:
    """Releases that ship inside medbill or its dependencies (no import needed)."""
    out: list[store.Provenance] = []
    for system in SYSTEMS:
        module = system_module(system)
        if hasattr(module, "embedded_releases"):
            out.extend(module.embedded_releases())
    return out


def releases(system: str | None = None) -> list[store.Provenance]:
    """Embedded and imported releases, optionally of one system."""
    if system is not None and not isinstance(system, str):
        raise InvalidArgument(f"system must be a system name such as 'icd10cm', got {system!r:.60}.")
    found = embedded_releases() + store.installed()
    return [p for p in found if system is None or p.system == system]
