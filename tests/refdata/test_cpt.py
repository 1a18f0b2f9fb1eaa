"""CPT: format, medbill's own label table, user-supplied descriptors, mixed-column validity.

No CPT descriptor text appears in this file: assertions compare against the shared PFS file at run
time, never against copied text.
"""

from __future__ import annotations

import io

import pandas as pd
import pytest

from medbill.exceptions import ImportFailed, InvalidFormat, InvalidLength, UnknownCode
from medbill.refdata import cpt, procedures, store

PFS = "cms/pfs/2025/PPRRVU2025_Oct.csv"
LABEL = "medbill plain-language label"


def _pfs_table(path) -> pd.DataFrame:
    text = path.read_text(encoding="cp1252")
    start = text.index("HCPCS,MOD,DESCRIPTION")
    df = pd.read_csv(io.StringIO(text[start:]), dtype=str, keep_default_na=False)
    return df[df["MOD"] == ""].set_index("HCPCS")


@pytest.mark.parametrize(
    ("code", "valid"),
    [
        ("99213", True),  # Category I
        ("0001F", True),  # Category II
        ("0042T", True),  # Category III
        ("0001U", True),  # proprietary laboratory analysis
        ("0001A", True),  # vaccine product administration (Category I)
        ("0002M", True),  # multianalyte assay with algorithmic analysis (MAAA)
        (" 99213 ", True),  # spaces are stripped
        ("9921", False),  # too short
        ("992130", False),  # too long
        ("0001X", False),  # X is not a CPT suffix
        ("J1100", False),  # HCPCS Level II, not CPT
        ("９９２１３", False),  # full-width digits
    ],
)
def test_format(code: str, valid: bool) -> None:
    assert cpt.is_valid(code) is valid
    if valid:  # the scrubber's column check agrees
        assert procedures.system_many([code]).tolist() == ["cpt"]


@pytest.mark.parametrize("junk", [None, "", 0, 99213, b"99213", "9" * 100_000, "٩٩٢١٣", "\x00", ("99213",)])
def test_robustness_sweep(junk: object) -> None:
    assert cpt.is_valid(junk) is False
    assert cpt.get(junk) is None
    with pytest.raises(InvalidFormat):
        cpt.validate(junk)


def test_label_table_shape_and_facts() -> None:
    lab = cpt.labels()
    assert len(lab) >= 150 and lab["code"].is_unique
    assert set(lab["label_source"]) == {LABEL}
    assert set(lab["global_days"]) <= {"000", "010", "090", "XXX", "YYY", "ZZZ", "MMM"}
    # Add-on codes are billed only with a primary service: always ZZZ global days.
    assert (lab.loc[lab["add_on"], "global_days"] == "ZZZ").all()
    assert lab.loc[lab["system"] == "cpt", "code"].map(cpt.is_valid).all()
    for needed in ["99213", "99284", "99396", "80053", "85025", "71046", "93000", "96372", "90686", "69210"]:
        assert needed in lab.index, needed
    categories = set(lab["category"])
    for needed in ["E/M office", "E/M hospital", "E/M emergency", "E/M preventive", "Laboratory", "Imaging"]:
        assert needed in categories


def test_label_global_days_agree_with_cms(shared_data) -> None:
    # Oracle: GLOB DAYS in CMS's 2025 relative value file for every labelled code it lists.
    pfs = _pfs_table(shared_data(PFS))
    lab = cpt.labels()
    both = lab.index.intersection(pfs.index)
    assert len(both) >= 200
    mismatched = lab.loc[both, "global_days"] != pfs.loc[both, "DAYS"]
    assert not mismatched.any(), list(both[mismatched.to_numpy()])


def test_labels_are_not_cms_descriptors(shared_data) -> None:
    pfs = _pfs_table(shared_data(PFS))
    descriptors = set(pfs["DESCRIPTION"].str.strip().str.lower())
    clash = [c for c, t in cpt.labels()["label"].items() if t.strip().lower() in descriptors]
    assert clash == []


def test_lookup_without_import_uses_labels(fresh_home) -> None:
    rec = cpt.lookup_record("99213").to_dict()
    assert rec["system"] == "cpt" and rec["source"] == LABEL and rec["billable"] is None
    assert rec["global_days"] == "XXX" and rec["add_on"] is False
    assert rec["release"] == cpt.embedded_releases()[0].release
    with pytest.raises(UnknownCode, match="medbill data import cpt"):
        cpt.lookup("99499")


