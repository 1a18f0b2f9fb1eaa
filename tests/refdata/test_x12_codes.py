"""X12's CARC and RARC lists with start and stop dates: import, deactivated codes, verbs."""

from __future__ import annotations

from datetime import date

import pytest

from medbill.exceptions import ImportFailed
from medbill.refdata import carc, rarc, store

# Rows in the layout of X12's code list pages (codes and dates as X12 lists them; our own short text).
CARC_PAGE = """<html><body><table>
<tr class="prod_set"><td class="code">45</td><td class="description">Charge exceeds fee schedule/maximum allowable.<span class="dates"><br />Start: 01/01/1995 | Last Modified: 03/01/2018</span></td></tr>
<tr class="prod_set deactivated"><td class="code">A2</td><td class="description">Contractual adjustment.<span class="dates"><br />Start: 01/01/1995 | Last Modified: 02/28/2007 | Stop: 01/01/2008<br /><i>Notes: Use Code 45 with Group Code 'CO'.</i></span></td></tr>
<tr class="prod_set"><td class="code">16</td><td class="description">Claim lacks information &amp; has billing errors.<span class="dates"><br />Start: 01/01/1995</span></td></tr>
</table></body></html>
"""


@pytest.fixture
def carc_list(fresh_home, tmp_path):
    page = tmp_path / "claim-adjustment-reason-codes.html"
    page.write_text(CARC_PAGE)
    return carc.import_release(page)


def test_imported_list_replaces_validedi_and_keeps_dates(carc_list) -> None:
    assert (carc_list.release, carc_list.rows) == ("x12-2018-03-01", 3)
    assert "1 with a stop date" in carc_list.note
    assert carc.get("16") == "Claim lacks information & has billing errors."
    assert carc.stop_date("A2") == date(2008, 1, 1) and carc.stop_date("45") is None


@pytest.mark.parametrize(
    ("code", "on", "active"),
    [
        ("A2", date(2008, 1, 1), True),  # usable through its stop date
        ("A2", date(2008, 1, 2), False),  # deactivated after it ...
        ("45", "2026-12-01", True),
        ("ZZ", date(2026, 12, 1), False),  # not a CARC at all
    ],
)
def test_active_by_date(carc_list, code, on, active) -> None:
    assert carc.is_active(code, on) is active


def test_a_deactivated_code_is_still_a_carc(carc_list) -> None:
    # ... not "not a CARC": valid as a code, and the record says when it stopped.
    assert carc.is_valid("A2") and carc.validate("a2") == "A2"
    record = carc.lookup_record("A2", on=date(2026, 12, 1)).to_dict()
    assert (
        record["valid_on_date"] is False
        and record["stop"] == "2008-01-01"
        and record["start"] == "1995-01-01"
    )
    assert record["release"] == "x12-2018-03-01"
    assert not carc.is_valid("999")


def test_without_an_import_validedi_answers_undated(fresh_home) -> None:
    assert carc.get("45") and carc.stop_date("45") is None and carc.is_active("45", date(2026, 1, 1))


def test_rarc_csv_import_gives_the_full_official_list(fresh_home, tmp_path) -> None:
    csv = tmp_path / "rarc.csv"
    csv.write_text(
        "code,description,start,stop\n"
        "N130,Consult plan benefit documents for coverage information.,01/01/2002,\n"
        "MA130,Incomplete claim: no appeal rights.,01/01/1997,\n"
        "M1,X-ray not taken within the past 12 months.,01/01/1997,05/01/2008\n"
    )
    prov = rarc.import_release(csv)
    assert prov.rows == 3
    assert rarc.is_valid("N130")  # not in medbill's short list, but in X12's
    assert rarc.lookup_record("N130").source.startswith("X12 RARC list")
    assert not rarc.is_active("M1", date(2026, 1, 1)) and rarc.is_valid("M1")


@pytest.mark.parametrize(
    "content",
    [
        "<html><td>nothing here</td></html>",  # a page without code rows
        "code,description\n45,text\n",  # CSV without dates
        "code,description,start,stop\n45,text,2020-01-01,\n",  # dates not MM/DD/YYYY
        "code,description,start,stop\n45,a,01/01/1995,\n45,b,01/01/1995,\n",  # a code twice
    ],
)
def test_bad_lists_are_refused_and_install_nothing(fresh_home, tmp_path, content) -> None:
    path = tmp_path / "carc.csv"
    path.write_text(content)
    with pytest.raises(ImportFailed):
        carc.import_release(path)
    assert store.installed("carc") == []
