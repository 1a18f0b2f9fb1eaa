"""Replacement and void claims: the claims tables of claims a payer already processed, re-marked so
the 837P writer sends them as frequency 7 (replacement) or 8 (void) with the payer's claim control
number (CLP07 of the claim's latest remittance) as REF*F8.

A claim the payer never processed has no control number: it is refused, because the payer can
only replace or void a claim it knows (send it as a new claim, frequency 1, instead).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from medbill.claims.control_numbers import payer_control_numbers
from medbill.claims.tables import ClaimsData
from medbill.exceptions import ImportFailed

FREQUENCIES = {"7": "replacement", "8": "void"}


def mark_claims(data: ClaimsData, claim_ids: Sequence[str], frequency: str) -> ClaimsData:
    """``data`` narrowed to ``claim_ids``, each marked ``frequency`` (``"7"`` replacement, ``"8"``
    void) with its ``original_claim_ref`` set to the payer's claim control number.

    Raises ImportFailed naming the claims that are not in ``data`` or that no remittance gave a
    control number to."""
    if frequency not in FREQUENCIES:
        raise ValueError(f"frequency must be 7 (replacement) or 8 (void), got {frequency!r}")
    wanted = list(dict.fromkeys(str(c).strip() for c in claim_ids if str(c).strip()))
    if not wanted:
        raise ImportFailed(
            f"name the claims to send as {FREQUENCIES[frequency]}s (claim ids, comma-separated)"
        )
    missing = [c for c in wanted if c not in set(data.claims["claim_id"])]
    if missing:
        raise ImportFailed(f"claim(s) {', '.join(missing[:10])} are not in the claims table")
    control = payer_control_numbers(data)
    unknown = [c for c in wanted if c not in control.index]
    if unknown:
        raise ImportFailed(
            f"claim(s) {', '.join(unknown[:10])} have no payer claim control number (no remittance with "
            f"CLP07): a payer can only {'replace' if frequency == '7' else 'void'} a claim it processed; "
            "send them as new claims instead"
        )
    claims = data.claims[data.claims["claim_id"].isin(wanted)].copy()
    claims["claim_frequency"] = frequency
    claims["original_claim_ref"] = claims["claim_id"].map(control).astype("string")
    return dataclasses.replace(
        data,
        claims=claims,
        lines=data.lines[data.lines["claim_id"].isin(wanted)],
    )
