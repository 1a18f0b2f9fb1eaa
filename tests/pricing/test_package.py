"""The pricing package's public surface."""

from __future__ import annotations

import subprocess
import sys

import medbill.pricing


def test_all_lists_the_public_names():
    public = {n for n in vars(medbill.pricing) if not n.startswith("_")}
    modules = {"contracts", "explain", "patient", "pfs", "pfs_batch", "rules"}
    assert set(medbill.pricing.__all__) == public - modules


def test_import_reads_no_data(tmp_path):
    # An empty MEDBILL_HOME: importing must not look for an imported fee schedule.
    code = "import medbill.pricing, medbill.pricing.pfs; print('ok')"
    env = {"MEDBILL_HOME": str(tmp_path / "none"), "PATH": ""}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert done.stdout.strip() == "ok", done.stderr
    assert not (tmp_path / "none").exists()
