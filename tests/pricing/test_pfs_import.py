"""Importing CMS's PFS folder: atomic, idempotent, loud about what is wrong, no CPT descriptors kept."""

from __future__ import annotations

import json
import shutil
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

from medbill.exceptions import DataNotAvailable, ImportFailed
from medbill.pricing.pfs import FeeSchedule
from medbill.refdata import store
from medbill.refdata.pfs import PAYLOAD_FILES, import_release, import_releases, release_of

NEEDED = ("PPRRVU2025_Oct.csv", "GPCI2025.csv", "25LOCCO.csv", "ANES2025.csv", "OPPSCAP_Oct.csv")


def _copy(pfs_dir: Path, target: Path, skip: str = "") -> Path:
    target.mkdir()
    for name in NEEDED:
        if name != skip:
            shutil.copy(pfs_dir / name, target / name)
    return target


def test_import_installs_each_quarterly_release_with_its_dates(pfs_dir, fresh_home):
    found = import_releases(pfs_dir)
    got = [(p.release, p.effective_from.isoformat(), p.effective_to.isoformat(), p.rows) for p in found]
    assert got == [
        ("RVU25A", "2025-01-01", "2025-03-31", 18589),  # PPRRVU25_JAN1.csv
        ("RVU25D", "2025-10-01", "2025-12-31", 19090),  # PPRRVU2025_Oct.csv
    ]
    assert "January" in found[0].note and "October" in found[1].note
    assert "CONV FACTOR 32.3465" in found[1].note
    # both share the folder's locality files
    assert all("GPCI2025.csv" in p.source and "OPPSCAP_Oct.csv" in p.source for p in found)
    assert [p.release for p in store.installed("pfs")] == ["RVU25A", "RVU25D"]
    assert FeeSchedule.load("RVU25D").provenance.sha256 == found[1].sha256
    assert import_release(pfs_dir) == found[1]  # the single-release form answers with the newest


@pytest.mark.parametrize(
    ("title", "name", "release"),
    [
        # the title block's month word decides
        ("2025 National Physician Fee Schedule Relative Value File January Release", "x.csv", "RVU25A"),
        ("2025 National Physician Fee Schedule Relative Value File April Release", "x.csv", "RVU25B"),
        ("2026 National Physician Fee Schedule Relative Value File July Release", "x.csv", "RVU26C"),
        ("2025 National Physician Fee Schedule Relative Value File October Release", "x.csv", "RVU25D"),
        # without one, the file name's JAN/APR/JUL/OCT
        ("RELATIVE VALUE FILE", "PPRRVU2026_Apr_nonQPP.csv", "RVU26B"),
        ("RELATIVE VALUE FILE", "PPRRVU25_JAN1.csv", "RVU25A"),
    ],
)
def test_release_name_from_title_or_file_name(title, name, release):
    assert release_of(title, Path(name)).name == release


def test_release_without_a_quarter_is_refused():
    with pytest.raises(ImportFailed, match="JAN/APR/JUL/OCT"):
        release_of("2025 RELATIVE VALUE FILE", Path("PPRRVU2025.csv"))


def test_two_files_of_one_release_are_refused(pfs_dir, fresh_home, tmp_path):
    folder = _copy(pfs_dir, tmp_path / "twice")
    shutil.copy(pfs_dir / "PPRRVU2025_Oct.csv", folder / "PPRRVU2025_Oct_copy.csv")
    with pytest.raises(ImportFailed, match="two PPRRVU files of release RVU25D"):
        import_releases(folder)
    assert store.installed("pfs") == []


def test_folder_without_gpci_installs_national_only(pfs_2026_dir, fresh_home):
    (prov,) = import_releases(pfs_2026_dir)
    assert (prov.release, str(prov.effective_from), str(prov.effective_to)) == (
        "RVU26C",
        "2026-07-01",
        "2026-09-30",
    )
    assert "no GPCI file: national amounts only" in prov.note
    assert "CONV FACTOR 33.4009 (CY2026, not a qualifying APM participant (non-QP))" in prov.note
    fs = FeeSchedule.load("RVU26C")
    assert not fs.has_gpci and fs.gpci.empty


def test_conversion_factor_not_of_the_year_is_refused(pfs_dir, fresh_home, tmp_path):
    folder = _corrupt(pfs_dir, tmp_path, "PPRRVU2025_Oct.csv", ",32.3465,", ",33.4009,")
    with pytest.raises(ImportFailed, match=r"CONV FACTOR 33.4009 is not CMS's CY2025 conversion factor"):
        import_releases(folder)


