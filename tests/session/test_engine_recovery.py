"""The engine's lifecycle under faults (issue 14 items 14, 15, 22), on real engines: the tiny
model on llama.cpp, and remote engines that are real HTTP servers on loopback (a fault
server that refuses, hangs, answers garbage, errors or a malformed model list, and
llama-cpp-python's OpenAI-compatible server).

Every start failure is an `error` state with the reason, retried with backoff; the session
recovers by itself when the engine comes back; explicit requests wait for a loading engine.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import pytest

from radix_ls.config import resolve
from radix_ls.features.actions import ActionRequest
from radix_ls.session import Session, SessionError
from radix_ls.session.events import LogEvents, Progress
from tests.engine.servers import FaultServer, LlamaServer, free_port

SOURCE = "def area(width, height):\n    return width * height\n"


class Recorder(LogEvents):
    """The Events protocol, recording messages and the cancel callbacks progress offers."""

    def __init__(self) -> None:
        self.shown: list[tuple[str, str]] = []
        self.titles: list[str] = []
        self.cancels: list[Callable[[], None]] = []

    def show(self, level: str, message: str) -> None:  # type: ignore[override]
        self.shown.append((level, message))

    async def begin(
        self, title: str, *, percentage: bool = False, cancel: Callable[[], None] | None = None
    ) -> Progress:
        self.titles.append(title)
        if cancel is not None:
            self.cancels.append(cancel)
        return await super().begin(title, percentage=percentage, cancel=cancel)


def _remote(url: str, **extra: object):
    wire = {"engine": "remote", "remoteUrl": url, "remoteConnectTimeout": 1.0}
    resolved = resolve({**wire, "remoteRetries": 0, "index": False, **extra})
    assert not resolved.errors
    return resolved.settings


async def _until(predicate: Callable[[], bool], seconds: float = 30.0) -> None:
    for _ in range(int(seconds * 50)):
        if predicate():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("condition not reached")


def _session(tmp_path: Path, settings, events: Recorder | None = None) -> Session:
    session = Session(tmp_path, settings, events or Recorder())
    session.engine_host.backoff = 0.05  # retries in tests: fast
    return session


def _open(session: Session, tmp_path: Path):
    return session.open_file(tmp_path / "shapes.py", SOURCE)


@pytest.mark.parametrize("mode", ["hang", "garbage", "malformed", "error", "refused"])
async def test_a_start_failure_is_an_error_state_and_it_recovers_by_itself(tmp_path, mode):
    """issue 14 items 14 and 15: each fault at connect is an `error` state with its reason
    and one message (not `loading` forever, no unretrieved task exception); once the server
    behaves, the session has its engine back without a settings change or a restart."""
    port = free_port()
    server = None if mode == "refused" else FaultServer(mode, port=port)
    events = Recorder()
    session = _session(tmp_path, _remote(f"http://127.0.0.1:{port}"), events)
    try:
        session.start()
        await _until(lambda: session.engine_host.status.state == "error")
        detail = session.engine_host.status.detail
        assert f"127.0.0.1:{port}" in detail and "retrying in" in detail
        assert session.status()["state"] == "error"
        errors = [m for level, m in events.shown if level == "error"]
        assert len(errors) == 1 and f"127.0.0.1:{port}" in errors[0]
        # a few retries go by, still failing, still one message
        await _until(lambda: session.engine_host.status.detail.endswith("(retrying in 0.2 s)"))
        assert len([1 for level, _ in events.shown if level == "error"]) == 1
        if server is None:
            server = FaultServer("ok", port=port)
        server.mode = "ok"
        await _until(lambda: session.engine_host.status.state == "ready")
        assert session.engine is not None and session.completions is not None
        result = await session.complete(_open(session, tmp_path), len("def area"))
        assert result is not None and result.stats.finish_reason in ("stop", "length")
        assert ("info", "radix-ls: the engine is ready again") in events.shown
    finally:
        await session.close()
        if server is not None:
            server.close()


async def test_completions_come_back_when_a_real_server_comes_up(tmp_path, tiny_model):
    """issue 14 item 15: connection refused at start, then the real OpenAI-compatible server
    starts on that port: the session serves model completions again by itself."""
    server = LlamaServer(tiny_model)
    session = _session(tmp_path, _remote(server.url, maxTokens=4))
    try:
        session.start()
        await _until(lambda: session.engine_host.status.state == "error")
        assert "not reachable" in session.engine_host.status.detail
        assert await session.complete(_open(session, tmp_path), len("def area")) is None
        server.start()
        await _until(lambda: session.engine_host.status.state == "ready", 60)
        result = await session.complete(_open(session, tmp_path), len("def area"))
        assert result is not None and result.stats.completion_tokens > 0
    finally:
        await session.close()
        server.kill()


async def test_a_code_action_picked_while_the_model_loads_waits_for_it(tmp_path, tiny_model):
    """issue 14 item 22: the action waits for the loading engine (with progress) and runs."""
    wire = {"engine": "llamacpp", "model": str(tiny_model), "index": False}
    settings = resolve({**wire, "actionMaxTokens": 16}).settings
    events = Recorder()
    session = _session(tmp_path, settings, events)
    try:
        session.start()  # in the background, as the server does
        assert session.engine is None
        snapshot = _open(session, tmp_path)
        request = ActionRequest("docstring", 0, len(SOURCE) - 1, "area")
        try:
            result = await session.run_action(snapshot, request, "Generate docstring")
            assert result.attempts >= 1
        except SessionError as exc:  # the random tiny model may write no usable docstring
            assert "rejected" in str(exc)
        assert "Generate docstring: waiting for the model" in events.titles
        assert session.engine is not None and session.engine.queue.counters["started"] >= 1
    finally:
        await session.close()


async def test_an_explicit_completion_waits_for_the_loading_model(tmp_path, tiny_model):
    """issue 14 item 22: `complete(wait=True)` (an explicit request) waits for the load;
    a typing-triggered one does not."""
    settings = resolve({"engine": "llamacpp", "model": str(tiny_model), "index": False}).settings
    session = _session(tmp_path, settings)
    try:
        session.start()
        snapshot = _open(session, tmp_path)
        assert await session.complete(snapshot, len("def area")) is None
        result = await session.complete(snapshot, len("def area"), wait=True)
        assert result is not None
    finally:
        await session.close()


async def test_waiting_for_the_model_fails_only_when_loading_fails(tmp_path):
    """issue 14 item 22: a load that fails gives the waiting request its reason (an explicit
    completion gets no answer: the engine's error state says why)."""
    missing = tmp_path / "missing.gguf"
    settings = resolve({"engine": "llamacpp", "model": str(missing), "index": False}).settings
    session = _session(tmp_path, settings)
    session.engine_host.backoff = 60.0  # one attempt during the test
    try:
        session.start()
        snapshot = _open(session, tmp_path)
        with pytest.raises(SessionError, match=r"missing\.gguf"):
            await session.run_action(snapshot, ActionRequest("docstring", 0, 8), "Docstring")
        assert session.engine_host.status.state == "error"
        assert await session.complete(snapshot, 8, wait=True) is None
    finally:
        await session.close()


async def test_the_user_can_cancel_waiting_for_the_model(tmp_path):
    """issue 14 item 22: the progress shown while waiting offers a cancel that works."""
    with FaultServer("hang") as server:  # connecting hangs for the connect timeout (5 s)
        events = Recorder()
        session = _session(tmp_path, _remote(server.url, remoteConnectTimeout=5.0), events)
        try:
            session.start()
            snapshot = _open(session, tmp_path)
            job = asyncio.ensure_future(
                session.run_action(snapshot, ActionRequest("docstring", 0, 8), "Docstring")
            )
            await _until(lambda: "Docstring: waiting for the model" in events.titles)
            events.cancels[-1]()
            with pytest.raises(SessionError, match=r"cancelled \(by the user\)"):
                await asyncio.wait_for(job, 2)
        finally:
            await session.close()
