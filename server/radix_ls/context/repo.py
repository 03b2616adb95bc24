"""Repository context for completions: the workspace index, open documents and retrieval.

`RepoContext` answers retrieval's questions (`IndexQueries`) from the index, reading file
contents from the open document when there is one (the editor's text is newer than the disk),
keeps the BM25 index over the workspace's chunks (rebuilt in the background after the index
changes, never on a request),
and memoises retrieval per cursor line: while the user types on one line nothing retrieval
looks at changes, so every keystroke gets the very same snippets (prefix caching). What the
line being typed adds (`typed`) is looked up on every request and appended after them.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from radix_ls.context.retrieval import (
    NEAR_AFTER,
    NEAR_BEFORE,
    Snippet,
    header_names,
    names_near,
    retrieve,
    typed,
)
from radix_ls.context.similar import SimilarIndex
from radix_ls.index.extract import extract
from radix_ls.index.incremental import IncrementalDocument
from radix_ls.index.indexer import Indexer
from radix_ls.index.languages import language_for_path
from radix_ls.index.model import Definition, Import

_MEMO_SIZE = 64


class RepoContext:
    """Cross-file context over one workspace's `Indexer` (thread-safe)."""

    def __init__(
        self, indexer: Indexer, documents: Mapping[str, IncrementalDocument] | None = None
    ) -> None:
        self.indexer = indexer
        # the open documents' parses by relative path (the session's document store)
        self.documents: Mapping[str, IncrementalDocument] = (
            documents if documents is not None else {}
        )
        self._similar: SimilarIndex | None = None
        self._version = 0
        self._memo: dict[tuple[object, ...], list[Snippet]] = {}
        self._lock = threading.Lock()
        self._outline_memo: tuple[str, str, tuple[Definition, ...]] | None = None

    @property
    def root(self) -> Path:
        return self.indexer.root

    def relative(self, path: Path | str) -> str | None:
        return self.indexer.relative(path)

    def invalidate(self) -> None:
        """The index changed (refresh, files on disk): forget memoised retrievals."""
        with self._lock:
            self._version += 1
            self._memo.clear()

    # -- IndexQueries -------------------------------------------------------------------------

    def imports_of(self, path: str) -> Sequence[Import]:
        return self.indexer.imports_of(path)

    def definitions_named(self, name: str) -> Sequence[Definition]:
        return self.indexer.definitions_named(name)

    def definitions_in(self, path: str) -> Sequence[Definition]:
        doc = self.documents.get(path)
        if doc is not None:
            return doc.definitions()  # the editor's text is newer than the index's
        return self.indexer.definitions_in(path)

    def file_bytes(self, path: str) -> bytes | None:
        doc = self.documents.get(path)
        if doc is not None:
            return doc.data
        try:
            return (self.root / path).read_bytes()
        except OSError:
            return None

    def definitions_of(self, path: str, text: str) -> Sequence[Definition]:
        """The definitions in `text` (the current content of `path`)."""
        doc = self.documents.get(path)
        if doc is not None and doc.text == text:
            return doc.definitions()
        memo = self._outline_memo
        if memo is not None and memo[0] == path and memo[1] == text:
            return memo[2]
        language = language_for_path(path)
        if language is None:
            return ()
        data = text.encode("utf-8", "surrogatepass")
        found = extract(path, data, language, chunks=False).definitions
        self._outline_memo = (path, text, found)
        return found

    # -- retrieval ----------------------------------------------------------------------------

    def similar(self) -> SimilarIndex | None:
        """The BM25 index over the workspace's chunks as last built (None before the first
        build). Never built here: building reads every indexed file, so it runs off the
        request path, in `rebuild_similar`."""
        return self._similar

    def rebuild_similar(self) -> SimilarIndex:
        """Build the BM25 index from the index as it is now (blocking: call it in a worker
        thread, after indexing). Requests keep using the previous one until it is swapped in."""
        built = SimilarIndex.build(self.indexer.chunks())
        with self._lock:
            self._similar = built
            self._memo.clear()
        return built

    def snippets(
        self,
        path: str,
        text: str,
        definitions: Sequence[Definition],
        cursor_line: int,
        *,
        budget: int,
        count: Callable[[str], int],
        window: tuple[int, int],
    ) -> list[Snippet]:
        lines = text.split("\n")
        near = lines[max(0, cursor_line - 1 - NEAR_BEFORE) : cursor_line + NEAR_AFTER]
        del near[min(cursor_line - 1, NEAR_BEFORE)]  # the line being typed does not count
        key = (
            path,
            cursor_line,
            budget,
            window,
            self._version,
            # the enclosing definitions' headers count as used near the cursor
            tuple(header_names(definitions, lines, cursor_line)),
            hashlib.sha1("\n".join(near).encode("utf-8", "surrogatepass")).hexdigest(),
        )
        with self._lock:
            hit = self._memo.get(key)
        if hit is not None:
            return hit
        result = retrieve(
            path,
            text,
            definitions,
            cursor_line,
            self,
            budget=budget,
            count=count,
            window=window,
            similar=self.similar(),
        )
        with self._lock:
            if len(self._memo) >= _MEMO_SIZE:
                self._memo.clear()
            self._memo[key] = result
        return result

    def typed(
        self,
        path: str,
        text: str,
        definitions: Sequence[Definition],
        cursor_line: int,
        line_prefix: str,
        *,
        budget: int,
        count: Callable[[str], int],
    ) -> list[Snippet]:
        """Definitions for the line being typed (`retrieval.typed`): not memoised, it changes
        with every keystroke."""
        lines = text.split("\n")
        near = names_near(lines, cursor_line, header_names(definitions, lines, cursor_line))
        return typed(
            path, line_prefix, self, near, budget=budget, count=count, similar=self.similar()
        )
