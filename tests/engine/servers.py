"""A real OpenAI-compatible server on loopback: llama-cpp-python's server with the tiny model."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

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
