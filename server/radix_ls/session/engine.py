"""The engine's lifecycle in a session: loaded in the background (the server) or awaited (a CLI
command), reloaded when its settings change, closed on stop, with its state for status views.

A load cannot be cancelled (its thread cannot be): a load that a newer one superseded closes
what it loaded when it finishes, and only the newest load's outcome is reported.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from radix_ls.config import Settings
from radix_ls.engine.base import Engine, EngineError
from radix_ls.session.events import Events, ServiceStatus

log = logging.getLogger("radix_ls")


class EngineHost:
    """Owns at most one engine; `on_change` is called whenever it appears or goes away."""

    def __init__(self, events: Events, on_change: Callable[[], None]) -> None:
        self.engine: Engine | None = None
        self.status = ServiceStatus()
        self.key: tuple[object, ...] | None = None  # the settings the engine was loaded with
        self._events = events
        self._on_change = on_change
        self._task: asyncio.Task[None] | None = None
        self._generation = 0

    @property
    def started(self) -> bool:
        return self._task is not None or self.engine is not None

    def start(self, settings: Settings) -> None:
        """(Re)load in the background; requests find no engine until it is ready."""
        self._generation += 1
        self.key = settings.engine_key()
        self._task = asyncio.ensure_future(self._background(settings, self._generation))

    async def _background(self, settings: Settings, generation: int) -> None:
        try:
            await self._load(settings, generation, tokenizer_only=False)
        except EngineError as exc:
            if generation == self._generation:
                log.error("engine failed to start: %s", exc)
                self._events.show("error", f"radix-ls: {exc}")

    async def load(self, settings: Settings, *, tokenizer_only: bool = False) -> Engine:
        """Load now and wait for it (raises EngineError). `tokenizer_only`: an engine good for
        counting tokens and choosing templates, loaded cheaply (`radix-ls context`)."""
        self._generation += 1
        self.key = settings.engine_key()
        engine = await self._load(settings, self._generation, tokenizer_only=tokenizer_only)
        if engine is None:  # only a concurrent start() can supersede an awaited load
            raise EngineError("the engine load was superseded by a newer one")
        return engine

    async def _load(
        self, settings: Settings, generation: int, *, tokenizer_only: bool
    ) -> Engine | None:
        from radix_ls.engine.factory import load_engine, load_tokenizer

        old, self.engine = self.engine, None
        if old is not None:
            self._on_change()
            await old.close()
        self.status = ServiceStatus("loading", "loading model")
        progress = await self._events.begin("radix-ls: loading model")

        def report(message: str) -> None:  # on the loading thread too
            log.info("%s", message)
            progress.report(message)

        try:
            loader = load_tokenizer if tokenizer_only else load_engine
            engine = await loader(settings, report)
        except EngineError as exc:
            if generation == self._generation:
                self.status = ServiceStatus("error", str(exc))
            raise
        finally:
            progress.end()
        if generation != self._generation:
            await engine.close()  # superseded by a newer settings change while loading
            return None
        self.engine = engine
        self.status = ServiceStatus("ready", "")
        self._on_change()
        return engine

    async def stop(self) -> None:
        if self._task is not None and not self._task.done():
            self._task.cancel()
        self._generation += 1  # a load still running closes what it loads
        engine, self.engine = self.engine, None
        self.status = ServiceStatus("stopped", "")
        if engine is not None:
            self._on_change()
            await engine.close()
