"""The payer's claim control number (835 CLP07) of each claim: what replacement and void claims
(REF*F8) and claim status requests (REF*1K) quote back to the payer."""

from __future__ import annotations

import pandas as pd

from medbill.claims.tables import ClaimTables


def payer_control_numbers(data: ClaimTables) -> pd.Series:
    """The payer claim control number of each remitted claim's latest remittance, by claim id."""
    rc = data.remit_claims
    if rc is None or rc.empty:
        return pd.Series(dtype="string")
    known = rc[rc["payer_claim_control"].notna()]
    known = known.sort_values(["received_date", "payment_id"], kind="stable", na_position="first")
    return known.drop_duplicates("claim_id", keep="last").set_index("claim_id")["payer_claim_control"]
