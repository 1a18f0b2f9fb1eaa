"""Installs and caches under damage (issue 22): truncated downloads, corrupt caches, read-only or
unwritable homes, concurrent installs, imports killed midway, and the CLI's exit codes."""

from __future__ import annotations

import multiprocessing
import os
import pickle
import shutil
import zipfile
from datetime import date
from pathlib import Path

import pytest

import medbill
from medbill import cli
from medbill.exceptions import DataNotAvailable, ImportFailed
from medbill.refdata import _truncation, cpt, registry, store
from medbill.refdata._home import cache_dir

RVU_2025 = "cms/pfs/2025/PPRRVU2025_Oct.csv"


def _head_lines(source: Path, target: Path, share: float) -> Path:
    lines = source.read_bytes().splitlines(keepends=True)
    target.write_bytes(b"".join(lines[: int(len(lines) * share)]))
    return target


# --------------------------------------------------------------------------- exit codes


def test_internal_error_exits_3_with_one_line(monkeypatch, capsys):
    def boom(args):
        raise RuntimeError("something medbill did not expect")

    parser = cli.build_parser()
    args = parser.parse_args(["data", "list"])
    monkeypatch.setattr(cli, "build_parser", lambda *a: _Fixed(args, boom))
    assert cli.main([]) == cli.EXIT_INTERNAL == 3
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert "internal error: RuntimeError: something medbill did not expect" in err[0]
    assert "report" in err[0]


class _Fixed:
    """A parser stand-in returning fixed arguments whose command is ``func``."""

    def __init__(self, args, func):
        args.func = func
        self.args = args

    def parse_args(self, argv):
        return self.args


@pytest.mark.parametrize(
    "argv, code",
    [
        (["data", "list"], 0),  # clean
        (["data", "import", "ncci", "/nowhere/ncci.txt"], 2),  # bad input: missing file
    ],
)
def test_exit_codes(fresh_home, argv, code):
    assert cli.main(argv) == code


def test_usage_error_exits_2():
    with pytest.raises(SystemExit) as exc:
        cli.main(["data", "import", "no-such-system", "x"])
    assert exc.value.code == 2


# --------------------------------------------------------------------------- truncated downloads


def test_truncated_cpt_import_refused_and_installed_release_kept(shared_data, fresh_home, tmp_path, capsys):
    full = shared_data(RVU_2025)
    assert cli.main(["data", "import", "cpt", str(full)]) == 0
    before = store.installed("cpt")
    assert [p.rows for p in before] == [10_880]

    cut = tmp_path / "PPRRVU2025_Oct.csv"
    cut.write_bytes(full.read_bytes()[:100_000])  # the first 100 KB: the last record is cut off
    assert cli.main(["data", "import", "cpt", str(cut)]) == 2
    assert "looks truncated" in capsys.readouterr().err
    (tmp_path / "half").mkdir()
    half = _head_lines(full, tmp_path / "half" / full.name, 0.5)
    assert cli.main(["data", "import", "cpt", str(half)]) == 2  # whole lines, but half the rows
    assert "looks like a truncated or partial file" in capsys.readouterr().err
    assert store.installed("cpt") == before
    assert cpt.lookup("99213").release == before[0].release

    assert cli.main(["data", "import", "cpt", str(half), "--force"]) == 0
    assert store.installed("cpt")[0].rows < 10_880 * store.MIN_ROW_SHARE


def test_half_pfs_file_refused_and_99213_still_priced(shared_data, fresh_home, tmp_path):
    from medbill.pricing.pfs import FeeSchedule

    pfs_dir = shared_data(RVU_2025).parent
    registry.import_file("pfs", pfs_dir)
    half_dir = tmp_path / "pfs"
    half_dir.mkdir()
    for name in ("GPCI2025.csv", "25LOCCO.csv", "ANES2025.csv", "OPPSCAP_Oct.csv"):
        shutil.copy(pfs_dir / name, half_dir)
    _head_lines(pfs_dir / "PPRRVU2025_Oct.csv", half_dir / "PPRRVU2025_Oct.csv", 0.5)
    with pytest.raises(ImportFailed, match=r"9,5\d\d rows.*19,090"):
        registry.import_file("pfs", half_dir)
    assert {p.release: p.rows for p in store.installed("pfs")}["RVU25D"] == 19_090
    assert FeeSchedule.load("RVU25D").price("99213", locality="15202-00").amount > 0


