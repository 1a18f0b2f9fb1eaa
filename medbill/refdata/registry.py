"""One entry point across code systems: lookup, search and releases by system name.

Each system module listed in ``SYSTEMS`` provides:

- ``lookup_record(code, on=None) -> CodeRecord`` (raises the guide's errors),
- ``search_hits(text, limit, on=None) -> list[Hit]`` where the system is searchable,
- ``embedded_releases() -> list[Provenance]`` for data shipped with medbill or its dependencies.
"""

from __future__ import annotations

import importlib
from datetime import date
from types import ModuleType

from medbill.exceptions import InvalidArgument
from medbill.refdata import store
from medbill.refdata._text import search_args
from medbill.refdata._types import CodeRecord, Hit

SYSTEMS: dict[str, str] = {
    "icd10cm": "medbill.refdata.icd10cm",
    "hcpcs": "medbill.refdata.hcpcs",
    "cpt": "medbill.refdata.cpt",
    "modifier": "medbill.refdata.modifiers",
    "pos": "medbill.refdata.pos",
    "carc": "medbill.refdata.carc",
    "rarc": "medbill.refdata.rarc",
    "npi": "medbill.refdata.npi",
    "taxonomy": "medbill.refdata.taxonomy",
}

SEARCHABLE: tuple[str, ...] = ("icd10cm", "hcpcs", "cpt", "modifier")


def system_module(system: str) -> ModuleType:
    if not isinstance(system, str) or system not in SYSTEMS:
        raise InvalidArgument(f"Unknown code system {system!r:.60}; choose one of: {', '.join(SYSTEMS)}.")
    return importlib.import_module(SYSTEMS[system])


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
