"""Which pip extra brings each optional package, so a missing one is named with the fix.

The core (``pip install medbill``) covers code sets, claims, X12, scrubbing, pricing, synth and
analytics; reports, JupyterLab widgets, the Voila app and FHIR need an extra (see pyproject.toml).
"""

from __future__ import annotations

import importlib.util

from medbill.exceptions import MissingExtra

# Top-level import name -> the extra of pyproject.toml that installs it.
EXTRA_OF = {
    "papermill": "reports",
    "nbconvert": "reports",
    "nbformat": "reports",
    "nbclient": "reports",
    "plotly": "reports",
    "ipykernel": "reports",
    "IPython": "reports",
    "ipywidgets": "lab",
    "jupyterlab": "lab",
    "voila": "app",
    "fhir": "fhir",
    "dask": "dask",
    "distributed": "dask",
}


def _missing(module: str, extra: str) -> MissingExtra:
    return MissingExtra(
        f"{module} is not installed; it comes with medbill's {extra!r} extra: pip install 'medbill[{extra}]'"
    )


def missing_extra(exc: ModuleNotFoundError) -> MissingExtra | None:
    """The MissingExtra for ``exc`` when it is an optional package of medbill, else None."""
    top = (exc.name or "").partition(".")[0]
    return _missing(top, EXTRA_OF[top]) if top in EXTRA_OF else None


def require(module: str, extra: str | None = None) -> None:
    """Raise MissingExtra unless ``module`` can be imported (imports nothing); ``extra`` names the
    extra to install when it is not the module's usual one (EXTRA_OF)."""
    if importlib.util.find_spec(module) is None:
        raise _missing(module, extra or EXTRA_OF[module])
