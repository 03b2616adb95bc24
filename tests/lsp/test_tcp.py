"""`radix-ls serve --tcp` with several real clients on loopback (issue 14 items 17 and 18):
answers never cross, a disconnect ends only its own session, the listener keeps accepting."""

from __future__ import annotations

import asyncio
import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from radix_ls.config import Settings
from radix_ls.engine.base import EngineError
from radix_ls.engine.factory import PER_CONNECTION_ENV, chosen_engine, load_engine

from .raw import SERVER, RawPeer, connect, free_port, hang_up


@pytest.fixture
def listener(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], int, Path]]:
    """The TCP listener as a real process; its log goes to a file the test can read."""
    port = free_port()
    log = tmp_path / "listener.log"
    with log.open("wb") as err:
        proc = subprocess.Popen([*SERVER, "--tcp", str(port)], stderr=err, env={**os.environ})
    try:
        yield proc, port, log
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def _open(peer: RawPeer, path: Path, text: str) -> str:
    uri = path.as_uri()
    item = {"uri": uri, "languageId": "python", "version": 1, "text": text}
    peer.send(
        {"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": item}}
    )
    return uri


def _text(peer: RawPeer, msg_id: int, uri: str) -> dict:
    return peer.request(msg_id, "radixLs/documentText", {"uri": uri})


def _wait_ready(peer: RawPeer, within: float = 60.0) -> None:
    deadline = time.monotonic() + within
    for n in range(10_000):
        state = peer.request(f"status-{n}", "radixLs/status", {})["result"]["state"]
        if state == "ready":
            return
        assert state != "error" and time.monotonic() < deadline, f"engine state {state}"
        time.sleep(0.05)


def _log_when(log: Path, text: str, within: float = 30.0) -> str:
    deadline = time.monotonic() + within
    while text not in (content := log.read_text(errors="replace")):
        assert time.monotonic() < deadline, f"{text!r} not in the listener's log:\n{content}"
        time.sleep(0.1)
    return content


def test_two_clients_get_only_their_own_answers(tmp_path, listener):
    """issue 14 item 17: a second client does not take over the first one's session; the same
    request ids on both connections are answered on their own connection, from their own
    documents."""
    proc, port, _ = listener
    sock_a, a = connect(port)
    sock_b, b = connect(port)
    with sock_a, sock_b:
        a.initialize(tmp_path)
        b.initialize(tmp_path)
        uri_a = _open(a, tmp_path / "a.py", "alpha = 1\n")
        uri_b = _open(b, tmp_path / "b.py", "beta = 2\n")
        for n in range(1, 4):  # interleaved, the same ids on both connections
            a.send(
                {
                    "jsonrpc": "2.0",
                    "id": n,
                    "method": "radixLs/documentText",
                    "params": {"uri": uri_a},
                }
            )
            b.send(
                {
                    "jsonrpc": "2.0",
                    "id": n,
                    "method": "radixLs/documentText",
                    "params": {"uri": uri_b},
                }
            )
        answers_a = a.responses_until("end")
        answers_b = b.responses_until("end")
        assert [r["result"]["text"] for r in answers_a[:-1]] == ["alpha = 1\n"] * 3
        assert [r["result"]["text"] for r in answers_b[:-1]] == ["beta = 2\n"] * 3
        assert "not open" in _text(b, 9, uri_a)["error"]["message"]
    assert proc.poll() is None


def test_a_disconnect_ends_only_that_session(tmp_path, listener, tiny_model):
    """issue 14 item 18: an idle connection and an initialized one that vanish end only their
    own sessions (exit 1, logged); the other client completes with the model, a new client is
    accepted, and the listener stops with 0 on SIGTERM."""
    proc, port, log = listener
    sock_a, a = connect(port)
    with sock_a:
        a.initialize(tmp_path, {"model": str(tiny_model), "maxTokens": 4})
        a.send({"jsonrpc": "2.0", "method": "initialized", "params": {}})

        idle, _ = connect(port)
        hang_up(idle)
        sock_b, b = connect(port)
        b.initialize(tmp_path)
        hang_up(sock_b)  # vanished without shutdown
        assert _log_when(log, "connection 3 ended").count("exited with 1") == 2

        _wait_ready(a)
        uri = _open(a, tmp_path / "c.py", "def add(a, b):\n    return ")
        position = {"line": 1, "character": 11}
        params = {"textDocument": {"uri": uri}, "position": position, "context": {"triggerKind": 1}}
        answer = a.request(5, "textDocument/inlineCompletion", params)
        assert isinstance(answer["result"]["items"], list)

        sock_c, c = connect(port)
        with sock_c:
            c.initialize(tmp_path)
            assert c.request(2, "shutdown", None)["result"] is None
            c.send({"jsonrpc": "2.0", "method": "exit"})
            assert "exited with 0" in _log_when(log, "connection 4 ended")
        assert a.request(6, "radixLs/status", {})["result"]["version"]
    proc.terminate()
    assert proc.wait(timeout=30) == 0


def test_sglang_is_not_loaded_per_connection(monkeypatch):
    """issue 14 item 17 (the engine rule of the TCP design): a connection's process never
    loads an in-process SGLang engine, which a GPU can hold only once."""
    monkeypatch.setenv(PER_CONNECTION_ENV, "1")
    monkeypatch.setattr("radix_ls.engine.factory.auto_engine", lambda: "sglang")
    assert chosen_engine(Settings(engine="auto")) == "llamacpp"
    with pytest.raises(EngineError, match="engine to remote"):
        asyncio.run(load_engine(Settings(engine="sglang")))
    monkeypatch.delenv(PER_CONNECTION_ENV)
    assert chosen_engine(Settings(engine="auto")) == "sglang"
