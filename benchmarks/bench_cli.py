"""``medbill`` command start-up, measured in fresh processes beside its baselines in the same run.

Run: ``.venv/bin/python benchmarks/bench_cli.py``. Prints the median wall time of RUNS fresh
processes for: ``python -c pass`` (the interpreter alone), ``medbill --help``, a warm
``medbill codes lookup E11.9 --json`` (compiled cache built by one run before timing) and
``python -c "import simple_icd_10_cm"``; then the two ratios with their targets:
``--help`` within 4x of ``python -c pass``, the lookup at least 10x faster than importing
simple_icd_10_cm. MEDBILL_HOME is a temporary folder, so the user's own caches are not touched.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RUNS = 7


def _medbill() -> list[str]:
    """The console script installed beside this interpreter, else ``python -m medbill``."""
    script = Path(sys.executable).with_name("medbill")
    return [str(script)] if script.is_file() else [sys.executable, "-m", "medbill"]


def median_seconds(command: list[str], env: dict[str, str]) -> float:
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    home = tempfile.mkdtemp(prefix="medbill-bench-cli-")
    env = {**os.environ, "MEDBILL_HOME": home}
    lookup = [*_medbill(), "codes", "lookup", "E11.9", "--json"]
    try:
        subprocess.run(lookup, env=env, check=True, stdout=subprocess.DEVNULL)  # builds the cache
        figures = {
            "python -c pass": median_seconds([sys.executable, "-c", "pass"], env),
            "medbill --help": median_seconds([*_medbill(), "--help"], env),
            "medbill codes lookup E11.9 --json (warm)": median_seconds(lookup, env),
            "python -c 'import simple_icd_10_cm'": median_seconds(
                [sys.executable, "-c", "import simple_icd_10_cm"], env
            ),
        }
    finally:
        shutil.rmtree(home, ignore_errors=True)
    print(f"median of {RUNS} fresh processes each:")
    for label, seconds in figures.items():
        print(f"  {label:<44} {seconds:6.3f} s")
    bare, help_, warm, baseline = figures.values()
    print(f"medbill --help / python -c pass: {help_ / bare:.1f}x (target: within 4x)")
    print(f"import simple_icd_10_cm / warm lookup: {baseline / warm:.1f}x faster (target: at least 10x)")


if __name__ == "__main__":
    main()
