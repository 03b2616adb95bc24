"""Real HTTP servers on loopback for the remote engine: llama-cpp-python's OpenAI-compatible
server with the tiny model, and a server that fails the ways broken engines do."""

from __future__ import annotations

import contextlib
import os
import socket
import socketserver
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LlamaServer:
    """`python -m llama_cpp.server` bound to 127.0.0.1; start/kill/restart on one port."""

    def __init__(self, model: Path, port: int | None = None, api_key: str | None = None) -> None:
        self.model = model
        self.port = port or free_port()
        self.api_key = api_key
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60.0) -> None:
        cmd = [
            sys.executable, "-m", "llama_cpp.server", "--model", str(self.model),
            "--host", "127.0.0.1", "--port", str(self.port), "--n_ctx", "4096",
            # queue concurrent requests instead of cutting the running one short
            "--interrupt_requests", "False",
        ]  # fmt: skip
        if self.api_key:
            cmd += ["--api_key", self.api_key]
        self.proc = subprocess.Popen(
            cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={**os.environ}
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"llama_cpp.server exited with {self.proc.returncode}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(self.url + "/v1/models", timeout=1.0).status_code in (200, 401):
                    return
            time.sleep(0.1)
        self.kill()
        raise RuntimeError("llama_cpp.server did not come up")

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=30)


@contextlib.contextmanager
def llama_server(model: Path, api_key: str | None = None) -> Iterator[LlamaServer]:
    server = LlamaServer(model, api_key=api_key)
    server.start()
    try:
        yield server
    finally:
        server.kill()


class FaultServer:
    """A real HTTP server on loopback that fails the way broken or hostile remote engines do
    (issue 14 items 14-16). `mode` may change while it runs:

    - "ok": a model list (after `delay` seconds), and completions that stream `pieces`
      pieces and finish;
    - "hang": accepts the connection, reads the request and never answers;
    - "garbage": answers bytes that are not HTTP and closes;
    - "error": HTTP 500 to everything;
    - "malformed": a `/v1/models` answer of `models_body` (not a model list);
    - "endless": a model list, then a completion stream that never ends;
    - "silent": a model list, then a completion stream that sends one piece and goes quiet.
    """

    def __init__(self, mode: str = "ok", port: int | None = None) -> None:
        self.mode = mode
        self.models_body = b'{"data": {"id": 3}}'
        self.pieces = 5
        self.delay = 0.0  # seconds before answering the model list (a slow start)
        self.sent = 0  # completion pieces written, over all requests
        self.requests: list[str] = []
        self._stop = threading.Event()
        outer = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self) -> None:
                with contextlib.suppress(OSError):
                    outer._serve(self)

        class Server(socketserver.ThreadingTCPServer):
            allow_reuse_address = True  # a restarted server takes the same port at once
            daemon_threads = True

        self._server = Server(("127.0.0.1", port or 0), Handler)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> FaultServer:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._stop.set()
        self._server.shutdown()
        self._server.server_close()

    def _serve(self, conn: socketserver.StreamRequestHandler) -> None:
        request_line = conn.rfile.readline().decode("latin-1").strip()
        length = 0
        while (line := conn.rfile.readline().decode("latin-1").strip()) != "":
            name, _, value = line.partition(":")
            if name.lower() == "content-length":
                length = int(value)
        conn.rfile.read(length)
        self.requests.append(request_line)
        path = request_line.split(" ")[1] if " " in request_line else ""
        mode, w = self.mode, conn.wfile
        if mode == "hang":
            self._stop.wait(120)
        elif mode == "garbage":
            w.write(b"\x00\xff\xfe this is not HTTP \x01\x02\r\n\r\n")
        elif mode == "error":
            self._answer(w, 500, b'{"error": "internal"}')
        elif path.endswith("/v1/models"):
            self._stop.wait(self.delay)
            ok = b'{"object": "list", "data": [{"id": "fault-model"}]}'
            self._answer(w, 200, self.models_body if mode == "malformed" else ok)
        elif path.endswith("/v1/completions"):
            self._complete(w, mode)
        else:
            self._answer(w, 404, b"{}")

    @staticmethod
    def _answer(w: Any, status: int, body: bytes) -> None:
        head = f"HTTP/1.1 {status} X\r\nContent-Type: application/json\r\n"
        w.write(f"{head}Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode())
        w.write(body)

    def _complete(self, w: Any, mode: str) -> None:
        w.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n")
        event = b'data: {"choices": [{"index": 0, "text": "a", "finish_reason": null}]}\n\n'
        count = 0
        while not self._stop.is_set():
            if mode == "ok" and count == self.pieces:
                w.write(b'data: {"choices": [{"text": "", "finish_reason": "length"}]}\n\n')
                w.write(b"data: [DONE]\n\n")
                return
            if mode == "silent" and count == 1:
                self._stop.wait(120)
                return
            w.write(event)
            w.flush()
            count += 1
            self.sent += 1


def fault_server(mode: str = "ok") -> FaultServer:
    """A started FaultServer, to use in a `with` block (it closes at the end)."""
    return FaultServer(mode)
