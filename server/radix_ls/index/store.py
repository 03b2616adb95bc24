"""Persistence: the workspace index in SQLite, one database per workspace.

`<cache_dir>/index/<sha1(resolved workspace path)[:16]>/index.sqlite3`, WAL mode. Files are
keyed by path with their stat (size, mtime_ns) and content sha1, so a restart re-reads only
files whose stat changed and re-parses only those whose content changed. A database with
another schema version (or one that cannot be read) is deleted and recreated: it is a
cache, never the only copy of anything.

Chunks are stored as line spans only: their text is read from the workspace file when asked
(`chunks()`), which keeps the database a fraction of the workspace's size and saves copying
every file into it on a cold start.

Threads: every thread gets its own connection (SQLite connections must not be shared while
in use); WAL lets readers run while one writer writes. Writes are serialised by a lock and
run in explicit transactions; readers see whole batches or nothing.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from radix_ls.index.extract import chunk_texts, definition_from_row, import_from_row
from radix_ls.index.model import Chunk, Definition, Import, IndexSummary

log = logging.getLogger("radix_ls.index")

# 3: no references (the `refs` table and `files.refs` column are gone)
SCHEMA_VERSION = 3

_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE files (
    id INTEGER PRIMARY KEY,
    path TEXT NOT NULL UNIQUE,
    size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    sha1 TEXT,              -- NULL when the content was never read (e.g. too large)
    language TEXT NOT NULL,
    indexed_at REAL NOT NULL,
    skip_reason TEXT,       -- NULL when indexed
    line_count INTEGER NOT NULL DEFAULT 0,
    has_errors INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE definitions (
    file_id INTEGER NOT NULL,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    qualified_name TEXT NOT NULL,
    container TEXT NOT NULL,
    start_line INTEGER NOT NULL,
    end_line INTEGER NOT NULL,
    start_byte INTEGER NOT NULL,
    end_byte INTEGER NOT NULL,
    signature TEXT NOT NULL,
    body_start INTEGER,
    body_end INTEGER
);
CREATE TABLE imports (
    id INTEGER PRIMARY KEY,
    file_id INTEGER NOT NULL,
    module TEXT NOT NULL,
    names TEXT NOT NULL,       -- "\\n"-separated
    line INTEGER NOT NULL,
    kind TEXT NOT NULL,
    resolved TEXT NOT NULL DEFAULT ''  -- "\\n"-separated workspace paths
);
CREATE TABLE import_edges (file_id INTEGER NOT NULL, target TEXT NOT NULL);
-- no text: it is read from the file (see IndexStore.chunks)
CREATE TABLE chunks (
    file_id INTEGER NOT NULL,
    start_line INTEGER NOT NULL,
    end_line INTEGER NOT NULL,
    kind TEXT NOT NULL,
    name TEXT NOT NULL
);
"""
# Secondary indexes: dropped for a bulk load into an empty index and built afterwards (one
# sort each instead of a B-tree insert per row).
_INDEXES = """
CREATE INDEX IF NOT EXISTS definitions_name ON definitions (name);
CREATE INDEX IF NOT EXISTS definitions_file ON definitions (file_id);
CREATE INDEX IF NOT EXISTS imports_file ON imports (file_id);
CREATE INDEX IF NOT EXISTS import_edges_target ON import_edges (target);
CREATE INDEX IF NOT EXISTS import_edges_file ON import_edges (file_id);
CREATE INDEX IF NOT EXISTS chunks_file ON chunks (file_id);
"""
_INDEX_NAMES = tuple(
    line.split()[5] for line in _INDEXES.strip().splitlines() if line.startswith("CREATE")
)
_CHILD_TABLES = ("definitions", "imports", "import_edges", "chunks")
_DEFINITION_COLUMNS = (
    "d.name, d.kind, d.qualified_name, d.container, d.start_line, d.end_line, "
    "d.start_byte, d.end_byte, d.signature, d.body_start, d.body_end"
)


def index_path(cache_dir: Path, root: Path) -> Path:
    """Where the index of workspace `root` lives under `cache_dir`."""
    key = hashlib.sha1(str(root.resolve()).encode("utf-8")).hexdigest()[:16]
    return cache_dir / "index" / key / "index.sqlite3"


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


