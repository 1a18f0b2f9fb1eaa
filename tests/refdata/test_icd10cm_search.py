"""ICD-10-CM search: what a coder expects to find, score range, determinism, code queries."""

from __future__ import annotations

import itertools

import pytest

from medbill.refdata import icd10cm


@pytest.mark.parametrize(
    ("query", "expected_prefixes", "within"),
    [
        ("type 2 diabetes with neuropathy", ("E11.40", "E11.41", "E11.42", "E11.43", "E11.44", "E11.49"), 3),
        ("asthma NOS", ("J45.909",), 1),  # an inclusion term, found first
        ("torus fracture right radius", ("S52.52",), 3),  # lower end of radius (S52.52x)
        ("chest pain", ("R07.9", "R07.89"), 3),
        ("Sézary disease", ("C84.1",), 3),  # accents fold to ASCII
        ("essential hypertension", ("I10",), 3),
        ("neuropath", ("E", "G", "M", "T", "H"), 1),  # a word prefix still finds something
    ],
)
def test_expected_codes_near_the_top(query: str, expected_prefixes: tuple[str, ...], within: int) -> None:
    hits = icd10cm.search(query, limit=10)
    top = [h.code for h in hits[:within]]
    assert any(code.startswith(expected_prefixes) for code in top), (query, top)


def test_hits_have_the_documented_fields() -> None:
    hits = icd10cm.search("asthma NOS", limit=5)
    first = hits[0]
    assert (first.system, first.code, first.billable, first.score) == ("icd10cm", "J45.909", True, 1.0)
    assert first.title == "Unspecified asthma, uncomplicated"
    assert first.matched == "inclusion term: Asthma NOS"
    assert all(0.0 <= h.score <= 1.0 for h in hits)
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def _tie_key(hit) -> tuple[float, str]:
    # by code, a header after the codes under it
    return -hit.score, icd10cm.compact(hit.code) + ("" if hit.billable else "~")


def test_ties_are_ordered_by_code_and_results_repeat() -> None:
    hits = icd10cm.search("fracture", limit=50)
    for a, b in itertools.pairwise(hits):
        assert _tie_key(a) <= _tie_key(b)
    assert icd10cm.search("fracture", limit=50) == hits
    assert len({h.code for h in hits}) == len(hits)  # one hit per code


@pytest.mark.parametrize(
    ("query", "first", "matched"),
    [
        ("E11.4", "E11.4", "code"),  # a code returns itself first ...
        ("s52521a", "S52.521A", "code"),  # ... in any forgiving form
    ],
)
def test_code_queries(query: str, first: str, matched: str) -> None:
    hits = icd10cm.search(query, limit=4)
    assert (hits[0].code, hits[0].matched, hits[0].score) == (first, matched, 1.0)
    assert all(h.code.startswith(first) for h in hits)


@pytest.mark.parametrize(
    "query",
    [
        "",  # empty
        "   ",  # blank
        "of the with",  # only connecting words
        "zzzzqqq",  # no such word
    ],
)
def test_queries_without_matches(query: str) -> None:
    assert icd10cm.search(query) == []


def test_search_by_date_uses_that_release() -> None:
    assert icd10cm.search("E11.A", on="2025-10-01")[0].code == "E11.A"
    assert all(h.code != "E11.A" for h in icd10cm.search("diabetes in remission", limit=20, on="2025-09-30"))


@pytest.mark.parametrize(
    ("query", "on", "first", "score", "matched"),
    [
        # FY2025 (order file, no notes) is searched with the FY2026 tabular's terms of unchanged codes
        ("Stroke", "2025-03-01", "I63.9", 1.0, "inclusion term (FY2026 tabular): Stroke NOS"),
        # a category's "includes" note is searched too
        ("high blood pressure", "2026-03-01", "I10", 1.0, "includes: high blood pressure"),
        # parenthesised words are nonessential: "Essential (primary) hypertension" says the query exactly
        ("essential hypertension", "2026-03-01", "I10", 1.0, "title"),
        # "not elsewhere classified" and "unspecified organism" are the default, not extra words
        ("stress", "2026-03-01", "Z73.3", 1.0, "title"),
        ("sepsis", "2026-03-01", "A41.9", 1.0, "title"),
        # only essential words earn precision: not N40.2 "... without lower urinary tract symptoms"
        ("urinary tract infection", "2026-03-01", "N39.0", 1.0, "title"),
    ],
)
def test_terms_and_nonessential_words(query: str, on: str, first: str, score: float, matched: str) -> None:
    hit = icd10cm.search(query, limit=3, on=on)[0]
    assert (hit.code, hit.score, hit.matched) == (first, score, matched)


def test_without_phrase_is_the_default() -> None:
    # "Laceration without foreign body" (S51.81-) before "with foreign body" (S51.82-)
    codes = [h.code for h in icd10cm.search("laceration of forearm", limit=6, on="2026-03-01")]
    assert codes[:3] == ["S51.819", "S51.811", "S51.812"], codes


def test_a_word_spelled_nearly_alike_is_found() -> None:
    # "hypertriglyceridemia" is not in the tabular; "hyperglyceridemia" is (E78.1, E78.3)
    codes = [h.code for h in icd10cm.search("hypertriglyceridemia", limit=3, on="2026-03-01")]
    assert "E78.1" in codes
