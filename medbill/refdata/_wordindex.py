"""A small inverted word index for descriptor search, with scores in [0, 1].

Score of a document for a query: the IDF-weighted share of query words it contains (a word that
only prefixes a document word counts 0.8), times a mild preference for short descriptors
(0.85-1.0) so that "dexamethasone" ranks the plain drug code before long combinations. An exact
code match scores 1.0. Ties break by code, so results are deterministic.
"""

from __future__ import annotations

import bisect
import math
import re
from collections.abc import Sequence

import numpy as np

from medbill.refdata._text import search_args

_WORD = re.compile(r"[a-z0-9]+")
STOPWORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "any",
        "by",
        "each",
        "for",
        "from",
        "in",
        "into",
        "of",
        "on",
        "or",
        "other",
        "per",
        "than",
        "that",
        "the",
        "to",
        "with",
        "without",
    ]
)
PREFIX_WEIGHT = 0.8
MIN_PREFIX = 3


def words(text: str) -> list[str]:
    """Lower-case words of ``text`` without stopwords, plural "s" removed ("trays" -> "tray")."""
    text = text.lower().replace("x-ray", "xray")  # written both ways; one word either way
    return [_singular(w) for w in _WORD.findall(text) if w not in STOPWORDS]


def _singular(word: str) -> str:
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


class WordIndex:
    """Inverted index over ``texts``; ``codes`` are the display codes returned in results."""

    def __init__(self, codes: Sequence[str], texts: Sequence[str]) -> None:
        self.codes = np.asarray(list(codes), dtype=object)
        postings: dict[str, list[int]] = {}
        lengths = np.zeros(len(self.codes), dtype=np.int64)
        for i, text in enumerate(texts):
            ws = set(words(text or ""))
            lengths[i] = len(ws)
            for w in ws:
                postings.setdefault(w, []).append(i)
        self.lengths = np.maximum(lengths, 1)
        self.postings = {w: np.asarray(ids, dtype=np.int64) for w, ids in postings.items()}
        self.vocabulary = sorted(self.postings)
        n = max(len(self.codes), 1)
        self.idf = {w: math.log(1 + n / len(ids)) for w, ids in self.postings.items()}
        self.max_idf = math.log(1 + n)
        self._code_pos = {c: i for i, c in enumerate(self.codes)}
        # Rank of each code in sorted order, for the deterministic tie-break.
        self._code_rank = np.argsort(np.argsort(self.codes.astype(str), kind="stable"), kind="stable")

    def search(self, query: str, limit: int = 10) -> list[tuple[str, float, str]]:
        """Return up to ``limit`` (code, score, matched) sorted by score desc, then code."""
        query, limit = search_args(query, limit)
        if limit <= 0 or not len(self.codes):
            return []
        exact = self._code_pos.get(query.strip().upper().replace(".", ""))
        q = list(dict.fromkeys(words(query)))
        score = np.zeros(len(self.codes))
        matched_words = np.zeros(len(self.codes))
        total = 0.0
        for w in q:
            weight = np.zeros(len(self.codes))
            if w in self.postings:
                weight[self.postings[w]] = 1.0
            if len(w) >= MIN_PREFIX:
                lo = bisect.bisect_left(self.vocabulary, w)
                hi = bisect.bisect_left(self.vocabulary, w + "\uffff")
                for term in self.vocabulary[lo:hi]:
                    if term != w:
                        ids = self.postings[term]
                        weight[ids] = np.maximum(weight[ids], PREFIX_WEIGHT)
            idf = self.idf.get(w, self.max_idf)
            total += idf
            score += idf * weight
            matched_words += weight > 0
        if total:
            score = score / total * (0.85 + 0.15 * np.minimum(1.0, matched_words / self.lengths))
        if exact is not None:
            score[exact] = 1.0
        candidates = np.flatnonzero(score > 0)
        order = np.lexsort((self._code_rank[candidates], -score[candidates]))[:limit]
        out = []
        for i in candidates[order]:
            how = "code" if i == exact else "title"
            out.append((str(self.codes[i]), round(float(score[i]), 4), how))
        return out
