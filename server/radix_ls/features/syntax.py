"""Syntax trees for code actions: what an action works on, and whether an edit still parses.

Code actions never guess from text: tree-sitter decides the enclosing function or class, the
statements a selection covers, the local names bound in a function and every occurrence of
one, and whether an edited file parses without new errors. What a language calls a function,
class or local binding comes from `grammars/<language>/actions.scm` (the manifest's
`actions` entry), so adding a language stays adding a folder.

Offsets here are string offsets (code points), like everywhere in the domain; tree-sitter's
byte offsets are converted at this boundary.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import ClassVar

import tree_sitter as ts

from radix_ls.index import languages

# Node types that hold a list of statements (where "the statements a selection covers" live).
_STATEMENT_LISTS = frozenset(
    {
        "block",
        "statement_block",
        "statement_list",
        "compound_statement",
        "constructor_body",
        "module",
        "program",
        "source_file",
        "translation_unit",
    }
)
# Identifier node types whose text can name a local variable.
_IDENTIFIERS = frozenset({"identifier", "shorthand_property_identifier"})


class SyntaxUnavailable(ValueError):
    """The document's language has no grammar or action queries."""


def language_of(language_id: str, path: Path | None) -> str | None:
    """The index language for an editor language id (or the file's extension)."""
    return languages.language_for(language_id, path.name if path is not None else None)


@cache
def _actions_query(name: str) -> ts.Query:
    loaded = languages.load(name)
    files = languages.specs()[name].queries["actions"]
    if not files:
        raise SyntaxUnavailable(f"{name}: the grammar manifest names no actions query")
    text = "\n".join((languages.grammars_dir() / f).read_text("utf-8") for f in files)
    return ts.Query(loaded.language, text)


@dataclass(frozen=True)
class Definition:
    """A function or class: what most actions rewrite."""

    kind: str  # "function" | "class"
    name: str
    start: int  # the node (string offsets)
    end: int
    body_start: int
    body_end: int
    start_line: int  # 0-based
    end_line: int
    is_async: bool
    # where a leading doc comment or outer declaration starts (e.g. `const f = () => ...`)
    outer_start: int
    docstring: tuple[int, int] | None  # an existing docstring or doc comment


@dataclass(frozen=True)
class SyntaxError_:
    line: int  # 0-based
    column: int
    snippet: str

    def describe(self) -> str:
        return f"line {self.line + 1}, column {self.column + 1}: syntax error at {self.snippet!r}"


