"""Open documents: versioned text and its one parse, edited by offset, read through immutable
snapshots.

Offsets here are Python string indices (Unicode code points). The LSP layer converts
editor positions (UTF-8 / UTF-16 / UTF-32 columns) into these offsets before calling in.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from radix_ls.index import languages
from radix_ls.index.incremental import IncrementalDocument
from radix_ls.workspace import paths

_EOL = re.compile(r"\r\n|\r|\n")
# Any surrogate code point in a stored text is a lone half: pairs are one code point in Python
# strings (JSON's decoder and `join_surrogates` combine them).
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")

# Documents larger than this are neither parsed nor completed (minified bundles, generated
# data): nothing the parse or a completion gives is worth its cost on every keystroke there.
MAX_DOCUMENT_CHARS = 4 * 1024 * 1024


class DocumentError(ValueError):
    """A request named a document or an edit that does not fit the store's state."""


@dataclass(frozen=True)
class DocumentSnapshot:
    """One version of one document; never changes, safe to hand to slow work."""

    uri: str
    version: int
    language_id: str
    text: str
    path: Path | None = None
    # The tree-sitter tree of `text` (in the registry language of `language_id`/`path`), kept
    # incrementally by the session's document store: the one parse of this version that
    # completion context and code actions share. None for a language without a grammar, or a
    # snapshot made without a store.
    tree: Any = field(default=None, compare=False, repr=False)

    @property
    def display_path(self) -> str:
        return self.path.name if self.path else self.uri.rsplit("/", 1)[-1]

    def for_model(self) -> DocumentSnapshot:
        """This snapshot as a model may read it: lone surrogate halves (an astral character
        whose second half the editor has not sent yet) as U+FFFD, since no tokenizer can encode
        them. U+FFFD takes the room of a half in code points, UTF-8 bytes and UTF-16 units
        alike, so offsets, positions and the tree stay valid."""
        if _LONE_SURROGATE.search(self.text) is None:
            return self
        return replace(self, text=_LONE_SURROGATE.sub("\ufffd", self.text))


@dataclass(frozen=True)
class TextEdit:
    """Replace text[start:end] with `text` (offsets in code points)."""

    start: int
    end: int
    text: str


def offset_at(text: str, line: int, column: int) -> int:
    """Offset of a 0-based line and code-point column; lines end at \\n, \\r\\n or \\r.

    The column may be the line's length (the end of the line), not more.
    """
    if line < 0 or column < 0:
        raise DocumentError(f"negative position {line + 1}:{column + 1}")
    start = 0
    if line > 0:
        for n, match in enumerate(_EOL.finditer(text), start=1):
            if n == line:
                start = match.end()
                break
        else:
            raise DocumentError(f"line {line + 1} is past the end of the file")
    eol = _EOL.search(text, start)
    end = eol.start() if eol else len(text)
    if start + column > end:
        raise DocumentError(
            f"column {column + 1} is past the end of line {line + 1} ({end - start} characters)"
        )
    return start + column


def _high(ch: str) -> bool:
    return "\ud800" <= ch <= "\udbff"


def _low(ch: str) -> bool:
    return "\udc00" <= ch <= "\udfff"


def join_surrogates(text: str, edit: TextEdit) -> TextEdit:
    """`edit` widened so that surrogate halves meeting at its edges become one code point.

    An editor that keeps UTF-16 may send an astral character's two halves in separate edits
    (JSON carries each as a lone `\\udXXX` escape). Stored as two code points they would count
    3 + 3 UTF-8 bytes instead of 4, and every later column on the line would be off.
    """
    start, end, new = edit.start, edit.end, edit.text
    left = new[:1] or text[end : end + 1]  # what will follow text[start - 1]
    if start > 0 and left and _high(text[start - 1]) and _low(left):
        start -= 1
        new = text[start] + new
    right = new[-1:] or text[start - 1 : start]  # what will precede text[end]
    if end < len(text) and right and _high(right) and _low(text[end]):
        new += text[end]
        end += 1
    if (start, end, new) == (edit.start, edit.end, edit.text):
        return edit
    # UTF-16 with surrogatepass both ways joins each pair and keeps any lone half as it was.
    joined = new.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "surrogatepass")
    return TextEdit(start, end, joined)


def apply_edits(text: str, edits: list[TextEdit]) -> str:
    """Apply edits one after another, each against the result of the previous one.

    This is the LSP `didChange` rule: content changes are applied in order. Surrogate halves
    that an edit brings together are joined (`join_surrogates`).
    """
    for edit in edits:
        if not 0 <= edit.start <= edit.end <= len(text):
            raise DocumentError(
                f"edit range {edit.start}..{edit.end} is outside the document (length {len(text)})"
            )
        edit = join_surrogates(text, edit)
        text = text[: edit.start] + edit.text + text[edit.end :]
    return text


