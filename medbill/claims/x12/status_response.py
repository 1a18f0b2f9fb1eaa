"""Read X12 277 (005010X212) claim status responses into one row per status, explained.

A 277 answers a 276 level by level: the information receiver (HL 21), a provider (HL 19), a
subscriber's claim (HL 22) or a dependent's (HL 23), and a service line inside a claim (SVC).
Each STC segment becomes a row with where it sits (``level``), whom it is about, the claim's
trace number (TRN02: what the 276's TRN02 asked with) and control numbers (REF*1K payer, REF*EJ patient control number = our
claim id), the status category (STC01-1) with medbill's plain-language meaning and next action
(``medbill/_data/claim_status_categories.csv``), the status code (STC01-2), the entity it names
(STC01-3), the status date, the amounts (STC04 charge, STC05 paid; on a line, SVC02 and SVC03 when the STC
has none) and the dates of service (DTP*472).
"""

from __future__ import annotations

import dataclasses
from importlib import resources
from io import StringIO

import pandas as pd

from medbill.claims.x12.tokenizer import Segment, Source, iter_segments
from medbill.exceptions import X12Error
from medbill.refdata.store import lazy

COLUMNS = [
    "level", "payer_id", "payer_name", "receiver_id", "provider_npi", "provider_name", "member_id",
    "subscriber_name", "patient_name", "trace", "claim_id", "payer_claim_control", "status_date", "category",
    "category_meaning", "next_action", "status_code", "entity", "charge", "paid", "procedure_code",
    "service_date", "service_date_to",
]  # fmt: skip
LEVELS = {"20": "payer", "21": "information receiver", "19": "provider", "22": "claim", "23": "claim"}
# STC01-3 entity identifiers a 277 commonly names (X12 entity identifier codes).
ENTITIES = {
    "QC": "patient",
    "IL": "subscriber",
    "PR": "payer",
    "41": "submitter",
    "40": "receiver",
    "85": "billing provider",
    "82": "rendering provider",
    "1P": "provider",
}


@lazy
def status_categories() -> pd.DataFrame:
    """Claim status category codes (STC01-1) with medbill's meaning and next action, by code."""
    text = (
        resources.files("medbill").joinpath("_data/claim_status_categories.csv").read_text(encoding="utf-8")
    )
    return pd.read_csv(StringIO(text), dtype=str, keep_default_na=False).set_index("code", drop=False)


@dataclasses.dataclass
class _Context:
    """What the segments read so far say about the STC segments to come."""

    hl_code: str = ""
    payer_id: str = ""
    payer_name: str = ""
    receiver_id: str = ""
    provider_npi: str = ""
    provider_name: str = ""
    member_id: str = ""
    subscriber_name: str = ""
    patient_name: str = ""
    trace: str = ""
    claim_id: str = ""
    payer_claim_control: str = ""
    service_date: str = ""
    procedure_code: str = ""
    line_charge: str = ""
    line_paid: str = ""
    in_service: bool = False
    pending: list[dict[str, str]] = dataclasses.field(default_factory=list)


def _name(segment: Segment) -> str:
    return " ".join(p for p in (segment.get(4), segment.get(3)) if p).strip() or segment.get(3)


