"""837P writer and reader: pyx12 as the external oracle, write -> read identity, public samples."""

from __future__ import annotations

import csv
import dataclasses
import os
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from claim_strategies import BILLING, PATIENT, PAYER, claim_batches, make_claim
from hypothesis import HealthCheck, given, settings
from pyx12_oracle import pyx12_check

from medbill.claims.models import Address, Patient, Subscriber
from medbill.claims.x12 import Receiver, Separators, Submitter, read_837p, write_837p
from medbill.exceptions import X12Error

CREATED = datetime(2025, 3, 4, 10, 30)


@settings(
    max_examples=int(os.environ.get("MEDBILL_X12_EXAMPLES", "25")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(batch=claim_batches())
def test_every_written_837p_passes_pyx12_and_reads_back_identically(batch) -> None:
    text = write_837p(
        batch, submitter=Submitter("ACME BILLING", "ACME01", "PAT JONES", "3125550100"), created=CREATED
    )
    ok, report = pyx12_check(text)
    assert ok, report[:2000]
    assert read_837p(text) == batch
    assert [claim.transmitted() for claim in batch] == batch  # the strategy draws transmitted fields only


def test_sample_practice_round_trips_through_837p() -> None:
    """The committed synthetic practice: every claim medbill accepts reads back as transmitted."""
    from pathlib import Path

    from medbill.claims.models import build_claims
    from medbill.claims.tables import read_claims_dir

    sample = Path(__file__).resolve().parents[2] / "data" / "sample"
    if not (sample / "claims.csv").exists():
        pytest.skip("no synthetic sample in data/sample")
    data = read_claims_dir(sample)
    claims, rejected = build_claims(data)
    assert len(claims) + len(rejected) == len(data.claims)  # every claim accounted for
    assert rejected["error"].str.contains("self-pay|member_id|points past").all()  # planted defects only
    assert set(rejected["kind"]) == {"self-pay", "invalid"}
    text = write_837p(claims[:300], created=CREATED)
    assert read_837p(text) == [claim.transmitted() for claim in claims[:300]]


@pytest.mark.parametrize(
    "separators",
    [
        Separators(),  # the common * : ^ ~
        Separators(element="|", component=">", repetition="^", segment="\n"),  # newline-terminated
        Separators(element="*", component="<", repetition="`", segment="~"),
    ],
)
def test_configurable_separators_round_trip(separators: Separators) -> None:
    claims = [make_claim(), make_claim(claim_id="C2", rendering_provider=None)]
    text = write_837p(claims, separators=separators, created=CREATED)
    assert text.startswith(f"ISA{separators.element}00")
    assert text[105] == separators.segment and text[104] == separators.component
    assert read_837p(text) == claims
    if separators.segment != "\n":
        assert pyx12_check(text)[0]


def test_envelope_control_numbers_counts_and_hierarchy() -> None:
    holder = Patient("DOE", "JOHN", date(1975, 6, 1), "M", PATIENT.address)
    dependent = make_claim(
        claim_id="C3", subscriber=Subscriber("W999", PAYER, relationship="19", person=holder)
    )
    claims = [make_claim(), make_claim(claim_id="C2"), dependent]
    text = write_837p(
        claims,
        control_number=4321,
        receiver=Receiver("CLEARINGHOUSE", "CH01"),
        created=CREATED,
        max_claims_per_transaction=2,
    )
    segments = text.split("~")[:-1]
    ids = [s.split("*")[0] for s in segments]
    assert segments[0].split("*")[13] == "000004321" and segments[-1] == "IEA*1*000004321"
    assert ids.count("ST") == 2 and segments[-2] == "GE*2*4321"  # 3 claims, 2 per transaction
    hls = [s for s in segments if s.startswith("HL*")]
    # first transaction: billing, one subscriber HL shared by the two self claims
    assert hls[:2] == ["HL*1**20*1", "HL*2*1*22*0"]
    # second transaction: the dependent gets a patient level under its subscriber
    assert hls[2:] == ["HL*1**20*1", "HL*2*1*22*1", "HL*3*2*23*0"]
    assert "NM1*40*2*CLEARINGHOUSE*****46*CH01" in segments
    st = ids.index("ST")
    se = ids.index("SE")
    assert segments[se] == f"SE*{se - st + 1}*0001"
    assert pyx12_check(text)[0]
    assert read_837p(text) == claims


@pytest.mark.parametrize(
    ("change", "message"),
    [
        # pyx12 accepts both of these; an 837P billing provider needs an NPI and a ZIP+4
        ({"npi": ""}, "no NPI"),
        ({"address": Address("100 MAIN ST", "SPRINGFIELD", "IL", "62701")}, "9 digits"),
        ({"tax_id": ""}, "tax id"),
    ],
)
def test_medbill_refuses_what_pyx12_passes(change: dict, message: str) -> None:
    claim = make_claim(billing_provider=dataclasses.replace(BILLING, **change))
    with pytest.raises(X12Error, match=message):
        write_837p([claim], created=CREATED)


def test_pyx12_really_passes_a_five_digit_billing_zip() -> None:
    """The reason medbill has its own check: the oracle alone would let this through."""
    text = write_837p([make_claim()], created=CREATED).replace("627011234", "62701")
    assert pyx12_check(text)[0]


def test_bad_npi_read_from_a_file_cannot_be_written() -> None:
    text = write_837p([make_claim()], created=CREATED).replace(
        "9876543213", "9876543210"
    )  # wrong check digit
    claims = read_837p(text)  # a file's claims are read as sent ...
    assert claims[0].rendering_provider.npi == "9876543210"
    with pytest.raises(X12Error, match="check digit"):  # ... but never sent on
        write_837p(claims, created=CREATED)


def test_file_writer_streams_the_same_text(tmp_path: Path) -> None:
    from medbill.claims.x12 import write_837p_file

    claims = [make_claim(), make_claim(claim_id="C2"), make_claim(claim_id="C3")]
    path = tmp_path / "out.837"
    size = write_837p_file(claims, path, created=CREATED, max_claims_per_transaction=2)
    assert path.read_text() == write_837p(claims, created=CREATED, max_claims_per_transaction=2)
    assert size == path.stat().st_size
    bad = tmp_path / "bad.837"
    with pytest.raises(X12Error, match="9 digits"):
        write_837p_file(
            [make_claim(billing_provider=dataclasses.replace(BILLING, address=PATIENT.address))], bad
        )
    assert not bad.exists()  # checks run before the file is created


def test_writer_argument_errors() -> None:
    with pytest.raises(X12Error, match="no claims"):
        write_837p([])
    with pytest.raises(X12Error, match="collide"):
        write_837p(
            [make_claim()], separators=Separators(element="-", component=":", repetition="^", segment="~")
        )
    with pytest.raises(X12Error, match="phone"):
        write_837p([make_claim(billing_provider=dataclasses.replace(BILLING, phone=""))])


def _accepted_837p(root: Path) -> list[str]:
    with open(root / "x12" / "pyx12_verdicts.tsv") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    return [r["file"] for r in rows if r["pyx12_result"] == "OK" and "837p" in r["file"]]


def test_reads_every_public_837p_sample_pyx12_accepts(shared_data) -> None:
    verdicts = shared_data("x12/pyx12_verdicts.tsv")
    files = _accepted_837p(verdicts.parent.parent)
    assert len(files) >= 20
    for name in files:
        claims = read_837p(verdicts.parent / name)
        assert claims, name
        for claim in claims:
            assert claim.charge == sum(line.charge for line in claim.lines)
            assert claim.diagnoses and claim.lines


def test_reads_a_known_sample_exactly(shared_data) -> None:
    (claim,) = read_837p(shared_data("x12/837p/stupidedi__commercial-health-insurance.edi"))
    assert claim.claim_id == "26463774" and str(claim.charge) == "100.00"
    assert claim.dx_code_set == "ICD9" and claim.diagnoses == ("0340", "V7389")
    assert claim.subscriber.relationship == "19" and claim.patient.first_name == "TED"
    assert [(line.procedure_code, str(line.charge), line.dx_pointers) for line in claim.lines] == [
        ("99213", "40.00", "A"),
        ("87070", "15.00", "A"),
        ("99214", "35.00", "B"),
        ("86663", "10.00", "B"),
    ]
    assert claim.billing_provider.address.zip == "33111"  # as sent; medbill would not write it


def test_the_oracle_still_rejects_after_cached_maps() -> None:
    """Negative control for the pyx12 helper: an invalid code must still fail after many good files."""
    text = write_837p([make_claim()], created=CREATED)
    assert pyx12_check(text)[0]
    assert not pyx12_check(text.replace("DMG*D8*19800229*F", "DMG*D8*19800229*Q"))[0]


def test_a_referring_provider_without_npi_is_written_and_read_back() -> None:
    """5010 identifies a referring provider without an NPI by name and REF*1G (kept verbatim)."""
    from medbill.claims.models import KeptSegment, Provider

    referrer = Provider(npi="", last_name="BRYHT", entity_type="1", first_name="LEE", middle_name="T")
    claim = make_claim(referring_provider=referrer, kept=(KeptSegment("2310A", "REF*1G*B99937"),))
    text = write_837p([claim], created=CREATED)
    assert "NM1*DN*1*BRYHT*LEE*T~REF*1G*B99937~" in text
    assert pyx12_check(text)[0]
    assert read_837p(text) == [claim]


def test_kept_segments_refuse_the_output_separators() -> None:
    from medbill.claims.models import KeptSegment

    claim = make_claim(kept=(KeptSegment("2300", "NTE*ADD*PAIN|LEFT KNEE"),))
    assert "NTE*ADD*PAIN|LEFT KNEE~" in write_837p([claim], created=CREATED)
    with pytest.raises(X12Error, match="separators"):
        write_837p([claim], created=CREATED, separators=Separators("|", ":", "^", "~"))


def test_an_ndc_needs_its_own_quantity_and_unit() -> None:
    line = dataclasses.replace(make_claim().lines[0], ndc="00409488150")
    with pytest.raises(X12Error, match="ndc_quantity and ndc_unit"):
        write_837p([make_claim(lines=(line,))], created=CREATED)
    line = dataclasses.replace(line, ndc_quantity=Decimal("10"), ndc_unit="ML")
    text = write_837p([make_claim(lines=(line,))], created=CREATED)
    assert "LIN**N4*00409488150~CTP****10*ML~" in text  # not the line's units with UN
    assert read_837p(text)[0].lines[0] == line
