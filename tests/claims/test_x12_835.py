"""835 reader: public samples, exact values, balancing reports, tolerant and hostile input."""

from __future__ import annotations

import csv
import io
import json
import tracemalloc

import pytest
from pyx12_oracle import pyx12_check

from medbill.claims.x12 import iter_segments, read_835
from medbill.claims.x12.reader_835 import iter_835
from medbill.cli import main
from medbill.exceptions import X12Error
from medbill.refdata import carc

# A small, valid 835: one payment of 100.00 for two claims, one line-level and one claim-level
# adjustment, a PLB interest payment (negative PLB adds to the check).
ERA = (
    "ISA*00*          *00*          *ZZ*PAYER01        *ZZ*PROV01         *250310*1200*^*00501*000000042*0*P*:~"
    "GS*HP*PAYER01*PROV01*20250310*1200*42*X*005010X221A1~"
    "ST*835*0001~"
    "BPR*I*100*C*ACH*CCP*01*999999999*DA*123456*1512345678**01*999988880*DA*98765*20250312~"
    "TRN*1*EFT0001*1512345678~"
    "N1*PR*ACME HEALTH PLAN~N3*1 PLAN WAY~N4*HARTFORD*CT*06101~REF*2U*60054~PER*BL*EDI*TE*8005550100~"
    "N1*PE*RIVERSIDE FAMILY MEDICINE*XX*1234567893~"
    "LX*1~"
    "CLP*C1001*1*175.5*90*10*12*PCN1~NM1*QC*1*DOE*JANE****MI*W123~DTM*232*20250303~"
    "SVC*HC:99214*150*90**1~DTM*472*20250303~CAS*CO*45*50~CAS*PR*2*10~REF*6R*1~AMT*B6*100~LQ*HE*N130~"
    "SVC*HC:83036:QW*25.5*0**1~DTM*472*20250303~CAS*CO*97*25.5~REF*6R*2~"
    "CLP*C1002*4*80*0*0*12*PCN2~CAS*CO*29*80~NM1*QC*1*ROE*RICHARD~MOA***MA130~"
    "PLB*1234567893*20251231*L6:INT*-10~"
    "SE*30*0001~GE*1*42~IEA*1*000000042~"
)


def test_the_fixture_is_valid_835() -> None:
    ok, report = pyx12_check(ERA)
    assert ok, report[:1000]


def test_reads_payment_claims_lines_adjustments_and_remarks() -> None:
    remit = read_835(ERA)
    payment = remit.payments.iloc[0]
    assert payment["payment_id"] == "EFT0001" and payment["method"] == "ACH" and payment["amount"] == 100.0
    assert payment["payer_id"] == "60054" and payment["payee_npi"] == "1234567893"
    assert str(payment["payment_date"].date()) == "2025-03-12" and payment["plb_amount"] == -10.0
    assert list(remit.claims["status_code"]) == ["1", "4"]
    assert list(remit.claims["payer_claim_control"]) == ["PCN1", "PCN2"]
    lines = remit.lines
    assert list(lines["line_number"]) == [1, 2] and list(lines["modifier1"].fillna("")) == ["", "QW"]
    assert list(lines["allowed"].fillna(-1)) == [100.0, -1]
    adj = remit.adjustments
    assert list(
        zip(adj["group"], adj["reason"], adj["amount"], adj["line_number"].fillna(0), strict=True)
    ) == [
        ("CO", "45", 50.0, 1),
        ("PR", "2", 10.0, 1),
        ("CO", "97", 25.5, 2),
        ("CO", "29", 80.0, 0),  # claim level
    ]
    assert sorted(remit.remarks["code"]) == ["MA130", "N130"]
    assert remit.tables["remit_plb"].iloc[0]["reason"] == "L6"


def test_balanced_file_reports_every_level_balanced() -> None:
    report = read_835(ERA).balance()
    assert report["balanced"].all()
    assert sorted(report["level"].value_counts().items()) == [("claim", 2), ("line", 2), ("transaction", 1)]


