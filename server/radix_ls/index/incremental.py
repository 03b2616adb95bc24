"""An open document kept parsed while the user types: incremental parse, incremental outline.

Each edit updates the tree (`tree.edit` + `parser.parse(new, old_tree)`, which reuses every
unchanged subtree), shifts the outline (definitions and imports) after the edit by its byte
and line deltas, and forgets what the edit touched. The outline is brought up to date when
asked (`definitions()`, `imports()`): only the bytes the edits since the last look touched,
widened to the tree's changed ranges, are queried again, so several keystrokes between two
looks cost one small query. Everything outside that region kept its text and structure, so
shifting it is exact; a range-restricted query returns every match whose pattern root
overlaps the range, so definitions enclosing the edit come back too (matches found wholly
outside the range are ignored: some patterns reach there, others do not).

`file_index()` is a full extraction (references and chunks too), for when those are needed.

Not thread-safe: one document is edited by one thread (the LSP event loop) at a time.
"""

from __future__ import annotations

import tree_sitter as ts

from radix_ls.index import languages
from radix_ls.index.extract import (
    _collect_definition,
    _collect_import,
    _Def,
    _nest,
    _signature,
    extract_record,
    to_file_index,
)
from radix_ls.index.languages import DEFINITIONS, LoadedLanguage
from radix_ls.index.model import Definition, FileIndex, Import

# Re-query this many bytes around an edit too: a change at a node's edge can alter how the
# neighbouring tokens parse.
_MARGIN = 1


def _map(offset: int, start: int, old_end: int, new_end: int, high: bool) -> int:
    """Where byte `offset` of the old text is in the new text (inside the edit: its edge)."""
    if offset < start:
        return offset
    if offset > old_end:
        return offset + new_end - old_end
    return new_end if high else start


def _point_after(start: tuple[int, int], text: bytes) -> tuple[int, int]:
    """The (row, byte column) where `text` inserted at `start` ends."""
    newlines = text.count(b"\n")
    if newlines == 0:
        return start[0], start[1] + len(text)
    return start[0] + newlines, len(text) - text.rfind(b"\n") - 1


