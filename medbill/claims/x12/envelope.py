"""Envelope and segment-id checks shared by the readers and ``medbill x12 validate``.

ISA/IEA, GS/GE and ST/SE must nest, their control numbers must match, and the counts (IEA01 groups,
GE01 transactions, SE01 segments) must be right. Inside a transaction every segment id must belong
to that transaction's implementation guide.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator

from medbill.claims.x12.tokenizer import Segment, Source, iter_segments
from medbill.exceptions import X12Error

ENVELOPE = frozenset({"ISA", "IEA", "GS", "GE", "ST", "SE", "TA1"})
SEGMENTS_837P = frozenset(
    [
        "BHT",
        "REF",
        "NM1",
        "N3",
        "N4",
        "PER",
        "PRV",
        "HL",
        "SBR",
        "DMG",
        "PAT",
        "CLM",
        "DTP",
        "CN1",
        "PWK",
        "AMT",
        "K3",
        "NTE",
        "CR1",
        "CR2",
        "CRC",
        "HI",
        "HCP",
        "LX",
        "SV1",
        "SV5",
        "CR3",
        "QTY",
        "MEA",
        "PS1",
        "LIN",
        "CTP",
        "OI",
        "MOA",
        "CAS",
        "SVD",
        "LQ",
        "FRM",
    ]
)
SEGMENTS_835 = frozenset(
    [
        "BPR",
        "TRN",
        "CUR",
        "REF",
        "DTM",
        "N1",
        "N3",
        "N4",
        "PER",
        "RDM",
        "LX",
        "TS3",
        "TS2",
        "CLP",
        "CAS",
        "NM1",
        "MIA",
        "MOA",
        "AMT",
        "QTY",
        "SVC",
        "LQ",
        "PLB",
    ]
)
TRANSACTIONS = {"837": SEGMENTS_837P, "835": SEGMENTS_835}
# Implementation guides medbill reads (ST03, else GS08): 837P 005010X222(A1/A2), 835 005010X221(A1).
GUIDES = {"837": ("005010X222", "005010X222A1 (837P)"), "835": ("005010X221", "005010X221A1 (835)")}


@dataclasses.dataclass(frozen=True)
class Problem:
    """One finding: where (segment number, byte offset), which segment, and why."""

    segment_number: int
    position: int
    segment_id: str
    reason: str
    severity: str = "error"  # "warning": reported, but the file is still acceptable

    def to_error(self) -> X12Error:
        return X12Error(
            f"{self.segment_id}: {self.reason}", segment_number=self.segment_number, position=self.position
        )


class EnvelopeChecker:
    """Feed segments in order; each call returns the problems found at that segment."""

    def __init__(self, transactions: Iterable[str] = ("837", "835")) -> None:
        self.allowed = {t: TRANSACTIONS[t] for t in transactions}
        self.isa: Segment | None = None
        self.gs: Segment | None = None
        self.st: Segment | None = None
        self.groups = 0
        self.sets = 0
        self.count = 0  # segments since ST, inclusive
        self.transaction = ""
        self.last: Segment | None = None
        self.interchanges = 0

    def _problem(self, seg: Segment, reason: str) -> Problem:
        return Problem(seg.number, seg.position, seg.id, reason)

    def feed(self, seg: Segment) -> list[Problem]:
        self.last = seg
        sid = seg.elements[0]
        if self.st is not None:
            self.count += 1
            if sid not in ENVELOPE:  # the common case, kept short: a segment inside a transaction
                if sid in self.allowed.get(self.transaction, ()):
                    return []
                return [self._problem(seg, f"unknown segment {sid!r} for transaction {self.transaction}")]
        problems: list[Problem] = []
        if sid == "ISA":
            if self.isa is not None:
                problems.append(
                    self._problem(seg, f"ISA inside interchange {self.isa.get(13)} (missing IEA)")
                )
            if len(seg.elements) != 17:
                problems.append(self._problem(seg, f"ISA has {len(seg.elements) - 1} elements, 16 required"))
            self.isa, self.groups = seg, 0
            self.interchanges += 1
        elif self.isa is None:
            problems.append(self._problem(seg, "segment outside an interchange (no ISA before it)"))
        elif sid == "GS":
            if self.gs is not None:
                problems.append(self._problem(seg, f"GS inside group {self.gs.get(6)} (missing GE)"))
            self.gs, self.sets = seg, 0
            self.groups += 1
        elif sid == "ST":
            if self.gs is None:
                problems.append(self._problem(seg, "ST outside a functional group (no GS)"))
            if self.st is not None:
                problems.append(self._problem(seg, f"ST inside transaction {self.st.get(2)} (missing SE)"))
            self.st, self.count = seg, 1
            self.sets += 1
            self.transaction = seg.get(1)
            if self.transaction not in self.allowed:
                problems.append(
                    self._problem(
                        seg, f"transaction set {self.transaction!r} is not one of {', '.join(self.allowed)}"
                    )
                )
            else:
                problems.extend(self._guide(seg))
        elif sid == "SE":
            if self.st is None:
                problems.append(self._problem(seg, "SE without ST"))
            else:
                if seg.get(1) != str(self.count):
                    problems.append(
                        self._problem(
                            seg, f"SE01 says {seg.get(1)!r} segments, the transaction has {self.count}"
                        )
                    )
                if seg.get(2) != self.st.get(2):
                    problems.append(
                        self._problem(seg, f"SE02 {seg.get(2)!r} does not match ST02 {self.st.get(2)!r}")
                    )
            self.st = None
        elif sid == "GE":
            if self.gs is None:
                problems.append(self._problem(seg, "GE without GS"))
            else:
                if self.st is not None:
                    problems.append(
                        self._problem(seg, f"GE inside transaction {self.st.get(2)} (missing SE)")
                    )
                    self.st = None
                if seg.get(1) != str(self.sets):
                    problems.append(
                        self._problem(
                            seg, f"GE01 says {seg.get(1)!r} transactions, the group has {self.sets}"
                        )
                    )
                if seg.get(2) != self.gs.get(6):
                    problems.append(
                        self._problem(seg, f"GE02 {seg.get(2)!r} does not match GS06 {self.gs.get(6)!r}")
                    )
            self.gs = None
        elif sid == "IEA":
            if self.gs is not None:
                problems.append(self._problem(seg, f"IEA inside group {self.gs.get(6)} (missing GE)"))
                self.gs = None
            if seg.get(1) != str(self.groups):
                problems.append(
                    self._problem(seg, f"IEA01 says {seg.get(1)!r} groups, the interchange has {self.groups}")
                )
            if seg.get(2) != self.isa.get(13):
                problems.append(
                    self._problem(seg, f"IEA02 {seg.get(2)!r} does not match ISA13 {self.isa.get(13)!r}")
                )
            self.isa = None
        elif sid == "TA1":
            pass
        elif self.st is None:
            problems.append(self._problem(seg, "segment outside a transaction (no ST before it)"))
        elif sid not in self.allowed.get(self.transaction, ()):
            problems.append(self._problem(seg, f"unknown segment {sid!r} for transaction {self.transaction}"))
        return problems

    def _guide(self, st: Segment) -> list[Problem]:
        """The implementation guide (ST03, else GS08) must be the 5010 guide medbill reads."""
        version = st.get(3) or (self.gs.get(8) if self.gs is not None else "")
        prefix, name = GUIDES[self.transaction]
        if version.startswith(prefix):
            return []
        where = "ST03" if st.get(3) else "GS08"
        release = f" (version {version[2:6]})" if version[:2] == "00" and version[2:6].isdigit() else ""
        return [
            self._problem(
                st,
                f"{where} {version!r}{release} is not the {name} implementation guide medbill reads; "
                "convert the file to 5010 first",
            )
        ]

    def finish(self) -> list[Problem]:
        """Problems left at the end of the input (unclosed envelopes)."""
        last = self.last
        number, position = (last.number, last.position) if last else (0, 0)
        if last is None:
            return [Problem(0, 0, "", "no segments")]
        missing = [
            name for name, open_ in (("SE", self.st), ("GE", self.gs), ("IEA", self.isa)) if open_ is not None
        ]
        if missing:
            return [
                Problem(number, position, last.id, f"the input ends without {', '.join(missing)}: truncated")
            ]
        return []


def checked_segments(source: Source, transactions: Iterable[str] = ("837", "835")) -> Iterator[Segment]:
    """Segments of ``source``, raising X12Error at the first envelope or segment-id problem."""
    checker = EnvelopeChecker(transactions)
    for seg in iter_segments(source):
        problems = checker.feed(seg)
        if problems:
            raise problems[0].to_error()
        yield seg
    problems = checker.finish()
    if problems:
        raise problems[0].to_error()
