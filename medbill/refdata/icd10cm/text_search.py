"""Ranked ICD-10-CM text search over titles and inclusion terms, from a prebuilt inverted index.

Each code is searchable through its title, its own inclusion terms (J45.909 "Unspecified
asthma, uncomplicated" is also found as "Asthma NOS") and, for a category, the terms of its
"includes" note (I10 is also found as "high blood pressure"). A release without notes of its own
(the embedded FY2025 order file) is searched through the inclusion and includes terms of the
newest tabular XML release for the codes whose title is unchanged there; such a hit names the
release the term came from. Text is folded to ASCII lower case, split on non-alphanumerics,
common connecting words are dropped ("with", "of", "the" ...) and a plural "s" is trimmed. A query
word missing from the vocabulary matches words that start with it ("neuropath"), else the
vocabulary words spelled nearly alike ("hypertriglyceridemia" -> "hyperglyceridemia").

Score, in [0, 1], for the best-matching text of a code, with ``w`` the inverse document frequency
of a word (rare words weigh more)::

    recall    = w(query words found in the text) / w(all query words)
    precision = w(query words found among the text's essential words) / w(the text's essential words)
    score     = 0.8 * recall + 0.2 * precision

The essential words of a text leave out what ICD-10-CM writes as nonessential: words in
parentheses or brackets ("Essential (primary) hypertension"), a "without ..." phrase (what is
absent is the default: "Laceration without foreign body") and the default qualifiers "NOS",
"NEC", "not elsewhere classified", "(site) not specified" and "unspecified" (with the dimension it
names: "unspecified organism", "unspecified site"). So 1.0 means the text says the query's words
and nothing more that matters ("Stroke" finds I63.9 "Stroke NOS" at 1.0), and among texts holding
every query word the shorter, more specific one ranks first. Ties prefer a text with a default
qualifier (the code a coder takes when nothing more is documented), then go by code, a header
after the codes under it (337 billable codes share their title with their header: "Pneumonia,
unspecified organism" is J18.9 first, then J18), so results are deterministic.
A query that is itself a code of the release returns that code first (score 1.0, matched "code")
followed by the codes under it (0.9, "code prefix").
"""

from __future__ import annotations

import difflib
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

INDEX_FORMAT = 5
RECALL_WEIGHT = 0.8
STOPWORDS = frozenset(
    ["a", "an", "and", "as", "at", "by", "for", "from", "in", "into", "of", "on", "or", "the", "to", "with"]
)
_WORD = re.compile(r"[a-z0-9]+")
# What ICD-10-CM writes as nonessential to a term: parenthesised or bracketed words, and the
# qualifiers of the default code (with the dimension "unspecified" names).
_NONESSENTIAL = re.compile(
    r"\([^)]*\)|\[[^\]]*\]|\bwithout [^,]*|\b(?:nos|nec|not elsewhere classified|not otherwise specified|(?:site )?not specified"
    r"|unspecified(?: (?:site|organism|type|part|side|ear|eye|laterality|cause|severity|stage|trimester|region|level))?)\b"
)
_DEFAULT = re.compile(
    r"\b(?:nos|nec|not elsewhere classified|not otherwise specified|not specified|unspecified)\b"
)
NOTE_KINDS = {"inclusion": "inclusion term", "includes": "includes"}
FUZZY_CUTOFF = 0.85  # difflib ratio for a query word that neither is nor starts a vocabulary word


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()


def tokens(text: str) -> list[str]:
    """Normalised search words of ``text`` in order, without duplicates."""
    out = []
    for word in _WORD.findall(_fold(text)):
        if word in STOPWORDS:
            continue
        if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
            word = word[:-1]
        out.append(word)
    return list(dict.fromkeys(out))


def essential_tokens(text: str) -> list[str]:
    """The words of ``text`` that count against precision (see the module docstring)."""
    return tokens(_NONESSENTIAL.sub(" ", _fold(text))) or tokens(text)


def _terms(rel: Release) -> tuple[list[tuple[int, str, str]], str]:
    """(row, kind, text) of the inclusion and includes terms searched for ``rel``, and the release
    they come from: ``rel``'s own, or for a release without notes the newest tabular XML's, on the
    codes whose title is unchanged there."""
    notes = unpack_notes(rel._packed)
    if notes:
        return [(row, kind, text) for row, kind, text, _ in notes if kind in NOTE_KINDS], ""
    from medbill.refdata.icd10cm import _sources, order_file

    source, _ = order_file.newest_xml_source()
    if source.name == rel.name:
        return [], ""
    theirs = _sources.load(source.name)
    ours = {code: row for row, code in enumerate(rel.codes)}
    terms = []
    for row, kind, text, _ in unpack_notes(theirs._packed):
        mine = ours.get(theirs.codes[row], -1)
        if kind in NOTE_KINDS and mine >= 0 and rel._title(mine) == theirs._title(row):
            terms.append((mine, kind, text))
    return terms, theirs.name


