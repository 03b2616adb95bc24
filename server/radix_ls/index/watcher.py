"""Watching the workspace for file changes: watchdog events, filtered and debounced.

Events are collected per path; once `debounce` seconds pass without a new event (and at the
latest `max_delay` seconds after the first one, so constant churn cannot starve it), the
callback gets one batch: `callback(changed, removed)`, workspace-relative paths, decided by
what is on disk at that moment (so create+delete in one window is just a removal, and an
editor's write-to-temp-then-rename is just a change). A directory can appear in either list
(one moved in or out as a whole); `Indexer.index_files` accepts directories.

Left out: `.git/` internals, the cache directory, and paths the workspace's ignore rules
ignore. A changed `.gitignore` invalidates the shared ignore rules and is reported in
`changed` (the caller may want a `refresh()`).

The callback runs on the watcher's own thread; exceptions from it are logged, not raised.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer

from radix_ls.index.ignore import WorkspaceIgnore

log = logging.getLogger("radix_ls.index")

Callback = Callable[[list[str], list[str]], None]


class Watcher:
    """Debounced, filtered file-system events for one workspace root."""

    def __init__(
        self,
        root: Path,
        callback: Callback,
        *,
        debounce: float = 0.3,
        max_delay: float = 2.0,
        ignore: WorkspaceIgnore | None = None,
        exclude_dirs: Sequence[Path] = (),
    ) -> None:
        self.root = Path(root).resolve()
        self.debounce = debounce
        self.max_delay = max_delay
        self._callback = callback
        self._ignore = ignore if ignore is not None else WorkspaceIgnore(self.root)
        self._excluded: list[str] = []
        for directory in exclude_dirs:
            resolved = Path(directory).expanduser().resolve()
            if resolved.is_relative_to(self.root) and resolved != self.root:
                self._excluded.append(resolved.relative_to(self.root).as_posix())
        self._pending: dict[str, None] = {}
        self._first = 0.0
        self._last = 0.0
        self._cond = threading.Condition()
        self._stopping = False
        self._observer: Observer | None = None  # type: ignore[valid-type]
        self._thread: threading.Thread | None = None

    # -- lifecycle ----------------------------------------------------------------------------

    def start(self) -> None:
        if self._observer is not None:
            return
        self._stopping = False
        observer = Observer()
        observer.schedule(_Handler(self), str(self.root), recursive=True)
        observer.daemon = True
        observer.start()
        self._observer = observer
        self._thread = threading.Thread(target=self._run, name="radix-ls-watcher", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop watching; pending events are dropped. Safe to call twice."""
        observer, self._observer = self._observer, None
        if observer is not None:
            observer.stop()
            observer.join(timeout)
        with self._cond:
            self._stopping = True
            self._pending.clear()
            self._cond.notify_all()
        thread, self._thread = self._thread, None
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)

    @property
    def running(self) -> bool:
        return self._observer is not None

    def __enter__(self) -> Watcher:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- events -------------------------------------------------------------------------------

    def _relative(self, raw: str | bytes) -> str | None:
        path = os.fsdecode(raw)
        try:
            rel = Path(path).relative_to(self.root).as_posix()
        except ValueError:
            return None
        if rel in ("", "."):
            return None
        return rel

    def _wanted(self, rel: str, is_dir: bool) -> bool:
        if rel == ".git" or rel.startswith(".git/"):
            return False
        for excluded in self._excluded:
            if rel == excluded or rel.startswith(excluded + "/"):
                return False
        if rel.rpartition("/")[2] == ".gitignore":
            self._ignore.invalidate()
            return True
        return not self._ignore.is_ignored(rel, is_dir)

    def _event(self, event: FileSystemEvent) -> None:
        if event.event_type in ("opened", "closed_no_write"):
            return
        paths = [event.src_path]
        if getattr(event, "dest_path", ""):
            paths.append(event.dest_path)
        now = time.monotonic()
        for raw in paths:
            rel = self._relative(raw)
            if rel is None or not self._wanted(rel, event.is_directory):
                continue
            with self._cond:
                if not self._pending:
                    self._first = now
                self._pending[rel] = None
                self._last = now
                self._cond.notify_all()

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._stopping:
                    if self._pending:
                        now = time.monotonic()
                        due = min(self._last + self.debounce, self._first + self.max_delay)
                        if now >= due:
                            break
                        self._cond.wait(due - now)
                    else:
                        self._cond.wait()
                if self._stopping:
                    return
                batch, self._pending = list(self._pending), {}
            self._flush(batch)

    def _flush(self, batch: list[str]) -> None:
        changed: list[str] = []
        removed: list[str] = []
        for rel in sorted(batch):
            (changed if os.path.lexists(self.root / rel) else removed).append(rel)
        try:
            self._callback(changed, removed)
        except Exception:
            log.exception("file watcher callback failed")


class _Handler(FileSystemEventHandler):
    def __init__(self, watcher: Watcher) -> None:
        self._watcher = watcher

    def on_any_event(self, event: FileSystemEvent) -> None:
        self._watcher._event(event)