@pytest.mark.parametrize(
    "text, cut",
    [
        (b"a,b,c\r\n1,2,3\r\n4,5,6\r\n", False),  # ends with a line break
        (b"a,b,c\n1,2,3\n4,5,6", False),  # no final line break, but a whole record
        (b"a,b,c\n1,2,3\n4,5", True),  # last record lacks a field
        (b'a,b,c\n1,2,"x, y"\n4,5,"x', True),  # ends inside a quoted field
        (b"a\tb\tc\n1\t2\t3\n4\t5", True),  # tab-separated, cut
        (b"AAAA1\nAAAA2\nAAAA3\nAAAA4\nAAAA5\nAAA", True),  # fixed-width records, last one short
        (b"one\ntwo\nthree is longer\nfour", False),  # free text: nothing to compare
    ],
)
def test_check_complete_text(tmp_path, text, cut):
    path = tmp_path / "file.txt"
    path.write_bytes(text)
    if cut:
        with pytest.raises(ImportFailed, match="looks truncated"):
            _truncation.check_complete(path)
    else:
        _truncation.check_complete(path)


def test_check_complete_zip(tmp_path):
    path = tmp_path / "release.zip"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("codes.txt", "A0428 ambulance\n" * 2000)
    _truncation.check_complete(path)
    raw = bytearray(path.read_bytes())
    raw[100] ^= 0xFF  # one flipped byte inside the member
    path.write_bytes(bytes(raw))
    with pytest.raises(ImportFailed, match="looks truncated"):
        _truncation.check_complete(path)


@pytest.mark.parametrize("system", ["ncci", "mue", "mce", "taxonomy", "hcpcs", "cpt", "icd10cm"])
def test_import_of_a_folder_or_missing_file_is_a_medbill_error(fresh_home, tmp_path, system):
    (tmp_path / "empty").mkdir()
    for path in (tmp_path / "empty", tmp_path / "missing.txt"):
        with pytest.raises((ImportFailed, DataNotAvailable)):
            registry.import_file(system, path)


# --------------------------------------------------------------------------- caches


def _built(value):
    calls = []

    def build():
        calls.append(1)
        return value

    return build, calls


def _cache_file(key: str) -> Path:
    return cache_dir() / f"{key}.pickle"


def test_cache_round_trip_then_flipped_byte_rebuilds(fresh_home):
    build, calls = _built({"45": "Charge exceeds fee schedule"})
    assert store.cached("t-flip", build) == {"45": "Charge exceeds fee schedule"}
    assert store.cached("t-flip", build) == {"45": "Charge exceeds fee schedule"}
    assert len(calls) == 1
    raw = bytearray(_cache_file("t-flip").read_bytes())
    raw[-3] ^= 0x01
    _cache_file("t-flip").write_bytes(bytes(raw))
    assert store.cached("t-flip", build) == {"45": "Charge exceeds fee schedule"}
    assert len(calls) == 2


@pytest.mark.parametrize(
    "damage",
    [
        lambda key: _cache_file(key).write_bytes(
            pickle.dumps({"1": "wrong"})
        ),  # a pickle medbill did not write
        lambda key: _cache_file(key).write_bytes(b""),  # empty
        lambda key: _cache_file(key).write_bytes(_cache_file("t-other").read_bytes()),  # another key's cache
    ],
)
def test_foreign_or_misplaced_cache_is_rebuilt_not_unpickled(fresh_home, monkeypatch, damage):
    store.cached("t-other", lambda: {"1": "other"})
    build, calls = _built({"45": "right"})
    store.cached("t-key", build)
    damage("t-key")
    monkeypatch.setattr(pickle, "loads", _refuse_unpickle)  # nothing unverified may reach pickle
    assert store.cached("t-key", build) == {"45": "right"}
    assert len(calls) == 2


def _refuse_unpickle(data):
    raise AssertionError("unpickled a cache whose header did not match")