class SyntaxDocument:
    """One parsed text in one language.

    `tree`: a tree-sitter tree of exactly `text` in `language` that the caller already has
    (an open document's, kept by the document store): it is used as it is, not parsed again.
    """

    #: how many texts SyntaxDocuments have parsed themselves (not counting given trees), so
    #: tests can check that a document version is parsed once
    parses: ClassVar[int] = 0

    def __init__(self, text: str, language: str, tree: ts.Tree | None = None) -> None:
        self.text = text
        self.language = language
        self.data = text.encode("utf-8")
        self._ascii = len(self.data) == len(text)
        loaded = languages.load(language)
        self._query = _actions_query(language)
        if tree is None:
            tree = loaded.parser().parse(self.data)
            SyntaxDocument.parses += 1
        self.tree = tree
        # computed on first use and kept: the text and its tree never change
        self._matches: list[dict[str, list[ts.Node]]] | None = None
        self._definitions: tuple[Definition, ...] | None = None
        self._skip: set[int] | None = None
        self._errors: list[SyntaxError_] | None = None

    # -- offsets -----------------------------------------------------------------------------

    def char(self, byte: int) -> int:
        if self._ascii:
            return byte
        return len(self.data[:byte].decode("utf-8", errors="replace"))

    def byte(self, char: int) -> int:
        if self._ascii:
            return char
        return len(self.text[:char].encode("utf-8"))

    def line_of(self, offset: int) -> int:
        return self.text.count("\n", 0, offset)

    def node_text(self, node: ts.Node) -> str:
        return self.data[node.start_byte : node.end_byte].decode("utf-8", errors="replace")

    # -- queries -----------------------------------------------------------------------------

    def matches(self) -> list[dict[str, list[ts.Node]]]:
        if self._matches is None:
            found = ts.QueryCursor(self._query).matches(self.tree.root_node)
            self._matches = [captures for _, captures in found]
        return self._matches

    def definitions(self) -> tuple[Definition, ...]:
        """Every function and class, in document order."""
        if self._definitions is None:
            self._definitions = self._find_definitions()
        return self._definitions

    def _find_definitions(self) -> tuple[Definition, ...]:
        docstrings = {
            n.parent.parent.id: n
            for m in self.matches()
            for n in m.get("docstring", ())
            if n.parent is not None and n.parent.parent is not None
        }
        out: list[Definition] = []
        seen: set[int] = set()
        for m in self.matches():
            for kind in ("function", "class"):
                for node in m.get(kind, ()):
                    if node.id in seen:
                        continue
                    seen.add(node.id)
                    name_node = m.get("name", [None])[0]
                    body = (m.get("body") or [node])[0]
                    out.append(self._definition(kind, node, name_node, body, docstrings))
        out.sort(key=lambda d: (d.start, -d.end))
        return tuple(out)

    def _definition(
        self,
        kind: str,
        node: ts.Node,
        name_node: ts.Node | None,
        body: ts.Node,
        docstrings: dict[int, ts.Node],
    ) -> Definition:
        outer = _outer(node)
        doc_node = docstrings.get(body.id)
        doc: tuple[int, int] | None = None
        if doc_node is not None and doc_node.parent is not None:
            statement = doc_node.parent
            doc = (self.char(statement.start_byte), self.char(statement.end_byte))
        else:
            comments = _leading_comments(outer)
            if comments:
                doc = (self.char(comments[0].start_byte), self.char(comments[-1].end_byte))
        return Definition(
            kind=kind,
            name=self.node_text(name_node) if name_node is not None else "",
            start=self.char(node.start_byte),
            end=self.char(node.end_byte),
            body_start=self.char(body.start_byte),
            body_end=self.char(body.end_byte),
            start_line=node.start_point.row,
            end_line=node.end_point.row,
            is_async=_is_async(node, body),
            outer_start=self.char(outer.start_byte),
            docstring=doc,
        )

    def enclosing(self, start: int, end: int, kind: str | None = None) -> Definition | None:
        """The innermost function or class (of `kind`, if given) containing start..end."""
        best: Definition | None = None
        for d in self.definitions():
            if (
                (kind is None or d.kind == kind)
                and d.start <= start
                and end <= d.end
                and (best is None or d.end - d.start <= best.end - best.start)
            ):
                best = d
        return best

    def statements(self, start: int, end: int) -> tuple[int, int] | None:
        """The span of the complete statements that start..end touches, all in one statement
        list (a block); None if the selection crosses blocks or covers no statement."""
        # whitespace around a selection (whole lines selected) says nothing about its block
        selected = self.text[start:end]
        if selected.strip():
            start += len(selected) - len(selected.lstrip())
            end -= len(selected) - len(selected.rstrip())
        lo, hi = self.byte(start), self.byte(max(start, end - 1) if end > start else end)
        node = self.tree.root_node.named_descendant_for_byte_range(lo, hi)
        while node is not None and node.type not in _STATEMENT_LISTS:
            node = node.parent
        if node is None:
            return None
        touched = [
            c
            for c in node.named_children
            if c.end_byte > lo and c.start_byte <= hi and c.type != "comment"
        ]
        if not touched:
            return None
        return self.char(touched[0].start_byte), self.char(touched[-1].end_byte)

    def identifier_at(self, offset: int) -> tuple[str, int, int] | None:
        """The variable name under (or just before) `offset`: (name, start, end); None on
        anything else, attribute and keyword-argument names included."""
        at = self.byte(offset)
        for probe in (at, at - 1):
            if probe < 0:
                continue
            node = self.tree.root_node.descendant_for_byte_range(probe, probe)
            if node is not None and node.type in _IDENTIFIERS and node.id not in self._skipped():
                return (
                    self.node_text(node),
                    self.char(node.start_byte),
                    self.char(node.end_byte),
                )
        return None

    def _skipped(self) -> set[int]:
        if self._skip is None:
            self._skip = {n.id for m in self.matches() for n in m.get("skip", ())}
        return self._skip

    def local_bindings(self, function: Definition) -> set[str]:
        """Names bound inside `function` (parameters, assignments, loop variables...)."""
        lo, hi = self.byte(function.start), self.byte(function.end)
        return {
            self.node_text(n)
            for m in self.matches()
            for n in m.get("local", ())
            if lo <= n.start_byte and n.end_byte <= hi
        }

    def occurrences(self, function: Definition, name: str) -> list[tuple[int, int]]:
        """Every identifier `name` inside `function` that refers to a variable."""
        lo, hi = self.byte(function.start), self.byte(function.end)
        skipped = self._skipped()
        out = []
        for node in _walk(self.tree.root_node, lo, hi):
            if (
                node.type in _IDENTIFIERS
                and node.id not in skipped
                and self.node_text(node) == name
            ):
                out.append((self.char(node.start_byte), self.char(node.end_byte)))
        return out

    def identifiers_in(self, start: int, end: int) -> set[str]:
        lo, hi = self.byte(start), self.byte(end)
        return {
            self.node_text(n)
            for n in _walk(self.tree.root_node, lo, hi)
            if n.type.endswith("identifier")  # variables, fields, types, properties...
        }

    # -- errors ------------------------------------------------------------------------------

    def errors(self) -> list[SyntaxError_]:
        """ERROR and MISSING nodes, in document order (the same list on every call)."""
        if self._errors is None:
            self._errors = self._find_errors()
        return self._errors

    def _find_errors(self) -> list[SyntaxError_]:
        if not self.tree.root_node.has_error:
            return []
        out: list[SyntaxError_] = []
        stack = [self.tree.root_node]
        while stack:
            node = stack.pop()
            if not node.has_error and not node.is_missing:
                continue
            if node.is_error or node.is_missing:
                text = self.node_text(node)[:40] if not node.is_missing else f"missing {node.type}"
                out.append(SyntaxError_(node.start_point.row, node.start_point.column, text))
                if node.is_missing:
                    continue
            stack.extend(reversed(node.children))
        out.sort(key=lambda e: (e.line, e.column))
        return out


