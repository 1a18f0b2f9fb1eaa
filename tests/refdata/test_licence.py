"""Licence guard: no CPT descriptor (AMA text) from CMS's relative value file is in the repository.

Reads the CPT rows of the shared PFS file at run time and searches every file ``git ls-files``
lists. Long descriptors are searched as substrings anywhere; every descriptor is checked against
each CSV/YAML cell and label in the package data, where short ones could hide as whole values.
"""

from __future__ import annotations

import csv
import io
import re
import subprocess
from pathlib import Path

import pandas as pd
import pytest

from medbill.refdata import cpt

ROOT = Path(__file__).resolve().parents[2]

PFS = "cms/pfs/2025/PPRRVU2025_Oct.csv"
# Descriptors at least this long are distinctive enough to search for as substrings; shorter ones
# ("Chest x-ray") are ordinary words and are checked as whole cells only.
SUBSTRING_MIN = 20
WINDOW = 12


def _cpt_descriptors(path) -> set[str]:
    text = path.read_text(encoding="cp1252")
    df = pd.read_csv(
        io.StringIO(text[text.index("HCPCS,MOD,DESCRIPTION") :]), dtype=str, keep_default_na=False
    )
    cpt_rows = df["HCPCS"].str.fullmatch(cpt.FORMAT)
    return {d.strip().lower() for d in df.loc[cpt_rows, "DESCRIPTION"] if d.strip()}


def _tracked_texts() -> dict[str, str]:
    names = (
        subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True)
        .stdout.decode()
        .split("\0")
    )
    texts = {}
    for name in filter(None, names):
        path = ROOT / name
        if not path.is_file() or path.stat().st_size > 5_000_000:
            continue
        raw = path.read_bytes()
        if b"\0" in raw[:4096]:
            continue  # binary
        texts[name] = raw.decode("utf-8", errors="replace").lower()
    return texts


@pytest.fixture(scope="module")
def descriptors(shared_data) -> set[str]:
    found = _cpt_descriptors(shared_data(PFS))
    assert len(found) > 5000  # the file really was read
    return found


def _hits(texts: dict[str, str], descriptors: set[str]) -> list[tuple[str, str]]:
    """(file, descriptor) for every long descriptor found in a text."""
    # Prefilter: the WINDOW characters from the descriptor's first letter or digit must occur at a
    # word start in the file; only then search for the whole descriptor.
    by_head: dict[str, list[str]] = {}
    for d in descriptors:
        start = re.search(r"[a-z0-9]", d)
        if len(d) >= SUBSTRING_MIN and start:
            by_head.setdefault(d[start.start() : start.start() + WINDOW], []).append(d)
    hits = []
    for name, text in texts.items():
        windows = {text[m.start() : m.start() + WINDOW] for m in re.finditer(r"\b[a-z0-9]", text)}
        for head in windows & by_head.keys():
            hits += [(name, d) for d in by_head[head] if d in text]
    return hits


def test_the_search_finds_a_planted_descriptor(descriptors: set[str]) -> None:
    planted = sorted(d for d in descriptors if len(d) >= SUBSTRING_MIN)[100]
    texts = {"clean.py": "x = 1\n", "leak.csv": f"99999,({planted}),x\n"}
    assert _hits(texts, descriptors) == [("leak.csv", planted)]


def test_no_long_cpt_descriptor_in_any_tracked_file(descriptors: set[str]) -> None:
    texts = _tracked_texts()
    assert "medbill/_data/cpt_labels.csv" in texts
    assert _hits(texts, descriptors) == []


def test_no_cpt_descriptor_as_a_whole_value_in_package_data(descriptors: set[str]) -> None:
    data_dir = ROOT / "medbill" / "_data"
    cells = []
    for path in data_dir.rglob("*"):
        if path.suffix in {".csv", ".tsv"}:
            with open(path, newline="", encoding="utf-8") as f:
                cells += [(path.name, c.strip().lower()) for row in csv.reader(f) for c in row]
        elif path.suffix in {".yaml", ".yml", ".json", ".txt"}:
            cells += [(path.name, line.strip(" -:'\"\t").lower()) for line in path.read_text().splitlines()]
    clashes = [(name, c) for name, c in cells if c and c in descriptors]
    assert clashes == []


def test_labels_are_marked_as_ours() -> None:
    assert set(cpt.labels()["label_source"]) == {"medbill plain-language label"}
