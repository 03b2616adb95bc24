"""A recording HTTP proxy on loopback: what a remote engine is sent, byte for byte.

It sits in front of a real server (tests/engine/servers.py, LlamaServer), records every
request's method, path and body, and relays the upstream answer (read whole, then sent with
its length: the remote engine reads a streamed answer the same way either way).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx


@dataclass
class Recorded:
    """What the proxy received (appended by its handler threads)."""

    requests: list[tuple[str, str, bytes]] = field(default_factory=list)

    def bodies(self) -> bytes:
        return b"\n".join(body for _, _, body in self.requests)


def _handler(upstream: str, recorded: Recorded) -> type[BaseHTTPRequestHandler]:
    class Relay(BaseHTTPRequestHandler):
        def _relay(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            recorded.requests.append((self.command, self.path, body))
            headers = {
                k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length")
            }
            with httpx.Client(timeout=120) as client:
                answer = client.request(
                    self.command, upstream + self.path, content=body, headers=headers
                )
            self.send_response(answer.status_code)
            self.send_header("Content-Type", answer.headers.get("content-type", "text/plain"))
            self.send_header("Content-Length", str(len(answer.content)))
            self.end_headers()
            self.wfile.write(answer.content)

        do_GET = _relay
        do_POST = _relay

        def log_message(self, format: str, *args: object) -> None:
            pass  # keep test output clean

    return Relay


@contextlib.contextmanager
def recording_proxy(upstream: str) -> Iterator[tuple[str, Recorded]]:
    """(the proxy's URL, what it records) for a server at `upstream`."""
    recorded = Recorded()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(upstream, recorded))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", recorded
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