@pytest.mark.parametrize(
    ("change", "level", "difference"),
    [
        (("SVC*HC:99214*150*90**1", "SVC*HC:99214*150*91**1"), "line", -1.0),  # line paid one dollar too much
        (("CLP*C1002*4*80*0", "CLP*C1002*4*85*0"), "claim", 5.0),  # claim charge not explained by CAS
        (("BPR*I*100*C", "BPR*I*99.99*C"), "transaction", -0.01),  # check total off by a cent
    ],
)
def test_imbalances_are_reported_not_hidden(change, level, difference) -> None:
    remit = read_835(ERA.replace(*change))
    bad = remit.imbalances()
    assert not remit.is_balanced
    assert bad.iloc[0]["level"] == level and bad.iloc[0]["difference"] == pytest.approx(difference)


def _accepted_835(shared_data) -> list:
    verdicts = shared_data("x12/pyx12_verdicts.tsv")
    with open(verdicts) as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    return [
        verdicts.parent / r["file"]
        for r in rows
        if r["pyx12_result"] == "OK" and r["file"].startswith(("835/", "normalized/835"))
    ]


def test_every_public_835_pyx12_accepts_reads_and_balances(shared_data) -> None:
    files = _accepted_835(shared_data)
    assert len(files) >= 8
    for path in files:
        remit = read_835(path)
        assert len(remit.claims) > 0, path.name
        assert remit.imbalances().empty, (path.name, remit.imbalances())
        assert remit.payments["source_file"].iloc[0] == path.name


def test_known_sample_values(shared_data) -> None:
    remit = read_835(shared_data("x12/835/stupidedi__multiple-claims-single-check.edi"))
    assert remit.total_paid == 810.8 and len(remit.claims) == 9
    first = remit.claims.iloc[0]
    assert (first["claim_id"], first["charge"], first["paid"]) == ("7722337", 226.0, 132.0)
    assert remit.lines.iloc[0]["procedure_code"] == "D0120" and remit.lines.iloc[0]["allowed"] == 25.0


def test_rejected_sample_imbalances_are_visible(shared_data) -> None:
    """A sample pyx12 rejects (placeholder amounts): it reads, and its imbalances are listed."""
    remit = read_835(shared_data("x12/normalized/835__oopfactory__ExampleFromNth.txt"))
    assert len(remit.imbalances()) > 50


@pytest.mark.parametrize(
    "variant",
    [
        "\ufeff" + ERA,  # byte-order mark
        ERA.replace("~", "~\n"),  # one segment per line
        ERA.replace("~", "~\r\n"),  # Windows line ends
        ERA.replace("*", "|").replace(":", ">"),  # other separators, declared in the ISA
        ERA[:105] + ERA[105:].replace("~", "\r\n"),  # CRLF as the segment terminator
    ],
)
def test_tolerated_layouts(variant: str) -> None:
    remit = read_835(variant)
    assert remit.is_balanced and len(remit.claims) == 2
    assert read_835(variant.encode("utf-8")).total_paid == 100.0  # bytes too


@pytest.mark.parametrize(
    ("bad", "message", "segment"),
    [
        (ERA[:-40], "truncated", None),  # cut inside the trailer
        (ERA.replace("SE*30*0001", "SE*29*0001"), "SE01", 32),  # wrong segment count
        (ERA.replace("GE*1*42", "GE*2*42"), "GE01", 33),
        (ERA.replace("IEA*1*000000042", "IEA*1*000000043"), "IEA02", 34),
        (ERA.replace("LX*1~", "LX*1~ZZZ*1~"), "unknown segment", 13),
        (ERA.replace("DOE*JANE", "DOÉ*JANE"), "non-ASCII", 14),
        (ERA.replace("CLP*C1001*1*175.5", "CLP*C1001*1*ABC"), "not an X12 decimal amount", 13),
        (ERA[:106] + ERA[106:].replace("~", ""), "terminator", 2),  # terminators lost after the ISA
        ("", "empty", None),
        ("ISA*00*", "ISA", None),
        ("NOT X12 AT ALL" * 20, "ISA", None),
        ("ISA" + "*" * 200, "ISA", None),
    ],
)
def test_bad_input_raises_x12error_with_location(bad: str, message: str, segment) -> None:
    with pytest.raises(X12Error, match=message) as info:
        read_835(bad)
    if segment is not None:
        assert info.value.segment_number == segment
    assert info.value.position is not None