def test_reimport_is_a_no_op(pfs_dir, fresh_home):
    import_release(pfs_dir)
    manifest = store.release_dir("pfs", "RVU25D") / "manifest.json"
    before = manifest.stat().st_mtime_ns
    again = import_release(pfs_dir)
    assert manifest.stat().st_mtime_ns == before
    assert again.sha256 == json.loads(manifest.read_text())["sha256"]


def test_no_cpt_descriptor_is_stored(pfs_dir, fresh_home):
    import_release(pfs_dir)
    folder = store.release_dir("pfs", "RVU25D")
    rvu = pd.read_parquet(folder / "rvu.parquet")
    assert "description" not in {c.lower() for c in rvu.columns}
    payload = b"".join((folder / name).read_bytes() for name in PAYLOAD_FILES)
    # The descriptors are read from CMS's file at test time (never written into this repository).
    source = pd.read_csv(
        pfs_dir / "PPRRVU2025_Oct.csv", skiprows=10, header=None, dtype=str, encoding="latin-1"
    )
    descriptors = [d for d in source[2].dropna().unique() if len(d) > 12][:500]
    assert len(descriptors) == 500
    assert not [d for d in descriptors if d.encode("latin-1") in payload]


@pytest.mark.parametrize(
    ("skip", "named"),
    [
        ("PPRRVU2025_Oct.csv", "PPRRVU"),  # no relative value file
        ("25LOCCO.csv", "LOCCO"),  # a GPCI file without its crosswalk
        ("ANES2025.csv", "ANES"),  # ... without the anesthesia CFs
        ("OPPSCAP_Oct.csv", "OPPSCAP"),  # ... without the OPPS cap file
    ],
)
def test_missing_file_is_named(pfs_dir, fresh_home, tmp_path, skip, named):
    folder = _copy(pfs_dir, tmp_path / "pfs", skip=skip)
    with pytest.raises(ImportFailed, match=named):
        import_release(folder)


@pytest.mark.parametrize(
    ("name", "old", "new", "message"),
    [
        # a conversion factor that is not a number
        ("PPRRVU2025_Oct.csv", ",32.3465,", ",abc,", "non-numeric"),
        # a header that is not CMS's layout
        ("PPRRVU2025_Oct.csv", "HCPCS,MOD,DESCRIPTION,CODE", "CODE,MOD,DESCRIPTION,CODE", "HCPCS"),
        # a GPCI with more decimals than CMS publishes
        ("GPCI2025.csv", ",1.017,1.093,0.662", ",1.01799,1.093,0.662", "decimals"),
        # an OPPS cap file without its header
        ("OPPSCAP_Oct.csv", "HCPCS,MOD,PROCSTAT", "X,Y,Z", "HCPCS"),
    ],
)
def test_corrupt_file_is_named(pfs_dir, fresh_home, tmp_path, name, old, new, message):
    folder = _corrupt(pfs_dir, tmp_path, name, old, new)
    with pytest.raises(ImportFailed, match=message) as info:
        import_release(folder)
    assert name in str(info.value)
    assert store.installed("pfs") == []


def test_failed_import_keeps_installed_release(pfs_dir, fresh_home, tmp_path):
    good = import_release(pfs_dir)
    folder = _corrupt(pfs_dir, tmp_path, "PPRRVU2025_Oct.csv", ",32.3465,", ",abc,")
    with pytest.raises(ImportFailed):
        import_release(folder)
    assert store.installed_release("pfs", "RVU25D").sha256 == good.sha256
    assert FeeSchedule.load("RVU25D").price("99213", "10112-00").amount is not None


def _corrupt(pfs_dir: Path, tmp_path: Path, name: str, old: str, new: str) -> Path:
    folder = _copy(pfs_dir, tmp_path / "bad")
    path = folder / name
    text = path.read_text(encoding="latin-1")
    assert old in text
    path.write_text(text.replace(old, new), encoding="latin-1")
    return folder


@pytest.mark.parametrize(
    "path",
    [
        "does-not-exist",  # no such folder
        "file.txt",  # a file, not a folder
        "empty",  # an empty folder
    ],
)
def test_wrong_path(tmp_path, fresh_home, path):
    (tmp_path / "file.txt").write_text("x")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ImportFailed):
        import_release(tmp_path / path)


