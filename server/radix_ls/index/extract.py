"""Extraction: one file's bytes -> a `FileIndex` (definitions, imports, chunks).

Pure: no I/O, no state. Tree-sitter parses anything (syntax errors become ERROR nodes, the
rest still yields definitions), so extraction never fails on content; text fields decode
UTF-8 with replacement, byte offsets always refer to the original bytes.

Speed matters here (cold indexing runs this on every file): the language's combined query
walks the tree once, and per-node Python work is kept to what the results need. Capture
conventions (grammars/README.md):

- definitions: `@definition.<kind>` (the whole definition), `@name`, optional `@body` and
  `@container` (an explicit owner such as a Go receiver type); `@scope.<kind>` with `@name`
  names a scope that is not itself a definition (a Rust `impl` block). When several patterns
  capture the same name node, the earliest pattern wins.
- imports: `@import` or `@import.<kind>` (the statement), `@module`, `@name` (repeatable),
  `@alias` (the local `as` name of the match's one name, or of the module itself where
  there is no name). Matches of one statement and module are merged.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import NamedTuple

import tree_sitter as ts

from radix_ls.index import languages
from radix_ls.index.languages import DEFINITIONS, LoadedLanguage, PatternInfo, pattern_info
from radix_ls.index.model import (
    CLASS_KINDS,
    CONTAINER_KINDS,
    Chunk,
    Definition,
    FileIndex,
    Import,
)
from radix_ls.index.records import aliases_text, parse_aliases
from radix_ls.secrets import redact_signature

# Chunks: definitions longer than this are split (classes per member, others in windows);
# top-level code between definitions goes in windows of at most CODE_WINDOW_LINES.
CHUNK_MAX_LINES = 80
CODE_WINDOW_LINES = 40
SIGNATURE_MAX_CHARS = 1000
# Definitions that are a value (constants, variables, aliases without a body): the signature
# is the whole definition on one line (`QueryParamTypes = Union[QueryParams, Mapping, str]`),
# cut at this length, so a lookup by name shows what the name stands for.
VALUE_SIGNATURE_MAX_CHARS = 200
_VALUE_KINDS = frozenset({"variable", "constant", "type"})
# a line break and the indentation around it; after an opening or before a closing bracket
# (with a trailing comma) it goes entirely, elsewhere it becomes one space
_BREAK_AFTER_OPEN = re.compile(r"(?<=[\[({<])[ \t]*\r?\n\s*")
_BREAK_BEFORE_CLOSE = re.compile(r",?[ \t]*\r?\n\s*(?=[\])}>])")
_BREAK = re.compile(r"[ \t]*\r?\n\s*")
# Lines right above a definition that belong to it (comments, decorators, annotations,
# attributes, doc comments): a chunk starts at the first of them.
_ATTACHED_PREFIXES = (b"#", b"//", b"/*", b"*", b"@", b"--", b'"""', b"'''")
_CODE_KINDS = frozenset({"variable", "constant"})
_UPPER_NAME = re.compile(r"[A-Z][A-Z0-9_]*")


@dataclass(slots=True)
class _Def:
    """A definition (or a scope) while extracting."""

    pattern: int
    query_kind: str  # as the query says; `kind` may refine it (function -> method)
    kind: str
    scope: bool  # a scope only (Rust impl): a container, not reported as a definition
    name_start: int
    name: str
    start: int
    end: int
    start_line: int  # 1-based
    end_line: int
    body_start: int | None
    body_end: int | None
    explicit_container: str
    parent: int = -1  # index into the sorted list of the enclosing container, -1 at top level
    qualified: str = ""
    # caches of an open document's outline (incremental.py): the header text, and the
    # `Definition` as last reported (valid while this object is, since a moved definition
    # is a new object)
    signature: str | None = None
    definition: Definition | None = None


class _ImportAt(NamedTuple):
    """One import statement's module while extracting: matches of the same statement and
    module add their names to it."""

    line: int  # 1-based
    kind: str
    names: list[str]  # in order, repeats possible
    end: int  # the statement's end byte


