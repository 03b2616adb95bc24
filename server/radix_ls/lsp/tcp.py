"""`radix-ls serve --tcp`: every connection is served by its own server process.

The listening process only accepts connections and copies bytes: each connection gets a fresh
`radix-ls serve` child speaking LSP over its stdin/stdout, and the bytes between the socket and
that child are copied unchanged. So:

- No cross-talk, by construction: documents, settings, requests, answers and log messages of
  one client live in a process no other client reaches. A crash, a hang or a hostile client
  ends only its own process.
- A disconnect ends only that client's session: the child sees the end of its stdin and exits
  (with 1 when no `shutdown` came first, as on stdio); the listener logs it and keeps
  accepting. The listener itself ends on SIGTERM or Ctrl-C (exit 0), stopping its children.
- Engines are per connection. llama.cpp maps the model file, so the weights are shared through
  the page cache; each connection has its own context and KV cache. A remote engine is one
  HTTP client per connection. The in-process SGLang engine owns a GPU and cannot be loaded by
  two processes: under `--tcp`, `engine: auto` chooses llama.cpp and `engine: sglang` is
  refused with a message (run SGLang as its own server and use `engine: remote`; see
  `engine.factory`).

Security model: no authentication and no encryption. Whoever can connect gets a language
server running as this user: it indexes and reads whatever folder the client names as its
workspace and shows its code (prompts, completions, `radixLs/context`). The default host,
127.0.0.1, admits local processes only; `--tcp 0.0.0.0:PORT` listens on every interface, so
anyone who can reach the port can read what this user can read. Use it only on a trusted
network, or tunnel a loopback port (ssh -L).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import os
import signal
import sys

from radix_ls.engine.factory import PER_CONNECTION_ENV

log = logging.getLogger("radix_ls")

# How long a child may take to leave after its client went away (its stdin closed).
EXIT_GRACE_S = 10.0


def child_command(log_level: str) -> list[str]:
    return [sys.executable, "-m", "radix_ls", "--log-level", log_level, "serve"]


async def _copy(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
    """Copy until `source` ends or fails, then close `sink`: the end travels on."""
    try:
        while chunk := await source.read(65536):
            sink.write(chunk)
            await sink.drain()
    except (ConnectionError, OSError):
        pass  # the other side is gone; closing below tells the rest
    finally:
        sink.close()


class TcpListener:
    """Accepts connections on host:port and gives each its own server process."""

    def __init__(self, host: str, port: int, command: list[str]) -> None:
        self.host = host
        self.port = port
        self.command = command
        self._numbers = itertools.count(1)
        self._children: set[asyncio.subprocess.Process] = set()

    async def run(self) -> int:
        server = await asyncio.start_server(self._connection, self.host, self.port)
        where = ", ".join(str(s.getsockname()[:2]) for s in server.sockets)
        log.info(
            "listening on %s: one server process per connection, no authentication%s",
            where,
            "" if self.host in ("127.0.0.1", "::1", "localhost") else " (not loopback only!)",
        )
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(sig, stop.set)
        async with server:
            await stop.wait()
            server.close()  # no new connections; the open ones end with their processes
            log.info("stopping: ending %d connection(s)", len(self._children))
            for proc in list(self._children):
                with contextlib.suppress(ProcessLookupError):
                    proc.terminate()
            for proc in list(self._children):
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(proc.wait(), EXIT_GRACE_S)
        return 0

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        number = next(self._numbers)
        peer = writer.get_extra_info("peername")
        proc = await asyncio.create_subprocess_exec(
            *self.command,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            env={**os.environ, PER_CONNECTION_ENV: "1"},
        )
        assert proc.stdin is not None and proc.stdout is not None
        self._children.add(proc)
        log.info("connection %d from %s: server process %d", number, peer, proc.pid)
        up = asyncio.create_task(_copy(reader, proc.stdin))
        down = asyncio.create_task(_copy(proc.stdout, writer))
        try:
            done, _ = await asyncio.wait({up, down}, return_when=asyncio.FIRST_COMPLETED)
            if up in done:  # the client went away: its server sees the end of its stdin
                try:
                    await asyncio.wait_for(proc.wait(), EXIT_GRACE_S)
                except TimeoutError:
                    log.warning(
                        "connection %d: server process %d did not exit; killing it",
                        number,
                        proc.pid,
                    )
                    proc.kill()
            code = await proc.wait()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(down, EXIT_GRACE_S)  # its last answers, then the close
            reason = "" if code == 0 else " (the session ended without shutdown and exit)"
            log.info("connection %d ended: server process exited with %d%s", number, code, reason)
        finally:
            for task in (up, down):
                task.cancel()
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
            self._children.discard(proc)
            writer.close()
