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
    "tqdm": "reports",
    "ipywidgets": "lab",
    "jupyterlab": "lab",
    "voila": "app",
    "fhir": "fhir",
}


def missing_extra(exc: ModuleNotFoundError) -> MissingExtra | None:
    """The MissingExtra for ``exc`` when it is an optional package of medbill, else None."""
    top = (exc.name or "").partition(".")[0]
    extra = EXTRA_OF.get(top)
    if extra is None:
        return None
    return MissingExtra(
        f"{top} is not installed; it comes with medbill's {extra!r} extra: pip install 'medbill[{extra}]'"
    )


def require(module: str) -> None:
    """Raise MissingExtra unless ``module`` (a key of EXTRA_OF) can be imported; imports nothing."""
    if importlib.util.find_spec(module) is None:
        error = missing_extra(ModuleNotFoundError(name=module))
        raise error if error else ModuleNotFoundError(f"No module named {module!r}", name=module)
