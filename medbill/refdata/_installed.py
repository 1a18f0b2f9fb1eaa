"""``store.installed(system)`` memoised until the system's folder changes.

Listing reads every manifest; lookups ask for the installed releases on each call, so the list is
kept and refreshed when the folder's modification time moves (installs rename release folders
into it, which updates that time).
"""

from __future__ import annotations

import threading

from medbill.refdata import store
from medbill.refdata._home import data_dir

_cache: dict[str, tuple[int, list[store.Provenance]]] = {}
_lock = threading.Lock()


def installed(system: str) -> list[store.Provenance]:
    folder = data_dir() / system
    try:
        stamp = folder.stat().st_mtime_ns
    except FileNotFoundError:
        return []
    key = str(folder)
    with _lock:
        hit = _cache.get(key)
        if hit is not None and hit[0] == stamp:
            return hit[1]
    found = store.installed(system)
    with _lock:
        _cache[key] = (stamp, found)
    return found
