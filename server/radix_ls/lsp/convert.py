"""Conversions between LSP wire types and the domain's plain data.

LSP positions count columns in the negotiated encoding (UTF-8 bytes, UTF-16 code units or
UTF-32 code points); lines end at "\\n", "\\r\\n" or "\\r". The domain uses string offsets
(code points). Everything that turns one into the other lives here.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import NamedTuple

from lsprotocol import types

from radix_ls.features.actions import FileChange
from radix_ls.workspace.documents import TextEdit

_EOL = re.compile(r"\r\n|\r|\n")


class PositionError(ValueError):
    """A position that does not exist in the document (answered as InvalidParams)."""


@lru_cache(maxsize=16)
def _line_starts(text: str) -> tuple[int, ...]:
    return (0, *(m.end() for m in _EOL.finditer(text)))


def _line_end(text: str, starts: tuple[int, ...], line: int) -> int:
    """Offset of the end of `line`'s content, before its line break."""
    if line + 1 < len(starts):
        end = starts[line + 1]
        if text[end - 2 : end] == "\r\n":
            return end - 2
        return end - 1
    return len(text)


def _units(ch: str, encoding: str) -> int:
    cp = ord(ch)
    if encoding == types.PositionEncodingKind.Utf8:
        return 1 if cp < 0x80 else 2 if cp < 0x800 else 3 if cp < 0x10000 else 4
    if encoding == types.PositionEncodingKind.Utf32:
        return 1
    return 2 if cp >= 0x10000 else 1


def position_to_offset(
    text: str, position: types.Position, encoding: str, *, strict: bool = True
) -> int:
    """Offset in `text` of an LSP position.

    strict (requests): a line past the end, a column past the line's end or a column inside a
    character raise PositionError. Not strict (didChange ranges): columns past the end clamp to
    the line end and lines past the end clamp to the document end, as the LSP spec says.
    """
    line, column = position.line, position.character
    if line < 0 or column < 0:
        raise PositionError(f"negative position {line}:{column}")
    starts = _line_starts(text)
    if line >= len(starts):
        if strict:
            raise PositionError(
                f"line {line} is past the end of the document ({len(starts)} lines)"
            )
        return len(text)
    offset = starts[line]
    end = _line_end(text, starts, line)
    if encoding == types.PositionEncodingKind.Utf32 or text.isascii():
        target = offset + column
        if target > end:
            if strict:
                raise PositionError(f"column {column} is past the end of line {line}")
            return end
        return target
    units = 0
    while offset < end and units < column:
        units += _units(text[offset], encoding)
        offset += 1
    if units > column:
        if strict:
            raise PositionError(f"column {column} of line {line} is inside a character")
        return offset
    if units < column and strict:
        raise PositionError(f"column {column} is past the end of line {line}")
    return offset


def offset_to_position(text: str, offset: int, encoding: str) -> types.Position:
    starts = _line_starts(text)
    line = bisect.bisect_right(starts, offset) - 1
    segment = text[starts[line] : offset]
    if encoding == types.PositionEncodingKind.Utf32 or segment.isascii():
        return types.Position(line=line, character=len(segment))
    return types.Position(line=line, character=sum(_units(ch, encoding) for ch in segment))


def content_change_to_edit(
    text: str, change: types.TextDocumentContentChangeEvent, encoding: str
) -> TextEdit:
    """One didChange content change as a TextEdit against `text`."""
    if isinstance(change, types.TextDocumentContentChangePartial):
        start = position_to_offset(text, change.range.start, encoding, strict=False)
        end = position_to_offset(text, change.range.end, encoding, strict=False)
        if end < start:
            start, end = end, start
        return TextEdit(start, end, change.text)
    return TextEdit(0, len(text), change.text)


def range_of(text: str, start: int, end: int, encoding: str) -> types.Range:
    return types.Range(
        start=offset_to_position(text, start, encoding),
        end=offset_to_position(text, end, encoding),
    )


def diagnostic_span(text: str, diagnostic: types.Diagnostic, encoding: str) -> tuple[int, int]:
    """A diagnostic's range as offsets (clamped: other tools' ranges may be past the end)."""
    start = position_to_offset(text, diagnostic.range.start, encoding, strict=False)
    end = position_to_offset(text, diagnostic.range.end, encoding, strict=False)
    return (start, end) if start <= end else (end, start)


class EditTarget(NamedTuple):
    """Where a file change goes in the editor: its uri and, when the editor has it open, the
    version the edits apply to (None: the file on disk)."""

    uri: str
    version: int | None


def workspace_edit(
    changes: Sequence[FileChange],
    encoding: str,
    *,
    document_changes: bool,
    target: Callable[[FileChange], EditTarget],
) -> types.WorkspaceEdit:
    """A WorkspaceEdit from an action's file changes; `target(change)` says which document
    each one edits. `document_changes`: the client takes versioned edits and file creation
    (else the plain `changes` map, which cannot create files)."""

    def text_edits(change: FileChange) -> list[types.TextEdit]:
        old = change.old_text
        return [
            types.TextEdit(range=range_of(old, e.start, e.end, encoding), new_text=e.text)
            for e in change.edits
        ]

    if not document_changes:
        return types.WorkspaceEdit(changes={target(c).uri: text_edits(c) for c in changes})
    out: list[types.TextDocumentEdit | types.CreateFile] = []
    for change in changes:
        uri, version = target(change)
        if change.create:
            out.append(
                types.CreateFile(
                    uri=uri, options=types.CreateFileOptions(overwrite=False, ignore_if_exists=True)
                )
            )
        out.append(
            types.TextDocumentEdit(
                text_document=types.OptionalVersionedTextDocumentIdentifier(
                    uri=uri, version=version
                ),
                edits=text_edits(change),
            )
        )
    return types.WorkspaceEdit(document_changes=out)
