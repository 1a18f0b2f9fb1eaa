"""``medbill data import icd10cm PATH`` with the CDC April 2025 release (FY2025) from the shared data."""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import pytest

from medbill.cli import main
from medbill.exceptions import ImportFailed
from medbill.refdata import icd10cm, store
from medbill.refdata.icd10cm.importer import import_release

APRIL_2025 = "cdc/icd10cm/april-2025/icd10cm-tabular-April-2025.xml"


@pytest.fixture(scope="module")
def april_2025(shared_data) -> Path:
    return shared_data(APRIL_2025)


@pytest.fixture(scope="module")
def warm_cache(april_2025: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A compiled cache of the April 2025 file, parsed once for the module (parsing takes seconds)."""
    home = tmp_path_factory.mktemp("warm")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MEDBILL_HOME", str(home))
        import_release(april_2025)
    return home / "cache"


@pytest.fixture
def fresh_home(fresh_home: Path, warm_cache: Path) -> Path:
    """An empty MEDBILL_HOME (no release installed) whose compiled cache is already warm."""
    shutil.copytree(warm_cache, fresh_home / "cache")
    return fresh_home


def test_import_parses_and_installs_in_an_empty_home(april_2025: Path, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("MEDBILL_HOME", str(tmp_path / "cold"))  # no compiled cache: a real parse
    prov = import_release(april_2025)
    assert (prov.release, prov.rows) == ("FY2025", 74_260)
    assert (store.release_dir("icd10cm", "FY2025") / "tabular.xml").read_bytes() == april_2025.read_bytes()


def test_import_by_cli_gives_cdc_count_and_notes(april_2025: Path, fresh_home: Path, capsys) -> None:
    assert main(["data", "import", "icd10cm", str(april_2025.parent), "--json"]) == 0
    prov = json.loads(capsys.readouterr().out)
    assert (prov["release"], prov["rows"], prov["effective_from"]) == ("FY2025", 74_260, "2024-10-01")
    rel = icd10cm.release("FY2025")
    assert len(rel.billable_codes) == 74_260
    assert rel.provenance.source == april_2025.name  # the import replaced the embedded FY2025
    assert "April 1 update" in rel.provenance.note
    assert ("inclusion", "Asthma NOS") in [(n.kind, n.text) for n in rel.notes("J45.909")]
    assert icd10cm.is_billable("E11.A", on="2025-09-30") is False
    assert icd10cm.is_billable("E11.9", on="2025-09-30") is True


def test_same_file_again_is_a_no_op(april_2025: Path, fresh_home: Path) -> None:
    first = import_release(april_2025)
    manifest = store.release_dir("icd10cm", "FY2025") / "manifest.json"
    stamp = manifest.stat().st_mtime_ns
    assert import_release(april_2025) == first
    assert manifest.stat().st_mtime_ns == stamp


def test_import_from_zip(april_2025: Path, fresh_home: Path, tmp_path: Path) -> None:
    archive = tmp_path / "icd10cm-table-index-April-2025.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(april_2025, f"Table and Index/{april_2025.name}")
        zf.writestr("Table and Index/icd10cm-index-April-2025.xml", "<ICD10CM.index/>")
    prov = import_release(archive)
    assert prov.rows == 74_260 and april_2025.name in prov.source


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda raw: raw[: len(raw) // 20], "not a readable"),  # truncated
        (lambda raw: b"", "not a readable"),  # empty file
        (lambda raw: b"<html>not xml", "not a readable"),  # not XML at all
        (lambda raw: b"<?xml version='1.0'?><other/>", "ICD10CM.tabular"),  # wrong document
        (lambda raw: raw.replace(b"<version>2025</version>", b"<version>x</version>", 1), "version"),
    ],
)
def test_bad_files_fail_and_leave_installed_data_untouched(
    april_2025: Path, fresh_home: Path, tmp_path: Path, make, match: str
) -> None:
    import_release(april_2025)
    before = store.installed("icd10cm")
    bad = tmp_path / "icd10cm-tabular-April-2025-broken.xml"
    bad.write_bytes(make(april_2025.read_bytes()))
    with pytest.raises(ImportFailed, match=match) as info:
        import_release(bad)
    assert bad.name in str(info.value)
    assert store.installed("icd10cm") == before
    assert len(icd10cm.release("FY2025").billable_codes) == 74_260


@pytest.mark.parametrize(
    "setup",
    [
        "missing",  # path does not exist
        "empty_folder",  # folder without a tabular file
    ],
)
def test_unusable_paths(setup: str, fresh_home: Path, tmp_path: Path) -> None:
    path = tmp_path / "nothing-here"
    if setup == "empty_folder":
        path.mkdir()
    with pytest.raises(ImportFailed, match="nothing-here"):
        import_release(path)
    assert store.installed("icd10cm") == []
