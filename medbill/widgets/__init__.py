"""ipywidgets front ends over medbill: thin, every computation is a call into the package.

- ``CodeSearch``: search-as-you-type across code systems with a detail pane.
- ``EncounterCoder``: code one encounter with live scrub findings and expected payment.
- ``ClaimExplorer``: filters over claims tables with a linked plotly chart and table.
- ``RemittanceViewer``: an 835 as tables, adjustments explained, posted against the claims.
- ``WorklistWidget``: work the follow-up worklist: filter, open a claim, mark its action done.

Names load on first use, so ``import medbill.widgets`` does not import plotly.
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = ["ClaimExplorer", "CodeSearch", "EncounterCoder", "RemittanceViewer", "WorklistWidget"]

_MODULES = {
    "CodeSearch": "medbill.widgets.code_search",
    "EncounterCoder": "medbill.widgets.encounter",
    "ClaimExplorer": "medbill.widgets.claim_explorer",
    "RemittanceViewer": "medbill.widgets.remittance_viewer",
    "WorklistWidget": "medbill.widgets.worklist",
}


def __getattr__(name: str) -> Any:
    if name in _MODULES:
        return getattr(importlib.import_module(_MODULES[name]), name)
    raise AttributeError(f"module 'medbill.widgets' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
