"""The index's plain data: what one file contains, and what indexing a workspace did.

Everything here is a frozen dataclass of strings and integers, in editor terms: workspace-
relative POSIX paths, 1-based inclusive line numbers, byte offsets into the file's bytes.
Nothing here knows about tree-sitter, SQLite or LSP.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Definition kinds that contain methods: a function defined directly inside one is a method.
CLASS_KINDS = frozenset(
    {"class", "struct", "interface", "trait", "enum", "union", "record", "impl", "object"}
)
# Definition kinds that name a scope: definitions inside them get qualified names
# (`Class.method`, `namespace.Class`, `outer.inner`). Variables, types and macros do not.
CONTAINER_KINDS = CLASS_KINDS | {"namespace", "module", "function", "method"}


@dataclass(frozen=True, slots=True)
class Definition:
    """A named definition: function, method, class, struct, interface, enum, trait, type,
    constant, variable, module, namespace, macro, record or union (`kind`)."""

    path: str  # workspace-relative, "/"-separated
    name: str
    kind: str
    qualified_name: str  # container names joined with "." (`Class.method`), else `name`
    container: str  # the qualified name of the enclosing definition, "" at top level
    start_line: int  # 1-based, inclusive
    end_line: int  # 1-based, inclusive
    start_byte: int
    end_byte: int  # exclusive
    # The header text: `def f(x) -> int:`, `func (s *S) Count() int`, `class A(B):`; for
    # definitions without a body (constants, prototypes) the first line of the definition.
    signature: str
    body_start_byte: int | None = None  # the body's span, None where there is none
    body_end_byte: int | None = None


@dataclass(frozen=True, slots=True)
class Import:
    """One import of one module specifier, as written.

    `module` is the specifier without string quotes or `<>`: `a.b`, `.x`, `..`, `./util`,
    `github.com/x/y`, `crate::a::b`, `java.util.List`, `proj/list.h`. `names` are the
    imported names (`*` for wildcards; Go: the local package name if one is given). `kind`
    is "" or what the query says: Rust `mod` (`mod x;`), C/C++ `local` (`#include "x"`) or
    `system` (`#include <x>`), JavaScript/TypeScript `export` (a re-export:
    `export { x } from "./y"`, `export * from "./y"`).
    """

    module: str
    names: tuple[str, ...]
    line: int  # 1-based
    kind: str = ""
    resolved: tuple[str, ...] = ()  # workspace-relative paths; filled in by the indexer
    # `as` names: (local name, original name), the original "" where the local name is the
    # module itself (`import a.b as m`, `import * as m from "./x"`); names not listed here
    # keep their own name
    aliases: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class Chunk:
    """A piece of a file for similarity search: a top-level definition (or one member of a
    long class), or a window of the top-level code between definitions."""

    path: str
    start_line: int  # 1-based, inclusive
    end_line: int  # 1-based, inclusive
    kind: str  # "definition" | "code"
    name: str  # the definition's qualified name; "" for code windows
    text: str


@dataclass(frozen=True, slots=True)
class FileIndex:
    """Everything the index knows about one file's content."""

    path: str
    language: str
    definitions: tuple[Definition, ...]  # in document order
    imports: tuple[Import, ...]  # in document order
    chunks: tuple[Chunk, ...]  # in document order
    line_count: int = 0
    has_errors: bool = False  # tree-sitter found syntax errors (the rest is still indexed)


@dataclass(frozen=True, slots=True)
class IndexProgress:
    """Reported while indexing: `phase` is "scan", "parse" or "resolve"."""

    phase: str
    done: int
    total: int


@dataclass(frozen=True)
class IndexStats:
    """What one `refresh()` (or `index_files()`) did."""

    files_seen: int = 0  # source files found (after ignore rules)
    parsed: int = 0  # read and (re)indexed
    unchanged: int = 0  # same size+mtime, or same content hash
    removed: int = 0  # gone from disk (or now ignored) and dropped from the index
    skipped: dict[str, int] = field(default_factory=dict)  # reason -> count
    definitions: int = 0  # definitions in the whole index afterwards
    seconds: float = 0.0


@dataclass(frozen=True)
class IndexSummary:
    """The index as it stands (`Indexer.stats()`)."""

    files: int
    skipped: dict[str, int]
    definitions: int
    imports: int
    chunks: int
    languages: dict[str, int]
