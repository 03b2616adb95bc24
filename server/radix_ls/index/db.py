"""The SQLite database under the index: its schema, connections, transactions and bulk loading.

`<cache_dir>/index/<sha1(resolved workspace path)[:16]>/index.sqlite3`, WAL mode. A database
with another schema version (or one that cannot be read) is deleted and recreated: it is a
cache, never the only copy of anything. What the tables mean, and the queries on them, are
`store.py`'s business.

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
from collections.abc import Iterator, Sequence
from pathlib import Path

log = logging.getLogger("radix_ls.index")

# 3: no references (the `refs` table and `files.refs` column are gone)
# 4: `imports.aliases` (`as` names, for following names through re-exports); module-level
#    values as definitions with their value as signature
SCHEMA_VERSION = 4

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
    aliases TEXT NOT NULL DEFAULT '',  -- "local=original" lines (`as` names)
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
# the tables with rows per file (`file_id`)
CHILD_TABLES = ("definitions", "imports", "import_edges", "chunks")
# SQLite's limit on `?` parameters in one statement is 999 in older builds: lists go in parts
_PART = 500


def index_path(cache_dir: Path, root: Path) -> Path:
    """Where the index of workspace `root` lives under `cache_dir`."""
    key = hashlib.sha1(str(root.resolve()).encode("utf-8")).hexdigest()[:16]
    return cache_dir / "index" / key / "index.sqlite3"


def in_parts(values: Sequence[object]) -> Iterator[tuple[str, list[object]]]:
    """`values` in parts small enough for one statement: ("?,?,...", part) each."""
    for start in range(0, len(values), _PART):
        part = list(values[start : start + _PART])
        yield ",".join("?" * len(part)), part


class Database:
    """One index database, opened (and created or recreated) by the constructor."""

    def __init__(self, path: Path, *, root: Path | None = None) -> None:
        self.path = path
        self.root = root  # recorded in `meta`, for whoever looks at the file
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._lock = threading.Lock()  # guards _connections
        self._write_lock = threading.RLock()
        self._closed = False
        self.bulk = False  # inside bulk_load(): every file written is new
        path.parent.mkdir(parents=True, exist_ok=True)
        self._open_schema()

    def connect(self) -> sqlite3.Connection:
        """A new connection of the caller's own (`conn()` is the thread's shared one)."""
        conn = sqlite3.connect(
            self.path, timeout=30.0, isolation_level=None, check_same_thread=False
        )
        conn.execute("PRAGMA synchronous = NORMAL")  # WAL + NORMAL: durable enough for a cache
        conn.execute("PRAGMA temp_store = MEMORY")
        conn.execute("PRAGMA cache_size = -16000")
        return conn

    def conn(self) -> sqlite3.Connection:
        """This thread's connection."""
        conn = getattr(self._local, "conn", None)
        if conn is None:
            if self._closed:
                raise sqlite3.ProgrammingError("the index store is closed")
            conn = self._local.conn = self.connect()
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
            version = _schema_version(self.conn())
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
        conn = self.conn()
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

    @contextlib.contextmanager
    def bulk_load(self) -> Iterator[None]:
        """For filling an empty index: secondary indexes are built once at the end.

        Meanwhile every file written is new (`bulk`), so writers delete nothing first
        (without the indexes, each delete would scan the whole table), and commits do not
        wait for the disk (`synchronous = OFF`: a crash mid-build leaves a database that fails
        the schema check or misses files, and either is rebuilt or refreshed like any stale
        cache). Queries still work meanwhile, only slower (no indexes)."""
        with self.write() as conn:
            for name in _INDEX_NAMES:
                conn.execute(f"DROP INDEX IF EXISTS {name}")
            for table in CHILD_TABLES:  # nothing can be left over for the new files
                conn.execute(f"DELETE FROM {table}")
        conn.execute("PRAGMA synchronous = OFF")
        self.bulk = True
        try:
            yield
        finally:
            self.bulk = False
            with self.write() as conn:
                for sql in _INDEXES.split(";"):
                    if sql.strip():
                        conn.execute(sql)
            conn.execute("PRAGMA synchronous = NORMAL")

    @contextlib.contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """A write transaction (one writer at a time)."""
        with self._write_lock:
            conn = self.conn()
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    @contextlib.contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        """A read transaction: several SELECTs see one consistent state."""
        conn = self.conn()
        if conn.in_transaction:  # nested (e.g. inside a write on this thread)
            yield conn
            return
        conn.execute("BEGIN")
        try:
            yield conn
        finally:
            conn.execute("COMMIT")


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
