"""What the benchmarks comparing this checkout with a baseline revision share: the baseline as a
temporary git worktree, child processes run with one tree first on the path, runs alternated so
that machine noise hits both trees alike, and a process's own memory figures."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


@contextlib.contextmanager
def baseline_tree(revision: str, folder: Path) -> Iterator[Path]:
    """``revision`` checked out at ``folder/baseline`` for the block, removed afterwards."""
    tree = folder / "baseline"
    subprocess.run(
        ["git", "-C", str(ROOT), "worktree", "add", "--detach", str(tree), revision],
        check=True,
        capture_output=True,
    )
    try:
        yield tree
    finally:
        subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(tree)], check=False)


def run_child(script: Path, tree: Path, home: str, *args: str) -> str:
    """``script args`` in a fresh process with ``tree`` first on the path and ``MEDBILL_HOME=home``;
    its stdout."""
    env = {**os.environ, "PYTHONPATH": str(tree), "MEDBILL_HOME": home}
    done = subprocess.run(
        [sys.executable, str(script), *args], env=env, capture_output=True, text=True, cwd=tree
    )
    if done.returncode:
        raise SystemExit(f"child {args[:2]} on {tree} failed:\n{done.stderr[-3000:]}")
    return done.stdout


def alternated(rounds: int) -> Iterator[tuple[int, str]]:
    """(round, "new" or "old"): new first in even rounds, old first in odd ones."""
    for r in range(rounds):
        for name in ("new", "old") if r % 2 == 0 else ("old", "new"):
            yield r, name


def memory_mb(field: str = "VmHWM") -> float:
    """This process's ``VmHWM`` (peak resident set: unlike ``ru_maxrss`` not inherited across fork
    and exec) or ``VmRSS`` (resident now) in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    raise SystemExit(f"{field} is not in /proc/self/status: this benchmark needs Linux")
