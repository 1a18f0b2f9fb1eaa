"""Patient groups: which of ``parts`` groups each claim, line or other claim row belongs to.

Every scrub rule and pricing step looks at one patient's claims at a time (DUP-CLAIM and DUP-LINE
key on the patient; multiple-procedure ranking on the claim and date), so a group that holds all of
a patient's claims gives the same answers as the whole history. Both the in-process scrub of a big
batch and ``medbill partition`` split by these groups.

Keys are the scrubber's: text with surrounding spaces stripped, empty text missing. A claim goes to
the group of its patient (patient_id, else its claim_id); claim rows sharing a claim_id follow the
first of them (every rule gives their lines to the first), so CLAIM-ID-DUP sees them together; a row keyed by claim_id (a line, a remittance
row) follows that claim, and one whose claim is not in the claims table goes by its own claim_id.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from medbill.claims.tables import clean_text


def keys(values: pd.Series) -> np.ndarray:
    """Text as the scrubber keys it (stripped, empty as None), cleaned once per distinct value."""
    codes, distinct = pd.factorize(values, use_na_sentinel=True)
    cleaned = clean_text(pd.Series(np.asarray(distinct, dtype=object), dtype=object))
    table = cleaned.to_numpy(dtype=object, na_value=None)
    return np.append(table, np.array([None], dtype=object))[codes]  # NA (-1) takes the None at the end


def buckets(values: np.ndarray, parts: int) -> np.ndarray:
    """Group number per key: a stable hash (the same on every machine and run) modulo ``parts``;
    hashed once per distinct key."""
    codes, distinct = pd.factorize(np.asarray(values, dtype=object), use_na_sentinel=True)
    text = np.append(np.asarray(distinct, dtype=object), "")  # a missing key hashes as ""
    hashed = pd.util.hash_array(text) % np.uint64(parts)
    return hashed.astype(np.int64)[codes]


def _column(frame: pd.DataFrame, name: str) -> np.ndarray:
    return keys(frame[name]) if name in frame else np.full(len(frame), None, dtype=object)


def of_claims(claims: pd.DataFrame, parts: int) -> np.ndarray:
    """Group per claim row: its patient's; rows sharing a claim_id follow the first of them."""
    claim_id = _column(claims, "claim_id")
    patient = _column(claims, "patient_id")
    key = np.where(pd.isna(patient), claim_id, patient)
    ids = pd.factorize(claim_id, use_na_sentinel=False)[0]  # claims without an id group together
    first = np.full(ids.max() + 1 if len(ids) else 0, len(ids), dtype=np.int64)
    np.minimum.at(first, ids, np.arange(len(ids)))
    return buckets(key, parts)[first[ids]]


def following_claims(
    frame: pd.DataFrame, claims: pd.DataFrame, claim_groups: np.ndarray, parts: int
) -> np.ndarray:
    """Group per row of ``frame`` (keyed by claim_id): its claim's (the first claim row of that
    id), else the bucket of its own claim_id."""
    claim_keys = pd.Index(_column(claims, "claim_id"))
    row_keys = _column(frame, "claim_id")
    first = ~claim_keys.duplicated() & claim_keys.notna()
    at = pd.Index(claim_keys[first]).get_indexer(row_keys)
    own = buckets(row_keys, parts)
    return np.where(at >= 0, claim_groups[first][np.maximum(at, 0)], own)