def test_import_pfs_relative_value_file(fresh_home, shared_data) -> None:
    path = shared_data(PFS)
    pfs = _pfs_table(path)
    prov = cpt.import_descriptors(path)
    expected = pfs[pfs.index.str.fullmatch(cpt.FORMAT)]
    assert prov.release == "pfs-2025-october" and prov.rows == len(expected)
    assert "user-supplied" in prov.licence or "not redistributed" in prov.licence
    found = cpt.lookup("99213")
    assert found.title == pfs.at["99213", "DESCRIPTION"].strip()
    assert found.source == "PPRRVU2025_Oct.csv (user-supplied descriptor)"
    assert found.label is not None and found.label != found.title  # our label stays alongside
    assert cpt.get("J1100") is None  # HCPCS Level II rows belong to the hcpcs system
    # re-import: no-op
    manifest = store.release_dir("cpt", prov.release) / "manifest.json"
    before = manifest.stat().st_mtime_ns
    assert cpt.import_descriptors(path) == prov
    assert manifest.stat().st_mtime_ns == before


@pytest.mark.parametrize(
    "content",
    [
        "code,descriptor\n99213,Teaching text for an office visit\n0001F,Teaching text for a measure\n",  # header
        "99213,Teaching text for an office visit\n0001F,Teaching text for a measure\n",  # no header
    ],
)
def test_import_plain_csv(fresh_home, tmp_path, content: str) -> None:
    path = tmp_path / "teaching.csv"
    path.write_text(content)
    prov = cpt.import_descriptors(path)
    assert prov.rows == 2 and prov.release == "user-teaching"
    assert cpt.lookup("99213").title == "Teaching text for an office visit"
    assert cpt.lookup("99213").source == "teaching.csv (user-supplied descriptor)"
    assert cpt.lookup_record("0001F").to_dict()["release"] == "user-teaching"
    assert [h.code for h in cpt.search("teaching measure", 1)] == ["0001F"]


@pytest.mark.parametrize(
    ("content", "says"),
    [
        ("code,descriptor\n99213,ok\nJ1100,not cpt\n", "data row 2"),  # a Level II code
        ("code,descriptor\n", "no data rows"),  # header only
        ("code,descriptor\n99213,one\n99213,two\n", "more than once"),  # duplicate
        ("code,descriptor\n99213\n", "data row 1"),  # missing descriptor
    ],
)
def test_bad_csv_fails_and_keeps_installed(fresh_home, tmp_path, content: str, says: str) -> None:
    good = tmp_path / "good.csv"
    good.write_text("99213,Teaching text\n")
    prov = cpt.import_descriptors(good)
    bad = tmp_path / "bad.csv"
    bad.write_text(content)
    with pytest.raises(ImportFailed, match=says) as err:
        cpt.import_descriptors(bad)
    assert "bad.csv" in str(err.value)
    assert store.installed("cpt") == [prov]


def test_binary_file_is_refused(fresh_home, tmp_path) -> None:
    bad = tmp_path / "x.csv"
    bad.write_bytes(b"\x00\x01\x02PK")
    with pytest.raises(ImportFailed, match="binary"):
        cpt.import_descriptors(bad)


def test_mixed_column_validity(fresh_home, tmp_path) -> None:
    codes = pd.Series(["99213", "99499", "0001F", None, "J1100", "W1234", 42])
    dates = pd.Series(["2025-03-01"] * 7)
    # nothing imported: CPT and HCPCS by format only
    assert procedures.is_valid_format_many(codes).tolist() == [True, True, True, False, True, False, False]
    assert procedures.is_valid_on_many(codes, dates).tolist() == [True, True, True, False, True, False, False]
    # with a descriptor file: CPT codes must be in it or in medbill's labels
    path = tmp_path / "mine.csv"
    path.write_text("0001F,Teaching text\n")
    cpt.import_descriptors(path)
    assert procedures.is_valid_on_many(codes, dates).tolist() == [
        True,
        False,
        True,
        False,
        True,
        False,
        False,
    ]
    assert codes.proc.system().tolist()[:5] == ["cpt", "cpt", "cpt", pd.NA, "hcpcs"]
    assert codes.proc.label().iloc[2] == "Teaching text"
    assert bool(codes.proc.is_add_on().iloc[0]) is False  # 99213 is not an add-on


def test_format_errors() -> None:
    with pytest.raises(InvalidLength):
        cpt.validate("9921")
    with pytest.raises(InvalidFormat):
        cpt.validate("9921X")


def test_hcpcs_labels_name_real_level_ii_codes(shared_data) -> None:
    # Oracle: CMS's 2020 HCPCS file. G2211 was created in 2021, after that file.
    from medbill.refdata import hcpcs

    hcpcs.import_release(shared_data("cms/hcpcs/2020/2020-Alpha-Numeric-HCPCS-File.zip"))
    rel = hcpcs.release("2020")
    lab = cpt.labels()
    ours = set(lab.index[lab["system"] == "hcpcs"])
    assert ours - set(rel.procedures.index) == {"G2211"}
    assert all(rel.get(c).terminated is None for c in ours - {"G2211"})
