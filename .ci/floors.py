"""Print pip constraints pinning every dependency of medbill (core and the given extras) to its floor.

    python .ci/floors.py test > floors.txt
    pip install -c floors.txt ".[test]"

Each requirement's lowest allowed version is its ``>=`` (or ``==``) bound; a requirement without
one is left free. CI installs these into a fresh environment and runs a fast subset, so the floors
in pyproject.toml are tested rather than hoped for.
"""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[1]


def floors(extras: list[str]) -> list[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    requirements = list(project["dependencies"])
    for extra in extras:
        requirements += project["optional-dependencies"][extra]
    pins = []
    for text in requirements:
        req = Requirement(text)
        lowest = [s.version for s in req.specifier if s.operator in (">=", "==")]
        if req.name != "medbill" and lowest:
            pins.append(f"{req.name}=={lowest[0]}")
    return sorted(set(pins))


if __name__ == "__main__":
    print("\n".join(floors(sys.argv[1:])))