def test_cache_of_another_medbill_version_is_rebuilt(fresh_home, monkeypatch):
    build, calls = _built([1, 2, 3])
    store.cached("t-version", build)
    monkeypatch.setattr(medbill, "__version__", "99.0")
    assert store.cached("t-version", build) == [1, 2, 3]
    assert len(calls) == 2


def test_flipped_byte_in_icd10cm_cache_does_not_break_lookups(fresh_home):
    from medbill.refdata import icd10cm
    from medbill.refdata.icd10cm import _sources

    first = icd10cm.lookup("E11.9", on=date(2025, 11, 1))
    caches = sorted(cache_dir().glob("icd10cm-*.pickle"))
    assert caches
    for path in caches:
        raw = bytearray(path.read_bytes())
        raw[len(raw) // 2] ^= 0x10
        path.write_bytes(bytes(raw))
    _sources.forget()  # the next lookup reads the (damaged) caches from disk
    assert icd10cm.lookup("E11.9", on=date(2025, 11, 1)) == first
    assert all(store._verified_cache_body(p, p.stem) is not None for p in caches)  # rebuilt


# --------------------------------------------------------------------------- unwritable home


def test_lookups_work_when_the_cache_folder_cannot_be_written(fresh_home, monkeypatch):
    from medbill.refdata import carc

    fresh_home.mkdir()
    (fresh_home / "cache").write_text("not a folder")  # every write below it fails with an OSError
    getattr(carc.table, "cache_clear", lambda: None)()
    assert "fee schedule" in carc.lookup("45")


def test_import_into_a_read_only_home_says_so(fresh_home, monkeypatch, shared_data):
    def denied(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(store.tempfile, "TemporaryFile", denied)
    with pytest.raises(ImportFailed, match="read-only"):
        registry.import_file("cpt", shared_data(RVU_2025))


# --------------------------------------------------------------------------- concurrent installs


def _install_many(home: str, tag: int, rounds: int, errors) -> None:
    os.environ["MEDBILL_HOME"] = home
    for i in range(rounds):
        prov = store.Provenance("demo", "R1", None, None, f"p{tag}", f"{tag}-{i}", rows=100)
        try:
            store.install(prov, lambda folder: (folder / "payload.txt").write_text("x" * 1000))
        except Exception as exc:  # any failure is what the test counts
            errors.put(repr(exc))


def _read_many(home: str, rounds: int, errors) -> None:
    os.environ["MEDBILL_HOME"] = home
    seen = 0
    while seen < rounds:
        path = store.release_dir("demo", "R1") / "payload.txt"
        if not path.parent.exists():
            continue  # not installed yet
        try:
            assert path.read_text() == "x" * 1000
        except Exception as exc:
            errors.put(f"reader: {exc!r}")
        seen += 1


def test_concurrent_installs_of_one_release_never_fail(fresh_home):
    ctx = multiprocessing.get_context("fork")
    errors = ctx.Queue()
    workers = [ctx.Process(target=_install_many, args=(str(fresh_home), n, 30, errors)) for n in range(3)]
    workers.append(ctx.Process(target=_read_many, args=(str(fresh_home), 3000, errors)))
    for w in workers:
        w.start()
    for w in workers:
        w.join(120)
    found = []
    while not errors.empty():
        found.append(errors.get())
    assert found == []
    assert all(w.exitcode == 0 for w in workers)
    assert [p.release for p in store.installed("demo")] == ["R1"]


def test_folders_of_a_killed_import_are_removed_by_the_next(fresh_home):
    ctx = multiprocessing.get_context("fork")
    dead = ctx.Process(target=os._exit, args=(0,))
    dead.start()
    dead.join()
    parent = store.data_dir() / "demo"
    leftover = parent / f".R1.{dead.pid}.abcd1234"
    leftover.mkdir(parents=True)
    (leftover / "payload.txt").write_text("half")
    prov = store.Provenance("demo", "R1", None, None, "p", "sha-1", rows=1)
    store.install(prov, lambda folder: (folder / "payload.txt").write_text("whole"))
    assert not leftover.exists()
    assert (store.release_dir("demo", "R1") / "payload.txt").read_text() == "whole"
    assert [p.name for p in parent.iterdir() if not p.name.startswith(".")] == ["R1"]