def _text(data: bytes, start: int, end: int) -> str:
    return data[start:end].decode("utf-8", "replace")


def _strip_delimiters(text: str) -> str:
    if len(text) >= 2 and text[0] in "\"'`<" and text[-1] in "\"'`>":
        return text[1:-1]
    return text


class FileRecord(NamedTuple):
    """A file's extraction as plain tuples, in the column order of the index tables.

    This is what process-pool workers send back: tuples of strings and integers pickle an
    order of magnitude faster than the same content as dataclasses, and the writer feeds
    them straight to `executemany`. `to_file_index` turns one into a `FileIndex`.
    """

    language: str
    line_count: int
    has_errors: bool
    # (name, kind, qualified_name, container, start_line, end_line, start_byte, end_byte,
    #  signature, body_start_byte, body_end_byte)
    definitions: list[tuple]
    imports: list[tuple]  # (module, names "\n"-joined, line, kind, aliases: `aliases_text`)
    chunks: list[tuple]  # (start_line, end_line, kind, name[, text])


def extract(
    path: str,
    data: bytes,
    language: str | LoadedLanguage,
    *,
    chunks: bool = True,
) -> FileIndex:
    """Parse `data` and extract its index. `path` is only recorded (workspace-relative)."""
    return to_file_index(path, extract_record(data, language, chunks=chunks))


def extract_record(
    data: bytes,
    language: str | LoadedLanguage,
    *,
    tree: ts.Tree | None = None,
    chunks: bool = True,
    chunk_text: bool = True,
    row_prefix: tuple = (),
) -> FileRecord:
    """Parse `data` (or use `tree`, already parsed from exactly `data`) and extract it.

    `chunk_text=False` leaves the text out of chunk rows (the index reads it from the file
    when asked: storing it would copy the whole workspace into the database). `row_prefix`
    starts every row (the index's file id), so rows go to the database as they are.
    """
    lang = languages.load(language) if isinstance(language, str) else language
    if tree is None:
        tree = lang.parser().parse(data)
    patterns = lang.patterns
    root = tree.root_node
    defs: dict[int, _Def] = {}  # name node start byte -> definition (earliest pattern wins)
    imports: dict[tuple[int, str], _ImportAt] = {}  # by (statement start, module)
    aliases: dict[tuple[int, str], dict[str, str]] = {}  # the same key -> local -> original
    for pattern, caps in ts.QueryCursor(lang.query).matches(root):
        info = patterns[pattern]
        if info.role == DEFINITIONS:
            _collect_definition(data, pattern, info, caps, defs)
        else:
            _collect_import(data, info, caps, imports, aliases)

    ordered = _nest(sorted(defs.values(), key=lambda d: (d.start, -d.end, d.pattern)))
    definition_rows = [
        (*row_prefix, *_definition_fields(d, _signature(data, d))) for d in ordered if not d.scope
    ]
    import_rows = [
        (*row_prefix, key[1], "\n".join(dict.fromkeys(names)), line, kind, aliases_text(named))
        for key, (line, kind, names, _) in sorted(imports.items())
        for named in [aliases.get(key)]
    ]
    line_count = data.count(b"\n") + (1 if data and not data.endswith(b"\n") else 0)
    return FileRecord(
        language=lang.name,
        line_count=line_count,
        has_errors=root.has_error,
        definitions=definition_rows,
        imports=import_rows,
        chunks=_chunks(data, ordered, line_count, chunk_text, row_prefix) if chunks else [],
    )


def chunk_texts(data: bytes, spans: list[tuple[int, int]]) -> list[str]:
    """The text of line spans (1-based, inclusive) of `data`, as chunks have them."""
    lines = data.split(b"\n")
    return [b"\n".join(lines[s - 1 : e]).decode("utf-8", "replace") for s, e in spans]