class SearchIndex:
    """Inverted index: word -> ids of the texts that contain it (numpy arrays, cached per release)."""

    def __init__(self, rel: Release) -> None:
        texts_row: list[int] = []
        texts_label: list[str] = []  # how a hit on the text is described; "title" for a title
        postings: dict[str, list[int]] = {}
        essential_of: dict[str, list[bool]] = {}  # per posting: the word is essential in that text
        essentials: list[list[str]] = []
        defaults: list[bool] = []

        def add(row: int, text: str, label: str) -> None:
            tid = len(texts_row)
            texts_row.append(row)
            texts_label.append(label)
            essential = essential_tokens(text)
            essentials.append(essential)
            defaults.append(bool(_DEFAULT.search(_fold(text))))
            for w in tokens(text):
                postings.setdefault(w, []).append(tid)
                essential_of.setdefault(w, []).append(w in essential)

        kinds = rel._kinds
        for row in range(len(rel.codes)):
            if kinds[row] >= CATEGORY:
                add(row, rel._title(row), "title")
        terms, borrowed = _terms(rel)
        origin = f" ({borrowed} tabular)" if borrowed else ""
        for row, kind, text in terms:
            if kinds[row] >= CATEGORY:
                add(row, text, f"{NOTE_KINDS[kind]}{origin}: {text}")
        n = len(texts_row)
        self.vocab = sorted(postings)
        self.word_id = {w: i for i, w in enumerate(self.vocab)}
        lists = [postings[w] for w in self.vocab]
        self.offsets = np.zeros(len(lists) + 1, dtype=np.int64)
        self.offsets[1:] = np.cumsum([len(x) for x in lists])
        self.postings = np.fromiter(
            (t for x in lists for t in x), dtype=np.int32, count=int(self.offsets[-1])
        )
        self.essential = np.fromiter(
            (e for w in self.vocab for e in essential_of[w]), dtype=bool, count=int(self.offsets[-1])
        )
        df = np.diff(self.offsets).astype(np.float64)
        self.idf = np.log1p(n / df)
        self.max_idf = float(np.log1p(n))
        self.text_weight = np.array([sum(self.idf[self.word_id[w]] for w in ws) for ws in essentials])
        self.text_default = np.array(defaults, dtype=bool)
        self.text_row = np.array(texts_row, dtype=np.int32)
        self.text_label = texts_label
        # tie order: by code, a header after everything under it ("J18" sorts as "J18~", after "J189")
        keys = [c if b else c + "~" for c, b in zip(rel.codes, rel._billable_flags, strict=True)]
        rank = np.empty(len(rel.codes), dtype=np.int32)
        rank[np.argsort(np.array(keys, dtype=object), kind="stable")] = np.arange(len(rel.codes))
        self.code_rank = rank

    def _ids_of(self, words: list[int]) -> tuple[np.ndarray, np.ndarray]:
        """(text ids holding any of the vocabulary words ``words``, those holding one as an essential word)."""
        if len(words) == 1:
            span = slice(self.offsets[words[0]], self.offsets[words[0] + 1])
            return self.postings[span], self.postings[span][self.essential[span]]
        seen = np.zeros(len(self.text_row), dtype=bool)
        essential = np.zeros(len(self.text_row), dtype=bool)
        for i in words:
            span = slice(self.offsets[i], self.offsets[i + 1])
            seen[self.postings[span]] = True
            essential[self.postings[span][self.essential[span]]] = True
        return np.flatnonzero(seen), np.flatnonzero(essential)

    def _postings(self, word: str) -> tuple[np.ndarray, np.ndarray, float]:
        """(text ids containing ``word``, those where it is essential, its idf); for an unknown word
        the words starting with it count, else the words spelled nearly alike."""
        i = self.word_id.get(word)
        if i is not None:
            return *self._ids_of([i]), float(self.idf[i])
        none = self.postings[:0]
        if len(word) < 3:
            return none, none, self.max_idf
        start = bisect_left(self.vocab, word)
        end = bisect_left(self.vocab, word + "\x7f")
        if start < end:
            ids, essential = self._ids_of(list(range(start, end)))
        else:
            alike = (
                difflib.get_close_matches(word, self.vocab, n=3, cutoff=FUZZY_CUTOFF)
                if len(word) >= 6
                else []
            )
            if not alike:
                return none, none, self.max_idf
            ids, essential = self._ids_of([self.word_id[w] for w in alike])
        return ids, essential, float(np.log1p(len(self.text_row) / len(ids)))

    def query(self, text: str, keep: int = 2000) -> tuple[np.ndarray, np.ndarray]:
        """(text ids, scores) of the best texts sharing a word with the query, best first, ties by code.

        Only texts scoring at least the ``keep``-th best score are sorted (all ties of that score
        included), which keeps a query on common words ("right", "encounter") fast.
        """
        words = tokens(text)
        acc = np.zeros(len(self.text_row), dtype=np.float64)
        acc_essential = np.zeros(len(self.text_row), dtype=np.float64)
        total = 0.0
        for word in words:
            ids, essential, weight = self._postings(word)
            acc[ids] += weight
            acc_essential[essential] += weight
            total += weight
        cand = np.flatnonzero(acc)
        if not len(cand) or total == 0:
            return cand, acc[:0]
        found = acc[cand]
        precision = np.minimum(1.0, acc_essential[cand] / self.text_weight[cand])
        scores = RECALL_WEIGHT * found / total + (1 - RECALL_WEIGHT) * precision
        scores = np.round(scores, 6)
        if len(scores) > keep:
            floor = np.partition(scores, len(scores) - keep)[len(scores) - keep]
            best = scores >= floor
            cand, scores = cand[best], scores[best]
        order = np.lexsort((self.code_rank[self.text_row[cand]], ~self.text_default[cand], -scores))
        return cand[order], scores[order]


def _index(rel: Release) -> SearchIndex:
    if rel._search_index is None:
        key = f"icd10cm-search-{rel.provenance.sha256[:32]}-v{INDEX_FORMAT}.{PACK_FORMAT}"
        if not rel._packed["note_rows"]:  # searched with the newest tabular XML's terms: key on it too
            from medbill.refdata.icd10cm import order_file

            key += f"-{order_file.newest_xml_source()[1][:16]}"
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
        hits.append(_hit(rel, row, score, index.text_label[tid]))
        if len(hits) >= limit:
            break
    return hits
