"""``Series.icd`` (NA-safe, per-row dates) and the FY2025 -> FY2026 release diff."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from medbill.refdata import icd10cm

CODES = pd.Series(["E11.9", " s52521a", None, "E11.A", "XYZ", "E1１.9", pd.NA, "C4A.0", "E11"])


def test_compact_and_format() -> None:
    assert CODES.icd.compact().tolist() == [
        "E119",
        "S52521A",
        pd.NA,
        "E11A",
        pd.NA,
        pd.NA,
        pd.NA,
        "C4A0",
        "E11",
    ]
    assert CODES.icd.format().tolist() == [
        "E11.9",
        "S52.521A",
        pd.NA,
        "E11.A",
        pd.NA,
        pd.NA,
        pd.NA,
        "C4A.0",
        "E11",
    ]


@pytest.mark.parametrize(
    ("on", "billable"),
    [
        (None, [True, True, pd.NA, True, False, False, pd.NA, True, False]),  # latest release
        (date(2025, 9, 30), [True, True, pd.NA, False, False, False, pd.NA, True, False]),  # FY2025
    ],
)
def test_billable(on: date | None, billable: list) -> None:
    assert CODES.icd.billable(on=on).tolist() == billable


def test_valid_title_chapter_block() -> None:
    assert CODES.icd.is_valid().tolist() == [True, True, False, True, False, False, False, True, True]
    assert CODES.icd.is_valid(on=date(2025, 9, 30))[3] == False  # noqa: E712 - E11.A is FY2026
    assert CODES.icd.title()[0] == "Type 2 diabetes mellitus without complications"
    assert CODES.icd.chapter().tolist()[:3] == ["4", "19", pd.NA]
    assert CODES.icd.block().tolist()[:3] == ["E08-E13", "S50-S59", pd.NA]


def test_per_row_dates() -> None:
    codes = pd.Series(["E11.A", "E11.A", "E11.A", None], index=[10, 11, 12, 13])
    dates = pd.Series(
        pd.to_datetime(["2025-09-30", "2025-10-01", "2019-01-01", "2025-10-01"]), index=[10, 11, 12, 13]
    )
    out = codes.icd.billable(on=dates)
    assert out.index.tolist() == [10, 11, 12, 13]
    assert out.tolist() == [False, True, False, pd.NA]  # no release in 2019: False


def test_diff_fy2025_to_fy2026() -> None:
    d = icd10cm.diff("FY2025", "FY2026")
    s = d.summary()
    assert (s["added"], s["deleted"]) == (len(d.added), len(d.deleted))
    assert "E11A" in d.added.index or "E11A" in d.billable_changed.index
    assert "S301XXA" in d.deleted.index and "S301XXA" not in d.added.index
    assert "C50A1" in d.added.index  # new inflammatory breast cancer codes
    row = d.retitled.loc["L02212"]
    assert row["new_title"].endswith("except buttock and flank]")
    assert "C841" not in d.retitled.index  # "Sezary" vs "Sézary" is not a retitling
    # the billable counts reconcile: FY2025 + added - deleted +/- billability changes = FY2026
    changed = d.billable_changed
    gained = int(changed["new_billable"].sum()) - int(changed["old_billable"].sum())
    assert 74_260 + s["added_billable"] - s["deleted_billable"] + gained == 74_719


@pytest.mark.parametrize(
    "order",
    [
        "import pandas as pd\nimport medbill",  # pandas first: registered at import medbill
        "import medbill\nimport pandas as pd\nmedbill.read_claims",  # first use of the root API
        "import medbill\nimport pandas as pd\nmedbill.register_accessors()",  # the explicit way
    ],
)
def test_accessors_registered_without_an_import_hook(order: str) -> None:
    import subprocess
    import sys

    code = (
        "import sys\nhooks = list(sys.meta_path)\n"
        f"{order}\nassert sys.meta_path == hooks\n"
        "s = pd.Series(['E11.9', None])\nprint(s.icd.billable().tolist(), s.proc.system().tolist(), "
        "s.modifier.is_valid().tolist())"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[True, <NA>] [<NA>, <NA>] [False, False]"


def test_embedded_fy2025_refuses_another_code_set(tmp_path) -> None:
    import sqlite3

    from medbill.exceptions import DataNotAvailable
    from medbill.refdata.icd10cm import fy2025

    db = tmp_path / "icd10cm.db"
    con = sqlite3.connect(db)
    con.execute(
        "CREATE TABLE cm_codes (code TEXT, code_dot TEXT, billable INTEGER, short_name TEXT, long_name TEXT)"
    )
    con.execute("INSERT INTO cm_codes VALUES ('E11A', 'E11.A', 1, 'x', 'Type 2 diabetes in remission')")
    con.commit()
    con.close()
    with pytest.raises(DataNotAvailable, match="FY2025"):
        fy2025.build(db, icd10cm.release("FY2026"))