def test_release_not_imported_names_what_is_and_how(pfs_dir, pfs_2026_dir, fresh_home):
    # a release in medbill's catalog: the fetch command; a year: the import command
    with pytest.raises(DataNotAvailable, match=r"imported: none\. Run `medbill data fetch pfs RVU25D`"):
        FeeSchedule.load("RVU25D")
    with pytest.raises(DataNotAvailable, match=r"imported: none.*medbill data import pfs DIR"):
        FeeSchedule.load(2025)
    import_releases(pfs_dir)
    with pytest.raises(DataNotAvailable, match=r"PFS RVU25B is not imported; imported: RVU25A \(2025-01-01"):
        FeeSchedule.load("RVU25B")
    with pytest.raises(DataNotAvailable, match=r"PFS 2024 is not imported"):
        FeeSchedule.load(2024)
    # a year with two releases is ambiguous: the message names them
    with pytest.raises(DataNotAvailable, match=r"PFS 2025 has 2 releases: RVU25A .*RVU25D"):
        FeeSchedule.load(2025)
    import_releases(pfs_2026_dir)
    assert FeeSchedule.load(2026).release == "RVU26C"  # the year's only release
    assert FeeSchedule.load("rvu25a").release == "RVU25A"
    for junk in ("twenty", "", None, True, 2.5):
        with pytest.raises(DataNotAvailable):
            FeeSchedule.load(junk)


def test_january_release_alone_imports(pfs_dir, fresh_home, tmp_path):
    """Another quarterly layout (unpadded indicators, no trailing zeros) gives the same prices."""
    folder = _copy(pfs_dir, tmp_path / "jan", skip="PPRRVU2025_Oct.csv")
    shutil.copy(pfs_dir / "PPRRVU25_JAN1.csv", folder / "PPRRVU25_JAN1.csv")
    prov = import_release(folder)
    assert "January" in prov.note and prov.release == "RVU25A"
    fs = FeeSchedule.load(2025)  # the year's only release here
    assert fs.price("76145", "01112-05").amount == Decimal("1339.81")  # same RVUs in January
    assert fs.rvu.set_index(["hcpcs", "mod"]).loc[("99213", ""), "mult_proc"] == "0"


@pytest.mark.parametrize(
    "content",
    [
        b"",  # empty file
        b"\x00\x01\x02\xff" * 1000,  # binary junk
        "HCPCS,MOD\n".encode("utf-16"),  # UTF-16 text
        b"HCPCS,MOD,DESCRIPTION\n99213,,x\n",  # header without the RVU columns
    ],
)
def test_junk_rvu_file(pfs_dir, fresh_home, tmp_path, content):
    folder = _copy(pfs_dir, tmp_path / "junk", skip="PPRRVU2025_Oct.csv")
    (folder / "PPRRVU2025_Oct.csv").write_bytes(content)
    with pytest.raises(ImportFailed, match=r"PPRRVU2025_Oct\.csv"):
        import_release(folder)


def test_qpp_and_non_qpp_files_of_a_release_import_once(pfs_2026_dir, fresh_home, tmp_path):
    """CMS's CY2026 zips hold the RVU file twice, for QPs and not: the non-QP one is read."""
    folder = tmp_path / "rvu26c"
    folder.mkdir()
    source = pfs_2026_dir / "PPRRVU2026_Jul_nonQPP.csv"
    shutil.copy(source, folder / source.name)
    qp_text = source.read_text(encoding="latin-1").replace(",33.4009,", ",33.5675,")
    (folder / "PPRRVU2026_Jul_QPP.csv").write_text(qp_text, encoding="latin-1")
    (prov,) = import_releases(folder)
    assert prov.release == "RVU26C" and "PPRRVU2026_Jul_nonQPP.csv" in prov.source
    assert "QPP.csv" not in prov.source.replace("nonQPP.csv", "")
    # the QPP file alone is a release too; its own factor is recorded as the QP one
    (folder / source.name).unlink()
    (alone,) = import_releases(folder)
    assert "CONV FACTOR 33.5675 (CY2026, qualifying APM participant (QP))" in alone.note
    fs = FeeSchedule.load("RVU26C")
    assert fs.price("99213", "national").amount == Decimal("95.19")  # non-QP factor from the table
    assert fs.price("99213", "national", qp=True).amount == Decimal("95.67")
