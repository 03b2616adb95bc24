"""The index database when it is damaged (issue 14 item 10) or a cold build was killed
(issue 14 item 11): real indexer, real SQLite files, real processes."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

from radix_ls.index.db import index_path
from radix_ls.index.indexer import Indexer
from tests.index.conftest import corrupt_pages, stored_files

SECONDARY_INDEXES = {
    "definitions_name",
    "definitions_file",
    "imports_file",
    "import_edges_target",
    "import_edges_file",
    "chunks_file",
}


def _workspace(root: Path, files: int, functions: int = 3) -> Path:
    """A package of `files` modules that import each other, `functions` definitions each."""
    package = root / "pkg"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    for n in range(files):
        body = "".join(
            f"def f{n}_{k}(value: int) -> int:\n    return value + {k}\n\n\n"
            for k in range(functions)
        )
        imports = f"from pkg.m{n - 1} import f{n - 1}_0\n\n\n" if n else ""
        (package / f"m{n}.py").write_text(imports + body)
    return root


def _indexes(db: Path) -> set[str]:
    with sqlite3.connect(db) as conn:
        return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='index'")}


def test_random_bytes_in_pages_are_found_at_open_and_the_index_rebuilt(tmp_path, cache_dir):
    """issue 14 item 10: random bytes in the database's pages went unnoticed at open (the
    refresh saw unchanged files and exited 0); the first query that reached them raised
    sqlite3.DatabaseError, and nothing ever rebuilt the index."""
    root = _workspace(tmp_path / "ws", files=40, functions=20)
    with Indexer(root, cache_dir, workers=1) as indexer:
        indexer.refresh()
        expected = stored_files(indexer)
    corrupt_pages(index_path(cache_dir, root))

    with Indexer(root, cache_dir, workers=1) as indexer:
        stats = indexer.refresh()
        assert stats.parsed == 41  # everything again: the damaged database was recreated
        assert stored_files(indexer) == expected
        assert [d.path for d in indexer.definitions_named("f7_3")] == ["pkg/m7.py"]
        assert "damaged (quick_check:" in str(indexer.recovered)  # for the session to show
    assert _indexes(index_path(cache_dir, root)) >= SECONDARY_INDEXES


_KILLED_BUILD = """
import os, signal, sys
from pathlib import Path
from radix_ls.index.indexer import Indexer

def progress(p):
    # after the first batch of files is committed (400 per transaction), mid-build
    if p.phase == "parse" and p.done >= 450:
        os.kill(os.getpid(), signal.SIGKILL)

Indexer(Path(sys.argv[1]), Path(sys.argv[2]), workers=1, progress=progress).refresh()
"""


def test_a_cold_build_killed_midway_gets_its_secondary_indexes(tmp_path, cache_dir):
    """issue 14 item 11: kill -9 during the first, cold build left the database without its
    secondary indexes (dropped for the bulk load), and later runs never created them."""
    root = _workspace(tmp_path / "ws", files=600, functions=1)
    killed = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(_KILLED_BUILD), str(root), str(cache_dir)],
        capture_output=True,
        timeout=120,
        env={**os.environ},
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    db = index_path(cache_dir, root)
    with sqlite3.connect(db) as conn:
        written = conn.execute("SELECT COUNT(*) FROM files").fetchone()[0]
    assert 0 < written < 601  # the kill landed mid-build, after a committed batch
    assert not _indexes(db) & SECONDARY_INDEXES  # what the killed build left

    with Indexer(root, cache_dir, workers=1) as indexer:
        stats = indexer.refresh()
        assert stats.parsed == 601 - written  # the rest, as new files
        assert _indexes(db) >= SECONDARY_INDEXES
        with indexer.store.db.read() as conn:
            plan = conn.execute(
                "EXPLAIN QUERY PLAN SELECT * FROM definitions WHERE name = 'f3_0'"
            ).fetchall()
        assert "USING INDEX definitions_name" in " ".join(str(row[-1]) for row in plan)
        resumed = stored_files(indexer)
    clean_cache = tmp_path / "clean-cache"
    with Indexer(root, clean_cache, workers=1) as indexer:
        indexer.refresh()
        assert stored_files(indexer) == resumed


class _FrontEnd:
    """A session front end (`session.events.Events`) that keeps the messages it is told to
    show. Its progress display runs `damage` at the first report, which the indexing thread
    makes after the database passed its check at open: damage done while it is in use."""

    def __init__(self, damage: Callable[[], None]) -> None:
        self.shown: list[tuple[str, str]] = []
        self._damage: Callable[[], None] | None = damage

    def show(self, level: str, message: str) -> None:
        self.shown.append((level, message))

    async def begin(self, title: str, **_options: Any) -> _FrontEnd:
        return self

    def report(self, message: str, percentage: int | None = None) -> None:
        damage, self._damage = self._damage, None
        if damage is not None:
            damage()

    def end(self) -> None:
        pass


async def test_a_database_damaged_while_in_use_is_rebuilt_with_a_message(tmp_path, cache_dir):
    """issue 14 item 10, in use: damage that appears after the check at open (here random
    bytes over the chunks table while the session indexes) made the work fail with
    sqlite3.DatabaseError; the session rebuilds the index, says so, and finishes the work."""
    from radix_ls.config import resolve
    from radix_ls.session.index import IndexHost
    from radix_ls.workspace.documents import DocumentStore

    root = _workspace(tmp_path / "ws", files=40, functions=20)
    with Indexer(root, cache_dir, workers=1) as indexer:
        indexer.refresh()
        expected = stored_files(indexer)
    db = index_path(cache_dir, root)
    front = _FrontEnd(lambda: corrupt_pages(db, ("chunks",)))
    host = IndexHost(front, DocumentStore(root), lambda: None)
    settings = resolve({"cacheDir": str(cache_dir)}).settings
    try:
        await host.open(settings, root, similar=True)  # its similar-code index reads chunks
        assert host.repo is not None
        assert stored_files(host.repo.indexer) == expected
        assert host.repo.rebuild_similar() is not None
    finally:
        await host.stop()
    warnings = [m for level, m in front.shown if level == "warning"]
    assert len(warnings) == 1 and "the index database failed" in warnings[0], front.shown
    assert "rebuilding it from the workspace" in warnings[0]
