"""BM25 over code chunks: the "similar code" part of retrieval (and the benchmark baseline).

Tokens are identifiers and words, with camelCase and snake_case parts added, so `getUserName`
matches `user_name`. Pure and deterministic: equal scores keep their input order.
"""

from __future__ import annotations

import heapq
import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*|\d+")
_CAMEL = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+")
# Words so common in code that they carry no signal for "which code is this like".
_STOP = frozenset(
    [
        "self",
        "cls",
        "this",
        "the",
        "a",
        "an",
        "and",
        "or",
        "not",
        "if",
        "else",
        "elif",
        "for",
        "while",
        "in",
        "is",
        "return",
        "def",
        "class",
        "function",
        "func",
        "fn",
        "var",
        "let",
        "const",
        "import",
        "from",
        "as",
        "of",
        "to",
        "true",
        "false",
        "none",
        "null",
        "nil",
        "new",
        "public",
        "private",
        "static",
        "void",
        "int",
        "str",
        "string",
        "bool",
    ]
)


def tokens(text: str) -> list[str]:
    """Lower-cased identifier tokens plus their camel/snake parts, stop words removed."""
    out: list[str] = []
    for word in _WORD.findall(text):
        lower = word.lower()
        if lower not in _STOP and len(lower) > 1:
            out.append(lower)
        parts = [p.lower() for piece in word.split("_") for p in _CAMEL.findall(piece)]
        if len(parts) > 1:
            out.extend(p for p in parts if p not in _STOP and len(p) > 1)
    return out


# A query's terms: the rarest MAX_QUERY_TERMS count, terms in COMMON_SHARE of the corpus or more
# do not (unless nothing rarer is left); see BM25._query_terms.
MAX_QUERY_TERMS = 32
COMMON_SHARE = 0.25
# ... in a corpus of at least PRUNE_FROM documents (where walking postings costs; a small
# workspace is searched with every term)
PRUNE_FROM = 2000


@dataclass(frozen=True)
class Scored:
    index: int  # position of the document in the corpus
    score: float


class BM25:
    """Okapi BM25 over a fixed corpus of documents (each a string), with an inverted index so
    a query only touches the documents that contain its terms."""

    def __init__(self, documents: Iterable[str], k1: float = 1.2, b: float = 0.75) -> None:
        postings: dict[str, list[tuple[int, int]]] = {}
        lengths: list[int] = []
        for i, doc in enumerate(documents):
            tf = Counter(tokens(doc))
            lengths.append(sum(tf.values()))
            for term, f in tf.items():
                postings.setdefault(term, []).append((i, f))
        n = len(lengths)
        avg = (sum(lengths) / n) if n else 1.0
        self._n = n
        self._postings = postings
        self._idf = {
            t: math.log(1 + (n - len(p) + 0.5) / (len(p) + 0.5)) for t, p in postings.items()
        }
        # the length normalisation of each document, precomputed
        self._norm = [k1 * (1 - b + b * length / (avg or 1.0)) for length in lengths]
        self._k1 = k1

    def __len__(self) -> int:
        return self._n

    def _query_terms(self, query: str) -> list[str]:
        """The query's known terms, rarest first; on a large corpus at most MAX_QUERY_TERMS,
        and a term in a quarter of the corpus or more left out while rarer ones remain: walking
        its postings is most of a search's cost on a large workspace (tens of ms), and its
        weight is small."""
        idf = self._idf
        # (rarest, then by name): deterministic whatever the set's order
        known = sorted((t for t in set(tokens(query)) if t in idf), key=lambda t: (-idf[t], t))
        if self._n < PRUNE_FROM:
            return known  # a small corpus is searched fast with every term
        common = len(self._postings) and self._n * COMMON_SHARE
        rare = [t for t in known if len(self._postings[t]) < common]
        return (rare or known)[:MAX_QUERY_TERMS]

    def search(self, query: str, limit: int = 10, exclude: Sequence[int] = ()) -> list[Scored]:
        scores: dict[int, float] = {}
        k1 = self._k1
        for term in self._query_terms(query):
            idf = self._idf[term]
            for doc, f in self._postings[term]:
                scores[doc] = scores.get(doc, 0.0) + idf * f * (k1 + 1) / (f + self._norm[doc])
        for doc in exclude:
            scores.pop(doc, None)
        # the best `limit` (a heap: a query with common terms scores most of the corpus)
        ranked = heapq.nsmallest(limit, scores.items(), key=lambda item: (-item[1], item[0]))
        return [Scored(doc, score) for doc, score in ranked[:limit] if score > 0]