# What the indexer hands to `write_batch`, one per file (rows carry their file id first;
# import rows end with their resolved targets, "\n"-joined):
#   ("indexed", id, path, size, mtime_ns, sha1, language, line_count, has_errors,
#    definition rows, import rows, chunk rows)
#   ("skipped", id, path, size, mtime_ns, sha1 | None, language, reason)
#   ("unchanged", id, path, size, mtime_ns)   content is the same: update the stat only
WriteEntry = tuple


class IndexStore:
    """The SQLite index of one workspace (see the module docstring for threading)."""

    def __init__(self, db_path: Path, *, root: Path | None = None) -> None:
        self.path = db_path
        self.root = root
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._lock = threading.Lock()  # guards _connections
        self._write_lock = threading.RLock()
        self._closed = False
        self._bulk = False  # inside bulk_load(): every file written is new
        db_path.parent.mkdir(parents=True, exist_ok=True)
        self._open_schema()

    # -- connections ------------------------------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(
            self.path, timeout=30.0, isolation_level=None, check_same_thread=False
        )
        conn.execute("PRAGMA synchronous = NORMAL")  # WAL + NORMAL: durable enough for a cache
        conn.execute("PRAGMA temp_store = MEMORY")
        conn.execute("PRAGMA cache_size = -16000")
        return conn

    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            if self._closed:
                raise sqlite3.ProgrammingError("the index store is closed")
            conn = self._local.conn = self._connect()
            with self._lock:
                self._connections.append(conn)
        return conn

    def close(self) -> None:
        """Close every thread's connection (call when no query is running)."""
        self._closed = True
        with self._lock:
            connections, self._connections = self._connections, []
        for conn in connections:
            with contextlib.suppress(sqlite3.Error):
                conn.close()
        self._local = threading.local()

    def _open_schema(self) -> None:
        try:
            conn = self._conn()
            version = self._schema_version(conn)
        except sqlite3.DatabaseError as exc:
            log.info("index database %s unreadable (%s): recreating it", self.path, exc)
            version = None
        if version == SCHEMA_VERSION:
            return
        if version is not None:
            log.info("index schema %s != %s: recreating %s", version, SCHEMA_VERSION, self.path)
        self.close()
        self._closed = False
        for suffix in ("", "-wal", "-shm"):
            Path(str(self.path) + suffix).unlink(missing_ok=True)
        conn = self._conn()
        conn.execute("PRAGMA journal_mode = WAL")
        conn.executescript("BEGIN;" + _SCHEMA + _INDEXES + "COMMIT;")
        conn.executemany(
            "INSERT INTO meta (key, value) VALUES (?, ?)",
            [
                ("schema_version", str(SCHEMA_VERSION)),
                ("root", str(self.root) if self.root else ""),
                ("created_at", str(time.time())),
            ],
        )

    def is_empty(self) -> bool:
        return self._conn().execute("SELECT 1 FROM files LIMIT 1").fetchone() is None

    @contextlib.contextmanager
    def bulk_load(self) -> Iterator[None]:
        """For filling an empty index: secondary indexes are built once at the end.

        Meanwhile every file written is new, so `write_batch` deletes nothing first (without
        the indexes, each delete would scan the whole table), and commits do not wait for
        the disk (`synchronous = OFF`: a crash mid-build leaves a database that fails the
        schema check or misses files, and either is rebuilt or refreshed like any stale
        cache). Queries still work meanwhile, only slower (no indexes)."""
        with self._write() as conn:
            for name in _INDEX_NAMES:
                conn.execute(f"DROP INDEX IF EXISTS {name}")
            for table in _CHILD_TABLES:  # nothing can be left over for the new files
                conn.execute(f"DELETE FROM {table}")
        conn.execute("PRAGMA synchronous = OFF")
        self._bulk = True
        try:
            yield
        finally:
            self._bulk = False
            with self._write() as conn:
                for sql in _INDEXES.split(";"):
                    if sql.strip():
                        conn.execute(sql)
            conn.execute("PRAGMA synchronous = NORMAL")

    @staticmethod
    def _schema_version(conn: sqlite3.Connection) -> int | None:
        """The schema version; None for a new (empty) database, -1 for a foreign one."""
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if not tables:
            return None
        if "meta" not in tables:
            return -1
        row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        try:
            return int(row[0]) if row else -1
        except ValueError:
            return -1

    @contextlib.contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        with self._write_lock:
            conn = self._conn()
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    @contextlib.contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        """A read transaction: several SELECTs see one consistent state."""
        conn = self._conn()
        if conn.in_transaction:  # nested (e.g. inside a write on this thread)
            yield conn
            return
        conn.execute("BEGIN")
        try:
            yield conn
        finally:
            conn.execute("COMMIT")

    # -- writing ------------------------------------------------------------------------------

    def file_states(self) -> dict[str, FileState]:
        rows = self._conn().execute(
            "SELECT id, path, size, mtime_ns, sha1, language, skip_reason FROM files"
        )
        return {row[1]: FileState(*row) for row in rows}

    def next_file_id(self) -> int:
        row = self._conn().execute("SELECT COALESCE(MAX(id), 0) + 1 FROM files").fetchone()
        return int(row[0])

    def write_batch(self, entries: Sequence[WriteEntry]) -> None:
        """Store indexed/skipped/unchanged files in one transaction (see `WriteEntry`)."""
        now = time.time()
        files: list[tuple] = []
        stats: list[tuple] = []
        clear: list[int] = []
        definitions: list[tuple] = []
        imports: list[tuple] = []
        edges: list[tuple[int, str]] = []
        chunks: list[tuple] = []
        for entry in entries:
            status = entry[0]
            if status == "indexed":
                (_, fid, path, size, mtime, sha1, language, lines, errors, d, i, c) = entry
                files.append((fid, path, size, mtime, sha1, language, now, None, lines, errors))
                clear.append(fid)
                definitions += d
                imports += i
                edges += {(row[0], t) for row in i if row[5] for t in row[5].split("\n")}
                chunks += c
            elif status == "skipped":
                _, fid, path, size, mtime, sha1, language, reason = entry
                files.append((fid, path, size, mtime, sha1, language, now, reason, 0, 0))
                clear.append(fid)
            else:
                _, fid, path, size, mtime = entry
                stats.append((size, mtime, fid))
        with self._write() as conn:
            if not self._bulk:
                self._clear(conn, clear)
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
                "INSERT INTO imports (file_id, module, names, line, kind, resolved) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                imports,
            )
            conn.executemany("INSERT INTO import_edges VALUES (?, ?)", edges)
            conn.executemany("INSERT INTO chunks VALUES (?, ?, ?, ?, ?)", chunks)

    @staticmethod
    def _clear(conn: sqlite3.Connection, file_ids: Sequence[int]) -> None:
        for start in range(0, len(file_ids), 500):
            part = file_ids[start : start + 500]
            marks = ",".join("?" * len(part))
            for table in _CHILD_TABLES:
                conn.execute(f"DELETE FROM {table} WHERE file_id IN ({marks})", part)

    def remove(self, paths: Iterable[str]) -> int:
        """Drop files (and everything extracted from them); returns how many were there."""
        with self._write() as conn:
            ids = [
                row[0]
                for path in paths
                for row in conn.execute("SELECT id FROM files WHERE path = ?", (path,))
            ]
            self._clear(conn, ids)
            conn.executemany("DELETE FROM files WHERE id = ?", [(i,) for i in ids])
        return len(ids)

    def imports_to_resolve(self, file_ids: Iterable[int] | None = None) -> list[tuple]:
        """(import id, file id, path, language, module, names, line, kind) rows."""
        sql = (
            "SELECT i.id, i.file_id, f.path, f.language, i.module, i.names, i.line, i.kind "
            "FROM imports i JOIN files f ON f.id = i.file_id"
        )
        conn = self._conn()
        if file_ids is None:
            return conn.execute(sql).fetchall()
        ids = list(file_ids)
        out: list[tuple] = []
        for start in range(0, len(ids), 500):
            part = ids[start : start + 500]
            marks = ",".join("?" * len(part))
            out += conn.execute(f"{sql} WHERE i.file_id IN ({marks})", part).fetchall()
        return out

    def files_importing(self, paths: Sequence[str]) -> list[int]:
        """Ids of files with an import resolved to one of `paths`."""
        out: set[int] = set()
        conn = self._conn()
        for start in range(0, len(paths), 500):
            part = list(paths[start : start + 500])
            marks = ",".join("?" * len(part))
            rows = conn.execute(
                f"SELECT DISTINCT file_id FROM import_edges WHERE target IN ({marks})", part
            )
            out.update(row[0] for row in rows)
        return sorted(out)

    def write_resolution(
        self, resolved: Sequence[tuple[int, int, tuple[str, ...]]], file_ids: Iterable[int] | None
    ) -> None:
        """Store (import id, file id, targets) and rebuild those files' import edges."""
        with self._write() as conn:
            if file_ids is None:
                conn.execute("DELETE FROM import_edges")
            else:
                ids = list(file_ids)
                for start in range(0, len(ids), 500):
                    part = ids[start : start + 500]
                    marks = ",".join("?" * len(part))
                    conn.execute(f"DELETE FROM import_edges WHERE file_id IN ({marks})", part)
            conn.executemany(
                "UPDATE imports SET resolved = ? WHERE id = ?",
                [("\n".join(targets), import_id) for import_id, _, targets in resolved],
            )
            conn.executemany(
                "INSERT INTO import_edges VALUES (?, ?)",
                {(fid, t) for _, fid, targets in resolved for t in targets},
            )

    # -- queries ------------------------------------------------------------------------------

    def definitions_named(self, name: str, limit: int = 200) -> list[Definition]:
        rows = self._conn().execute(
            f"SELECT f.path, {_DEFINITION_COLUMNS} FROM definitions d "
            "JOIN files f ON f.id = d.file_id WHERE d.name = ? "
            "ORDER BY f.path, d.start_byte LIMIT ?",
            (name, limit),
        )
        return [definition_from_row(row[0], row[1:]) for row in rows]

    def definitions_in(self, path: str) -> list[Definition]:
        rows = self._conn().execute(
            f"SELECT {_DEFINITION_COLUMNS} FROM definitions d "
            "JOIN files f ON f.id = d.file_id WHERE f.path = ? ORDER BY d.start_byte",
            (path,),
        )
        return [definition_from_row(path, row) for row in rows]

    def imports_of(self, path: str) -> list[Import]:
        rows = self._conn().execute(
            "SELECT i.module, i.names, i.line, i.kind, i.resolved FROM imports i "
            "JOIN files f ON f.id = i.file_id WHERE f.path = ? ORDER BY i.line, i.id",
            (path,),
        )
        return [import_from_row(row, tuple(row[4].split("\n")) if row[4] else ()) for row in rows]

    def file_state(self, path: str) -> FileState | None:
        row = (
            self._conn()
            .execute(
                "SELECT id, path, size, mtime_ns, sha1, language, skip_reason FROM files "
                "WHERE path = ?",
                (path,),
            )
            .fetchone()
        )
        return FileState(*row) if row else None

    def chunks(self) -> Iterator[Chunk]:
        """Every chunk of every indexed file, file by file (streamed).

        Chunk text is read from the files (the database keeps only the spans): a file whose
        content changed since it was indexed contributes no chunks until it is re-indexed.
        """
        conn = self._connect()  # a private connection: the caller may interleave other queries
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

    def _chunks_of(self, path: str, sha1: str | None, spans: list[tuple]) -> list[Chunk]:
        if not spans or self.root is None:
            return []
        try:
            data = (self.root / path).read_bytes()
        except OSError:
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
        rows = self._conn().execute("SELECT path, language FROM files WHERE skip_reason IS NULL")
        return dict(rows.fetchall())

    def skipped_files(self) -> dict[str, str]:
        """Skipped files: path -> reason."""
        rows = self._conn().execute(
            "SELECT path, skip_reason FROM files WHERE skip_reason IS NOT NULL"
        )
        return dict(rows.fetchall())

    def definition_count(self) -> int:
        return int(self._conn().execute("SELECT COUNT(*) FROM definitions").fetchone()[0])

    def summary(self) -> IndexSummary:
        with self._read() as conn:

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
