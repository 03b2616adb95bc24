"""The workspace index's lifecycle in a session: the persisted index opened and refreshed, the
repository context built on it, and (for the server) kept current from file events.

The server starts it in the background: the import closures of the open documents first
(their cross-file context is ready soonest), then the whole workspace, then the watcher;
requests are served throughout. A CLI command awaits `open`: the persisted index brought up to
date with the disk, the same cross-file context as the server's.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from radix_ls.config import Settings
from radix_ls.session.events import Events, Progress, ServiceStatus, SessionError
from radix_ls.workspace.documents import DocumentStore

if TYPE_CHECKING:
    from radix_ls.context.repo import RepoContext

log = logging.getLogger("radix_ls")
T = TypeVar("T")


def _reporter(progress: Progress) -> Callable[[Any], None]:
    """The indexer's progress records as reports (from the indexing thread)."""

    def report(p: Any) -> None:
        if p.total:
            progress.report(f"{p.phase} {p.done}/{p.total}", min(100, p.done * 100 // p.total))

    return report


class IndexHost:
    """Owns the workspace's `Indexer`, its `RepoContext` and the file watcher."""

    def __init__(
        self, events: Events, documents: DocumentStore, on_change: Callable[[], None]
    ) -> None:
        self.repo: RepoContext | None = None
        self.status = ServiceStatus("off", "")
        self.key: tuple[object, ...] | None = None  # the settings the index was started with
        self._events = events
        self._documents = documents
        self._on_change = on_change
        self._task: asyncio.Task[None] | None = None
        self._watcher: Any = None
        # held while an indexer operation runs on a thread: cancelling the task that awaits it
        # does not stop the thread, and closing the database under it would crash SQLite
        self._working = threading.Lock()

    @property
    def started(self) -> bool:
        return self._task is not None

    async def _open(self, settings: Settings, root: Path, progress: Progress) -> RepoContext:
        from radix_ls.context.repo import RepoContext
        from radix_ls.index.indexer import Indexer

        await self.stop()
        self.status = ServiceStatus("indexing", "opening the index")
        try:
            indexer = await asyncio.to_thread(
                Indexer,
                root,
                settings.resolved_cache_dir,
                exclude=settings.index_exclude,
                max_file_bytes=settings.max_file_bytes,
                progress=_reporter(progress),
            )
        except (OSError, sqlite3.Error) as exc:  # the cache, not the workspace: say where
            cache = settings.resolved_cache_dir
            raise SessionError(f"cannot open the workspace index under {cache}: {exc}") from exc
        if indexer.recovered:
            self._events.show("warning", f"radix-ls: {indexer.recovered} from the workspace")
        self.repo = RepoContext(indexer, self._documents.parsed_by_path)
        self._on_change()
        return self.repo

    async def _indexing(self, repo: RepoContext, work: Callable[..., T], *args: Any) -> T:
        """`work(*args)` on a thread, recovering from a damaged database (`_recovering`)."""
        loop = asyncio.get_running_loop()
        return await asyncio.to_thread(self._recovering, loop, repo, work, *args)

    def _recovering(
        self, loop: asyncio.AbstractEventLoop, repo: RepoContext, work: Callable[..., T], *args: Any
    ) -> T:
        """`work(*args)`, an indexer operation, on this (non-loop) thread. A database found
        damaged on the way (damage the check at open cannot see: written since, or in pages
        it could not tell) is recreated and the workspace indexed again, with a message, and
        the work run once more: a cache never stays broken."""
        from radix_ls.index.db import is_damage

        with self._working:
            try:
                return work(*args)
            except Exception as exc:
                if not is_damage(exc):
                    raise
                message = (
                    f"radix-ls: the index database failed ({exc}); rebuilding it from the workspace"
                )
                log.warning("%s", message)
                loop.call_soon_threadsafe(self._events.show, "warning", message)
                repo.indexer.rebuild()
                repo.indexer.refresh()
                loop.call_soon_threadsafe(repo.invalidate)
                return work(*args)

    async def open(self, settings: Settings, root: Path, *, similar: bool = True) -> Any:
        """Open and refresh the index now (a CLI command); returns the refresh's stats.
        `similar`: also build the similar-code index that completions use."""
        progress = await self._events.begin("radix-ls: indexing", percentage=True)
        try:
            repo = await self._open(settings, root, progress)
            stats = await self._indexing(repo, repo.indexer.refresh)
            repo.invalidate()
            if similar:
                await self._indexing(repo, repo.rebuild_similar)
        finally:
            progress.end()
        self.status = ServiceStatus("ready", self._summary())
        return stats

    def start(self, settings: Settings, root: Path | None) -> None:
        """(Re)build in the background, then keep the index current from file events."""
        if self._task is not None and not self._task.done():
            self._task.cancel()
        self.key = settings.index_key()
        if not settings.index or root is None:
            self.status = ServiceStatus("off", "no workspace folder" if root else "")
            self._task = asyncio.ensure_future(self.stop())
            return
        self.status = ServiceStatus("indexing", "starting")
        self._task = asyncio.ensure_future(self._background(settings, root))

    async def _background(self, settings: Settings, root: Path) -> None:
        progress = await self._events.begin("radix-ls: indexing", percentage=True)
        try:
            repo = await self._open(settings, root, progress)
            for rel in list(self._documents.parsed_by_path):
                await self._indexing(repo, repo.indexer.closure, rel, 2)
            repo.invalidate()
            stats = await self._indexing(repo, repo.indexer.refresh)
            repo.invalidate()
            await self._indexing(repo, repo.rebuild_similar)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a broken cache dir must not take completions down
            self.status = ServiceStatus("error", str(exc) or type(exc).__name__)
            self._events.show("error", f"radix-ls: indexing failed: {self.status.detail}")
            log.error("indexing failed: %s", exc, exc_info=True)
            return
        finally:
            progress.end()
        self.status = ServiceStatus("ready", self._summary())
        log.info("workspace index ready: %s (%d parsed) in %.2f s", self.status.detail,
                 stats.parsed, stats.seconds)  # fmt: skip
        self._watch(settings, root, repo)

    def report(self, stats: Any) -> dict[str, Any]:
        """What `radix-ls index` reports: the index's contents and the last refresh."""
        if self.repo is None:
            return {}
        indexer = self.repo.indexer
        summary = indexer.stats()
        return {
            "root": str(indexer.root),
            "files": summary.files,
            "definitions": summary.definitions,
            "imports": summary.imports,
            "chunks": summary.chunks,
            "languages": summary.languages,
            "parsed": stats.parsed,
            "unchanged": stats.unchanged,
            "removed": stats.removed,
            "seconds": round(stats.seconds, 3),
            "skipped": stats.skipped,
            "skipped_files": indexer.skipped(),
        }

    def _summary(self) -> str:
        summary = self.repo.indexer.stats() if self.repo else None
        return f"{summary.files} files, {summary.definitions} definitions" if summary else ""

    def _watch(self, settings: Settings, root: Path, repo: RepoContext) -> None:
        from radix_ls.index.watcher import Watcher

        loop = asyncio.get_running_loop()
        indexer = repo.indexer

        def on_files(changed: list[str], removed: list[str]) -> None:
            # on the watcher's thread: index there, then tell the loop
            self._recovering(loop, repo, indexer.index_files, [*changed, *removed])
            loop.call_soon_threadsafe(repo.invalidate)
            self._recovering(loop, repo, repo.rebuild_similar)

        self._watcher = Watcher(
            root, on_files, ignore=indexer.ignore, exclude_dirs=[settings.resolved_cache_dir]
        )
        self._watcher.start()

    async def stop(self) -> None:
        task = self._task
        if task is not None and task is not asyncio.current_task() and not task.done():
            task.cancel()  # no further indexer operation; the running one is waited for below
        watcher, self._watcher = self._watcher, None
        if watcher is not None:
            await asyncio.to_thread(watcher.stop)
        repo, self.repo = self.repo, None
        if repo is not None:
            self._on_change()
            await asyncio.to_thread(self._close_when_idle, repo)

    def _close_when_idle(self, repo: RepoContext) -> None:
        """Close the index's database once no indexer operation is running (on a thread)."""
        with self._working:
            repo.indexer.close()
