"""The compact MUE form the scrubber holds (mue.values): load's values per code, fewer bytes."""

from __future__ import annotations

import numpy as np
import pandas as pd

from medbill.refdata import _tablefiles, code_numbers, mue

CMS_MUE = """\
"CPT codes and descriptions only are copyright 2025 American Medical Association. All Rights Reserved."
"HCPCS/CPT Code","Practitioner Services MUE Values","MUE Adjudication Indicator","MUE Rationale"
"20610","2","2 Date of Service Edit: Policy","Anatomic Consideration"
"11102","1","1 Line Edit","Code Descriptor / CPT Instruction"
"J1100","120","3 Date of Service Edit: Clinical",""
"0001U","1","2 Date of Service Edit: Policy","Code Descriptor / CPT Instruction"
"""


def _install(tmp_path, text=CMS_MUE):
    path = tmp_path / "MCR_MUE_PractitionerServices_Eff_07-01-2026.csv"
    path.write_text(text)
    return mue.import_release(path)


def test_values_hold_loads_rows_by_code(fresh_home, tmp_path):
    prov = _install(tmp_path)
    ((_, table),) = mue.load("practitioner")
    (values,) = mue.values("practitioner")
    assert values.provenance == prov and len(values) == len(table) == 4
    rows = values.find(code_numbers.numbers(table["code"]))
    assert (rows >= 0).all()
    got = pd.DataFrame(
        {
            "code": code_numbers.codes(values.code[rows]),
            "mue": values.mue[rows],
            "mai": values.mai[rows],
            "rationale": np.asarray(values.rationale.take(rows)),
        }
    )
    pd.testing.assert_frame_equal(got, table, check_dtype=False)


def test_find_answers_minus_one_for_codes_without_a_value(fresh_home, tmp_path):
    _install(tmp_path)
    (values,) = mue.values("practitioner")
    # before the first code, between codes, after the last, and not a code at all
    got = values.find(code_numbers.numbers(["00001", "15000", "ZZZZZ", "junk", "20610"]))
    assert got[:4].tolist() == [-1, -1, -1, -1]
    assert code_numbers.codes(values.code[got[4:]]).tolist() == ["20610"]


def test_a_code_costs_under_20_bytes(fresh_home, tmp_path):
    codes = code_numbers.codes(np.arange(0, 5000 * 97, 97))
    rows = "\n".join(f'"{c}","{i % 9}","{1 + i % 3} Line Edit","Clinical: Data"' for i, c in enumerate(codes))
    _install(tmp_path, CMS_MUE.split('"20610"')[0] + rows + "\n")
    (values,) = mue.values("practitioner")
    assert len(values) == 5000 and values.nbytes < 20 * len(values)


def test_values_do_not_keep_loads_table(fresh_home, tmp_path):
    _install(tmp_path)
    _tablefiles._memo.clear()
    mue.values("practitioner")
    assert not [key for key in _tablefiles._memo if key[0] == mue.SYSTEM]
