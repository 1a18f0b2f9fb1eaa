"""Ranked ICD-10-CM text search over titles and inclusion terms, from a prebuilt inverted index.

Each code is searchable through its title and its own inclusion terms (J45.909 "Unspecified
asthma, uncomplicated" is also found as "Asthma NOS"). Text is folded to ASCII lower case, split on
non-alphanumerics, common connecting words are dropped ("with", "of", "the" ...) and a plural "s" is
trimmed. A query word missing from the vocabulary matches words that start with it ("neuropath").

Score, in [0, 1], for the best-matching text of a code, with ``w`` the inverse document frequency
of a word (rare words weigh more)::

    recall    = w(query words found in the text) / w(all query words)
    precision = w(query words found in the text) / w(all words of the text)
    score     = 0.8 * recall + 0.2 * precision

so 1.0 means the text says exactly the query's words, and among texts holding every query word the
shorter, more specific one ranks first. Ties are ordered by code, a header after the codes under
it (337 billable codes share their title with their header: "Pneumonia, unspecified organism" is
J18.9 first, then J18), so results are deterministic.
A query that is itself a code of the release returns that code first (score 1.0, matched "code")
followed by the codes under it (0.9, "code prefix").
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left
from typing import TYPE_CHECKING, Any

import numpy as np

from medbill.refdata import store
from medbill.refdata._text import search_args
from medbill.refdata._types import Hit
from medbill.refdata.icd10cm._format import compact
from medbill.refdata.icd10cm._model import CATEGORY, PACK_FORMAT, unpack_notes

if TYPE_CHECKING:
    from medbill.refdata.icd10cm._release import Release

INDEX_FORMAT = 2
RECALL_WEIGHT = 0.8
STOPWORDS = frozenset(
    ["a", "an", "and", "as", "at", "by", "for", "from", "in", "into", "of", "on", "or", "the", "to", "with"]
)
_WORD = re.compile(r"[a-z0-9]+")


def tokens(text: str) -> list[str]:
    """Normalised search words of ``text`` in order, without duplicates."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    out = []
    for word in _WORD.findall(folded):
        if word in STOPWORDS:
            continue
        if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
            word = word[:-1]
        out.append(word)
    return list(dict.fromkeys(out))


