"""Read -> write round trips of every public 837P sample: nothing the file carried may be lost.

Each sample is read; every claim either writes back with every segment of loops 2000A-2440 intact
(compared as canonical segments by ``medbill.claims.x12.fidelity``), or carries the reasons it cannot
(``Claim.not_carried``) and the writer refuses it naming them. Files medbill cannot read at all must
fail with X12Error (their defects are listed in ``x12/pyx12_verdicts.tsv``).
"""

from __future__ import annotations

import csv
import dataclasses
import itertools
from datetime import datetime
from pathlib import Path

import pytest
from pyx12_oracle import pyx12_check

from medbill.claims.models import Claim, claims_from_tables, claims_to_tables, lenient_check_digits
from medbill.claims.x12 import Receiver, Submitter, read_837p, write_837p
from medbill.claims.x12.fidelity import added_segments, canonical, lost_segments
from medbill.claims.x12.tokenizer import iter_segments
from medbill.exceptions import X12Error

CREATED = datetime(2025, 3, 4, 10, 30)
# The only segment the writer adds to what it read: the line item control number, which it always
# sends so the payer's 835 can be matched to the line.
ADDED_ON_PURPOSE = {"REF*6R"}


def _samples(root: Path) -> list[Path]:
    return sorted((root / "837p").iterdir()) + sorted((root / "normalized").glob("837p__*"))


def _body(source: str | Path) -> list[str]:
    """Canonical segments from the first HL to the end, without HL and trailers."""
    segments = list(iter_segments(source))
    isa = segments[0]
    repetition = isa.get(11) if isa.get(11) != "U" else "^"
    first = next(i for i, seg in enumerate(segments) if seg.id == "HL")
    return [
        canonical(seg, isa.get(16)[:1], repetition)
        for seg in segments[first:]
        if seg.id not in ("HL", "SE", "GE", "IEA")
    ]


def _header(source: Path) -> tuple[Submitter, Receiver]:
    """The file's own submitter (1000A) and receiver (1000B): the writer's arguments, not claim data."""
    by_code = {}
    segments = list(iter_segments(source))
    for seg, after in itertools.pairwise(segments):
        if seg.id == "NM1" and seg.get(1) in ("41", "40"):
            by_code[seg.get(1)] = (seg, after)
    submitter, per = by_code["41"]
    phone = per.get(4) if per.id == "PER" and per.get(3) == "TE" else "0000000000"
    receiver, _ = by_code["40"]
    return (
        Submitter(submitter.get(3), submitter.get(9), per.get(2) or "CONTACT", phone),
        Receiver(receiver.get(3), receiver.get(9)),
    )


def test_every_public_837p_sample_round_trips_without_loss(shared_data) -> None:
    root = shared_data("x12/PROVENANCE.tsv").parent
    written = refused = unreadable = 0
    for path in _samples(root):
        try:
            claims = read_837p(path)
        except X12Error:
            unreadable += 1
            continue
        faithful = [claim for claim in claims if not claim.not_carried]
        for claim in claims:
            if claim.not_carried:
                refused += 1
                with pytest.raises(X12Error, match="cannot be written as it was read") as raised:
                    write_837p([claim], checks=False)
                assert claim.not_carried[0] in str(raised.value), path.name
        if len(faithful) != len(claims):
            continue
        submitter, receiver = _header(path)
        text = write_837p(claims, submitter=submitter, receiver=receiver, created=CREATED, checks=False)
        before, after = _body(path), _body(text)
        assert lost_segments(before, after) == [], path.name
        added = {"*".join(text.split("*")[:2]) for text in added_segments(before, after)}
        assert added <= ADDED_ON_PURPOSE, (path.name, added)
        assert read_837p(text) == claims, path.name  # and the written file reads back the same
        written += 1
    # most samples carry COB, ambulance, DME, drug, repricing ... loops: they must survive, not be skipped
    assert written >= 40 and written > refused + unreadable, (written, refused, unreadable)