class IncrementalDocument:
    """One document's text, tree and outline, updated edit by edit."""

    def __init__(self, language: str | LoadedLanguage, text: str | bytes, path: str = "") -> None:
        self.language = languages.load(language) if isinstance(language, str) else language
        self.path = path
        self._parser = ts.Parser(self.language.language)  # private: parses reuse its state
        self._data = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text
        self._text: str | None = text if isinstance(text, str) else None
        self.tree = self._parser.parse(self._data)
        self._defs: list[_Def] = []
        # [statement start, statement end, module, names, line, kind]
        self._imports: list[list] = []
        self._definitions: tuple[Definition, ...] | None = None
        # bytes whose outline is out of date (edits since the last look), None when current
        self._dirty: tuple[int, int] | None = None
        self._outline(0, len(self._data), full=True)

    # -- state ----------------------------------------------------------------------------

    @property
    def data(self) -> bytes:
        return self._data

    @property
    def text(self) -> str:
        if self._text is None:
            self._text = self._data.decode("utf-8", "replace")
        return self._text

    # -- edits ----------------------------------------------------------------------------

    def apply_text_edit(self, start: int, end: int, new_text: str) -> None:
        """Replace text[start:end] (code-point offsets) with `new_text`."""
        text = self.text
        if not 0 <= start <= end <= len(text):
            raise ValueError(f"edit {start}..{end} is outside the document (length {len(text)})")
        line_start = text.rfind("\n", 0, start) + 1
        start_row = text.count("\n", 0, start)
        start_byte = len(text[:line_start].encode("utf-8", "surrogatepass"))
        start_column = len(text[line_start:start].encode("utf-8", "surrogatepass"))
        start_byte += start_column
        old = text[start:end].encode("utf-8", "surrogatepass")
        new = new_text.encode("utf-8", "surrogatepass")
        new_data = self._data[:start_byte] + new + self._data[start_byte + len(old) :]
        start_point = (start_row, start_column)
        self.apply_edit(
            start_byte,
            start_byte + len(old),
            start_byte + len(new),
            start_point,
            _point_after(start_point, old),
            _point_after(start_point, new),
            new_data,
        )
        self._text = text[:start] + new_text + text[end:]

    def apply_edit(
        self,
        start_byte: int,
        old_end_byte: int,
        new_end_byte: int,
        start_point: tuple[int, int],
        old_end_point: tuple[int, int],
        new_end_point: tuple[int, int],
        new_bytes: bytes,
    ) -> None:
        """Apply an edit given in tree-sitter terms; `new_bytes` is the whole new text."""
        old_tree = self.tree
        old_tree.edit(
            start_byte=start_byte,
            old_end_byte=old_end_byte,
            new_end_byte=new_end_byte,
            start_point=start_point,
            old_end_point=old_end_point,
            new_end_point=new_end_point,
        )
        self.tree = self._parser.parse(new_bytes, old_tree)
        self._data = new_bytes
        self._text = None
        self._definitions = None
        # the region to look at again: the edit plus whatever changed structure
        low, high = start_byte, new_end_byte
        for changed in old_tree.changed_ranges(self.tree):
            low = min(low, changed.start_byte)
            high = max(high, changed.end_byte)
        self._shift(
            start_byte,
            old_end_byte,
            new_end_byte - old_end_byte,
            new_end_point[0] - old_end_point[0],
        )
        if self._dirty is not None:  # an earlier edit's region, moved to new coordinates
            dirty_low, dirty_high = self._dirty
            low = min(low, _map(dirty_low, start_byte, old_end_byte, new_end_byte, False))
            high = max(high, _map(dirty_high, start_byte, old_end_byte, new_end_byte, True))
        self._dirty = (max(0, low - _MARGIN), min(len(new_bytes), high + _MARGIN))

    def _shift(self, start: int, old_end: int, delta: int, delta_rows: int) -> None:
        """Forget what the edit touched; move everything after it to its new position."""
        self._defs = [d for d in self._defs if d.end < start or d.start > old_end]
        self._imports = [i for i in self._imports if i[1] < start or i[0] > old_end]
        if delta == 0 and delta_rows == 0:
            return
        for d in self._defs:
            if d.start > old_end:
                d.start += delta
                d.end += delta
                d.name_start += delta
                d.start_line += delta_rows
                d.end_line += delta_rows
                if d.body_start is not None and d.body_end is not None:
                    d.body_start += delta
                    d.body_end += delta
        for imp in self._imports:
            if imp[0] > old_end:
                imp[0] += delta
                imp[1] += delta
                imp[4] += delta_rows

    def _outline(self, low: int, high: int, *, full: bool = False) -> None:
        """Re-extract definitions and imports overlapping bytes [low, high)."""
        data = self._data
        cursor = ts.QueryCursor(self.language.outline_query)
        if not full:
            cursor.set_byte_range(low, high)
        patterns = self.language.patterns
        found: dict[int, _Def] = {}
        imports: dict[tuple[int, str], list] = {}
        for pattern, caps in cursor.matches(self.tree.root_node):
            info = patterns[pattern]
            if info.role == DEFINITIONS:
                _collect_definition(data, pattern, info, caps, found)
            else:
                _collect_import(data, info, caps, imports)
        if not full:
            # A match can reach outside the range (a pattern rooted at the whole module walks
            # all its children), but only for some patterns: outside, the old outline stays.
            found = {k: d for k, d in found.items() if d.start < high and d.end > low}
            imports = {k: i for k, i in imports.items() if k[0] < high and i[3] > low}
        kept = (
            []
            if full
            else [
                d
                for d in self._defs
                if (d.end <= low or d.start >= high) and d.name_start not in found
            ]
        )
        merged = kept + list(found.values())
        for d in merged:
            d.parent = -1
        self._defs = _nest(sorted(merged, key=lambda d: (d.start, -d.end, d.pattern)))
        old_imports = (
            []
            if full
            else [
                i
                for i in self._imports
                if (i[1] <= low or i[0] >= high) and (i[0], i[2]) not in imports
            ]
        )
        new_imports = [
            [start, end, module, names, line, kind]
            for (start, module), (line, kind, names, end) in imports.items()
        ]
        self._imports = sorted(old_imports + new_imports, key=lambda i: (i[0], i[2]))

    # -- results --------------------------------------------------------------------------

    def _current(self) -> None:
        if self._dirty is not None:
            low, high = self._dirty
            self._dirty = None
            self._outline(low, high)

    def definitions(self) -> tuple[Definition, ...]:
        self._current()
        if self._definitions is None:
            data = self._data
            self._definitions = tuple(
                Definition(
                    path=self.path,
                    name=d.name,
                    kind=d.kind,
                    qualified_name=d.qualified,
                    container=d.qualified[: -len(d.name) - 1]
                    if len(d.qualified) > len(d.name)
                    else "",
                    start_line=d.start_line,
                    end_line=d.end_line,
                    start_byte=d.start,
                    end_byte=d.end,
                    signature=_signature(data, d),
                    body_start_byte=d.body_start,
                    body_end_byte=d.body_end,
                )
                for d in self._defs
                if not d.scope
            )
        return self._definitions

    def imports(self) -> tuple[Import, ...]:
        self._current()
        return tuple(
            Import(module, tuple(dict.fromkeys(names)), line, kind)
            for _, _, module, names, line, kind in self._imports
        )

    def enclosing(self, byte_offset: int) -> tuple[Definition, ...]:
        """The definitions containing `byte_offset`, outermost first (the cursor's scope)."""
        return tuple(d for d in self.definitions() if d.start_byte <= byte_offset < d.end_byte)

    def file_index(self) -> FileIndex:
        """A full extraction of the current text (references and chunks included)."""
        record = extract_record(self._data, self.language, tree=self.tree)
        return to_file_index(self.path, record)
