"""An open document kept parsed while the user types: incremental parse, incremental outline.

Each edit updates the tree (`tree.edit` + `parser.parse(new, old_tree)`, which reuses every
unchanged subtree), moves the outline (definitions and imports) after the edit by its byte
and line deltas, and forgets what the edit touched. The outline is brought up to date when
asked (`definitions()`, `imports()`): only the bytes the edits since the last look touched,
widened to the tree's changed ranges, are queried again, so several keystrokes between two
looks cost one small query. Everything outside that region kept its text and structure, so
moving it is exact; a range-restricted query returns every match whose pattern root
overlaps the range, so definitions enclosing the edit come back too (matches found wholly
outside the range are ignored: some patterns reach there, others do not).

What a keystroke costs beyond the parse is kept small, because it runs on the editor's
event loop for every character typed:

- the outline is never mutated: a moved definition is a new object, so an unmoved one keeps
  its reported `Definition` and header text, and a definition that encloses the edit is
  moved too (its end), so that when the query finds it again unchanged, nothing is re-nested
  (`_renest` runs only when the region's definitions really changed, and copies only those
  whose qualified name or kind it changes); definitions inside a large changed region are
  not moved first, only found again;
- the state before the last edit is kept (the tree is copied before `tree.edit`, which is
  cheap: trees share their nodes). An edit that brings the text back to it, the backspace
  after a typo or an undo, restores that state instead of parsing again. This matters
  because the costly edits are exactly those: a character that opens a string or breaks the
  indentation makes tree-sitter re-parse (and recover from errors in) most of the file, and
  so does taking it back;
- offsets in ASCII text are the same in code points and bytes, so no prefix is re-encoded.

Not thread-safe: one document is edited by one thread (the LSP event loop) at a time.
"""

from __future__ import annotations

from dataclasses import dataclass

import tree_sitter as ts

from radix_ls.index import languages
from radix_ls.index.extract import (
    _collect_definition,
    _collect_import,
    _Def,
    _definition_fields,
    _ImportAt,
    _naming,
    _parent_index,
    _signature,
)
from radix_ls.index.languages import DEFINITIONS, LoadedLanguage
from radix_ls.index.model import CONTAINER_KINDS, Definition, Import
from radix_ls.index.records import aliases_text, parse_aliases

# Re-query this many bytes around an edit too: a change at a node's edge can alter how the
# neighbouring tokens parse.
_MARGIN = 1
# A changed region this large means the structure really changed (a broken indentation, an
# open string): the definitions in it are not moved, only found again.
_LARGE_REGION = 8192

# An import while a document is open: (statement start, statement end, module, names,
# line, kind, aliases as `aliases_text` writes them); tuples, replaced (never changed) when
# they move.
_Imp = tuple[int, int, str, list[str], int, str, str]


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


def _moved(d: _Def, delta: int, delta_rows: int, start_too: bool) -> _Def:
    """A copy of `d` whose end (and with `start_too` its start and name) moved by the deltas;
    its body's edges move where they lie after the edit (`delta` applies to offsets past
    the edit, which the caller knows the end is)."""
    start, name_start, start_line = d.start, d.name_start, d.start_line
    body_start, body_end = d.body_start, d.body_end
    if start_too:
        start += delta
        name_start += delta
        start_line += delta_rows
        if body_start is not None:
            body_start += delta
    if body_end is not None:
        body_end += delta
    return _Def(  # positional: this runs for every definition after each edit
        d.pattern,
        d.query_kind,
        d.kind,
        d.scope,
        name_start,
        d.name,
        start,
        d.end + delta,
        start_line,
        d.end_line + delta_rows,
        body_start,
        body_end,
        d.explicit_container,
        d.parent,
        d.qualified,
        d.signature,
    )


def _same(a: _Def, b: _Def, data: bytes) -> bool:
    """The same definition as extracted (nesting aside: that follows from the rest); `b` is
    new, its header text is read only when all else is equal."""
    if not (
        a.start == b.start
        and a.end == b.end
        and a.name_start == b.name_start
        and a.pattern == b.pattern
        and a.name == b.name
        and a.start_line == b.start_line
        and a.end_line == b.end_line
        and a.body_start == b.body_start
        and a.body_end == b.body_end
        and a.explicit_container == b.explicit_container
    ):
        return False
    if b.signature is None:
        b.signature = _signature(data, b)
    return a.signature == b.signature


def _renest(ordered: list[_Def], fresh: set[int]) -> list[_Def]:
    """`extract._nest` for an open document: a definition whose qualified name or kind
    changes is replaced by a changed copy, unless it is `fresh` (ids of objects made by this
    outline refresh); the others are shared with the state before the edit and keep their
    reported `Definition`. Parents are not kept (nothing here reads them)."""
    stack: list[int] = []  # indices of open containers, innermost last
    for index, d in enumerate(ordered):
        parent_index = _parent_index(ordered, stack, d)
        qualified, kind = _naming(d, ordered[parent_index] if parent_index >= 0 else None)
        if qualified != d.qualified or kind != d.kind:
            if id(d) not in fresh:
                d = ordered[index] = _moved(d, 0, 0, False)
            d.qualified, d.kind = qualified, kind
        if kind in CONTAINER_KINDS and d.end > d.start:
            stack.append(index)
    return ordered


