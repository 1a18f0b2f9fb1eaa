"""X12 276 (005010X212) claim status requests for claims in the claims tables.

One interchange, one transaction; inside it the implementation guide's hierarchy: the payer
(HL 20), the information receiver (HL 21: the submitter), the billing provider (HL 19) and one
subscriber (HL 22) per claim, the patient being the subscriber (relationship 18) or a dependent
(HL 23). Each claim is asked about with TRN*1 (its claim id as the trace), REF*1K (the payer's
claim control number when a remittance gave one), REF*EJ (the patient control number, CLM01),
AMT*T3 (the total charge) and DTP*472 (the dates of service).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

import pandas as pd

from medbill.claims.control_numbers import payer_control_numbers
from medbill.claims.tables import ClaimsData
from medbill.claims.x12.interchange import check_options, isa_segment
from medbill.claims.x12.tokenizer import Separators
from medbill.exceptions import ImportFailed, X12Error

VERSION = "005010X212"


class _ClaimRow(Protocol):
    """The fields of a ``claims`` row (from ``itertuples``) that a 276 reads; missing values are NA."""

    @property
    def claim_id(self) -> str: ...
    @property
    def patient_id(self) -> str: ...
    @property
    def subscriber_id(self) -> object: ...
    @property
    def member_id(self) -> object: ...


def _clean(value: object, sep: Separators) -> str:
    """Text for one element: empty for missing values, separators refused."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    text = str(value).strip().upper()
    bad = {sep.element, sep.component, sep.repetition, sep.segment} & set(text)
    if bad:
        raise X12Error(f"value {text!r} holds the separator(s) {''.join(sorted(bad))}; remove them")
    return text


def _d8(value: pd.Timestamp) -> str:
    return value.strftime("%Y%m%d")


def write_276(
    data: ClaimsData,
    claim_ids: Sequence[str],
    *,
    control_number: int = 1,
    created: datetime,
    usage: str = "P",
    separators: Separators | None = None,
) -> str:
    """The 276 asking the status of ``claim_ids`` (all of one payer) as X12 text.

    ``created`` stamps the interchange (dates are data: pass it). Raises ImportFailed for claims
    not in ``data`` or of different payers, X12Error for a control number or usage out of range.
    """
    sep = separators or Separators()
    e, t = sep.element, sep.segment
    check_options(control_number, usage)
    wanted = list(dict.fromkeys(claim_ids))
    claims = data.claims.set_index("claim_id", drop=False)
    missing = [i for i in wanted if i not in claims.index]
    if not wanted or missing:
        raise ImportFailed(f"no such claim(s) to ask about: {', '.join(missing[:10]) or '(none given)'}")
    chosen = claims.loc[wanted]
    payer_ids = chosen["payer_id"].dropna().unique()
    if len(payer_ids) != 1:
        raise ImportFailed(
            f"a 276 goes to one payer; claims {', '.join(wanted[:10])} have payers {', '.join(map(str, payer_ids)) or '(none)'}"
        )
    payer = _row(data.payers, "payer_id", payer_ids[0], "payers")
    providers = data.providers
    lines = data.lines[data.lines["claim_id"].isin(wanted)]
    spans = lines.groupby("claim_id").agg(
        start=("service_date", "min"),
        end=("service_date_to", "max"),
        last=("service_date", "max"),
        charge=("charge", "sum"),
    )
    control = payer_control_numbers(data)
    first_billing = _row(providers, "npi", chosen["billing_npi"].iloc[0], "providers")
    receiver_id = _clean(first_billing.get("tax_id") or first_billing["npi"], sep)
    stamp_date, stamp_time = created.strftime("%Y%m%d"), created.strftime("%H%M")
    segments = [
        isa_segment(sep, receiver_id, _clean(payer["payer_id"], sep), created, control_number, usage),
        e.join(
            [
                "GS",
                "HR",
                receiver_id,
                _clean(payer["payer_id"], sep),
                stamp_date,
                stamp_time,
                str(control_number),
                "X",
                VERSION,
            ]
        ),
    ]
    body = [
        e.join(["ST", "276", "0001", VERSION]),
        e.join(["BHT", "0010", "13", f"{control_number}", stamp_date, stamp_time]),
        e.join(["HL", "1", "", "20", "1"]),
        e.join(
            [
                "NM1",
                "PR",
                "2",
                _clean(payer.get("name"), sep),
                "",
                "",
                "",
                "",
                "PI",
                _clean(payer["payer_id"], sep),
            ]
        ),
        e.join(["HL", "2", "1", "21", "1"]),
        e.join(
            ["NM1", "41", "2", _clean(first_billing.get("last_name"), sep), "", "", "", "", "46", receiver_id]
        ),
    ]
    hl = 2
    for billing_npi, group in chosen.groupby("billing_npi", sort=True):
        provider = _row(providers, "npi", billing_npi, "providers")
        hl += 1
        provider_hl = hl
        body += [
            e.join(["HL", str(hl), "2", "19", "1"]),
            e.join(
                [
                    "NM1",
                    "1P",
                    "2",
                    _clean(provider.get("last_name"), sep),
                    "",
                    "",
                    "",
                    "",
                    "XX",
                    _clean(billing_npi, sep),
                ]
            ),
        ]
        for claim in group.itertuples(index=False):
            part = _claim_segments(data, claim, hl + 1, provider_hl, spans, control, sep)
            hl += sum(1 for s in part if s.startswith(f"HL{sep.element}"))
            body += part
    body.append(e.join(["SE", str(len(body) + 1), "0001"]))
    trailer = [e.join(["GE", "1", str(control_number)]), e.join(["IEA", "1", f"{control_number:09d}"])]
    return t.join(segments + body + trailer) + t


