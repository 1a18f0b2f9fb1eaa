"""Modifiers, place of service, CARC/RARC: tables, flags against public oracles, lookups, sweeps."""

from __future__ import annotations

import pandas as pd
import pytest
import yaml

from medbill.exceptions import InvalidFormat, UnknownCode
from medbill.refdata import carc, cpt, hcpcs, modifiers, pos, rarc, registry

ISSUE_MODIFIERS = [
    "25",
    "26",
    "50",
    "51",
    "52",
    "59",
    "76",
    "77",
    "78",
    "79",
    "80",
    "91",
    "XE",
    "XS",
    "XP",
    "XU",
    "LT",
    "RT",
    "TC",
    "GA",
    "GY",
    "GZ",
    "KX",
    "QW",
]
ANATOMIC = [
    "E1",
    "E2",
    "E3",
    "E4",
    "FA",
    "F1",
    "F2",
    "F3",
    "F4",
    "F5",
    "F6",
    "F7",
    "F8",
    "F9",
    "TA",
    "T1",
    "T2",
    "T3",
    "T4",
    "T5",
    "T6",
    "T7",
    "T8",
    "T9",
    "LC",
    "LD",
    "RC",
    "LM",
    "RI",
    "LT",
    "RT",
]
BRIEF_EXTRA = ["24", "27", "57", "58", "62", "66", "73", "74", "81", "82", "AS", "95", "GT", "33", "Q5", "Q6"]


def test_modifier_table_covers_the_issue_and_anatomic_lists() -> None:
    t = modifiers.table()
    missing = [m for m in ISSUE_MODIFIERS + ANATOMIC + BRIEF_EXTRA if m not in t.index]
    assert missing == []
    assert t.loc[ANATOMIC, "anatomic"].all()
    assert set(t["kind"]) == {"pricing", "informational"}
    assert set(t["label_source"]) == {"medbill plain-language label"}


def test_ncci_flags_match_the_bypass_set() -> None:
    t = modifiers.table()
    assert set(t.index[t["ncci_associated"]]) == modifiers.NCCI_BYPASS
    assert {"59", "XE", "XS", "XP", "XU", "25", "LT", "RT", "91"} <= modifiers.NCCI_BYPASS
    assert "26" not in modifiers.NCCI_BYPASS  # a pricing modifier, not a PTP bypass


@pytest.mark.parametrize(
    ("modifier", "kind"),
    [
        ("26", "pricing"),  # professional component changes payment
        ("TC", "pricing"),  # technical component changes payment
        ("50", "pricing"),  # bilateral payment adjustment
        ("80", "pricing"),  # assistant at surgery is paid a share
        ("25", "informational"),  # separate E/M: no payment change by itself
        ("LT", "informational"),  # side of body
        ("GA", "informational"),  # ABN on file
    ],
)
def test_modifier_kind(modifier: str, kind: str) -> None:
    assert modifiers.lookup(modifier).kind == kind


def test_modifier_letters_exist_in_the_2020_hcpcs_file(shared_data) -> None:
    # Oracle: Level II modifiers in CMS's file. Ours that are missing there were created after 2020.
    hcpcs.import_release(shared_data("cms/hcpcs/2020/2020-Alpha-Numeric-HCPCS-File.zip"))
    official = set(hcpcs.release("2020").modifiers.index)
    ours = {m for m in modifiers.table().index if not m.isdigit()}
    assert ours - official <= {"FQ", "FR", "FS", "FT", "JZ"}
    rec = modifiers.lookup_record("LT").to_dict()
    assert rec["source"] == "medbill plain-language label" and "hcpcs_description" in rec
    # a Level II modifier medbill has no label for is answered from the imported file
    au = modifiers.lookup("AU")
    assert au.source == "CMS HCPCS Level II 2020" and au.meaning == au.hcpcs_description


def test_modifier_lookup_and_accessor(fresh_home) -> None:
    assert modifiers.compact(" -lt ") == "LT"
    with pytest.raises(UnknownCode, match="import an HCPCS release"):
        modifiers.lookup("ZZ")
    s = pd.Series(["lt", "25", None, "ZZ", "-59", 5], index=list("abcdef"))
    assert s.modifier.is_valid().tolist() == [True, True, False, False, True, False]
    assert s.modifier.is_ncci_bypass().tolist() == [True, True, False, False, True, False]
    assert s.modifier.is_anatomic().tolist() == [True, False, False, False, False, False]
    assert s.modifier.meaning().index.equals(s.index)
    assert [h.code for h in modifiers.search("left great toe", 1)] == ["TA"]


