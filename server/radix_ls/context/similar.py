"""The similar-code index: BM25 over the workspace's chunks, built once per index state off
the request path and reused by every request (retrieval's last step), with the token counts
of its chunks and the sorted top-level names a name being typed is looked up in."""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from radix_ls.context.bm25 import BM25
from radix_ls.index.model import Chunk


@dataclass(frozen=True)
class SimilarIndex:
    """BM25 over the workspace's chunks (built once per index state, reused per request)."""

    chunks: tuple[Chunk, ...]
    bm25: BM25
    # the names of the top-level definitions, sorted: a name being typed is looked up by prefix
    names: tuple[str, ...] = ()
    _tokens: dict[tuple[int, object], int] = field(default_factory=dict, compare=False)
    _by_path: dict[str, list[int]] = field(default_factory=dict, compare=False)

    @classmethod
    def build(cls, chunks: Iterable[Chunk]) -> SimilarIndex:
        kept = tuple(chunks)
        names = {c.name for c in kept if c.kind == "definition" and c.name and "." not in c.name}
        return cls(kept, BM25(c.text for c in kept), tuple(sorted(names)))

    def chunks_of(self, path: str) -> list[int]:
        """The positions of `path`'s chunks (a map built on first use)."""
        if not self._by_path:
            by_path: dict[str, list[int]] = {}
            for i, c in enumerate(self.chunks):
                by_path.setdefault(c.path, []).append(i)
            self._by_path.update(by_path)
        return self._by_path.get(path, [])

    def tokens(self, i: int, count: Callable[[str], int]) -> int:
        """Chunk `i`'s token count, counted once per tokenizer (similar chunks come back
        request after request)."""
        key = (i, count)
        n = self._tokens.get(key)
        if n is None:
            n = self._tokens[key] = count(self.chunks[i].text)
        return n

    def names_with_prefix(self, prefix: str, limit: int) -> list[str]:
        """Top-level definition names starting with `prefix` (at most `limit`, sorted)."""
        at = bisect.bisect_left(self.names, prefix)
        found: list[str] = []
        for name in self.names[at : at + limit]:
            if not name.startswith(prefix):
                break
            found.append(name)
        return found