def to_file_index(path: str, record: FileRecord) -> FileIndex:
    return FileIndex(
        path=path,
        language=record.language,
        definitions=tuple(definition_from_row(path, row) for row in record.definitions),
        imports=tuple(import_from_row(row) for row in record.imports),
        chunks=tuple(
            Chunk(path, *row[:4], row[4] if len(row) > 4 else "") for row in record.chunks
        ),
        line_count=record.line_count,
        has_errors=record.has_errors,
    )


def _definition_fields(d: _Def, signature: str) -> tuple:
    """What a `Definition` holds after its path (the `definitions` table's columns)."""
    qualified = d.qualified
    container = qualified[: -len(d.name) - 1] if len(qualified) > len(d.name) else ""
    return (
        d.name,
        d.kind,
        qualified,
        container,
        d.start_line,
        d.end_line,
        d.start,
        d.end,
        signature,
        d.body_start,
        d.body_end,
    )


def definition_from_row(path: str, row: tuple) -> Definition:
    return Definition(path, *row)


def import_from_row(row: tuple, resolved: tuple[str, ...] = ()) -> Import:
    """An `Import` from (module, names, line, kind[, aliases]) as rows hold them."""
    module, names, line, kind = row[:4]
    bindings = parse_aliases(row[4]) if len(row) > 4 and row[4] else ()
    return Import(module, tuple(names.split("\n")) if names else (), line, kind, resolved, bindings)


def _collect_definition(
    data: bytes, pattern: int, info: PatternInfo, caps: dict, defs: dict[int, _Def]
) -> None:
    info, nodes = _main_capture(caps, info)
    names = caps.get("name")
    if not nodes or not names:
        return
    name_node = names[0]
    name_start = name_node.start_byte
    known = defs.get(name_start)
    if known is not None and known.pattern <= pattern:
        return
    node = nodes[0]
    name = data[name_start : name_node.end_byte].decode("utf-8", "replace")
    container = caps.get("container")
    owner = _text(data, container[0].start_byte, container[0].end_byte) if container else ""
    if "::" in name:  # C++ `a::B::f`: the name is `f`, `a::B` its owner
        prefix, _, name = name.rpartition("::")
        owner = f"{owner}::{prefix}" if owner else prefix
    start_row = node.start_point[0]
    end_row, end_column = node.end_point
    body = caps.get("body")
    if body:
        body_node = body[0]
        body_start, body_end = body_node.start_byte, body_node.end_byte
    else:
        body_start = body_end = None
    # positional: this runs for every definition of a cold index
    defs[name_start] = _Def(
        pattern,
        info.kind,
        info.kind,
        info.scope,
        name_start,
        name,
        node.start_byte,
        node.end_byte,
        start_row + 1,
        # a node that ends with its line break (a `#define`) ends on the line before
        end_row + 1 if end_column or end_row == start_row else end_row,
        body_start,
        body_end,
        owner.replace("::", ".") if owner else "",
    )


def _main_capture(caps: dict, info: PatternInfo) -> tuple[PatternInfo, list | None]:
    """The match's definition or import statement nodes, and the info that names them.

    `info` is read from the pattern's first definition (or import) capture; a pattern with
    several (alternatives) may have matched another: then what the match's own capture names
    say counts."""
    nodes = caps.get(info.key)
    if nodes is None:
        info = pattern_info(info.role, list(caps))
        nodes = caps.get(info.key)
    return info, nodes


def _collect_import(
    data: bytes,
    info: PatternInfo,
    caps: dict,
    imports: dict[tuple[int, str], _ImportAt],
    aliases: dict[tuple[int, str], dict[str, str]] | None = None,
) -> None:
    """Add a match to the import of its statement and module (`aliases`: also collect the
    `as` names there, local -> original)."""
    modules = caps.get("module")
    if not modules:
        return
    info, statements = _main_capture(caps, info)
    if not statements:
        return
    statement = statements[0]
    kind = info.kind
    module_node = modules[0]
    module = _strip_delimiters(_text(data, module_node.start_byte, module_node.end_byte)).strip()
    if not module:
        return
    entry = imports.get((statement.start_byte, module))
    if entry is None:
        entry = imports[(statement.start_byte, module)] = _ImportAt(
            statement.start_point[0] + 1, kind, [], statement.end_byte
        )
    name = ""
    for name_node in caps.get("name", ()):
        name = _text(data, name_node.start_byte, name_node.end_byte).strip()
        name = "*" if "*" in name else name
        entry.names.append(name)
    alias = caps.get("alias")
    if alias and aliases is not None:
        local = _text(data, alias[0].start_byte, alias[0].end_byte).strip()
        # one name per match where there is an alias; none (or `* as m`): the module itself
        original = "" if name == "*" or len(caps.get("name", ())) != 1 else name
        aliases.setdefault((statement.start_byte, module), {})[local] = original


