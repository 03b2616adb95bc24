"""Real SGLang HTTP servers on the CPU for the tests: `python -m sglang.launch_server` workers
with the tiny model, and the SGLang Model Gateway (`smg launch`, PyPI `smg`) in front of them,
all on 127.0.0.1 with free ports. Each is a process group of its own, so that a test can kill
a whole worker (server, scheduler and detokenizer) the way a crash would."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.engine.servers import free_port

from . import cpu


class Server:
    """One process group serving HTTP on 127.0.0.1:port, with its output in a log file."""

    def __init__(self, name: str, command: list[str], port: int, logs: Path) -> None:
        self.name = name
        self.port = port
        self.log = logs / f"{name}.log"
        with self.log.open("wb") as out:
            self.proc = subprocess.Popen(
                command,
                stdout=out,
                stderr=subprocess.STDOUT,
                env=cpu.child_env(),
                start_new_session=True,  # its own process group: kill() ends its children too
            )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def wait_ready(self, path: str, within: float) -> None:
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited ({self.proc.returncode}): {self.tail()}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(self.url + path, timeout=5.0).status_code == 200:
                    return
            time.sleep(1.0)
        raise RuntimeError(f"{self.name} not ready after {within:.0f} s: {self.tail()}")

    def tail(self) -> str:
        return self.log.read_text(errors="replace")[-3000:]

    def kill(self) -> None:
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=60)


def worker(name: str, logs: Path) -> Server:
    """An SGLang worker on the CPU with the tiny model; cached-token counts in its usage
    (--enable-cache-report) and Prometheus counters (--enable-metrics)."""
    port = free_port()
    command = [
        sys.executable, "-m", "sglang.launch_server",
        "--model-path", str(cpu.HF_MODEL), "--host", "127.0.0.1", "--port", str(port),
        "--device", "cpu", "--attention-backend", "torch_native",
        "--disable-cuda-graph", "--disable-overlap-schedule",
        "--mem-fraction-static", str(cpu.CPU_WIRE["sglangMemFraction"]),
        "--max-total-tokens", str(cpu.CPU_WIRE["sglangMaxTotalTokens"]),
        "--context-length", str(cpu.CPU_WIRE["sglangContextLength"]),
        "--random-seed", "0", "--enable-cache-report", "--enable-metrics",
        "--log-level", "warning",
    ]  # fmt: skip
    return Server(name, command, port, logs)


def gateway(workers: list[Server], logs: Path) -> Server:
    """The SGLang Model Gateway with cache-aware routing in front of `workers`; unhealthy
    workers are noticed within a few seconds."""
    smg = shutil.which("smg", path=str(Path(sys.executable).parent)) or "smg"
    port = free_port()
    command = [
        smg, "launch", "--host", "127.0.0.1", "--port", str(port),
        "--worker-urls", *(w.url for w in workers), "--policy", "cache_aware",
        "--health-check-interval-secs", "2", "--health-failure-threshold", "1",
        "--log-level", "warn",
    ]  # fmt: skip
    return Server("gateway", command, port, logs)


def prompt_tokens_served(server: Server) -> float:
    """The worker's cumulative prompt-token counter (Prometheus `sglang:prompt_tokens_total`)."""
    text = httpx.get(server.url + "/metrics", timeout=10.0).text
    return sum(
        float(line.rsplit(" ", 1)[1])
        for line in text.splitlines()
        if line.startswith("sglang:prompt_tokens_total")
    )