def _verdicts(root: Path) -> dict[str, str]:
    with open(root / "pyx12_verdicts.tsv") as handle:
        return {row["file"]: row["pyx12_result"] for row in csv.DictReader(handle, delimiter="\t")}


def test_rewritten_samples_still_pass_pyx12(shared_data) -> None:
    """Kept segments go back where the guide wants them: what pyx12 accepted it still accepts."""
    root = shared_data("x12/PROVENANCE.tsv").parent
    accepted = [name for name, verdict in _verdicts(root).items() if verdict == "OK" and "837p/" in name]
    checked = 0
    for name in accepted:
        path = root / name
        try:
            claims = read_837p(path)
        except X12Error:  # a defect medbill refuses and pyx12 lets through (a 4-digit ZIP)
            continue
        if any(claim.not_carried for claim in claims):
            continue
        submitter, receiver = _header(path)
        text = write_837p(claims, submitter=submitter, receiver=receiver, created=CREATED, checks=False)
        ok, report = pyx12_check(text)
        assert ok, (name, report[:1500])
        checked += 1
    assert checked >= 10


def test_kept_segments_survive_the_tables(shared_data) -> None:
    """Claims -> tables -> claims keeps COB loops, ambulance and drug detail, control numbers."""
    root = shared_data("x12/PROVENANCE.tsv").parent
    for name in (
        "stupidedi__medicare-secondary-payer-COB.edi",
        "stupidedi__ambulance.edi",
        "stupidedi__home-infusion-therapy-pharmacy-_adjudicated-with-NDC-in-loop-2410_.edi",
        "stupidedi__chiropractic.edi",
        "stupidedi__wheelchair.edi",
    ):
        claims = [_redundant_pos_dropped(claim) for claim in read_837p(root / "837p" / name)]
        with lenient_check_digits():  # the samples' made-up NPIs
            assert claims_from_tables(claims_to_tables(claims)) == claims, name


def _redundant_pos_dropped(claim: Claim) -> Claim:
    """The tables hold a line's place of service only when it differs from the claim's (SV105 is
    required only then), so an SV105 repeating CLM05-1 is not sent back from the tables."""
    lines = [
        dataclasses.replace(line, place_of_service="")
        if line.place_of_service == claim.place_of_service
        else line
        for line in claim.lines
    ]
    return dataclasses.replace(claim, lines=tuple(lines))


def test_a_secondary_claim_keeps_its_prior_payer(shared_data) -> None:
    path = shared_data("x12/837p/stupidedi__medicare-secondary-payer-COB.edi")
    (claim,) = read_837p(path)
    cob = [k.text for k in claim.kept if k.loop.startswith(("2320", "2330"))]
    assert cob and cob[0].startswith("SBR*"), cob
    submitter, receiver = _header(path)
    text = write_837p([claim], submitter=submitter, receiver=receiver, created=CREATED, checks=False)
    for segment in cob:
        assert segment in text


def test_line_control_number_and_drug_quantity_are_kept_as_read(shared_data) -> None:
    (claim,) = read_837p(shared_data("x12/837p/stupidedi__ambulance.edi"))
    assert [line.control_number for line in claim.lines] == ["1001", "1002", "1003", "1004"]
    text = write_837p([claim], checks=False, submitter=Submitter("A", "B", "C", "3035551234"))
    assert "REF*6R*1001~" in text and "REF*6R*1~" not in text


def test_a_claim_that_cannot_be_sent_back_stays_refused_through_the_tables(shared_data) -> None:
    """SBR08 'CI' (a misplaced filing indicator) is not carried: the claim is marked, and the mark
    survives claims -> tables -> claims so the writer still refuses it."""
    claims = read_837p(shared_data("x12/837p/oopfactory__Example3_COB.txt"))
    assert any("SBR*P" in reason for claim in claims for reason in claim.not_carried)
    with lenient_check_digits():
        again = claims_from_tables(claims_to_tables(claims))
    assert [c.not_carried for c in again] == [c.not_carried for c in claims]
    with pytest.raises(X12Error, match="cannot be written as it was read"):
        write_837p(again, checks=False)