def _parent_index(ordered: list[_Def], stack: list[int], d: _Def) -> int:
    """The index of `d`'s enclosing container in `ordered` (-1: none), after dropping the
    containers on `stack` (indices, innermost last) that end before `d` does."""
    while stack and ordered[stack[-1]].end <= d.start:
        stack.pop()
    # a container that does not enclose d (overlap without nesting) is not its parent
    while stack and ordered[stack[-1]].end < d.end:
        stack.pop()
    # nor is one with the very same span (`const a = () => 1, b = () => 2`: siblings)
    for i in reversed(stack):
        if ordered[i].start != d.start or ordered[i].end != d.end:
            return i
    return -1


def _naming(d: _Def, parent: _Def | None) -> tuple[str, str]:
    """`d`'s qualified name and kind inside `parent` (a function in a class is a method, a
    variable named in capitals a constant)."""
    kind = d.query_kind
    if parent is not None:
        prefix = parent.qualified + "."
        if kind == "function" and parent.kind in CLASS_KINDS:
            kind = "method"
    else:
        prefix = ""
    if d.explicit_container:
        prefix += d.explicit_container + "."
    if kind == "variable" and _UPPER_NAME.fullmatch(d.name):
        kind = "constant"
    return prefix + d.name, kind


def _nest(ordered: list[_Def]) -> list[_Def]:
    """Give each definition its enclosing container and qualified name (sorted input)."""
    stack: list[int] = []  # indices of open containers, innermost last
    for index, d in enumerate(ordered):
        parent_index = _parent_index(ordered, stack, d)
        d.parent = parent_index
        d.qualified, d.kind = _naming(d, ordered[parent_index] if parent_index >= 0 else None)
        if d.kind in CONTAINER_KINDS and d.end > d.start:
            stack.append(index)
    return ordered


def _signature(data: bytes, d: _Def) -> str:
    if d.body_start is None and d.query_kind in _VALUE_KINDS:
        return _value_signature(data, d.start, d.end)
    if d.body_start is not None and d.body_start > d.start:
        end = d.body_start
    else:
        newline = data.find(b"\n", d.start, d.end)
        end = newline if newline >= 0 else d.end
    text = _text(data, d.start, min(end, d.start + 4 * SIGNATURE_MAX_CHARS)).rstrip()
    return redact_signature(text)[:SIGNATURE_MAX_CHARS]  # no secret in the index (secrets.py)


def _value_signature(data: bytes, start: int, end: int) -> str:
    """A value definition's text on one line, at most VALUE_SIGNATURE_MAX_CHARS (then "...")."""
    limit = VALUE_SIGNATURE_MAX_CHARS
    # bytes enough for `limit` characters once line breaks and indentation are collapsed
    # redacted before the lines are joined, so the secret rules see the value as written
    text = redact_signature(_text(data, start, min(end, start + 8 * limit)).strip())
    if "\n" in text:
        text = _BREAK.sub(" ", _BREAK_BEFORE_CLOSE.sub("", _BREAK_AFTER_OPEN.sub("", text)))
    if len(text) > limit or end > start + 8 * limit:
        text = text[: limit - 3].rstrip() + "..."
    return text


# -- chunks -------------------------------------------------------------------------------


