"""The pandas accessors ``Series.icd``, ``Series.proc`` and ``Series.modifier``, registered without
hooking the import system.

Registering means importing the three accessor modules, which import pandas; medbill never imports
pandas just for that (it costs half a second a scalar lookup does not need). So they are registered
as soon as both medbill and pandas are in the process, at the first of these moments:

- ``import medbill`` (or any ``medbill.*`` import) when pandas is already imported;
- the first use of the root API (``medbill.read_claims``, ``medbill.scrub`` ...) after pandas is imported;
- importing an accessor's own module (``medbill.refdata.icd10cm`` when pandas is loaded,
  ``medbill.refdata.procedures``, ``medbill.refdata.modifiers``);
- :func:`register_accessors`, for the one order nothing above covers: ``import medbill`` first,
  then ``import pandas``, and no medbill call before using ``.icd``.
"""

from __future__ import annotations

import sys


def register_accessors() -> None:
    """Register ``Series.icd``, ``Series.proc`` and ``Series.modifier`` (imports pandas)."""
    import medbill.refdata.icd10cm.accessor
    import medbill.refdata.modifiers
    import medbill.refdata.procedures  # noqa: F401  (each module registers its accessor on import)


def register_if_pandas_loaded() -> None:
    """:func:`register_accessors` when pandas is already imported; otherwise nothing."""
    if "pandas" in sys.modules:
        register_accessors()
