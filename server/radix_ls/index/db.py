"""The SQLite database under the index: its schema, connections, transactions and bulk loading.

`<cache_dir>/index/<sha1(resolved workspace path)[:16]>/index.sqlite3`, WAL mode. It is a
cache, never the only copy of anything, so whatever is wrong with it at open is answered by
deleting and recreating it:
- another schema version: recreated quietly (an upgrade);
- damage: unreadable, `PRAGMA quick_check` not "ok" (random bytes in its pages, which a
  query would only hit later), or a table missing: recreated, and `recovered` says why so
  that the session can tell the user;
- secondary indexes missing (a cold build that was killed, see `bulk_load`): created.
What the tables mean, and the queries on them, are `store.py`'s business.

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
_TABLE_NAMES = tuple(
    line.split()[2] for line in _SCHEMA.strip().splitlines() if line.startswith("CREATE TABLE")
)
# `meta` key present while a cold build runs without its secondary indexes
_BUILDING = "bulk_load_started"
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
        # why the database was found damaged and recreated at open (None: it was not), for
        # the session to show the user
        self.recovered: str | None = None
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
            damage = _damage(self.conn()) if version == SCHEMA_VERSION else None
        except sqlite3.DatabaseError as exc:
            if not is_damage(exc):  # cannot be opened or is locked: deleting would not help
                raise
            version, damage = -1, f"unreadable: {exc}"
        if damage is not None:
            self.recovered = f"the index database {self.path} was damaged ({damage}); rebuilding"
            log.warning("%s", self.recovered)
        elif version == SCHEMA_VERSION:
            self._complete_indexes()
            return
        elif version is not None:
            log.info("index schema %s != %s: recreating %s", version, SCHEMA_VERSION, self.path)
        self.recreate()

    def recreate(self) -> None:
        """Delete the database and create an empty one (call when no query is running)."""
        self.close()
        self._closed = False
        for suffix in ("", "-wal", "-shm", "-journal"):
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

    def _complete_indexes(self) -> None:
        """Create the secondary indexes a killed cold build left out (its rows are whole
        transactions: valid, only slow to query without them)."""
        conn = self.conn()
        present = {
            row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='index'")
        }
        building = conn.execute("SELECT 1 FROM meta WHERE key = ?", (_BUILDING,)).fetchone()
        if building is None and present.issuperset(_INDEX_NAMES):
            return
        log.info("an earlier index build was interrupted: creating its secondary indexes")
        with self.write() as conn:
            _create_indexes(conn)

    @contextlib.contextmanager
    def bulk_load(self) -> Iterator[None]:
        """For filling an empty index: secondary indexes are built once at the end.

        Meanwhile every file written is new (`bulk`), so writers delete nothing first
        (without the indexes, each delete would scan the whole table), and commits do not
        wait for the disk (`synchronous = OFF`: an OS crash mid-build can damage the file,
        which the next open's `quick_check` finds). The transaction that drops the indexes
        also marks the build as started in `meta`, and the one that creates them clears the
        mark: a build killed between the two leaves the mark, and the next open creates the
        indexes (`_complete_indexes`); the files it never wrote are indexed by the next
        refresh like any new file. Queries still work meanwhile, only slower (no indexes)."""
        with self.write() as conn:
            for name in _INDEX_NAMES:
                conn.execute(f"DROP INDEX IF EXISTS {name}")
            for table in CHILD_TABLES:  # nothing can be left over for the new files
                conn.execute(f"DELETE FROM {table}")
            conn.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (_BUILDING, str(time.time())))
        conn.execute("PRAGMA synchronous = OFF")
        self.bulk = True
        try:
            yield
        finally:
            self.bulk = False
            with self.write() as conn:
                _create_indexes(conn)
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


def is_damage(exc: BaseException) -> bool:
    """Whether a SQLite error means the database file is damaged (rebuild it), rather than
    busy, locked, full or misused (where deleting it would not help, or lose another
    process's work)."""
    return isinstance(exc, sqlite3.DatabaseError) and not isinstance(
        exc, sqlite3.OperationalError | sqlite3.ProgrammingError | sqlite3.InterfaceError
    )


def _create_indexes(conn: sqlite3.Connection) -> None:
    """Create the secondary indexes and clear the mark of a build without them (inside the
    caller's write transaction: both or neither)."""
    for sql in _INDEXES.split(";"):
        if sql.strip():
            conn.execute(sql)
    conn.execute("DELETE FROM meta WHERE key = ?", (_BUILDING,))


def _damage(conn: sqlite3.Connection) -> str | None:
    """What is wrong with a database of the current schema version (None: nothing found).

    `quick_check` reads every page (random bytes written into the file show up here, not
    only when a query reaches them); it skips the slower cross-checks of `integrity_check`
    (index entries against rows), which an index rebuilt from the files does not need."""
    rows = conn.execute("PRAGMA quick_check(5)").fetchall()
    if [r[0] for r in rows] != ["ok"]:
        first = str(rows[0][0]).replace("*** in database main ***", "").strip()
        return f"quick_check: {first.splitlines()[0] if first else 'failed'}"
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    missing = [t for t in _TABLE_NAMES if t not in tables]
    if missing:
        return f"missing table {', '.join(missing)}"
    return None
