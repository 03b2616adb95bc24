"""The engine queue: priorities, cancelled waiters dropped before any work (issue 14 item 13).

The queue on its own, then in front of the real llama.cpp engine with the tiny model: a burst
of cancelled completions and queued code-action work, then one real completion, which must
be the next generation the engine evaluates.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading

import pytest

from radix_ls.engine.base import GenerationRequest
from radix_ls.engine.llamacpp import LlamaCppEngine
from radix_ls.engine.queue import EngineQueue, Priority

PROMPT = "<|fim_prefix|>def add(a, b):\n    <|fim_suffix|>\n<|fim_middle|>"


async def test_slots_go_by_priority_then_arrival():
    """issue 14 item 13: completions before actions before batch work; FIFO among equals."""
    queue = EngineQueue(limit=1)
    first = await queue.acquire("running", Priority.BATCH)
    order: list[str] = []

    async def wait(name: str, priority: Priority) -> None:
        slot = await queue.acquire(name, priority)
        order.append(name)
        slot.release()

    tasks = [
        asyncio.ensure_future(wait(name, priority))
        for name, priority in (
            ("batch-1", Priority.BATCH),
            ("action-1", Priority.ACTION),
            ("completion-1", Priority.COMPLETION),
            ("action-2", Priority.ACTION),
            ("completion-2", Priority.COMPLETION),
        )
    ]
    await asyncio.sleep(0)
    assert queue.waiting == 5 and queue.running == 1
    first.release()
    await asyncio.gather(*tasks)
    assert order == ["completion-1", "completion-2", "action-1", "action-2", "batch-1"]
    assert queue.running == 0 and queue.waiting == 0


async def test_a_cancelled_waiter_never_gets_a_slot():
    """issue 14 item 13: cancelling a waiting request drops it from the queue at once."""
    queue = EngineQueue(limit=1)
    held = await queue.acquire("running", Priority.COMPLETION)
    waiters = [
        asyncio.ensure_future(queue.acquire(f"stale-{i}", Priority.COMPLETION)) for i in range(50)
    ]
    await asyncio.sleep(0)
    assert queue.waiting == 50
    for waiter in waiters:
        waiter.cancel()
    await asyncio.gather(*waiters, return_exceptions=True)
    assert queue.waiting == 0 and queue.counters["dropped"] == 50
    last = asyncio.ensure_future(queue.acquire("last", Priority.COMPLETION))
    await asyncio.sleep(0)
    held.release()
    (await last).release()
    assert [rid for rid, _ in queue.started] == ["running", "last"]
    assert queue.running == 0


async def test_a_slot_granted_to_a_task_cancelled_before_it_ran_is_passed_on():
    """issue 14 item 13: a waiter granted its slot and cancelled in the same loop turn
    releases it (the engine would otherwise stay blocked forever)."""
    queue = EngineQueue(limit=1)
    held = await queue.acquire("running", Priority.COMPLETION)
    granted = asyncio.ensure_future(queue.acquire("granted", Priority.COMPLETION))
    after = asyncio.ensure_future(queue.acquire("after", Priority.ACTION))
    await asyncio.sleep(0)
    held.release()  # "granted" gets the slot ...
    granted.cancel()  # ... and is cancelled before it resumes
    with contextlib.suppress(asyncio.CancelledError):
        await granted
    slot = await asyncio.wait_for(after, 5)
    slot.release()
    assert [rid for rid, _ in queue.started] == ["running", "after"]
    assert queue.counters["dropped"] == 1 and queue.running == 0


@pytest.fixture
async def engine(tiny_model):
    eng = LlamaCppEngine.load(tiny_model, n_ctx=4096)
    yield eng
    await eng.close()


async def test_after_a_burst_the_last_completion_is_evaluated_next(engine):
    """issue 14 item 13: a typing burst (completions cancelled while queued) and code-action
    work queued ahead of the last completion: the engine evaluates the last completion next,
    the cancelled ones never (not even tokenized), the actions after it.

    Deterministic: a generation holds the engine (its stop check waits on a gate, on the
    engine's thread) while the burst is queued, and what the engine evaluated is read from
    its queue and its stats, not from timings."""
    entered, gate = threading.Event(), threading.Event()

    def hold(_text: str) -> bool:
        entered.set()
        gate.wait(30)
        return True

    held = GenerationRequest(PROMPT, max_tokens=64, stop_check=hold, priority=Priority.BATCH)
    blocker = asyncio.ensure_future(engine.generate(held))
    await asyncio.to_thread(entered.wait, 30)
    actions = [
        asyncio.ensure_future(engine.generate(GenerationRequest(PROMPT + str(i), max_tokens=4)))
        for i in range(3)
    ]
    burst = [
        asyncio.ensure_future(
            engine.generate(
                GenerationRequest(PROMPT + "x" * i, max_tokens=4, priority=Priority.COMPLETION)
            )
        )
        for i in range(40)
    ]
    await asyncio.sleep(0)
    assert engine.queue.waiting == 43
    for task in burst:  # each keystroke cancels the previous request
        task.cancel()
    last = GenerationRequest(PROMPT + "last", max_tokens=4, priority=Priority.COMPLETION)
    done: list[str] = []
    final = asyncio.ensure_future(engine.generate(last))
    final.add_done_callback(lambda _t: done.append("last"))
    for action in actions:
        action.add_done_callback(lambda _t: done.append("action"))
    await asyncio.sleep(0)
    assert engine.queue.waiting == 4  # the cancelled ones left the queue at once
    gate.set()

    result = await final
    assert result.stats.finish_reason in ("stop", "length")
    await asyncio.gather(blocker, *actions)
    await asyncio.gather(*burst, return_exceptions=True)
    started = [rid for rid, _ in engine.queue.started]
    assert started[:2] == [held.request_id, last.request_id]
    assert set(started[2:]) == {a.result().stats.request_id for a in actions}
    assert [p for _, p in engine.queue.started] == [
        "batch", "completion", "action", "action", "action",
    ]  # fmt: skip
    assert engine.queue.counters == {"started": 5, "dropped": 40}
    assert done[0] == "last"
    # the last slot is given back when the worker thread has returned, just after its answer
    for _ in range(500):
        if engine.queue.running == 0:
            break
        await asyncio.sleep(0.01)
    assert engine.active_generations == 0 and engine.queue.running == 0
