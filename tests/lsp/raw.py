"""A byte-level JSON-RPC peer for sending what no well-behaved client would send."""

from __future__ import annotations

import contextlib
import json
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

SERVER = [sys.executable, "-m", "radix_ls", "serve"]


def frame(body: bytes) -> bytes:
    return b"Content-Length: %d\r\n\r\n%s" % (len(body), body)


class RawPeer:
    """Talks to a stream (stdin/stdout of a server process, or a socket file)."""

    def __init__(self, writer: Any, reader: Any) -> None:
        self.writer = writer
        self.reader = reader

    def send_bytes(self, body: bytes) -> None:
        self.send_raw(frame(body))

    def send_raw(self, data: bytes) -> None:
        """Bytes as they are: headers included, or none at all."""
        self.writer.write(data)
        self.writer.flush()

    def send(self, message: dict[str, Any]) -> None:
        self.send_bytes(json.dumps(message).encode())

    def read(self) -> dict[str, Any]:
        length = None
        while True:
            line = self.reader.readline()
            if not line:
                raise EOFError("server closed the stream")
            if line in (b"\r\n", b"\n"):
                break
            name, _, value = line.decode().partition(":")
            if name.lower() == "content-length":
                length = int(value)
        assert length is not None, "no Content-Length header"
        return json.loads(self.reader.read(length))

    def read_response(self, msg_id: Any) -> dict[str, Any]:
        """The response with `msg_id`, skipping notifications and server requests."""
        while True:
            message = self.read()
            if "method" in message:
                if "id" in message:  # a request from the server: answer it plainly
                    self.send({"jsonrpc": "2.0", "id": message["id"], "result": None})
                continue
            if message.get("id") == msg_id:
                return message

    def responses_until(self, sentinel: Any) -> list[dict[str, Any]]:
        """Send a `radixLs/status` request with id `sentinel` and return every response that
        arrives up to and including its answer (the server answers in order of arrival for
        messages it rejects, so everything sent before has been answered by then)."""
        self.send({"jsonrpc": "2.0", "id": sentinel, "method": "radixLs/status", "params": {}})
        responses = []
        while True:
            message = self.read()
            if "method" in message:
                if "id" in message:
                    self.send({"jsonrpc": "2.0", "id": message["id"], "result": None})
                continue
            responses.append(message)
            if message.get("id") == sentinel:
                return responses

    def request(self, msg_id: Any, method: str, params: Any) -> dict[str, Any]:
        self.send({"jsonrpc": "2.0", "id": msg_id, "method": method, "params": params})
        return self.read_response(msg_id)

    def initialize(self, root: Path | None, options: dict[str, Any] | None = None) -> Any:
        """Send `initialize` (no client capabilities) and return its result."""
        params = {
            "processId": None,
            "rootUri": root.as_uri() if root else None,
            "capabilities": {},
            "initializationOptions": options,
        }
        return self.request("init", "initialize", params)["result"]


@contextlib.contextmanager
def watchdog(proc: subprocess.Popen[bytes], seconds: float) -> Iterator[None]:
    """Kill `proc` after `seconds`, so a server that stops answering fails the test with
    EOFError instead of hanging it."""
    timer = threading.Timer(seconds, proc.kill)
    timer.start()
    try:
        yield
    finally:
        timer.cancel()
        if proc.poll() is None:
            proc.kill()
        proc.wait()


def start_stdio_server(env: dict[str, str]) -> tuple[subprocess.Popen[bytes], RawPeer]:
    proc = subprocess.Popen(
        SERVER, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env
    )
    assert proc.stdin is not None and proc.stdout is not None
    return proc, RawPeer(proc.stdin, proc.stdout)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def connect(port: int, within: float = 30.0) -> tuple[socket.socket, RawPeer]:
    """Connect to a server listening on loopback `port` (retrying while it starts)."""
    deadline = time.monotonic() + within
    while True:
        try:
            sock = socket.create_connection(("127.0.0.1", port), timeout=within)
            break
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)
    stream = sock.makefile("rwb")
    return sock, RawPeer(stream, stream)


def hang_up(sock: socket.socket) -> None:
    """Close a connection for real: `close()` alone leaves it open while the peer's file
    object (makefile) still refers to it."""
    sock.shutdown(socket.SHUT_RDWR)
    sock.close()