@dataclass(slots=True)
class _State:
    """Everything an edit changes; kept for the text before the last edit."""

    data: bytes
    text: str | None
    tree: ts.Tree
    defs: list[_Def]
    imports: list[_Imp]
    definitions: tuple[Definition, ...] | None
    import_tuple: tuple[Import, ...] | None
    dirty: tuple[int, int] | None
    dropped: bool


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
        self._imports: list[_Imp] = []
        self._definitions: tuple[Definition, ...] | None = None
        # bytes whose outline is out of date (edits since the last look), None when current
        self._dirty: tuple[int, int] | None = None
        # an edit since the last look dropped a definition: the others' nesting may change
        self._dropped = False
        self._previous: _State | None = None  # before the last edit
        # the `imports()` answer while the imports' reported content (not their offsets) stays
        self._import_tuple: tuple[Import, ...] | None = None
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

    def _state(self) -> _State:
        return _State(
            self._data,
            self._text,
            self.tree,
            self._defs,
            self._imports,
            self._definitions,
            self._import_tuple,
            self._dirty,
            self._dropped,
        )

    def _restore(self, state: _State) -> None:
        self._data = state.data
        self._text = state.text
        self.tree = state.tree
        self._defs = state.defs
        self._imports = state.imports
        self._definitions = state.definitions
        self._import_tuple = state.import_tuple
        self._dirty = state.dirty
        self._dropped = state.dropped

    # -- edits ----------------------------------------------------------------------------

    def apply_text_edit(self, start: int, end: int, new_text: str) -> None:
        """Replace text[start:end] (code-point offsets) with `new_text`."""
        text = self.text
        if not 0 <= start <= end <= len(text):
            raise ValueError(f"edit {start}..{end} is outside the document (length {len(text)})")
        line_start = text.rfind("\n", 0, start) + 1
        start_row = text.count("\n", 0, start)
        new = new_text.encode("utf-8", "surrogatepass")
        if len(self._data) == len(text):  # ASCII: code points are bytes
            start_byte, start_column = start, start - line_start
            old = self._data[start:end]
        else:
            start_byte = len(text[:line_start].encode("utf-8", "surrogatepass"))
            start_column = len(text[line_start:start].encode("utf-8", "surrogatepass"))
            start_byte += start_column
            old = text[start:end].encode("utf-8", "surrogatepass")
        new_data = b"".join((self._data[:start_byte], new, self._data[start_byte + len(old) :]))
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
        if self._text is None:  # not restored from the state before: build it cheaply
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
        previous = self._previous
        if previous is not None and previous.data == new_bytes:
            # back to the text before the last edit (a backspace, an undo): its state
            self._previous = self._state()
            self._restore(previous)
            return
        self._previous = self._state()
        edited = self.tree.copy()  # the tree before the edit stays as it was, for undo
        edited.edit(
            start_byte=start_byte,
            old_end_byte=old_end_byte,
            new_end_byte=new_end_byte,
            start_point=start_point,
            old_end_point=old_end_point,
            new_end_point=new_end_point,
        )
        self.tree = self._parser.parse(new_bytes, edited)
        self._data = new_bytes
        self._text = None
        self._definitions = None
        # the region to look at again: the edit plus whatever changed structure
        low, high = start_byte, new_end_byte
        for changed in edited.changed_ranges(self.tree):
            low = min(low, changed.start_byte)
            high = max(high, changed.end_byte)
        self._shift(
            start_byte,
            old_end_byte,
            new_end_byte - old_end_byte,
            new_end_point[0] - old_end_point[0],
            (low, high) if high - low > _LARGE_REGION else None,
        )
        if self._dirty is not None:  # an earlier edit's region, moved to new coordinates
            dirty_low, dirty_high = self._dirty
            low = min(low, _map(dirty_low, start_byte, old_end_byte, new_end_byte, False))
            high = max(high, _map(dirty_high, start_byte, old_end_byte, new_end_byte, True))
        self._dirty = (max(0, low - _MARGIN), min(len(new_bytes), high + _MARGIN))

    def _shift(
        self,
        start: int,
        old_end: int,
        delta: int,
        delta_rows: int,
        region: tuple[int, int] | None = None,
    ) -> None:
        """Move the outline past the edit; forget what the edit touched, except definitions
        that enclose it (their end moves): the query finds those again, most often unchanged.
        Definitions after the edit that lie in `region` (a large changed region, new offsets)
        are forgotten too rather than moved: the query replaces them anyway.
        New lists and objects: the state before the edit keeps the old ones."""
        defs: list[_Def] = []
        low, high = region if region is not None else (0, -1)
        for d in self._defs:
            if d.end < start:
                defs.append(d)
            elif d.start > old_end:
                if low <= d.start + delta and d.end + delta <= high:
                    self._dropped = True
                    continue
                defs.append(_moved(d, delta, delta_rows, True) if delta or delta_rows else d)
            elif (
                d.start < start
                and d.end > old_end
                and (d.body_start is None or d.body_start <= start)  # not in the header
            ):  # encloses the edit
                defs.append(_moved(d, delta, delta_rows, False))
            else:
                self._dropped = True
        self._defs = defs
        if delta or delta_rows:
            imports = [
                i
                if i[1] < start
                else (i[0] + delta, i[1] + delta, i[2], i[3], i[4] + delta_rows, i[5], i[6])
                for i in self._imports
                if i[1] < start or i[0] > old_end
            ]
        else:
            imports = [i for i in self._imports if i[1] < start or i[0] > old_end]
        if len(imports) != len(self._imports) or (
            delta_rows and imports and imports[-1][0] > start
        ):
            self._import_tuple = None  # one is gone, or lines moved
        self._imports = imports

    def _outline(self, low: int, high: int, *, full: bool = False) -> None:
        """Re-extract definitions and imports overlapping bytes [low, high)."""
        data = self._data
        cursor = ts.QueryCursor(self.language.query)
        if not full:
            cursor.set_byte_range(low, high)
        patterns = self.language.patterns
        found: dict[int, _Def] = {}
        imports: dict[tuple[int, str], _ImportAt] = {}
        aliases: dict[tuple[int, str], dict[str, str]] = {}
        for pattern, caps in cursor.matches(self.tree.root_node):
            info = patterns[pattern]
            if info.role == DEFINITIONS:
                _collect_definition(data, pattern, info, caps, found)
            else:
                _collect_import(data, info, caps, imports, aliases)
        if not full:
            # A match can reach outside the range (a pattern rooted at the whole module walks
            # all its children), but only for some patterns: outside, the old outline stays.
            found = {k: d for k, d in found.items() if d.start < high and d.end > low}
            imports = {k: i for k, i in imports.items() if k[0] < high and i.end > low}
        self._defs = self._merged(found, low, high, full)
        old_imports = (
            []
            if full
            else [
                i
                for i in self._imports
                if (i[1] <= low or i[0] >= high) and (i[0], i[2]) not in imports
            ]
        )
        new_imports: list[_Imp] = [
            (start, end, module, names, line, kind, aliases_text(aliases.get((start, module))))
            for (start, module), (line, kind, names, end) in imports.items()
        ]
        imports = sorted(old_imports + new_imports, key=lambda i: (i[0], i[2]))
        if [i[2:] for i in imports] != [i[2:] for i in self._imports]:
            self._import_tuple = None
        self._imports = imports

    def _merged(self, found: dict[int, _Def], low: int, high: int, full: bool) -> list[_Def]:
        """The outline with the region's definitions replaced by `found`."""
        dropped, self._dropped = self._dropped, False
        if not full and not dropped:
            inside = [d for d in self._defs if not (d.end <= low or d.start >= high)]
            if len(inside) == len(found) and all(
                (new := found.get(d.name_start)) is not None and _same(d, new, self._data)
                for d in inside
            ):
                return self._defs  # the region's definitions are as they were: keep them
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
        fresh = {id(d) for d in found.values()}
        return _renest(sorted(merged, key=lambda d: (d.start, -d.end, d.pattern)), fresh)

    # -- results --------------------------------------------------------------------------

    def _current(self) -> None:
        if self._dirty is not None:
            low, high = self._dirty
            self._dirty = None
            self._outline(low, high)

    def definitions(self) -> tuple[Definition, ...]:
        self._current()
        if self._definitions is None:
            self._definitions = tuple(
                d.definition or self._definition(d) for d in self._defs if not d.scope
            )
        return self._definitions

    def _definition(self, d: _Def) -> Definition:
        if d.signature is None:
            d.signature = _signature(self._data, d)
        d.definition = Definition(self.path, *_definition_fields(d, d.signature))
        return d.definition

    def imports(self) -> tuple[Import, ...]:
        self._current()
        if self._import_tuple is None:
            self._import_tuple = tuple(
                Import(module, tuple(dict.fromkeys(names)), line, kind, (), parse_aliases(aliases))
                for _, _, module, names, line, kind, aliases in self._imports
            )
        return self._import_tuple

    def enclosing(self, byte_offset: int) -> tuple[Definition, ...]:
        """The definitions containing `byte_offset`, outermost first (the cursor's scope)."""
        return tuple(d for d in self.definitions() if d.start_byte <= byte_offset < d.end_byte)
