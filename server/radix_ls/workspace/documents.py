"""Open documents: versioned text, edited by offset, read through immutable snapshots.

Offsets here are Python string indices (Unicode code points). The LSP layer converts
editor positions (UTF-8 / UTF-16 / UTF-32 columns) into these offsets before calling in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

# Language ids as editors send them, keyed by file extension (used where no editor tells us,
# e.g. the `complete` CLI).
LANGUAGE_BY_EXTENSION = {
    ".py": "python",
    ".pyi": "python",
    ".js": "javascript",
    ".mjs": "javascript",
    ".cjs": "javascript",
    ".jsx": "javascriptreact",
    ".ts": "typescript",
    ".mts": "typescript",
    ".cts": "typescript",
    ".tsx": "typescriptreact",
    ".go": "go",
    ".rs": "rust",
    ".java": "java",
    ".c": "c",
    ".h": "c",
    ".cc": "cpp",
    ".cpp": "cpp",
    ".cxx": "cpp",
    ".hpp": "cpp",
    ".hh": "cpp",
    ".hxx": "cpp",
}


_EOL = re.compile(r"\r\n|\r|\n")


def language_for_path(path: str | Path) -> str:
    return LANGUAGE_BY_EXTENSION.get(Path(path).suffix.lower(), "plaintext")


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

    @property
    def display_path(self) -> str:
        return self.path.name if self.path else self.uri.rsplit("/", 1)[-1]


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


def apply_edits(text: str, edits: list[TextEdit]) -> str:
    """Apply edits one after another, each against the result of the previous one.

    This is the LSP `didChange` rule: content changes are applied in order.
    """
    for edit in edits:
        if not 0 <= edit.start <= edit.end <= len(text):
            raise DocumentError(
                f"edit range {edit.start}..{edit.end} is outside the document (length {len(text)})"
            )
        text = text[: edit.start] + edit.text + text[edit.end :]
    return text


class DocumentStore:
    """Open documents by URI. Mutated only from the event loop; readers take snapshots."""

    def __init__(self) -> None:
        self._docs: dict[str, DocumentSnapshot] = {}

    def open(self, snapshot: DocumentSnapshot) -> None:
        self._docs[snapshot.uri] = snapshot

    def close(self, uri: str) -> None:
        self._docs.pop(uri, None)

    def get(self, uri: str) -> DocumentSnapshot:
        try:
            return self._docs[uri]
        except KeyError:
            raise DocumentError(f"document is not open: {uri}") from None

    def find(self, uri: str) -> DocumentSnapshot | None:
        return self._docs.get(uri)

    def replace(self, uri: str, version: int, text: str) -> DocumentSnapshot:
        old = self.get(uri)
        new = DocumentSnapshot(uri, version, old.language_id, text, old.path)
        self._docs[uri] = new
        return new

    def snapshots(self) -> list[DocumentSnapshot]:
        return list(self._docs.values())

    def __contains__(self, uri: str) -> bool:
        return uri in self._docs

    def __len__(self) -> int:
        return len(self._docs)
