"""The workspace indexer: keeps the SQLite index in step with the files on disk.

    indexer = Indexer(root, settings.resolved_cache_dir, exclude=["vendor/"])
    indexer.closure("app/main.py", depth=2)   # an open file and what it imports, first
    stats = indexer.refresh()                 # then everything (a worker thread)
    indexer.definitions_named("Circle")

`refresh()` lists the workspace (git or a walk, honouring .gitignore and the excludes),
stats every source file and compares with the index: same size and mtime -> nothing to do;
otherwise the file is read and hashed, and parsed only if its content changed. Many files
are parsed in a process pool (`pool.py`), a few in-process. The parent resolves each file's
imports to workspace files and writes SQLite in batches, one transaction each, as results
stream in; an empty index is filled without its secondary indexes, built at the end.

Threading: queries may run on any thread at any time, also while another thread indexes
(each thread gets its own SQLite connection; WAL lets readers read during a write).
Indexing operations (`refresh`, `index_files`, `closure`) are serialised by a lock: a second
caller waits for the first.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from radix_ls.index import pool
from radix_ls.index.db import index_path
from radix_ls.index.extract import import_from_row
from radix_ls.index.ignore import WorkspaceIgnore, walk
from radix_ls.index.model import (
    Chunk,
    Definition,
    Import,
    IndexProgress,
    IndexStats,
    IndexSummary,
)
from radix_ls.index.records import (
    Indexed,
    Missing,
    Resolution,
    Result,
    Skipped,
    Task,
    Unchanged,
    WriteEntry,
)
from radix_ls.index.resolve import PathSet, Resolver
from radix_ls.index.scan import CONTENT_REASONS, Candidate, candidate, scan, storable
from radix_ls.index.store import FileState, IndexStore
from radix_ls.workspace.paths import relative

log = logging.getLogger("radix_ls.index")

_WRITE_FILES = 400  # files per SQLite transaction


@dataclass
class _Update:
    """One `_update`: what it found to do, then what came of it."""

    tasks: list[Task] = field(default_factory=list)  # files to read
    entries: list[WriteEntry] = field(default_factory=list)  # to write without reading
    added: list[str] = field(default_factory=list)  # paths new to the index
    skipped: Counter[str] = field(default_factory=Counter)  # reason -> files
    unchanged: int = 0
    parsed: int = 0
    reindexed: list[int] = field(default_factory=list)  # file ids written with new content
    newly_skipped: list[str] = field(default_factory=list)  # skipped now for their content
    missing: list[str] = field(default_factory=list)  # gone before they could be read


class Indexer:
    """The index of one workspace (see the module docstring)."""

    def __init__(
        self,
        root: Path,
        cache_dir: Path,
        *,
        max_file_bytes: int = 1_000_000,
        exclude: Sequence[str] = (),
        progress: Callable[[IndexProgress], None] | None = None,
        workers: int | None = None,
    ) -> None:
        self.root = Path(root).resolve()
        self.cache_dir = Path(cache_dir).expanduser()
        self.max_file_bytes = max_file_bytes
        self.workers = workers if workers is not None else pool.default_workers()
        self._progress = progress
        excludes = list(exclude)
        cache = self.cache_dir.resolve()
        if cache.is_relative_to(self.root) and cache != self.root:
            excludes.append("/" + cache.relative_to(self.root).as_posix() + "/")
        self.ignore = WorkspaceIgnore(self.root, excludes)
        self.store = IndexStore(index_path(self.cache_dir, self.root), root=self.root)
        self._lock = threading.RLock()
        self._scanned: dict[str, Candidate] | None = None  # the last scan, for resolution
        self._resolver: Resolver | None = None
        # skipped for their content (binary, generated): not targets of imports
        self._content_skipped: set[str] = set()

    # -- indexing -----------------------------------------------------------------------------

    def refresh(self) -> IndexStats:
        """Bring the whole index up to date with the workspace."""
        with self._lock:
            started = time.perf_counter()
            cold = self.store.is_empty()
            if cold and self.workers > 1:
                # a cold index will likely need the pool: start its server process (the slow
                # part) now, while the workspace is listed
                threading.Thread(
                    target=pool.start_server, name="radix-ls-pool", daemon=True
                ).start()
            self._report("scan", 0, 1)
            found, method = scan(self.root, self.ignore, self.max_file_bytes)
            self._set_scan(found)
            log.debug(
                "listed %d source files (%s) in %.3f s",
                len(found),
                method,
                time.perf_counter() - started,
            )
            self._report("scan", 1, 1)
            states = self.store.file_states()
            removed = [p for p in states if p not in found]
            stats = self._update(list(found.values()), states, removed, bulk=cold)
            return self._finish(stats, started)

    def index_files(self, paths: Iterable[str]) -> IndexStats:
        """Bring just these files up to date (created, changed or deleted ones alike).

        Paths are workspace-relative (or absolute inside the workspace). Ignored files and
        files in no indexed language are left out; files that no longer exist are dropped.
        """
        with self._lock:
            started = time.perf_counter()
            scanned = self._scan_cache()
            current: list[Candidate] = []
            removed: list[str] = []
            changed_set = False
            for path in self._expand(paths, scanned):
                found = None
                if not self.ignore.is_ignored(path):
                    found = candidate(self.root, path, self.max_file_bytes)
                if found is None:
                    path = storable(path)  # the key it was stored under, if it was
                    removed.append(path)
                    changed_set |= scanned.pop(path, None) is not None
                else:
                    changed_set |= found.path not in scanned
                    scanned[found.path] = found
                    current.append(found)
            if changed_set:
                self._set_scan(scanned)
            states = {}
            for c in current:
                state = self.store.file_state(c.path)
                if state is not None:
                    states[c.path] = state
            removed = [p for p in removed if self.store.file_state(p) is not None]
            stats = self._update(current, states, removed)
            return self._finish(stats, started)

    @property
    def recovered(self) -> str | None:
        """Why the database was found damaged at open and recreated (None: it was not)."""
        return self.store.db.recovered

    def rebuild(self) -> None:
        """Start again from an empty database (it broke while in use: `db.is_damage`); the
        next `refresh()` indexes everything."""
        with self._lock:
            self.store.db.recreate()
            self._scanned = None
            self._resolver = None
            self._content_skipped.clear()

    def _expand(self, paths: Iterable[str], scanned: dict[str, Candidate]) -> list[str]:
        """Workspace-relative paths, directories replaced by the files in and under them
        (those on disk now and those the index knew)."""
        out: dict[str, None] = {}
        known: list[str] | None = None
        for raw in paths:
            path = self.relative(raw)
            if path is None:
                continue
            full = self.root / path
            if full.is_dir() and not full.is_symlink():
                out.update(dict.fromkeys(walk(self.root, self.ignore, start=path)))
            elif full.exists() or full.is_symlink():
                out[path] = None
                continue
            # a directory (or a file) that is gone or was just listed: what the index knew
            if known is None:
                known = sorted(set(scanned) | set(self.store.file_states()))
            prefix = path + "/"
            out.update(dict.fromkeys(p for p in known if p.startswith(prefix)))
            if not full.exists():
                out[path] = None
        return list(out)

    def closure(self, path: str, depth: int = 2) -> list[str]:
        """Index `path`, the files it imports, the files those import... `depth` levels deep.

        This is the fast path for a file opened in a cold workspace: cross-file context for it
        exists after this returns, long before a full `refresh()` would finish. Returns the
        workspace files of the closure (including `path`), in breadth-first order.
        """
        start = self.relative(path)
        if start is None:
            return []
        with self._lock:
            order = [start]
            seen = {start}
            frontier = [start]
            for level in range(depth + 1):
                self.index_files(frontier)
                if level == depth:
                    break
                following: list[str] = []
                for source in frontier:
                    for imp in self.store.imports_of(source):
                        for target in imp.resolved:
                            if target not in seen:
                                seen.add(target)
                                following.append(target)
                if not following:
                    break
                order += following
                frontier = following
            return [p for p in order if self.store.file_state(p) is not None]

    def _update(
        self,
        found: Sequence[Candidate],
        states: dict[str, FileState],
        removed: Sequence[str],
        *,
        bulk: bool = False,
    ) -> IndexStats:
        """Index `found` (their `states` in the index, where known) and drop `removed`;
        `bulk`: the index is empty (see `IndexStore.bulk_load`)."""
        update = self._plan(found, states)
        if removed:
            self.store.remove(removed)
            for path in removed:
                log.debug("dropped %s from the index", path)
        parse_started = time.perf_counter()
        self._index(update, bulk=bulk)
        if update.missing:
            self.store.remove(update.missing)
            removed = [*removed, *update.missing]
            scanned = self._scan_cache()
            for path in update.missing:
                scanned.pop(path, None)
            self._set_scan(scanned)
        log.debug(
            "read %d files, parsed %d in %.3f s",
            len(update.tasks),
            update.parsed,
            time.perf_counter() - parse_started,
        )
        resolve_started = time.perf_counter()
        stale = self.store.files_importing(update.newly_skipped) if update.newly_skipped else []
        self._resolve(
            update.reindexed, added=update.added, removed=removed, also=stale, fresh_store=bulk
        )
        log.debug("resolved imports in %.3f s", time.perf_counter() - resolve_started)
        return IndexStats(
            files_seen=len(found),
            parsed=update.parsed,
            unchanged=update.unchanged,
            removed=len(removed),
            skipped=dict(update.skipped),
        )

    def _plan(self, found: Sequence[Candidate], states: dict[str, FileState]) -> _Update:
        """What to do with each found file: nothing (same stat), write a skip decided by name
        or stat, or read it (a task, largest files first so that batches balance out)."""
        update = _Update()
        next_id = self.store.next_file_id()
        for c in found:
            state = states.get(c.path)
            if state is None:
                fid = next_id
                next_id += 1
                update.added.append(c.path)
            else:
                fid = state.id
            same_stat = state is not None and state.size == c.size and state.mtime_ns == c.mtime_ns
            if c.skip is not None:
                update.skipped[c.skip] += 1
                if not (same_stat and state.skip_reason == c.skip):
                    log.info("skipping %s: %s", c.path, c.skip)
                    skip = Skipped(fid, c.path, c.size, c.mtime_ns, None, c.language, c.skip)
                    update.entries.append(skip)
            elif same_stat and (state.skip_reason is None or state.skip_reason in CONTENT_REASONS):
                update.unchanged += 1
                if state.skip_reason is not None:
                    update.skipped[state.skip_reason] += 1
                    self._content_skipped.add(c.path)
            else:
                known = state.sha1 if state is not None and state.skip_reason is None else None
                full = str(self.root / c.path)
                update.tasks.append(Task(fid, c.path, full, c.language, known))
        sizes = {c.path: c.size for c in found}
        update.tasks.sort(key=lambda t: -sizes[t.path])  # batches (strided) balance out
        return update

    def _index(self, update: _Update, *, bulk: bool) -> None:
        """Run `update`'s tasks and write their results (and its entries) as they come."""
        tasks = update.tasks
        pending = update.entries
        done = 0
        self._report("parse", 0, len(tasks))
        with (
            self.store.bulk_load() if bulk and tasks else contextlib.nullcontext(),
            pool.gc_paused() if len(tasks) >= pool.POOL_MIN_FILES else contextlib.nullcontext(),
        ):
            for results in pool.run(
                tasks, workers=self.workers, max_file_bytes=self.max_file_bytes
            ):
                for result in results:
                    entry = self._take(result, update)
                    if entry is not None:
                        pending.append(entry)
                done += len(results)
                if len(pending) >= _WRITE_FILES:
                    self.store.write_batch(pending)
                    pending = []
                self._report("parse", done, len(tasks))
            if pending:
                self.store.write_batch(pending)

    def _take(self, result: Result, update: _Update) -> WriteEntry | None:
        """Count a worker's result into `update`; what to write for it (None: nothing)."""
        if isinstance(result, Indexed):
            update.parsed += 1
            update.reindexed.append(result.file_id)
            if result.path in self._content_skipped:
                self._content_skipped.discard(result.path)
                self._resolver = None
            return self._with_resolved(result)
        if isinstance(result, Unchanged):
            update.unchanged += 1
        elif isinstance(result, Skipped):
            update.skipped[result.reason] += 1
            log.info("skipping %s: %s", result.path, result.reason)
            if result.path not in self._content_skipped:
                # not a file imports resolve to; those resolved to it already are fixed
                # after the update
                self._content_skipped.add(result.path)
                update.newly_skipped.append(result.path)
                self._resolver = None
        else:
            assert isinstance(result, Missing)
            update.missing.append(result.path)
            return None
        return result

    def _with_resolved(self, entry: Indexed) -> Indexed:
        """`entry` with each import row's resolved targets appended."""
        rows = entry.imports
        if not rows:
            return entry
        targets = self._resolver_now().resolve_rows(entry.path, entry.language, rows)
        resolved = [(*row, found) for row, found in zip(rows, targets, strict=True)]
        return entry._replace(imports=resolved)

    def _resolve(
        self,
        file_ids: Sequence[int],
        *,
        added: Sequence[str],
        removed: Sequence[str],
        also: Sequence[int] = (),
        fresh_store: bool = False,
    ) -> None:
        """Resolve again the imports of files not re-indexed now whose targets may have moved.

        Re-indexed files (`file_ids`) had their imports resolved as they were written. When
        files appear or disappear, imports anywhere may now resolve differently (cheap next
        to parsing: a few set lookups per import); `also` are files with imports known to
        need it (their targets turned out to be skipped).
        """
        if fresh_store and not also:
            return  # every file in the index was written (and resolved) just now
        if added or removed:
            fresh = set(file_ids).difference(also)
            rows = [r for r in self.store.imports_to_resolve(None) if r.file_id not in fresh]
        elif also:
            rows = self.store.imports_to_resolve(also)
        else:
            return
        if not rows:
            return
        self._report("resolve", 0, len(rows))
        resolver = self._resolver_now()
        resolved = []
        for row in rows:
            imp = import_from_row((row.module, row.names, row.line, row.kind))
            targets = resolver.resolve(row.path, row.language, imp)
            resolved.append(Resolution(row.import_id, row.file_id, targets))
        self.store.write_resolution(resolved, sorted({row.file_id for row in rows}))
        self._report("resolve", len(rows), len(rows))

    def _finish(self, stats: IndexStats, started: float) -> IndexStats:
        return IndexStats(
            files_seen=stats.files_seen,
            parsed=stats.parsed,
            unchanged=stats.unchanged,
            removed=stats.removed,
            skipped=stats.skipped,
            definitions=self.store.definition_count(),
            seconds=time.perf_counter() - started,
        )

    def _report(self, phase: str, done: int, total: int) -> None:
        if self._progress is not None:
            try:
                self._progress(IndexProgress(phase, done, total))
            except Exception:  # a broken progress callback must not break indexing
                log.exception("index progress callback failed")

    # -- the file set used for resolution ----------------------------------------------------

    def _scan_cache(self) -> dict[str, Candidate]:
        if self._scanned is None:
            found, _ = scan(self.root, self.ignore, self.max_file_bytes)
            self._set_scan(found)
        assert self._scanned is not None
        return self._scanned

    def _set_scan(self, found: dict[str, Candidate]) -> None:
        self._scanned = found
        self._resolver = None

    def _resolver_now(self) -> Resolver:
        if self._resolver is None:
            skipped = self._content_skipped
            files = [
                p for p, c in self._scan_cache().items() if c.skip is None and p not in skipped
            ]
            self._resolver = Resolver(self.root, PathSet(files))
        return self._resolver

    # -- queries (any thread) -----------------------------------------------------------------

    def relative(self, path: str | os.PathLike[str]) -> str | None:
        """A workspace-relative POSIX path, or None for paths outside the workspace."""
        return relative(path, self.root)

    def definitions_named(self, name: str) -> list[Definition]:
        """Definitions with this simple name anywhere in the workspace (path, then position)."""
        return self.store.definitions_named(name)

    def definitions_in(self, path: str) -> list[Definition]:
        rel = self.relative(path)
        return self.store.definitions_in(rel) if rel else []

    def imports_of(self, path: str) -> list[Import]:
        """The file's imports, each with the workspace files it resolves to."""
        rel = self.relative(path)
        return self.store.imports_of(rel) if rel else []

    def chunks(self) -> Iterator[Chunk]:
        """Every chunk in the index (streamed), e.g. to build a BM25 index."""
        return self.store.chunks()

    def files(self) -> dict[str, str]:
        """Indexed files: path -> language."""
        return self.store.indexed_files()

    def skipped(self) -> dict[str, str]:
        """Skipped files: path -> reason."""
        return self.store.skipped_files()

    def stats(self) -> IndexSummary:
        return self.store.summary()

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> Indexer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