class SearchIndex:
    """Inverted index: word -> ids of the texts that contain it (numpy arrays, cached per release)."""

    def __init__(self, rel: Release) -> None:
        texts_row: list[int] = []
        texts_inclusion: list[str] = []  # "" for a title
        postings: dict[str, list[int]] = {}
        words_of: list[list[str]] = []

        def add(row: int, text: str, inclusion: str) -> None:
            tid = len(texts_row)
            texts_row.append(row)
            texts_inclusion.append(inclusion)
            words = tokens(text)
            words_of.append(words)
            for w in words:
                postings.setdefault(w, []).append(tid)

        kinds = rel._kinds
        for row in range(len(rel.codes)):
            if kinds[row] >= CATEGORY:
                add(row, rel._title(row), "")
        for row, kind, text, _ in unpack_notes(rel._packed):
            if kind == "inclusion" and kinds[row] >= CATEGORY:
                add(row, text, text)
        n = len(texts_row)
        self.vocab = sorted(postings)
        self.word_id = {w: i for i, w in enumerate(self.vocab)}
        lists = [postings[w] for w in self.vocab]
        self.offsets = np.zeros(len(lists) + 1, dtype=np.int64)
        self.offsets[1:] = np.cumsum([len(x) for x in lists])
        self.postings = np.fromiter(
            (t for x in lists for t in x), dtype=np.int32, count=int(self.offsets[-1])
        )
        df = np.diff(self.offsets).astype(np.float64)
        self.idf = np.log1p(n / df)
        self.max_idf = float(np.log1p(n))
        self.text_weight = np.array([sum(self.idf[self.word_id[w]] for w in ws) for ws in words_of])
        self.text_row = np.array(texts_row, dtype=np.int32)
        self.text_inclusion = texts_inclusion
        # tie order: by code, a header after everything under it ("J18" sorts as "J18~", after "J189")
        keys = [c if b else c + "~" for c, b in zip(rel.codes, rel._billable_flags, strict=True)]
        rank = np.empty(len(rel.codes), dtype=np.int32)
        rank[np.argsort(np.array(keys, dtype=object), kind="stable")] = np.arange(len(rel.codes))
        self.code_rank = rank

    def _postings(self, word: str) -> tuple[np.ndarray, float]:
        """Text ids containing ``word`` (or, for an unknown word, any word starting with it) and its idf."""
        i = self.word_id.get(word)
        if i is not None:
            return self.postings[self.offsets[i] : self.offsets[i + 1]], float(self.idf[i])
        start = bisect_left(self.vocab, word)
        end = bisect_left(self.vocab, word + "\x7f")
        if start == end or len(word) < 3:
            return self.postings[:0], self.max_idf
        seen = np.zeros(len(self.text_row), dtype=bool)
        seen[self.postings[self.offsets[start] : self.offsets[end]]] = True
        ids = np.flatnonzero(seen)
        return ids, float(np.log1p(len(self.text_row) / len(ids)))

    def query(self, text: str, keep: int = 2000) -> tuple[np.ndarray, np.ndarray]:
        """(text ids, scores) of the best texts sharing a word with the query, best first, ties by code.

        Only texts scoring at least the ``keep``-th best score are sorted (all ties of that score
        included), which keeps a query on common words ("right", "encounter") fast.
        """
        words = tokens(text)
        acc = np.zeros(len(self.text_row), dtype=np.float64)
        total = 0.0
        for word in words:
            ids, weight = self._postings(word)
            acc[ids] += weight
            total += weight
        cand = np.flatnonzero(acc)
        if not len(cand) or total == 0:
            return cand, acc[:0]
        found = acc[cand]
        scores = RECALL_WEIGHT * found / total + (1 - RECALL_WEIGHT) * found / self.text_weight[cand]
        scores = np.round(scores, 6)
        if len(scores) > keep:
            floor = np.partition(scores, len(scores) - keep)[len(scores) - keep]
            best = scores >= floor
            cand, scores = cand[best], scores[best]
        order = np.lexsort((self.code_rank[self.text_row[cand]], -scores))
        return cand[order], scores[order]


def _index(rel: Release) -> SearchIndex:
    if rel._search_index is None:
        key = f"icd10cm-search-{rel.provenance.sha256[:32]}-v{INDEX_FORMAT}.{PACK_FORMAT}"
        rel._search_index = store.cached(key, lambda: SearchIndex(rel))
    return rel._search_index


def _hit(rel: Release, row: int, score: float, matched: str) -> Hit:
    code = rel._code(row)
    return Hit("icd10cm", code.display, code.title, code.billable, score, matched)


def _code_hits(rel: Release, text: Any, limit: int) -> list[Hit] | None:
    try:
        key = compact(text)
    except ValueError:
        return None
    row = rel._find(key)
    if row < 0:
        return None
    hits = [_hit(rel, row, 1.0, "code")]
    i = bisect_left(rel._sorted, key) + 1
    while len(hits) < limit and i < len(rel._sorted) and rel._sorted[i].startswith(key):
        hits.append(_hit(rel, rel._sorted_rows[i], 0.9, "code prefix"))
        i += 1
    return hits


def search_release(rel: Release, text: str, limit: int = 10) -> list[Hit]:
    """Best ``limit`` codes of ``rel`` for ``text`` (see the module docstring for the score)."""
    text, limit = search_args(text, limit)
    if limit <= 0:
        return []
    by_code = _code_hits(rel, text, limit)
    if by_code is not None:
        return by_code
    index = _index(rel)
    ids, scores = index.query(text)
    hits: list[Hit] = []
    seen: set[int] = set()
    for tid, score in zip(ids.tolist(), scores.tolist(), strict=True):
        row = int(index.text_row[tid])
        if row in seen:
            continue
        seen.add(row)
        inclusion = index.text_inclusion[tid]
        hits.append(_hit(rel, row, score, f"inclusion term: {inclusion}" if inclusion else "title"))
        if len(hits) >= limit:
            break
    return hits
