"""CMS's own computed amounts are the oracle: PFREV25C (one code at every locality) and OPPSCAP.

PFREV25C holds the amounts of the July 2025 release (RVU25C, in effect 2025-07-01 to 09-30),
which is not among the shared files; the ``fs`` fixture is the October release (RVU25D). For
76145 the two agree: its RVUs and conversion factor are the same in the January (RVU25A) and
October files, and PFREV25C's PC/TC indicator (3) is October's (January's file says 0), so
pricing PFREV25C with RVU25D is pricing it with the values CMS used. The first test checks that.
"""

from __future__ import annotations

import csv
from decimal import Decimal

import numpy as np
import pandas as pd


def _pfrev_rows(path) -> list[list[str]]:
    with open(path, newline="") as f:
        return [r for r in csv.reader(f) if len(r) > 6 and r[0].isdigit()]


def test_76145_has_the_same_values_in_the_january_and_october_releases(fs, shared_data):
    from medbill.pricing.pfs import FeeSchedule

    january = FeeSchedule.load("RVU25A")
    values = ["status", "work_rvu", "nonfac_pe_rvu", "fac_pe_rvu", "mp_rvu", "cf", "mult_proc"]

    def row(schedule):
        return schedule.rvu[schedule.rvu["hcpcs"] == "76145"].iloc[0]

    assert row(january)[values].tolist() == row(fs)[values].tolist()
    assert (row(january)["pctc"], row(fs)["pctc"]) == ("0", "3")  # the only difference
    pfrev = _pfrev_rows(shared_data("cms/pfs/2025/PFREV25C.txt"))
    assert {(r[8], r[9]) for r in pfrev} == {("3", "A")}  # PFREV25C: PC/TC indicator 3, status A


def test_pfrev25c_every_locality_to_the_cent(fs, shared_data):
    rows = _pfrev_rows(shared_data("cms/pfs/2025/PFREV25C.txt"))
    assert len(rows) == 109  # one row per locality
    wrong = []
    for year, mac, loc, code, mod, nonfac, fac, *_ in rows:
        assert year == "2025"
        mods = (mod.strip(),) if mod.strip() else ()
        got_nonfac = fs.price(code, f"{mac}-{loc}", mods, pos="11").amount
        got_fac = fs.price(code, f"{mac}-{loc}", mods, pos="21").amount
        if (got_nonfac, got_fac) != (Decimal(nonfac), Decimal(fac)):
            wrong.append((mac, loc, code, mod, nonfac, got_nonfac, fac, got_fac))
    assert wrong == []


def test_pfrev25c_vectorised_matches_too(fs, shared_data):
    rows = _pfrev_rows(shared_data("cms/pfs/2025/PFREV25C.txt"))
    lines = pd.DataFrame(
        {
            "procedure_code": [r[3] for r in rows] * 2,
            "modifier1": [r[4].strip() for r in rows] * 2,
            "locality": [f"{r[1]}-{r[2]}" for r in rows] * 2,
            "place_of_service": ["11"] * len(rows) + ["21"] * len(rows),
        }
    )
    expected = [round(float(r[5]) * 100) for r in rows] + [round(float(r[6]) * 100) for r in rows]
    out = fs.price_lines(lines)
    assert out["allowed_cents"].tolist() == expected
    assert out["facility"].tolist() == [False] * len(rows) + [True] * len(rows)


def test_opps_cap_file_reproduced_for_every_paid_row(fs, shared_data):
    """Every status-A row of OPPSCAP (global and TC, 115 MAC-localities) is the lesser-of price."""
    caps = pd.read_csv(shared_data("cms/pfs/2025/OPPSCAP_Oct.csv"), dtype=str, keep_default_na=False)
    caps = caps[caps["PROCSTAT"] == "A"]
    lines = pd.DataFrame(
        {
            "procedure_code": caps["HCPCS"],
            "modifier1": caps["MOD"],
            "locality": caps["CARRIER"] + "-" + caps["LOCALITY"],
        }
    )
    out = fs.price_lines(lines, pos="11")
    expected = (caps["NON-FACILTY PRICE"].astype(float) * 100).round().astype("int64")
    assert len(out) > 6000
    assert (out["allowed_cents"].to_numpy(dtype=np.int64) == expected.to_numpy()).all()
    assert out["rule"].str.contains("OPPS imaging cap applied").all()


def test_opps_cap_equals_opps_rvus_at_the_gpcis(fs):
    """The cap is CMS's OPPS amount turned into RVUs: (OPPS PE x PE GPCI + OPPS MP x MP GPCI) x CF."""
    e = fs.price("70496", "01112-05", ("TC",))
    r = fs.rvu[(fs.rvu.hcpcs == "70496") & (fs.rvu["mod"] == "TC")].iloc[0]
    raw = (
        Decimal(int(r.opps_nonfac_pe_rvu)) / 100 * Decimal("1.419")
        + Decimal(int(r.opps_mp_rvu)) / 100 * Decimal("0.445")
    ) * Decimal("32.3465")
    assert e.amount == raw.quantize(Decimal("0.01"))
    assert e.amount < e.fee_schedule_amount
