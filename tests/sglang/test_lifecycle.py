"""The real SGLang engine's lifecycle on the CPU: three loads through the session's EngineHost
(an awaited one, a settings change in the background, and the reload after a crash) end and
reap only SGLang's own processes (our worker pool survives, no zombies), a scheduler that
dies fails the engine's requests instead of the process and the host reloads the engine by
itself (issue 14 item 15), and SGLang's logging stays out of ours (nothing under WARNING from
its loggers, no `server_args=` dump, the root logger's handlers as they were)."""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor

import pytest

from radix_ls.engine.base import EngineError, GenerationRequest
from radix_ls.session.engine import EngineHost
from radix_ls.session.events import LogEvents

from . import cpu

# SGLang's dependencies (the gpu extra)
psutil = pytest.importorskip("psutil")
zmq = pytest.importorskip("zmq")

pytestmark = [pytest.mark.asyncio(loop_scope="module"), *cpu.MARKS]

PROMPT = "<|fim_prefix|>def add(a, b):\n    <|fim_suffix|>\n<|fim_middle|>"


class Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def sglang_children() -> list[psutil.Process]:
    """SGLang's processes among ours, by the titles it gives them (sglang::scheduler,
    sglang::detokenizer)."""
    return [
        child
        for child in psutil.Process().children(recursive=True)
        if child.cmdline() and child.cmdline()[0].startswith("sglang::")
    ]


def sockets(engine) -> list[zmq.Socket]:
    """The ZMQ sockets of the engine's tokenizer manager: open ones with unsent messages make
    the garbage collection of their context block forever."""
    manager = engine._engine.tokenizer_manager
    return [s for s in vars(manager).values() if isinstance(s, zmq.Socket)]


def zombies() -> list[psutil.Process]:
    return [
        child
        for child in psutil.Process().children(recursive=True)
        if child.status() == psutil.STATUS_ZOMBIE
    ]


async def a_dead_scheduler_fails_the_engine(engine) -> None:
    """SGLang's watchdog reports a dead child with SIGQUIT to this process: the generation
    running then and every later one fail with an EngineError (the process lives on)."""
    stream = engine.stream(GenerationRequest(PROMPT, max_tokens=3000))
    await anext(stream)
    (scheduler,) = [c for c in sglang_children() if c.cmdline()[0] == "sglang::scheduler"]
    scheduler.kill()
    with pytest.raises(EngineError, match="died"):
        async for _ in stream:
            pass
    with pytest.raises(EngineError, match="must be reloaded"):
        await engine.generate(GenerationRequest(PROMPT, max_tokens=4))


async def next_engine(host: EngineHost, old, within: float = 1800.0):
    """The engine that replaces `old` in `host` (a background load)."""
    for _ in range(int(within * 10)):
        if host.engine is not None and host.engine is not old:
            return host.engine
        await asyncio.sleep(0.1)
    raise AssertionError(f"no new engine; host state {host.status}")


async def test_three_reloads_end_only_sglang_processes_and_keep_its_logs_out():
    cpu.require_sglang()
    root = logging.getLogger()
    records = Records()
    root.addHandler(records)
    handlers, level = list(root.handlers), root.level
    root.setLevel(logging.DEBUG)  # an application that logs everything it is given
    host = EngineHost(LogEvents(), lambda: None)
    # a worker pool of ours, started like the index's (forkserver), must outlive every reload
    context = multiprocessing.get_context("forkserver")
    try:
        with ProcessPoolExecutor(1, mp_context=context) as pool:
            worker = pool.submit(os.getpid).result()

            async def serves(engine, closed: list[zmq.Socket]) -> list[zmq.Socket]:
                assert all(s.closed for s in closed)  # the previous engine's: no hang at GC
                result = await engine.generate(GenerationRequest(PROMPT, max_tokens=4))
                assert result.stats.completion_tokens == 4
                assert len(sglang_children()) == 2  # this engine's scheduler and detokenizer
                assert zombies() == []
                assert pool.submit(os.getpid).result() == worker
                return sockets(engine)

            engine = await host.load(cpu.settings(sglangMaxTotalTokens=16384))
            closed = await serves(engine, [])
            # a settings change reloads the engine in the background, as the server does
            host.start(cpu.settings(sglangMaxTotalTokens=16000))
            engine = await next_engine(host, engine)
            closed = await serves(engine, closed)
            await a_dead_scheduler_fails_the_engine(engine)
            # issue 14 item 15: the host saw it die, says so, and reloads by itself
            engine = await next_engine(host, engine)
            assert host.status.state == "ready"
            closed = await serves(engine, closed)
            await host.stop()
            assert all(s.closed for s in closed)
            assert sglang_children() == []
            assert zombies() == []
            assert pool.submit(os.getpid).result() == worker
    finally:
        await host.stop()
        root.setLevel(level)
        root.removeHandler(records)
    assert handlers == [*root.handlers, records]  # SGLang's import and setup left none
    quiet = [r for r in records.records if r.name.startswith("sglang")]
    assert all(r.levelno >= logging.WARNING for r in quiet), [r.getMessage()[:200] for r in quiet]
    assert not [r for r in records.records if "server_args=" in r.getMessage()]
    assert not [r for r in records.records if "kill_process_tree" in r.getMessage()]
