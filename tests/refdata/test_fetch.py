"""``medbill data fetch`` from a mirror served on 127.0.0.1 (or a folder): install, resume, refusals.

The catalog is replaced by entries pointing at files each test writes; nothing touches the internet.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import threading
import zipfile
from collections.abc import Iterator
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from medbill.cli import main
from medbill.exceptions import ImportFailed
from medbill.refdata import catalog, fetch, store

BASE = "https://www.nucc.org/images/stories/CSV/"


def nucc_csv(*codes: str) -> bytes:
    rows = ["Code,Grouping,Classification,Specialization,Definition,Notes,Display Name,Section"]
    rows += [
        f"{c},Allopathic,Internal Medicine,,,,Internal Medicine Physician {i},Individual"
        for i, c in enumerate(codes)
    ]
    return ("\n".join(rows) + "\n").encode()


GOOD = {"26.0": nucc_csv("207R00000X"), "26.1": nucc_csv("207R00000X", "207Q00000X")}


def entry(release: str, *, sha256: str | None = "auto", size: int | None = None, members: dict | None = None):
    name = f"nucc_taxonomy_{release.replace('.', '')}.csv"
    start, end = {"26.0": ("2026-01-01", "2026-06-30"), "26.1": ("2026-07-01", "2026-12-31")}[release]
    return catalog.Entry(
        system="taxonomy",
        release=release,
        effective_from=date.fromisoformat(start),
        effective_to=date.fromisoformat(end),
        url=BASE + name,
        file=name,
        bytes=size,
        sha256=hashlib.sha256(GOOD[release]).hexdigest() if sha256 == "auto" else sha256,
        members=members or {},
        install=True,
        unpack=False,
        contents="test",
        confirmed="test",
    )


@pytest.fixture
def use_catalog(monkeypatch: pytest.MonkeyPatch):
    def set_entries(*entries: catalog.Entry) -> None:
        monkeypatch.setattr(catalog, "entries_all", lambda: list(entries))

    set_entries(entry("26.0"), entry("26.1"))
    return set_entries


@pytest.fixture
def mirror_dir(tmp_path: Path) -> Path:
    root = tmp_path / "mirror"
    folder = root / "www.nucc.org/images/stories/CSV"
    folder.mkdir(parents=True)
    for release, data in GOOD.items():
        (folder / f"nucc_taxonomy_{release.replace('.', '')}.csv").write_bytes(data)
    return root


class RangeHandler(BaseHTTPRequestHandler):
    """Serves files under ``root`` and honours ``Range: bytes=N-``; logs each request's Range."""

    root: Path
    ranges: list[str | None]

    def do_GET(self) -> None:
        path = self.root / self.path.lstrip("/")
        self.ranges.append(self.headers.get("Range"))
        if not path.is_file():
            self.send_error(404)
            return
        data = path.read_bytes()
        wanted = self.headers.get("Range")
        if wanted:
            start = int(wanted.removeprefix("bytes=").rstrip("-"))
            if start >= len(data):
                self.send_error(416)
                return
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
            data = data[start:]
        else:
            self.send_response(200)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server(mirror_dir: Path) -> Iterator[tuple[str, list[str | None]]]:
    ranges: list[str | None] = []
    handler = type("Handler", (RangeHandler,), {"root": mirror_dir, "ranges": ranges})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", ranges
    httpd.shutdown()
    httpd.server_close()


def test_fetch_installs_from_http_mirror(fresh_home, use_catalog, server):
    url, ranges = server
    [prov] = fetch.fetch("taxonomy", "26.1", mirror=url, progress=False)
    assert prov.release == "26.1" and prov.rows == 2
    assert [p.release for p in store.installed("taxonomy")] == ["26.1"]
    assert ranges == [None]  # one plain request
    assert not any(fetch.downloads_dir().rglob("*.csv*"))  # the imported download is not kept


def test_fetch_without_release_takes_the_one_in_effect(fresh_home, use_catalog, server, capsys):
    url, _ = server
    use_catalog(entry("26.0", sha256=None), entry("26.1"))
    code = main(["data", "fetch", "taxonomy", "--on", "2026-03-15", "--mirror", url, "--no-progress"])
    assert code == 0
    out, err = capsys.readouterr()
    assert "installed taxonomy 26.0" in out
    assert "no checksum is recorded for nucc_taxonomy_260.csv" in err
    assert [p.release for p in store.installed("taxonomy")] == ["26.0"]


def test_fetch_resumes_a_partial_download(fresh_home, use_catalog, server):
    url, ranges = server
    data = GOOD["26.1"]
    part = fetch.downloads_dir() / "taxonomy" / "26.1" / "nucc_taxonomy_261.csv.part"
    part.parent.mkdir(parents=True)
    part.write_bytes(data[:40])
    [prov] = fetch.fetch("taxonomy", "26.1", mirror=url, progress=False)
    assert ranges == ["bytes=40-"]  # only the rest was asked for
    assert prov.sha256 == hashlib.sha256(data).hexdigest()  # and the joined file is the whole file


def test_a_complete_partial_file_is_verified_and_installed(fresh_home, use_catalog, server):
    url, ranges = server
    data = GOOD["26.1"]
    part = fetch.downloads_dir() / "taxonomy" / "26.1" / "nucc_taxonomy_261.csv.part"
    part.parent.mkdir(parents=True)
    part.write_bytes(data)
    [prov] = fetch.fetch("taxonomy", "26.1", mirror=url, progress=False)
    assert ranges == [f"bytes={len(data)}-"]  # the server answers 416: nothing left to send
    assert prov.rows == 2