def test_huge_segment_without_terminator_fails_fast() -> None:
    huge = ERA[:200] + "N" * 5_000_000
    with pytest.raises(X12Error, match="no segment terminator"):
        read_835(io.BytesIO(huge.encode()))


@pytest.mark.parametrize("junk", [None, 0, 1.5, object()])
def test_junk_sources_get_x12error(junk) -> None:
    with pytest.raises(X12Error):
        read_835(junk)


def test_positions_are_byte_offsets() -> None:
    segments = list(iter_segments(ERA))
    for seg in segments[:20]:
        assert ERA[seg.position : seg.position + len(seg.id)] == seg.id


def _big_835(claims: int) -> bytes:
    header = ERA.partition("LX*1~")[0]
    body = "CLP*C1001*1*175.5*90*10*12*PCN1~SVC*HC:99214*150*90**1~CAS*CO*45*50~CAS*PR*2*10~SVC*HC:83036:QW*25.5*0**1~CAS*CO*97*25.5~"
    transaction = header[header.index("ST*835") :] + "LX*1~" + body * claims
    count = transaction.count("~") + 1
    return (header + "LX*1~" + body * claims + f"SE*{count}*0001~GE*1*42~IEA*1*000000042~").encode()


def test_streaming_memory_stays_flat() -> None:
    """Iterating claim payments from a file object holds one chunk and one claim, whatever the size."""
    peaks = []
    for n in (800, 3_200):
        stream = io.BytesIO(_big_835(n))
        tracemalloc.start()
        count = sum(1 for _ in iter_835(stream))
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
        assert count == n
    assert peaks[1] < peaks[0] * 1.5 + 100_000  # four times the claims, about the same peak


def test_streamed_summary_agrees_with_the_tables() -> None:
    """``medbill x12 read --json`` streams (summarise_835); the tables say the same, balance included."""
    from medbill.claims.x12.parser_835 import summarise_835

    for text in (ERA, ERA.replace("CAS*CO*45*50~", "CAS*CO*45*49~")):  # balanced, then one cent off
        remit = read_835(text)
        summary = summarise_835(text)
        assert summary["claims"] == remit.claim_summaries()
        assert summary["balanced"] == remit.is_balanced
        assert summary["total_paid"] == f"{remit.total_paid:.2f}"
    assert summary["balanced"] is False and summary["claims"][0]["balanced"] is False


def test_835_with_a_deactivated_carc_is_a_warning_naming_its_stop_date(fresh_home, tmp_path, capsys) -> None:
    # CAS*CO*A2 on an 835 paid 2025-03-12: A2 stopped 2008-01-01. It is reported, as a warning
    # (still a CARC: a reversal may report it), and the file still validates (exit 0).
    page = tmp_path / "carc.csv"
    page.write_text(
        "code,description,start,stop\n16,Claim lacks information.,01/01/1995,\n45,Charge exceeds fee schedule.,01/01/1995,\n"
        "A2,Contractual adjustment.,01/01/1995,01/01/2008\n"
    )
    carc.import_release(page)
    era = ERA.replace("CAS*CO*45*50~", "CAS*CO*A2*50~").replace("CAS*CO*97*25.5~", "CAS*CO*45*25.5~")
    era = era.replace("CAS*CO*29*80~", "CAS*CO*16*80~").replace("CAS*PR*2*10~", "CAS*CO*45*10~")
    path = tmp_path / "a2.835"
    path.write_text(era)
    assert main(["x12", "validate", str(path), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["ok"] and out["errors"] == []
    (warning,) = out["warnings"]
    assert warning["segment"] == "CAS" and "A2 was deactivated by X12 after 2008-01-01" in warning["reason"]
    assert "2025-03-12" in warning["reason"]