def _walk(root: ts.Node, lo: int, hi: int) -> Iterator[ts.Node]:
    """Nodes overlapping lo..hi (bytes), depth first."""
    stack = [root]
    while stack:
        node = stack.pop()
        if node.end_byte <= lo or node.start_byte >= hi:
            continue
        yield node
        stack.extend(reversed(node.children))


def _outer(node: ts.Node) -> ts.Node:
    """The outermost declaration that starts on the node's line and holds only it (an
    arrow function's `const f = ...`, Python's decorated definition, Go's type declaration)."""
    current = node
    while (
        current.parent is not None
        and current.parent.type not in _STATEMENT_LISTS
        and current.parent.type
        not in ("class_body", "declaration_list", "field_declaration_list", "export_statement")
        and current.parent.named_child_count <= 3
        and current.parent.start_point.row >= node.start_point.row - 3
    ):
        current = current.parent
    if current.type == "export_statement" or (
        current.parent is not None and current.parent.type == "export_statement"
    ):
        current = current.parent if current.parent is not None else current
    return current


def _leading_comments(node: ts.Node) -> list[ts.Node]:
    """The comment lines directly above `node`, with no blank line between."""
    comments: list[ts.Node] = []
    row = node.start_point.row
    sibling = node.prev_sibling
    while sibling is not None and sibling.type in ("comment", "line_comment", "block_comment"):
        if sibling.end_point.row < row - 1:
            break
        comments.insert(0, sibling)
        row = sibling.start_point.row
        sibling = sibling.prev_sibling
    return comments


def _is_async(node: ts.Node, body: ts.Node) -> bool:
    """Whether the definition is declared async (an `async` token before its body)."""
    stack = [c for c in node.children if c.start_byte < body.start_byte]
    while stack:
        child = stack.pop()
        if child.type == "async":
            return True
        if child.type in ("function_modifiers", "modifiers"):
            stack.extend(child.children)
    return False