def test_a_file_the_server_does_not_have_exits_2_naming_the_url(fresh_home, use_catalog, server, capsys):
    url, _ = server
    use_catalog(
        entry("26.1"), dataclasses.replace(entry("26.1"), release="27.0", url=BASE + "nucc_taxonomy_270.csv")
    )
    assert main(["data", "fetch", "taxonomy", "27.0", "--mirror", url, "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert "HTTP 404" in err and f"{url}/www.nucc.org/images/stories/CSV/nucc_taxonomy_270.csv" in err


def test_checksum_mismatch_is_refused_naming_both_and_installs_nothing(
    fresh_home, use_catalog, server, capsys
):
    url, _ = server
    fetch.fetch("taxonomy", "26.0", mirror=url, progress=False)
    before = store.installed("taxonomy")
    wrong = "0" * 64
    use_catalog(entry("26.0"), entry("26.1", sha256=wrong))
    code = main(["data", "fetch", "taxonomy", "26.1", "--mirror", url, "--no-progress"])
    err = capsys.readouterr().err
    assert code == 2
    assert wrong in err and hashlib.sha256(GOOD["26.1"]).hexdigest() in err
    assert store.installed("taxonomy") == before
    assert not any(fetch.downloads_dir().rglob("nucc_taxonomy_261*"))  # a bad file is not resumed from


def test_size_mismatch_is_refused(fresh_home, use_catalog, server):
    url, _ = server
    use_catalog(entry("26.1", size=len(GOOD["26.1"]) + 1))
    with pytest.raises(
        ImportFailed, match=rf"is {len(GOOD['26.1'])} bytes; the catalog records {len(GOOD['26.1']) + 1}"
    ):
        fetch.fetch("taxonomy", "26.1", mirror=url, progress=False)
    assert store.installed("taxonomy") == []


def test_folder_mirror_and_medbill_mirror_default(fresh_home, use_catalog, mirror_dir, monkeypatch):
    [prov] = fetch.fetch("taxonomy", "26.0", mirror=str(mirror_dir), progress=False)
    assert prov.release == "26.0"
    monkeypatch.setenv("MEDBILL_MIRROR", str(mirror_dir))
    [prov] = fetch.fetch("taxonomy", "26.1", progress=False)
    assert prov.release == "26.1"


def test_unknown_release_exits_2_naming_the_known_ones(fresh_home, use_catalog, capsys):
    assert main(["data", "fetch", "taxonomy", "99.9", "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert "'99.9'" in err and "known: 26.0, 26.1" in err


def test_a_file_missing_from_the_mirror_says_where_it_was_looked_for(fresh_home, use_catalog, tmp_path):
    with pytest.raises(LookupError, match="not in the mirror"):
        fetch.fetch("taxonomy", "26.1", mirror=str(tmp_path), progress=False)


def test_member_checksums_inside_a_zip_are_checked(fresh_home, tmp_path):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("folder/icd10cm-order-2027.txt", b"payload")
    path = tmp_path / "codes.zip"
    path.write_bytes(buf.getvalue())
    good = {"icd10cm-order-2027.txt": hashlib.sha256(b"payload").hexdigest()}
    fetch.verify(entry("26.1", sha256=None, members=good), path)  # passes
    with pytest.raises(ImportFailed, match=r"holds icd10cm-order-2027\.txt with sha256"):
        fetch.verify(entry("26.1", sha256=None, members={"icd10cm-order-2027.txt": "1" * 64}), path)
    assert not path.exists()


@pytest.mark.parametrize(
    ("mirror", "expected"),
    [
        # an http mirror keeps the URL's quoting
        ("http://mirror.local/base/", "http://mirror.local/base/ftp.cdc.gov/pub/ICD10CM/2026/a%20b.zip"),
        # a folder mirror holds the unquoted name
        ("/srv/mirror", "/srv/mirror/ftp.cdc.gov/pub/ICD10CM/2026/a b.zip"),
    ],
)
def test_mirror_location(mirror, expected):
    assert fetch.mirror_location("https://ftp.cdc.gov/pub/ICD10CM/2026/a%20b.zip", mirror) == expected


def test_unpack_imports_the_extracted_folder(fresh_home, tmp_path, monkeypatch):
    # the PFS importer takes a folder: the zip is extracted next to it and removed after the import
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("PPRRVU2026_Oct_nonQPP.csv", "rvu")
        zf.writestr("GPCI2026.csv", "gpci")
    data = buf.getvalue()
    mirror = tmp_path / "mirror"
    (mirror / "www.cms.gov/files/zip").mkdir(parents=True)
    (mirror / "www.cms.gov/files/zip/rvu26d.zip").write_bytes(data)
    pfs = dataclasses.replace(
        entry("26.1"),
        system="pfs",
        release="RVU26D",
        url="https://www.cms.gov/files/zip/rvu26d.zip",
        file="rvu26d.zip",
        sha256=hashlib.sha256(data).hexdigest(),
        unpack=True,
    )
    monkeypatch.setattr(catalog, "entries_all", lambda: [pfs])
    seen = {}

    def fake_import(system, path):
        seen[system] = (path.name, sorted(p.name for p in path.iterdir()))
        return "installed"

    monkeypatch.setattr(fetch.registry, "import_file", fake_import)
    assert fetch.fetch("pfs", "RVU26D", mirror=str(mirror), progress=False) == ["installed"]
    assert seen == {"pfs": ("rvu26d", ["GPCI2026.csv", "PPRRVU2026_Oct_nonQPP.csv"])}
    assert not any(fetch.downloads_dir().rglob("*2026*"))