def read_277(source: Source) -> pd.DataFrame:
    """One row per STC segment of the 277 in ``source`` (a path, text or bytes; see the module
    docstring). Raises X12Error when the interchange holds no 277 transaction."""
    rows: list[dict[str, str]] = []
    ctx = _Context()
    component = ":"
    seen_277 = False

    def flush() -> None:
        # the claim-level REF/DTP segments come after its STC: fill the rows still open
        for row in ctx.pending:
            for key in ("claim_id", "payer_claim_control", "service_date", "procedure_code"):
                row[key] = row[key] or getattr(ctx, key)
        rows.extend(ctx.pending)
        ctx.pending.clear()

    for seg in iter_segments(source):
        sid = seg.id
        if sid == "ISA":
            component = seg.get(16) or ":"
        elif sid == "ST":
            seen_277 = seen_277 or seg.get(1) == "277"
        elif sid == "HL":
            flush()
            ctx.hl_code = seg.get(3)
            ctx.in_service = False
            if ctx.hl_code in ("22", "23"):
                if ctx.hl_code == "22":
                    ctx.member_id = ctx.subscriber_name = ""
                ctx.patient_name = ctx.trace = ctx.claim_id = ctx.payer_claim_control = ""
                ctx.service_date = ctx.procedure_code = ""
        elif sid == "NM1":
            _naming(ctx, seg)
        elif sid == "TRN":
            flush()
            ctx.trace = seg.get(2)
            ctx.claim_id = ctx.payer_claim_control = ctx.service_date = ctx.procedure_code = ""
            ctx.in_service = False
        elif sid == "REF" and not ctx.in_service:
            if seg.get(1) == "1K":
                ctx.payer_claim_control = seg.get(2)
            elif seg.get(1) == "EJ":
                ctx.claim_id = seg.get(2)
        elif sid == "SVC":
            flush()
            ctx.in_service = True
            ctx.procedure_code = seg.get(1).split(component)[1] if component in seg.get(1) else seg.get(1)
            ctx.line_charge, ctx.line_paid = seg.get(2), seg.get(3)
            ctx.service_date = ""
        elif sid == "DTP" and seg.get(1) == "472":
            ctx.service_date = seg.get(3)
            for row in ctx.pending:
                row["service_date"] = row["service_date"] or seg.get(3)
        elif sid == "STC":
            ctx.pending.extend(_statuses(ctx, seg, component))
        elif sid == "SE":
            flush()
    flush()
    if not seen_277:
        raise X12Error("no 277 transaction (ST*277) in this interchange; is it a 277 claim status response?")
    frame = pd.DataFrame(rows, columns=COLUMNS)
    categories = status_categories()
    frame["category_meaning"] = (
        frame["category"]
        .map(categories["meaning"])
        .fillna("status category " + frame["category"] + " is not in medbill's table")
    )
    frame["next_action"] = frame["category"].map(categories["next_action"]).fillna("read the status code")
    frame["status_date"] = pd.to_datetime(frame["status_date"], format="%Y%m%d", errors="coerce")
    span = frame["service_date"].str.split("-", n=1, expand=True).reindex(columns=[0, 1]).astype("string")
    frame["service_date"] = pd.to_datetime(span[0], format="%Y%m%d", errors="coerce")
    frame["service_date_to"] = pd.to_datetime(span[1].fillna(span[0]), format="%Y%m%d", errors="coerce")
    for column in ("charge", "paid"):
        frame[column] = pd.to_numeric(frame[column].replace("", pd.NA), errors="coerce")
    return frame


def _naming(ctx: _Context, seg: Segment) -> None:
    code, ident = seg.get(1), seg.get(9)
    if code == "PR":
        ctx.payer_id, ctx.payer_name = ident, seg.get(3)
    elif code == "41":
        ctx.receiver_id = ident
    elif code in ("1P", "85"):
        ctx.provider_npi, ctx.provider_name = ident, seg.get(3)
    elif code == "IL":
        ctx.member_id, ctx.subscriber_name = ident, _name(seg)
        ctx.patient_name = ctx.subscriber_name
    elif code == "QC":
        ctx.patient_name = _name(seg)


def _statuses(ctx: _Context, seg: Segment, component: str) -> list[dict[str, str]]:
    """One row per status composite of an STC (STC01, and STC10/STC11 when sent)."""
    level = "line" if ctx.in_service else LEVELS.get(ctx.hl_code, ctx.hl_code)
    out = []
    for index in (1, 10, 11):
        composite = seg.get(index)
        if not composite:
            continue
        parts = [*composite.split(component), "", ""]
        out.append(
            {
                "level": level,
                "payer_id": ctx.payer_id,
                "payer_name": ctx.payer_name,
                "receiver_id": ctx.receiver_id,
                "provider_npi": ctx.provider_npi if ctx.hl_code in ("19", "22", "23") else "",
                "provider_name": ctx.provider_name if ctx.hl_code in ("19", "22", "23") else "",
                "member_id": ctx.member_id if ctx.hl_code in ("22", "23") else "",
                "subscriber_name": ctx.subscriber_name if ctx.hl_code in ("22", "23") else "",
                "patient_name": ctx.patient_name if ctx.hl_code in ("22", "23") else "",
                "trace": ctx.trace,
                "claim_id": ctx.claim_id,
                "payer_claim_control": ctx.payer_claim_control,
                "status_date": seg.get(2),
                "category": parts[0],
                "category_meaning": "",
                "next_action": "",
                "status_code": parts[1],
                "entity": ENTITIES.get(parts[2], parts[2]),
                "charge": (seg.get(4) or (ctx.line_charge if ctx.in_service else "")) if index == 1 else "",
                "paid": (seg.get(5) or (ctx.line_paid if ctx.in_service else "")) if index == 1 else "",
                "procedure_code": ctx.procedure_code if ctx.in_service else "",
                "service_date": ctx.service_date if ctx.in_service else "",
                "service_date_to": "",
            }
        )
    return out