def _chunks(
    data: bytes, ordered: list[_Def], line_count: int, with_text: bool, prefix: tuple
) -> list[tuple]:
    """The chunk rows of a file whose definitions are `ordered` (nested, in order)."""
    if not data or data.isspace():  # (strip() would copy the whole file to find out)
        return []
    chunker = _Chunker(data.split(b"\n"), with_text, prefix)
    # Units: top-level definitions, merged where their lines overlap. Variables and constants
    # stay with the surrounding top-level code: one chunk per `X = 1` would only be noise.
    units: list[list[int]] = []  # [start_line, end_line, index of the first def]
    members: dict[int, list[int]] = {}  # container index -> its members' indices
    for index, d in enumerate(ordered):
        if d.parent >= 0:
            members.setdefault(d.parent, []).append(index)
        elif d.kind in _CODE_KINDS:
            continue
        elif units and d.start_line <= units[-1][1]:
            units[-1][1] = max(units[-1][1], d.end_line)
        else:
            units.append([d.start_line, d.end_line, index])
    previous_end = 0
    for unit_start, unit_end, first in units:
        start = chunker.attached_start(unit_start, previous_end)
        chunker.code(previous_end + 1, start - 1)
        primary = ordered[first]
        children = members.get(first, ())
        if unit_end - start + 1 <= CHUNK_MAX_LINES or not children:
            chunker.definition(start, unit_end, primary.qualified)
        else:
            chunker.members(start, unit_end, primary, [ordered[i] for i in children])
        previous_end = unit_end
    chunker.code(previous_end + 1, line_count)
    return chunker.out


class _Chunker:
    """Chunk rows of one file's lines, appended to `out` in order."""

    def __init__(self, lines: list[bytes], with_text: bool, prefix: tuple) -> None:
        self.lines = lines
        self.with_text = with_text
        self.prefix = prefix
        self.out: list[tuple] = []

    def _row(self, start: int, end: int, kind: str, name: str) -> tuple:
        if not self.with_text:
            return (*self.prefix, start, end, kind, name)
        text = b"\n".join(self.lines[start - 1 : end]).decode("utf-8", "replace")
        return (*self.prefix, start, end, kind, name, text)

    def code(self, start: int, end: int) -> None:
        """Top-level code: blank edges trimmed, then windows of CODE_WINDOW_LINES."""
        lines = self.lines
        while start <= end and not lines[start - 1].strip():
            start += 1
        while end >= start and not lines[end - 1].strip():
            end -= 1
        for s in range(start, end + 1, CODE_WINDOW_LINES):
            self.out.append(self._row(s, min(end, s + CODE_WINDOW_LINES - 1), "code", ""))

    def definition(self, start: int, end: int, name: str) -> None:
        """A definition's lines, in windows of CHUNK_MAX_LINES."""
        for s in range(start, end + 1, CHUNK_MAX_LINES):
            self.out.append(self._row(s, min(end, s + CHUNK_MAX_LINES - 1), "definition", name))

    def attached_start(self, start: int, floor: int) -> int:
        """Move a definition's first line up over the comments/decorators right above it."""
        lines = self.lines
        while start - 1 > floor and lines[start - 2].lstrip().startswith(_ATTACHED_PREFIXES):
            start -= 1
        return start

    def members(self, start: int, end: int, primary: _Def, children: list[_Def]) -> None:
        """A long class (impl, namespace, ...) on lines start..end: its header, then one
        chunk per member, each taking the lines since the previous one (decorators,
        comments, attributes)."""
        cursor = start
        for child in children:
            if child.start_line < cursor:
                continue  # on a line already covered
            child_start = self.attached_start(child.start_line, cursor - 1)
            if child_start > cursor and cursor == start:
                self.definition(cursor, child_start - 1, primary.qualified)
                cursor = child_start
            child_end = max(child.end_line, cursor)
            if end - child_end <= 3:
                child_end = end  # the closing lines join the last member
            self.definition(cursor, min(child_end, end), child.qualified)
            cursor = child_end + 1
            if cursor > end:
                break
        if cursor <= end:
            self.definition(cursor, end, primary.qualified)
