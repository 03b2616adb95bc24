"""Persistence: what the workspace index stores in SQLite, and the queries on it.

Files are keyed by path with their stat (size, mtime_ns) and content sha1, so a restart
re-reads only files whose stat changed and re-parses only those whose content changed. Each
indexed file has rows of definitions, imports (with the workspace files they resolve to, and
those as `import_edges` for the reverse question) and chunks.

Chunks are stored as line spans only: their text is read from the workspace file when asked
(`chunks()`), which keeps the database a fraction of the workspace's size and saves copying
every file into it on a cold start.

The database itself (schema, connections, transactions, threads) is `db.py`.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import sqlite3
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from radix_ls.index.db import CHILD_TABLES, Database, in_parts
from radix_ls.index.extract import chunk_texts, definition_from_row, import_from_row
from radix_ls.index.model import Chunk, Definition, Import, IndexSummary
from radix_ls.index.records import (
    ImportToResolve,
    Indexed,
    Resolution,
    Skipped,
    Unchanged,
    WriteEntry,
)
from radix_ls.index.scan import open_inside, storable
from radix_ls.workspace.confine import ConfinementError

log = logging.getLogger("radix_ls.index")

_DEFINITION_COLUMNS = (
    "d.name, d.kind, d.qualified_name, d.container, d.start_line, d.end_line, "
    "d.start_byte, d.end_byte, d.signature, d.body_start, d.body_end"
)
_FILE_STATE = "SELECT id, path, size, mtime_ns, sha1, language, skip_reason FROM files"


@dataclass(frozen=True, slots=True)
class FileState:
    """What the index knows about a file on disk."""

    id: int
    path: str
    size: int
    mtime_ns: int
    sha1: str | None
    language: str
    skip_reason: str | None


class IndexStore:
    """The SQLite index of one workspace (see `db.py` for threading)."""

    def __init__(self, db_path: Path, *, root: Path | None = None) -> None:
        self.path = db_path
        self.root = root  # where chunk text is read from
        self.db = Database(db_path, root=root)

    def close(self) -> None:
        self.db.close()

    def is_empty(self) -> bool:
        return self.db.conn().execute("SELECT 1 FROM files LIMIT 1").fetchone() is None

    def bulk_load(self) -> contextlib.AbstractContextManager[None]:
        """For filling an empty index (see `Database.bulk_load`)."""
        return self.db.bulk_load()

    # -- writing ------------------------------------------------------------------------------

    def file_states(self) -> dict[str, FileState]:
        return {row[1]: FileState(*row) for row in self.db.conn().execute(_FILE_STATE)}

    def next_file_id(self) -> int:
        row = self.db.conn().execute("SELECT COALESCE(MAX(id), 0) + 1 FROM files").fetchone()
        return int(row[0])

    def write_batch(self, entries: Sequence[WriteEntry]) -> None:
        """Store indexed, skipped and unchanged files in one transaction (an `Indexed` file's
        import rows resolved: `ResolvedImportRow`s)."""
        now = time.time()
        files: list[tuple] = []
        stats: list[tuple[int, int, int]] = []
        clear: list[int] = []
        definitions: list[tuple] = []
        imports: list[tuple] = []
        edges: list[tuple[int, str]] = []
        chunks: list[tuple] = []
        for e in entries:
            if isinstance(e, Unchanged):  # the same content, a new stat
                stats.append((e.size, e.mtime_ns, e.file_id))
                continue
            clear.append(e.file_id)
            if isinstance(e, Skipped):
                files.append(_file_row(e, now, e.reason, 0, False))
                continue
            files.append(_file_row(e, now, None, e.line_count, e.has_errors))
            definitions += e.definitions
            imports += e.imports
            # import rows end with their targets, "\n"-joined (`ResolvedImportRow`)
            edges += {(row[0], t) for row in e.imports if row[6] for t in row[6].split("\n")}
            chunks += e.chunks
        with self.db.write() as conn:
            if not self.db.bulk:
                _clear(conn, clear)
            conn.executemany(
                "INSERT OR REPLACE INTO files (id, path, size, mtime_ns, sha1, language, "
                "indexed_at, skip_reason, line_count, has_errors) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                files,
            )
            conn.executemany("UPDATE files SET size = ?, mtime_ns = ? WHERE id = ?", stats)
            conn.executemany(
                "INSERT INTO definitions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", definitions
            )
            conn.executemany(
                "INSERT INTO imports (file_id, module, names, line, kind, aliases, resolved) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                imports,
            )
            conn.executemany("INSERT INTO import_edges VALUES (?, ?)", edges)
            conn.executemany("INSERT INTO chunks VALUES (?, ?, ?, ?, ?)", chunks)

    def remove(self, paths: Iterable[str]) -> int:
        """Drop files (and everything extracted from them); returns how many were there."""
        with self.db.write() as conn:
            ids = [
                row[0]
                for path in paths
                for row in conn.execute("SELECT id FROM files WHERE path = ?", (storable(path),))
            ]
            _clear(conn, ids)
            conn.executemany("DELETE FROM files WHERE id = ?", [(i,) for i in ids])
        return len(ids)

    def imports_to_resolve(self, file_ids: Iterable[int] | None = None) -> list[ImportToResolve]:
        """The stored imports of these files (of every file: None)."""
        sql = (
            "SELECT i.id, i.file_id, f.path, f.language, i.module, i.names, i.line, i.kind "
            "FROM imports i JOIN files f ON f.id = i.file_id"
        )
        conn = self.db.conn()
        if file_ids is None:
            rows = conn.execute(sql).fetchall()
        else:
            rows = [
                row
                for marks, part in in_parts(list(file_ids))
                for row in conn.execute(f"{sql} WHERE i.file_id IN ({marks})", part)
            ]
        return [ImportToResolve(*row) for row in rows]

    def files_importing(self, paths: Sequence[str]) -> list[int]:
        """Ids of files with an import resolved to one of `paths`."""
        conn = self.db.conn()
        return sorted(
            {
                row[0]
                for marks, part in in_parts(paths)
                for row in conn.execute(
                    f"SELECT DISTINCT file_id FROM import_edges WHERE target IN ({marks})", part
                )
            }
        )

    def write_resolution(
        self, resolved: Sequence[Resolution], file_ids: Iterable[int] | None
    ) -> None:
        """Store the imports' new targets and rebuild those files' import edges (all files'
        edges: `file_ids` None)."""
        with self.db.write() as conn:
            if file_ids is None:
                conn.execute("DELETE FROM import_edges")
            else:
                for marks, part in in_parts(list(file_ids)):
                    conn.execute(f"DELETE FROM import_edges WHERE file_id IN ({marks})", part)
            conn.executemany(
                "UPDATE imports SET resolved = ? WHERE id = ?",
                [("\n".join(r.targets), r.import_id) for r in resolved],
            )
            conn.executemany(
                "INSERT INTO import_edges VALUES (?, ?)",
                {(r.file_id, t) for r in resolved for t in r.targets},
            )

    # -- queries ------------------------------------------------------------------------------

    def definitions_named(self, name: str, limit: int = 200) -> list[Definition]:
        rows = self.db.conn().execute(
            f"SELECT f.path, {_DEFINITION_COLUMNS} FROM definitions d "
            "JOIN files f ON f.id = d.file_id WHERE d.name = ? "
            "ORDER BY f.path, d.start_byte LIMIT ?",
            (name, limit),
        )
        return [definition_from_row(row[0], row[1:]) for row in rows]

    def definitions_in(self, path: str) -> list[Definition]:
        rows = self.db.conn().execute(
            f"SELECT {_DEFINITION_COLUMNS} FROM definitions d "
            "JOIN files f ON f.id = d.file_id WHERE f.path = ? ORDER BY d.start_byte",
            (storable(path),),
        )
        return [definition_from_row(path, row) for row in rows]

    def imports_of(self, path: str) -> list[Import]:
        rows = self.db.conn().execute(
            "SELECT i.module, i.names, i.line, i.kind, i.aliases, i.resolved FROM imports i "
            "JOIN files f ON f.id = i.file_id WHERE f.path = ? ORDER BY i.line, i.id",
            (storable(path),),
        )
        return [import_from_row(row, tuple(row[5].split("\n")) if row[5] else ()) for row in rows]

    def file_state(self, path: str) -> FileState | None:
        row = self.db.conn().execute(f"{_FILE_STATE} WHERE path = ?", (storable(path),))
        row = row.fetchone()
        return FileState(*row) if row else None

    def chunks(self) -> Iterator[Chunk]:
        """Every chunk of every indexed file, file by file (streamed).

        Chunk text is read from the files (the database keeps only the spans): a file whose
        content changed since it was indexed contributes no chunks until it is re-indexed.
        """
        conn = self.db.connect()  # a private connection: the caller may interleave queries
        try:
            files = conn.execute(
                "SELECT id, path, sha1 FROM files WHERE skip_reason IS NULL ORDER BY id"
            ).fetchall()
            for fid, path, sha1 in files:
                spans = conn.execute(
                    "SELECT start_line, end_line, kind, name FROM chunks WHERE file_id = ? "
                    "ORDER BY start_line",
                    (fid,),
                ).fetchall()
                yield from self._chunks_of(path, sha1, spans)
        finally:
            conn.close()

    def _chunks_of(
        self, path: str, sha1: str | None, spans: list[tuple[int, int, str, str]]
    ) -> list[Chunk]:
        if not spans or self.root is None:
            return []
        try:
            # never through a link made since the file was indexed (the sha1 check would
            # drop the text, but only after reading whatever it points at)
            with open_inside(str(self.root / path), self.root) as handle:
                data = handle.read()
        except (OSError, ConfinementError):
            return []
        if sha1 is not None and hashlib.sha1(data).hexdigest() != sha1:
            log.debug("%s changed since it was indexed: its chunks wait for re-indexing", path)
            return []
        texts = chunk_texts(data, [(start, end) for start, end, _, _ in spans])
        return [
            Chunk(path, start, end, kind, name, text)
            for (start, end, kind, name), text in zip(spans, texts, strict=True)
        ]

    def indexed_files(self) -> dict[str, str]:
        """Indexed (not skipped) files: path -> language."""
        rows = self.db.conn().execute("SELECT path, language FROM files WHERE skip_reason IS NULL")
        return dict(rows.fetchall())

    def skipped_files(self) -> dict[str, str]:
        """Skipped files: path -> reason."""
        rows = self.db.conn().execute(
            "SELECT path, skip_reason FROM files WHERE skip_reason IS NOT NULL"
        )
        return dict(rows.fetchall())

    def definition_count(self) -> int:
        return int(self.db.conn().execute("SELECT COUNT(*) FROM definitions").fetchone()[0])

    def summary(self) -> IndexSummary:
        with self.db.read() as conn:

            def count(sql: str) -> int:
                return int(conn.execute(sql).fetchone()[0])

            skipped = dict(
                conn.execute(
                    "SELECT skip_reason, COUNT(*) FROM files WHERE skip_reason IS NOT NULL "
                    "GROUP BY skip_reason"
                ).fetchall()
            )
            languages = dict(
                conn.execute(
                    "SELECT language, COUNT(*) FROM files WHERE skip_reason IS NULL "
                    "GROUP BY language"
                ).fetchall()
            )
            return IndexSummary(
                files=sum(languages.values()),
                skipped=skipped,
                definitions=count("SELECT COUNT(*) FROM definitions"),
                imports=count("SELECT COUNT(*) FROM imports"),
                chunks=count("SELECT COUNT(*) FROM chunks"),
                languages=languages,
            )


def _file_row(
    e: Indexed | Skipped, now: float, reason: str | None, line_count: int, has_errors: bool
) -> tuple:
    """The `files` row of a file written now (`reason`: why it is skipped, None: indexed)."""
    return (
        e.file_id,
        e.path,
        e.size,
        e.mtime_ns,
        e.sha1,
        e.language,
        now,
        reason,
        line_count,
        has_errors,
    )


def _clear(conn: sqlite3.Connection, file_ids: Sequence[int]) -> None:
    """Delete the rows of these files from every table with rows per file."""
    for marks, part in in_parts(file_ids):
        for table in CHILD_TABLES:
            conn.execute(f"DELETE FROM {table} WHERE file_id IN ({marks})", part)
