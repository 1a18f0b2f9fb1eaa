"""Register the ``.icd`` pandas accessor without importing pandas here.

Importing pandas costs about half a second, which would dwarf a scalar lookup. If pandas is
already imported, the accessor is registered now; otherwise a one-shot import hook registers it
right after pandas finishes importing.
"""

from __future__ import annotations

import importlib.machinery
import sys
from types import ModuleType


def _register() -> None:
    import medbill.refdata.icd10cm.accessor  # noqa: F401  (registers on import)


class _AfterPandas:
    """A meta path finder (duck-typed: importing ``importlib.abc`` costs more than it saves) that wraps
    the pandas loader so the accessor is registered once pandas is fully imported."""

    def find_spec(self, fullname, path, target=None):  # type: ignore[no-untyped-def]
        if fullname != "pandas":
            return None
        sys.meta_path.remove(self)
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or spec.loader is None:
            return spec
        loader = spec.loader
        exec_module = loader.exec_module

        def exec_then_register(module: ModuleType) -> None:
            exec_module(module)
            _register()

        loader.exec_module = exec_then_register  # type: ignore[method-assign]
        return spec


def install() -> None:
    if "pandas" in sys.modules:
        _register()
    elif not any(isinstance(f, _AfterPandas) for f in sys.meta_path):
        sys.meta_path.insert(0, _AfterPandas())
