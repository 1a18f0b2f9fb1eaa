"""Read FHIR R4 resources from Bundle JSON files, single-resource JSON files and bulk NDJSON.

A plain ``json`` reader, not ``fhir.resources``: validating every resource with pydantic costs about
ten times the parse, and the worklist needs a dozen fields per resource. Lines that cannot be read
are kept as skipped rows with their reason; a file that is not FHIR at all is an error.
"""

from __future__ import annotations

import contextlib
import gc
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from medbill.exceptions import ImportFailed

FHIR_SUFFIXES = (".json", ".ndjson")


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for the block, restoring it after (even on error).

    Parsing allocates millions of dicts and lists, and each allocation burst makes the collector walk
    every row and resource kept so far again: with it running, loading 10,000 encounters took 2.3x
    the CPU (``benchmarks/bench_fhir.py``). Parsed JSON holds no reference cycles, so reference
    counting frees it without the collector.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def fhir_files(path: str | Path) -> tuple[list[Path], list[Path]]:
    """The FHIR files under ``path`` (a file or a folder) and the other files that were ignored."""
    path = Path(path)
    if not path.exists():
        raise ImportFailed(f"{path} does not exist; give a FHIR Bundle JSON file, an NDJSON file or a folder")
    if path.is_file():
        return [path], []
    files = sorted(p for p in path.rglob("*") if p.is_file())
    used = [p for p in files if p.suffix.lower() in FHIR_SUFFIXES]
    if not used:
        raise ImportFailed(
            f"{path} holds no .json or .ndjson file; give a folder of FHIR R4 Bundles or bulk NDJSON"
        )
    return used, [p for p in files if p not in used]


def read_resources(path: Path) -> Iterator[tuple[str, dict[str, Any] | None, str]]:
    """Yield ``(where, resource, problem)`` for each resource in one file; ``resource`` is None when
    the line could not be read and ``problem`` says why."""
    if path.suffix.lower() == ".ndjson":
        with path.open(encoding="utf-8") as handle:
            for number, line in enumerate(handle, 1):
                if not line.strip():
                    continue
                where = f"{path.name}:{number}"
                try:
                    resource = json.loads(line)
                except json.JSONDecodeError as exc:
                    yield where, None, f"broken JSON line: {exc.msg}"
                    continue
                if not isinstance(resource, dict) or "resourceType" not in resource:
                    yield where, None, "not a FHIR resource (no resourceType)"
                    continue
                yield where, resource, ""
        return
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ImportFailed(f"{path} is not JSON ({exc}); give FHIR R4 Bundle JSON or bulk NDJSON") from None
    if not isinstance(document, dict) or "resourceType" not in document:
        raise ImportFailed(f"{path} is not FHIR: no resourceType; give a FHIR R4 Bundle or resource")
    if document["resourceType"] != "Bundle":
        yield path.name, document, ""
        return
    for index, entry in enumerate(document.get("entry") or []):
        resource = entry.get("resource") if isinstance(entry, dict) else None
        where = f"{path.name}#entry{index}"
        if not isinstance(resource, dict) or "resourceType" not in resource:
            yield where, None, "Bundle entry without a resource"
            continue
        yield where, resource, ""


def reference_id(ref: Any) -> str:
    """The id a reference points to: ``urn:uuid:X``, ``Patient/X`` -> ``X``; a conditional reference
    (``Practitioner?identifier=SYSTEM|VALUE``) -> ``VALUE``; '' when absent."""
    text = str(ref.get("reference") or "") if isinstance(ref, dict) else ""
    if not text:
        return ""
    if text.startswith("urn:uuid:"):
        return text[len("urn:uuid:") :]
    if "?identifier=" in text:
        return text.rsplit("|", 1)[-1]
    return text.rsplit("/", 1)[-1]