class DocumentStore:
    """Open documents by URI, each with its one incremental parse.

    Mutated only from the event loop; readers take snapshots. A document in a language of the
    registry (grammars/manifest.json) and under `MAX_DOCUMENT_CHARS` is parsed once when opened
    and re-parsed incrementally on each edit (`index.incremental`); every snapshot carries
    that version's tree, so completion context and code actions never parse it again.
    """

    def __init__(self, root: Path | None = None) -> None:
        # the workspace root: a parse names its definitions by the path relative to it
        self.root = root
        self._docs: dict[str, DocumentSnapshot] = {}
        self._parsed: dict[str, IncrementalDocument] = {}
        # workspace-relative path -> uri, for the parsed documents inside the root
        self._by_path: dict[str, str] = {}
        # full and incremental parses made (one per edit; editors send one edit per version)
        self.parses = 0
        self.parsed_by_path: Mapping[str, IncrementalDocument] = _ParsedByPath(self)

    def open(self, snapshot: DocumentSnapshot) -> DocumentSnapshot:
        """Track `snapshot` (parsing it); returns the stored snapshot, tree attached."""
        self._forget(snapshot.uri)
        doc = self._parse(snapshot)
        stored = replace(snapshot, tree=doc.tree) if doc is not None else snapshot
        self._docs[snapshot.uri] = stored
        return stored

    def close(self, uri: str) -> None:
        self._docs.pop(uri, None)
        self._forget(uri)

    def _forget(self, uri: str) -> None:
        doc = self._parsed.pop(uri, None)
        if doc is not None and self._by_path.get(doc.path) == uri:
            del self._by_path[doc.path]

    def relative(self, snapshot: DocumentSnapshot) -> str | None:
        """The document's workspace-relative path; None outside the root (or without one)."""
        if snapshot.path is None or self.root is None:
            return None
        return paths.relative(snapshot.path, self.root.resolve()) or paths.relative(
            snapshot.path, self.root
        )

    def get(self, uri: str) -> DocumentSnapshot:
        try:
            return self._docs[uri]
        except KeyError:
            raise DocumentError(f"document is not open: {uri}") from None

    def find(self, uri: str) -> DocumentSnapshot | None:
        return self._docs.get(uri)

    def parsed(self, uri: str) -> IncrementalDocument | None:
        """The incremental parse of an open document (None: not parsed, see the class)."""
        return self._parsed.get(uri)

    def edit(
        self, uri: str, version: int, edits: list[TextEdit], text: str | None = None
    ) -> DocumentSnapshot:
        """Apply didChange's edits in order; the parse follows them incrementally. `text`: the
        edits' result when the caller has computed it already (checking them)."""
        old = self.get(uri)
        if text is None:
            text = apply_edits(old.text, edits)
        new = replace(old, version=version, text=text, tree=None)
        doc = self._parsed.get(uri)
        if doc is not None:
            try:
                for e in edits:
                    doc.apply_text_edit(e.start, e.end, e.text)
                    self.parses += 1  # incremental: tree-sitter reuses the unchanged subtrees
            except ValueError:
                doc = None
            if doc is None or doc.text != text:
                doc = self._parse(new)  # out of step: parse the new text afresh
        elif old.tree is None and len(old.text) > MAX_DOCUMENT_CHARS >= len(text):
            doc = self._parse(new)  # shrank under the limit
        if doc is not None and len(text) > MAX_DOCUMENT_CHARS:
            self._forget(uri)
            doc = None
        new = replace(new, tree=doc.tree) if doc is not None else new
        self._docs[uri] = new
        return new

    def replace(self, uri: str, version: int, text: str) -> DocumentSnapshot:
        """Replace the whole text (a full-document sync)."""
        old = self.get(uri)
        return self.open(replace(old, version=version, text=text, tree=None))

    def _parse(self, snapshot: DocumentSnapshot) -> IncrementalDocument | None:
        language = languages.language_for(snapshot.language_id, snapshot.path)
        if language is None or len(snapshot.text) > MAX_DOCUMENT_CHARS:
            return None
        rel = self.relative(snapshot)
        doc = IncrementalDocument(language, snapshot.text, rel or snapshot.display_path)
        self.parses += 1
        self._parsed[snapshot.uri] = doc
        if rel is not None:
            self._by_path[rel] = snapshot.uri
        return doc

    def snapshots(self) -> list[DocumentSnapshot]:
        return list(self._docs.values())

    def __contains__(self, uri: str) -> bool:
        return uri in self._docs

    def __len__(self) -> int:
        return len(self._docs)


class _ParsedByPath(Mapping[str, IncrementalDocument]):
    """The parsed open documents inside the workspace, by workspace-relative path (what the
    repository context reads instead of the disk: the editor's text is newer)."""

    def __init__(self, store: DocumentStore) -> None:
        self._store = store

    def __getitem__(self, rel: str) -> IncrementalDocument:
        return self._store._parsed[self._store._by_path[rel]]

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._store._by_path))

    def __len__(self) -> int:
        return len(self._store._by_path)
