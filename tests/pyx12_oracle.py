"""pyx12, the external oracle for 005010 X12 files (837P, 835), for any test folder to import."""

from __future__ import annotations

_MAP_PICKLES: dict[tuple, bytes] = {}


def _install_map_cache() -> None:
    """pyx12 parses its XML maps on every document (~1 s). Keep each parsed map pickled and hand out
    a fresh unpickled copy per document (~50 ms), so validation state never leaks between documents."""
    import pickle

    import pyx12.map_if

    if getattr(pyx12.map_if.load_map_file, "_medbill_cached", False):
        return
    original = pyx12.map_if.load_map_file

    def load_map_file(map_file, param, map_path=None):  # type: ignore[no-untyped-def]
        key = (map_file, map_path)
        if key not in _MAP_PICKLES:
            _MAP_PICKLES[key] = pickle.dumps(
                original(map_file, param, map_path), protocol=pickle.HIGHEST_PROTOCOL
            )
        return pickle.loads(_MAP_PICKLES[key])

    load_map_file._medbill_cached = True  # type: ignore[attr-defined]
    pyx12.map_if.load_map_file = load_map_file


def pyx12_check(text: str) -> tuple[bool, str]:
    """pyx12's verdict on an X12 text and its JSON error report (the external oracle)."""
    import io

    import pyx12.params
    import pyx12.x12n_document

    _install_map_cache()
    report = io.StringIO()
    ok = pyx12.x12n_document.x12n_document(
        param=pyx12.params.params(),
        src_file=io.StringIO(text),
        fd_997=io.StringIO(),
        fd_html=None,
        fd_json=report,
    )
    return bool(ok), report.getvalue()
