"""The engine's shared line codes (``Batch.factorized``, ``missing``, ``key``) and its skip records
(``skip_labelled``, ``skip_claims_labelled``) give what the pandas calls they replace give: the rules
read them instead of hashing the lines again, and their findings depend on the numbering."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from medbill.edits.engine import Batch
from medbill.edits.rules.integrity import dup_claim

# Raw text the normaliser cleans: spacing, case, dots, empty strings and NA, so distinct raw values
# collapse to one cleaned value or to NA.
PROCEDURES = [" 99213", "99213", "g0008", "G0008", "", None, "93000 ", "9300.0", "71046"]
MODIFIERS = [None, "25", " 25", "lt", "", None, "XU"]
POINTERS = ["A", "AB", " ab", None, "ABCD", ""]


def _batch(n: int, text_dtype: str | None) -> Batch:
    """``n`` lines over a third as many claims (some line claim_ids missing or unknown)."""
    rng = np.random.default_rng(3)
    n_claims = max(n // 3, 2)
    claim_ids = [f"C{i}" for i in range(n_claims)]
    claims = pd.DataFrame(
        {
            "claim_id": claim_ids,
            "patient_id": [f"P{i % 7}" for i in range(n_claims)],
            "claim_frequency": rng.choice(["1", "7", None], n_claims),
        }
    )
    lines = pd.DataFrame(
        {
            "claim_id": rng.choice([*claim_ids, " C1", "X9", None], n),
            "line_number": rng.integers(1, 4, n),
            "service_date": pd.to_datetime("2026-01-01") + pd.to_timedelta(rng.integers(0, 3, n), unit="D"),
            "procedure_code": rng.choice(np.array(PROCEDURES, dtype=object), n),
            "modifier1": rng.choice(np.array(MODIFIERS, dtype=object), n),
            "dx_pointers": rng.choice(np.array(POINTERS, dtype=object), n),
        }
    )
    if text_dtype is not None:
        text = ["claim_id", "procedure_code", "modifier1", "dx_pointers"]
        lines[text] = lines[text].astype(text_dtype)
        claims["claim_id"] = claims["claim_id"].astype(text_dtype)
    return Batch(claims, lines, as_of=date(2026, 12, 31))


# (lines, dtype of the raw text): a claim-sized object batch, and Arrow strings long enough for the
# pyarrow dictionary-encoding path.
SHAPES = [(12, None), (30_000, "str")]


@pytest.mark.parametrize(("n", "text_dtype"), SHAPES)
@pytest.mark.parametrize(
    "col", ["claim_id", "procedure_code", "modifier1", "modifier4", "dx_pointers", "service_date", "claim"]
)
def test_factorized_is_pandas_factorize_of_the_cleaned_column(
    n: int, text_dtype: str | None, col: str
) -> None:
    b = _batch(n, text_dtype)
    codes, distinct = b.factorized(col)
    want_codes, want_distinct = pd.factorize(b.line_values[col], use_na_sentinel=True)
    assert codes.tolist() == want_codes.tolist()
    assert list(distinct) == list(want_distinct)
    assert b.missing(col).tolist() == pd.isna(b.line_values[col]).tolist()


@pytest.mark.parametrize(("n", "text_dtype"), SHAPES)
@pytest.mark.parametrize(
    "columns",
    [
        ["procedure_code"],
        ["claim", "service_date"],
        ["patient_key", "rendering_npi", "service_date", "procedure_code", "modifier1", "modifier2"],
    ],
)
def test_key_numbers_groups_as_groupby(n: int, text_dtype: str | None, columns: list[str]) -> None:
    b = _batch(n, text_dtype)
    frame = pd.DataFrame({c: pd.Series(b.line_values[c], dtype=object) for c in columns})
    want = frame.groupby(columns, sort=False, dropna=False).ngroup()
    assert b.key(columns).tolist() == want.tolist()


def test_skip_labelled_records_each_reason_with_its_lines() -> None:
    b = _batch(12, None)
    b.running = "RULE"
    lines = np.array([0, 2, 3, 5, 7, 9])
    labels = np.array([1, -1, 0, 1, -1, 0])  # -1: checked
    b.skip_labelled(lines, labels, ["first", "second", "unused"])
    assert [(r, why, ln.tolist()) for r, why, ln in b.skips] == [
        ("RULE", "first", [3, 9]),
        ("RULE", "second", [0, 5]),
    ]


def test_skip_claims_labelled_records_the_claims_lines() -> None:
    b = _batch(12, None)
    b.running = "RULE"
    claim_of = b.line_values["claim"]
    wanted = np.unique(claim_of[claim_of >= 0])[:2]
    b.skip_claims_labelled(wanted, np.array([0, 0]), ["no release"])
    [(_, reason, lines)] = b.skips
    assert reason == "no release"
    assert lines.tolist() == np.flatnonzero(np.isin(claim_of, wanted)).tolist()


def test_shared_skips_give_later_rules_the_same_lines() -> None:
    b = _batch(12, None)
    calls = []

    def record() -> None:
        calls.append(b.running)
        b.skip_lines(np.array([1, 4]), "why")

    for rule_id in ("A", "B"):
        b.running = rule_id
        b.shared_skips("question", record)
    assert calls == ["A"]  # worked out once
    assert [(r, why, ln.tolist()) for r, why, ln in b.skips] == [("A", "why", [1, 4]), ("B", "why", [1, 4])]


def test_dup_claim_names_the_claim_first_billed_and_skips_replacements() -> None:
    claims = pd.DataFrame(
        {
            "claim_id": ["C1", "C2", "C3", "C4"],
            "patient_id": ["P1"] * 4,
            "claim_frequency": ["1", None, "7", "1"],  # no frequency is an original; 7 replaces
        }
    )
    lines = pd.DataFrame(
        {
            "claim_id": ["C2", "C1", "C3", "C4", "C4"],
            "line_number": [1, 1, 1, 1, 2],
            "service_date": pd.to_datetime(["2026-01-05"] * 5),
            "procedure_code": ["99213"] * 5,
        }
    )
    found = dup_claim(Batch(claims, lines, as_of=date(2026, 12, 31)))
    # C2's line comes first: C1 and C4 repeat it; C3 is a replacement; C4's second line repeats
    # its own claim too (DUP-LINE's finding) but was first billed on C2.
    assert found["line"].tolist() == [1, 3, 4]
    assert found["message"].tolist() == ["also billed on claim C2"] * 3
