"""The records indexing passes between its parts: what a worker is asked to do with one file,
what it answers, and the rows that go to SQLite.

    indexer --Task--> worker --Indexed | Skipped | Unchanged | Missing--> indexer --> store

Per-file records are NamedTuples: named fields for the code that routes them, the speed of
tuples where a cold index makes thousands. The rows inside them stay plain tuples in the
column order of their table (the types below name the columns): a cold index makes hundreds of
thousands, they cross the process boundary by pickle, where a plain tuple is several times
cheaper than a named one, and the store hands them to `executemany` as they are.
"""

from __future__ import annotations

from typing import NamedTuple

# (file id, name, kind, qualified_name, container, start_line, end_line, start_byte, end_byte,
#  signature, body start byte, body end byte): the `definitions` table
DefinitionRow = tuple[int, str, str, str, str, int, int, int, int, str, int | None, int | None]
# (file id, module, names "\n"-joined, line, kind, aliases "local=original" lines): an import
# as extracted
ImportRow = tuple[int, str, str, int, str, str]
# an `ImportRow` with the workspace files it resolves to, "\n"-joined: the `imports` table
ResolvedImportRow = tuple[int, str, str, int, str, str, str]
# (file id, start_line, end_line, kind, name): the `chunks` table (their text stays in the file)
ChunkRow = tuple[int, int, int, str, str]


def aliases_text(aliases: dict[str, str] | None) -> str:
    """An import's `as` names as the index stores them: "local=original" lines, the original
    "" for the module itself (`import a.b as m`, `import * as m from "./x"`)."""
    if not aliases:
        return ""
    return "\n".join(f"{local}={original}" for local, original in aliases.items())


def parse_aliases(text: str) -> tuple[tuple[str, str], ...]:
    """`aliases_text` read back: (local, original) pairs."""
    pairs = (line.partition("=") for line in text.split("\n"))
    return tuple((local, original) for local, sep, original in pairs if sep)


class Task(NamedTuple):
    """One file for a worker to read and, if its content changed, extract."""

    file_id: int
    path: str  # workspace-relative
    full_path: str
    language: str
    known_sha1: str | None  # the content the index has (None: none, or it was skipped)


class Indexed(NamedTuple):
    """A file read and extracted: everything its rows in the index need."""

    file_id: int
    path: str
    size: int
    mtime_ns: int
    sha1: str
    language: str
    line_count: int
    has_errors: bool
    definitions: list[DefinitionRow]
    # `ImportRow`s from the worker; the indexer resolves them to `ResolvedImportRow`s
    imports: list[ImportRow] | list[ResolvedImportRow]
    chunks: list[ChunkRow]


class Skipped(NamedTuple):
    """A file left out of the index, with the reason (`scan.SKIP_*`)."""

    file_id: int
    path: str
    size: int
    mtime_ns: int
    sha1: str | None  # None when the content was never read (decided by name or stat)
    language: str
    reason: str


class Unchanged(NamedTuple):
    """A file whose stat changed but whose content did not: only the stat is stored."""

    file_id: int
    path: str
    size: int
    mtime_ns: int


class Missing(NamedTuple):
    """A file that was gone by the time the worker opened it (dropped from the index)."""

    file_id: int
    path: str


# what `IndexStore.write_batch` stores, one per file
WriteEntry = Indexed | Skipped | Unchanged
# what a worker answers for a `Task`
Result = WriteEntry | Missing


class ImportToResolve(NamedTuple):
    """A stored import whose targets are to be found again (files appeared or disappeared)."""

    import_id: int
    file_id: int
    path: str
    language: str
    module: str
    names: str  # "\n"-joined
    line: int
    kind: str


class Resolution(NamedTuple):
    """The targets found for a stored import."""

    import_id: int
    file_id: int
    targets: tuple[str, ...]