def test_pos_matches_cms_list(shared_data) -> None:
    # Oracle: the shared CMS POS list with its facility / non-facility column.
    cms = pd.read_csv(shared_data("pos/place_of_service_arkrvu.csv"), dtype=str).set_index("pos_code")
    ours = pos.table()
    assert sorted(ours.index) == sorted(cms.index)
    assert (ours["facility"] == (cms.loc[ours.index, "pos_type"] == "Facility")).all()
    ours_bytes = pos.__file__.rsplit("/refdata/", 1)[0] + "/_data/place_of_service.csv"
    with open(ours_bytes, "rb") as a, open(shared_data("pos/place_of_service_arkrvu.csv"), "rb") as b:
        assert a.read() != b.read()


@pytest.mark.parametrize(
    ("code", "facility"),
    [("11", False), ("21", True), ("22", True), ("23", True), ("02", True), ("10", False), ("1", False)],
)
def test_pos_facility(code: str, facility: bool) -> None:
    assert pos.is_facility(code) is facility


def test_pos_errors_and_vectorised() -> None:
    with pytest.raises(UnknownCode):
        pos.lookup("30")  # unassigned
    with pytest.raises(InvalidFormat):
        pos.lookup("1A")
    got = pos.is_facility_many(pd.Series(["11", "21", None, "30"]))
    assert got.tolist()[:2] == [False, True] and got.isna().tolist()[2:] == [True, True]
    assert pos.lookup_record("23").to_dict()["facility"] is True


def test_carc_table_is_the_validedi_list(shared_data) -> None:
    fixture = yaml.safe_load(shared_data("carc/adjustment_reason_codes.yaml").read_text())
    expected = {str(k): v for k, v in fixture["codes"].items()}
    t = carc.table()
    assert len(t) == len(expected) == 273
    assert dict(zip(t["code"], t["description"], strict=True)) == expected


@pytest.mark.parametrize(
    ("group", "code", "starts"),
    [
        ("CO", "45", "CO-45: Charge exceeds fee schedule"),  # contractual write-off
        ("pr", "1", "PR-1: Deductible Amount"),  # patient owes deductible
        ("OA", "23", "OA-23: The impact of prior payer"),  # coordination of benefits
    ],
)
def test_carc_describe(group: str, code: str, starts: str) -> None:
    assert carc.describe(group, code).startswith(starts)


def test_carc_errors_and_groups() -> None:
    assert set(carc.GROUP_CODES) == {"CO", "PR", "OA", "PI", "CR"}
    with pytest.raises(InvalidFormat):
        carc.describe("XX", "45")
    with pytest.raises(UnknownCode):
        carc.describe("CO", "999")  # well formed, not a CARC
    rec = carc.lookup_record("45").to_dict()
    assert rec["system"] == "carc" and rec["release"].startswith("validedi-")
    got = carc.describe_many(pd.Series(["CO", "XX"]), pd.Series(["45", "45"]))
    assert got.iloc[0].startswith("CO-45") and pd.isna(got.iloc[1])


def test_rarc_is_marked_as_our_wording() -> None:
    t = rarc.table()
    assert len(t) >= 25 and set(t["label_source"]) == {"medbill plain-language label"}
    assert rarc.lookup("n130")
    assert rarc.is_valid("MA130") and not rarc.is_valid("X12")
    with pytest.raises(UnknownCode):
        rarc.lookup("N9")


def test_embedded_releases_carry_licence_notes() -> None:
    # Each module's own list (the registry concatenates them; ICD-10-CM's is tested with it).
    found = {p.system: p for m in (cpt, modifiers, pos, carc, rarc) for p in m.embedded_releases()}
    assert {"cpt", "modifier", "pos", "carc", "rarc"} <= set(registry.SYSTEMS)
    assert set(found) == {"cpt", "modifier", "pos", "carc", "rarc"}
    assert all(p.licence and p.rows > 0 and len(p.sha256) == 64 for p in found.values())
    assert "validedi" in found["carc"].licence


@pytest.mark.parametrize("module", [modifiers, pos, carc, rarc])
@pytest.mark.parametrize("junk", [None, "", 0, 2.5, b"25", "2" * 100_000, "٢٥", "\x00", ["25"]])
def test_robustness_sweep(module, junk: object) -> None:
    assert module.is_valid(junk) is False
    with pytest.raises(InvalidFormat):
        module.validate(junk)
