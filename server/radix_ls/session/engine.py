"""The engine's lifecycle in a session: loaded in the background (the server) or awaited (a CLI
command), reloaded when its settings change, closed on stop, with its state for status views.

In the background, a load that fails for any reason (an EngineError, or anything a broken
backend raises) is an `error` state with the reason, shown to the user once, and retried with
backoff (1, 2, 4 ... 60 s by default); an engine that fails later (an SGLang process died) is
closed and reloaded the same way. So the server comes back by itself when the engine does.
Explicit requests can wait for a load that is under way (`wait_ready`).

A load cannot be cancelled (its thread cannot be): a load that a newer one superseded closes
what it loaded when it finishes, and only the newest load's outcome is reported.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Awaitable, Callable
from typing import TypeVar

from radix_ls.config import Settings
from radix_ls.engine.base import Engine, EngineError
from radix_ls.session.events import Events, ServiceStatus, SessionError

log = logging.getLogger("radix_ls")
T = TypeVar("T")


def default_backoff() -> float:
    """The first retry's delay: 1 s, or `RADIX_LS_ENGINE_BACKOFF` seconds (tests; operators
    who want slower retries of an expensive engine)."""
    try:
        value = float(os.environ.get("RADIX_LS_ENGINE_BACKOFF", "1"))
    except ValueError:
        return 1.0
    return value if value > 0 else 1.0


def _as_engine_error(exc: Exception) -> EngineError:
    """Any failure of a load as an EngineError that names it (a broken backend may raise
    anything; the user still gets a reason, never a silent `loading`)."""
    if isinstance(exc, EngineError):
        return exc
    error = EngineError(f"the engine failed to start: {type(exc).__name__}: {exc}")
    error.__cause__ = exc
    return error


class EngineHost:
    """Owns at most one engine; `on_change` is called whenever it appears or goes away."""

    def __init__(
        self,
        events: Events,
        on_change: Callable[[], None],
        *,
        backoff: float | None = None,
        max_backoff: float = 60.0,
    ) -> None:
        self.engine: Engine | None = None
        self.status = ServiceStatus()
        self.key: tuple[object, ...] | None = None  # the settings the engine was loaded with
        #: seconds before the first retry of a failed background load, doubling up to the max
        self.backoff = default_backoff() if backoff is None else backoff
        self.max_backoff = max(max_backoff, self.backoff)
        self._events = events
        self._on_change = on_change
        self._task: asyncio.Task[None] | None = None
        self._generation = 0
        self._attempt: asyncio.Future[Engine] | None = None  # the load under way, if any
        # whether the background task only waits (for a retry, or for its engine to fail) and
        # can be cancelled; while it loads it cannot (the loading thread would leak a model)
        self._idle = False

    @property
    def started(self) -> bool:
        return self._task is not None or self.engine is not None

    def start(self, settings: Settings) -> None:
        """(Re)load in the background; requests find no engine until it is ready."""
        self._cancel_idle()  # its retries and its watch of the old engine end here
        self._generation += 1
        self.key = settings.engine_key()
        self._task = asyncio.ensure_future(self._background(settings, self._generation))

    async def _background(self, settings: Settings, generation: int) -> None:
        """Load, retrying with backoff until it works; then watch the engine and reload it
        if it fails. Ends when a newer start, a load or a stop supersedes it."""
        failures = 0
        while generation == self._generation:
            try:
                engine = await self._load(settings, generation, tokenizer_only=False)
            except EngineError as exc:
                if generation != self._generation:
                    return
                delay = min(self.backoff * 2**failures, self.max_backoff)
                self._failed(str(exc), delay, first=failures == 0)
                failures += 1
                await self._idly(asyncio.sleep(delay))
                continue
            if engine is None:
                return  # superseded while it loaded
            if failures:
                log.info("engine is back after %d failed attempt(s)", failures)
                self._events.show("info", "radix-ls: the engine is ready again")
            failures = 0
            reason = await self._idly(engine.wait_failure())
            if generation != self._generation or self.engine is not engine:
                return
            self._failed(reason, 0.0, first=True)
            self.engine = None
            self._on_change()
            await engine.close()

    async def _idly(self, wait: Awaitable[T]) -> T:
        self._idle = True
        try:
            return await wait
        finally:
            self._idle = False

    def _cancel_idle(self) -> None:
        if self._task is not None and not self._task.done() and self._idle:
            self._task.cancel()

    def _failed(self, reason: str, delay: float, *, first: bool) -> None:
        """Record a failure: the error state says why and when the next attempt is; the
        user is told once per outage, not at every retry."""
        retry = f" (retrying in {delay:g} s)" if delay else " (reloading)"
        self.status = ServiceStatus("error", reason + retry)
        if first:
            log.error("engine failed: %s", reason)
            self._events.show("error", f"radix-ls: {reason}; retrying in the background")
        else:
            log.warning("engine still failing: %s%s", reason, retry)

    async def load(self, settings: Settings, *, tokenizer_only: bool = False) -> Engine:
        """Load now and wait for it (raises EngineError). `tokenizer_only`: an engine good for
        counting tokens and choosing templates, loaded cheaply (`radix-ls context`)."""
        self._cancel_idle()
        self._generation += 1
        self.key = settings.engine_key()
        engine = await self._load(settings, self._generation, tokenizer_only=tokenizer_only)
        if engine is None:  # only a concurrent start() can supersede an awaited load
            raise EngineError("the engine load was superseded by a newer one")
        return engine

    async def wait_ready(self) -> Engine:
        """The engine, waiting for a load under way; EngineError with the reason if there
        is no engine and none is loading (a failed load: its error; stopped: says so)."""
        while self.engine is None:
            attempt = self._attempt
            if attempt is None:
                state = self.status
                detail = f": {state.detail}" if state.detail else ""
                raise EngineError(f"the model is not ready ({state.state}{detail})")
            try:
                await asyncio.shield(attempt)
            except EngineError:
                if self._attempt is None or self._attempt is attempt:
                    raise  # the load failed: its reason
                # superseded by a newer load (a settings change): wait for that one
        return self.engine

    async def ready(self, title: str) -> Engine:
        """`wait_ready` for an explicit request, with progress titled `title` that the user
        can cancel; SessionError with the reason if the load fails, if there is no engine
        and none is loading, or if the user cancels."""
        if self.engine is not None:
            return self.engine
        waiter = asyncio.ensure_future(self.wait_ready())
        by_user: list[bool] = []

        def cancel() -> None:
            by_user.append(True)
            waiter.cancel()

        progress = await self._events.begin(f"{title}: waiting for the model", cancel=cancel)
        try:
            return await waiter
        except asyncio.CancelledError:
            waiter.cancel()
            if not by_user:
                raise  # the caller's cancel ($/cancelRequest)
            raise SessionError(f"{title}: cancelled (by the user)") from None
        except EngineError as exc:
            text = str(exc)
            if not text.startswith("the model is not ready"):
                text = f"the model failed to load: {text}"
            raise SessionError(f"radix-ls: {text}") from exc
        finally:
            progress.end()

    async def _load(
        self, settings: Settings, generation: int, *, tokenizer_only: bool
    ) -> Engine | None:
        from radix_ls.engine.factory import load_engine, load_tokenizer

        old, self.engine = self.engine, None
        if old is not None:
            self._on_change()
            await old.close()
        self.status = ServiceStatus("loading", "loading model")
        attempt = self._attempt = asyncio.get_running_loop().create_future()
        # waiters see its outcome; none may be waiting, so its error is marked as seen
        attempt.add_done_callback(lambda f: f.cancelled() or f.exception())
        progress = await self._events.begin("radix-ls: loading model")

        def report(message: str) -> None:  # on the loading thread too
            log.info("%s", message)
            progress.report(message)

        try:
            loader = load_tokenizer if tokenizer_only else load_engine
            engine = await loader(settings, report)
        except Exception as exc:
            error = _as_engine_error(exc)
            if generation == self._generation:
                self.status = ServiceStatus("error", str(error))
            self._end_attempt(attempt, error)
            if error is exc:
                raise
            raise error from exc
        except BaseException:
            self._end_attempt(attempt, EngineError("the engine load was stopped"))
            raise
        finally:
            progress.end()
        if generation != self._generation:
            self._end_attempt(attempt, EngineError("the engine load was superseded"))
            await engine.close()  # superseded by a newer settings change while loading
            return None
        self.engine = engine
        self.status = ServiceStatus("ready", "")
        self._on_change()
        self._end_attempt(attempt, engine)
        return engine

    def _end_attempt(self, attempt: asyncio.Future[Engine], outcome: Engine | EngineError) -> None:
        if self._attempt is attempt:
            self._attempt = None
        if attempt.done():
            return
        if isinstance(outcome, EngineError):
            attempt.set_exception(outcome)
        else:
            attempt.set_result(outcome)

    async def stop(self) -> None:
        self._cancel_idle()
        self._generation += 1  # a load still running closes what it loads
        engine, self.engine = self.engine, None
        self.status = ServiceStatus("stopped", "")
        if engine is not None:
            self._on_change()
            await engine.close()
