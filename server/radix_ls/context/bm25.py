"""BM25 over code chunks: the "similar code" part of retrieval (and the benchmark baseline).

Tokens are identifiers and words, with camelCase and snake_case parts added, so `getUserName`
matches `user_name`. Pure and deterministic: equal scores keep their input order.
"""

from __future__ import annotations

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


@dataclass(frozen=True)
class Scored:
    index: int  # position of the document in the corpus
    score: float


class BM25:
    """Okapi BM25 over a fixed corpus of documents (each a string)."""

    def __init__(self, documents: Iterable[str], k1: float = 1.2, b: float = 0.75) -> None:
        self._tf: list[Counter[str]] = [Counter(tokens(d)) for d in documents]
        self._len = [sum(tf.values()) for tf in self._tf]
        self._avg = (sum(self._len) / len(self._len)) if self._len else 0.0
        df: Counter[str] = Counter()
        for tf in self._tf:
            df.update(tf.keys())
        n = len(self._tf)
        self._idf = {t: math.log(1 + (n - f + 0.5) / (f + 0.5)) for t, f in df.items()}
        self._k1 = k1
        self._b = b

    def __len__(self) -> int:
        return len(self._tf)

    def search(self, query: str, limit: int = 10, exclude: Sequence[int] = ()) -> list[Scored]:
        terms = set(tokens(query))
        if not terms or not self._tf:
            return []
        skip = set(exclude)
        k1, b, avg = self._k1, self._b, self._avg or 1.0
        scored = []
        for i, tf in enumerate(self._tf):
            if i in skip:
                continue
            score = 0.0
            norm = k1 * (1 - b + b * self._len[i] / avg)
            for term in terms:
                f = tf.get(term)
                if f:
                    score += self._idf[term] * f * (k1 + 1) / (f + norm)
            if score > 0:
                scored.append(Scored(i, score))
        scored.sort(key=lambda s: (-s.score, s.index))
        return scored[:limit]