def _claim_segments(
    data: ClaimsData,
    claim: _ClaimRow,
    hl: int,
    parent: int,
    spans: pd.DataFrame,
    control: pd.Series,
    sep: Separators,
) -> list[str]:
    e = sep.element
    patients = data.patients
    relationship = getattr(claim, "subscriber_relationship", None) or "18"
    subscriber_id = (
        claim.subscriber_id if relationship != "18" and pd.notna(claim.subscriber_id) else claim.patient_id
    )
    subscriber = _row(patients, "patient_id", subscriber_id, "patients")
    patient = _row(patients, "patient_id", claim.patient_id, "patients")
    span = spans.loc[claim.claim_id]
    end = span["end"] if pd.notna(span["end"]) else span["last"]
    dates = _d8(span["start"]) if span["start"] == end else f"{_d8(span['start'])}-{_d8(end)}"
    qualifier = "D8" if span["start"] == end else "RD8"

    def person(code: str, who: pd.Series, member: str = "") -> str:
        name = ["NM1", code, "1", _clean(who.get("last_name"), sep), _clean(who.get("first_name"), sep)]
        return e.join([*name, "", "", "", "MI", member] if member else name)

    def demographics(who: pd.Series) -> str:
        return e.join(["DMG", "D8", _d8(pd.Timestamp(who["birth_date"])), _clean(who.get("sex"), sep) or "U"])

    claim_part = [e.join(["TRN", "1", _clean(claim.claim_id, sep)])]
    if claim.claim_id in control.index:
        claim_part.append(e.join(["REF", "1K", _clean(control[claim.claim_id], sep)]))
    claim_part += [
        e.join(["REF", "EJ", _clean(claim.claim_id, sep)]),
        e.join(["AMT", "T3", f"{span['charge']:.2f}"]),
        e.join(["DTP", "472", qualifier, dates]),
    ]
    member = _clean(claim.member_id, sep)
    if not member:
        raise ImportFailed(f"claim {claim.claim_id} has no member_id; a 276 needs the subscriber's member id")
    if relationship == "18":
        return [
            e.join(["HL", str(hl), str(parent), "22", "0"]),
            demographics(subscriber),
            person("IL", subscriber, member),
            *claim_part,
        ]
    return [
        e.join(["HL", str(hl), str(parent), "22", "1"]),
        person("IL", subscriber, member),
        e.join(["HL", str(hl + 1), str(hl), "23"]),
        demographics(patient),
        person("QC", patient),
        *claim_part,
    ]


def _row(frame: pd.DataFrame | None, key: str, value: object, table: str) -> pd.Series:
    if frame is None or key not in frame.columns:
        raise ImportFailed(f"a 276 needs the {table} table (docs/tables.md)")
    found = frame[frame[key].astype("string").eq(str(value)).fillna(False)]
    if found.empty:
        raise ImportFailed(f"{table} has no row with {key} {value!r}")
    return found.iloc[0]
