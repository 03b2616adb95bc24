"""The engine queue: one priority queue in front of every engine.

Every generation waits here for a slot before the engine does any work for it (no
tokenization, no HTTP request). An engine runs at most `limit` generations at once (llama.cpp
one: a `Llama` object is not thread-safe; SGLang and remote servers batch, so more); the rest
wait, and the next slot goes to the most urgent waiter: completions (the user is typing and
waiting for ghost text) before code actions (the user picked one and waits for a progress
bar) before batch work (a headless run over many files). Among equals, first come first
served. A waiter whose task is cancelled (a keystroke made its completion stale, an edit
aborted an action) leaves the queue at once and never reaches the engine: after a typing
burst the newest completion waits only for the generation running now.

This is also the start of one GPU queue with priorities: whatever submits work to an engine
goes through its queue.
"""

from __future__ import annotations

import asyncio
import enum
import heapq
import itertools
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


class Priority(enum.IntEnum):
    """How urgent a generation is; lower runs first."""

    COMPLETION = 0
    ACTION = 1
    BATCH = 2


class Slot:
    """The right to run one generation on the engine; released exactly once."""

    def __init__(self, release: Callable[[], None]) -> None:
        self._release = release
        self._released = False
        self._held = False

    def release(self) -> None:
        """Give the slot back (no-op if it was already, or if `hold_until` keeps it)."""
        if not self._held:
            self._free()

    def hold_until(self, future: asyncio.Future[Any]) -> None:
        """Keep the slot until `future` is done, even after the stream ended: the engine's
        worker still runs (llama.cpp finishes the token or prompt batch it is evaluating)."""
        self._held = True
        future.add_done_callback(lambda _f: self._free())

    def _free(self) -> None:
        if not self._released:
            self._released = True
            self._release()


@dataclass(order=True)
class _Waiter:
    priority: int
    sequence: int
    future: asyncio.Future[Slot] = field(compare=False)


class EngineQueue:
    """Grants an engine's slots by priority; cancelled waiters are dropped before any work."""

    def __init__(self, limit: int = 1) -> None:
        self.limit = max(1, limit)
        #: slots held now (generations running, or finishing on the engine's thread)
        self.running = 0
        #: requests waiting for a slot (cancelled ones are not counted)
        self.waiting = 0
        self._heap: list[_Waiter] = []
        self._sequence = itertools.count()
        #: generations granted a slot, and waiters cancelled before they got one
        self.counters = {"started": 0, "dropped": 0}
        #: (request id, priority name) of the latest generations to start, oldest first
        self.started: deque[tuple[str, str]] = deque(maxlen=256)

    async def acquire(self, request_id: str, priority: Priority) -> Slot:
        """Wait for a slot. Cancelling the caller while it waits removes it from the queue."""
        if self.running < self.limit and self.waiting == 0:
            return self._started(self._grant(), request_id, priority)
        waiter = _Waiter(
            int(priority),
            next(self._sequence),
            asyncio.get_running_loop().create_future(),
        )
        heapq.heappush(self._heap, waiter)
        self.waiting += 1
        try:
            slot = await waiter.future
        except asyncio.CancelledError:
            if waiter.future.done() and not waiter.future.cancelled():
                # granted, but cancelled before it could run: pass the slot on
                waiter.future.result().release()
            else:
                waiter.future.cancel()  # _wake skips it; it is no longer counted
                self.waiting -= 1
            self.counters["dropped"] += 1
            raise
        return self._started(slot, request_id, priority)

    def _started(self, slot: Slot, request_id: str, priority: Priority) -> Slot:
        self.counters["started"] += 1
        self.started.append((request_id, priority.name.lower()))
        return slot

    def _grant(self) -> Slot:
        self.running += 1
        return Slot(self._released)

    def _released(self) -> None:
        self.running -= 1
        self._wake()

    def _wake(self) -> None:
        while self.running < self.limit and self._heap:
            waiter = heapq.heappop(self._heap)
            if waiter.future.done():
                continue  # cancelled while waiting: dropped, never started
            self.waiting -= 1
            waiter.future.set_result(self._grant())

    def to_json(self) -> dict[str, int]:
        """The queue's state for `radixLs/status`."""
        return {"running": self.running, "waiting": self.waiting, **self.counters}
