"""LSP base protocol framing, bounded: bytes from the client turned into JSON values.

pygls' own read loop trusts its input (a `Content-Length` of a terabyte is read into memory,
a lowercase header desynchronises the stream, 50,000 nested brackets raise RecursionError, and
its JSON `object_hook` turns message-shaped objects nested inside params into messages). This
module replaces it for the server:

- `FrameParser` splits a byte stream into bodies. Header names are case-insensitive; a frame
  over `MAX_FRAME_BYTES`, a bad `Content-Length` or a line that is no header is reported once
  and the parser resynchronises at the next `Content-Length` line (valid JSON cannot contain
  one: raw line breaks are not allowed inside JSON strings), holding at most a header line or
  one body in memory.
- `decode` turns a body into a JSON value: strict UTF-8, at most `MAX_NESTING` levels deep,
  parsed without an object hook (only the top level is a message; the protocol structures it).
- `serve` is the loop that feeds one stream to the protocol.

Errors carry JSON-RPC codes: -32700 (parse error) for bytes that are no JSON, -32600 (invalid
request) for JSON that is too large or too deep to be accepted.
"""

from __future__ import annotations

import asyncio
import json
import logging
import operator
import re
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from itertools import accumulate, repeat
from typing import Any

log = logging.getLogger("radix_ls")

PARSE_ERROR = -32700
INVALID_REQUEST = -32600

# Far above any real message (documents are capped at 4 Mi characters, at most 4 bytes each in
# UTF-8, some escaped to 6), far below what would exhaust memory.
MAX_FRAME_BYTES = 64 * 1024 * 1024
MAX_HEADER_LINE = 8192
# LSP messages nest a few levels; settings objects a few more. Python's JSON parser recurses
# per level and fails near 1,000; refuse well before that.
MAX_NESTING = 200

_CONTENT_LENGTH = b"content-length"
# A JSON string (escapes included); removed before bracket counting, brackets inside strings
# are text. Written as an unrolled loop so that long strings match in C without backtracking.
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_DEPTH_STEPS = str.maketrans({"[": "\x02", "{": "\x02", "]": "\x00", "}": "\x00"})


@dataclass(frozen=True)
class Frame:
    body: bytes


@dataclass(frozen=True)
class FrameError:
    """A frame or body that cannot be a message: answered with `code` and id null."""

    code: int
    message: str


class FrameParser:
    """Incremental parser of `Content-Length` framed messages; `feed` returns what completed."""

    def __init__(self, max_frame: int = MAX_FRAME_BYTES) -> None:
        self.max_frame = max_frame
        self._buf = bytearray()
        self._length: int | None = None  # Content-Length of the header block being read
        self._headers_seen = False  # any header line since the last frame
        self._body: int | None = None  # bytes of body still to come for the current frame
        self._resync = False  # discarding lines until the next Content-Length line
        self._long_line = False  # discarding the rest of an over-long line

    def feed(self, data: bytes) -> list[Frame | FrameError]:
        self._buf += data
        out: list[Frame | FrameError] = []
        while True:
            if self._body is not None:
                if len(self._buf) < self._body:
                    break
                out.append(Frame(bytes(self._buf[: self._body])))
                del self._buf[: self._body]
                self._body = None
                continue
            end = self._buf.find(b"\n")
            if end < 0:
                if len(self._buf) > MAX_HEADER_LINE:
                    self._buf.clear()
                    if not self._long_line and not self._resync:
                        out.append(self._fail(PARSE_ERROR, "a header line over 8 KiB"))
                    self._long_line = True
                break
            line = bytes(self._buf[:end]).rstrip(b"\r")
            del self._buf[: end + 1]
            if self._long_line:
                self._long_line = False
                continue
            if (error := self._header(line)) is not None:
                out.append(error)
        return out

    def _fail(self, code: int, message: str) -> FrameError:
        """Report once and skip to the next frame's Content-Length line."""
        self._resync = True
        self._length = None
        self._headers_seen = False
        return FrameError(code, message)

    def _header(self, line: bytes) -> FrameError | None:
        name, sep, value = line.partition(b":")
        is_length = bool(sep) and name.strip().lower() == _CONTENT_LENGTH
        if self._resync:
            if not is_length:
                return None
            self._resync = False
        if not line.strip():
            if not self._headers_seen:
                return None  # a stray blank line between frames
            if self._length is None:
                return self._fail(PARSE_ERROR, "a message header without Content-Length")
            self._body, self._length, self._headers_seen = self._length, None, False
            return None
        self._headers_seen = True
        if not sep:
            return self._fail(PARSE_ERROR, f"not a header line: {line[:80]!r}")
        if is_length:
            digits = value.strip()
            if not digits.isdigit():
                return self._fail(PARSE_ERROR, f"invalid Content-Length {digits[:40]!r}")
            if len(digits) > 15 or int(digits) > self.max_frame:
                return self._fail(
                    INVALID_REQUEST,
                    f"a message of {digits.decode()} bytes is over the limit of "
                    f"{self.max_frame} bytes",
                )
            self._length = int(digits)
        return None  # other headers (Content-Type) carry nothing radix-ls needs


def nesting_depth(text: str) -> int:
    """The deepest nesting of arrays and objects in JSON `text` (strings do not count)."""
    brackets = _NOT_BRACKET.sub("", _STRING.sub("", text))
    steps = brackets.translate(_DEPTH_STEPS).encode("latin-1")  # 2 opens, 0 closes
    return max(accumulate(map(operator.sub, steps, repeat(1))), default=0)


def decode(body: bytes, max_nesting: int = MAX_NESTING) -> Any:
    """The JSON value of a frame's body, or a FrameError saying why there is none."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        return FrameError(PARSE_ERROR, f"parse error: the message is not valid UTF-8 ({exc})")
    # Counting is cheap but not free; a message with fewer brackets than the limit cannot be
    # nested deeper than it.
    if text.count("[") + text.count("{") > max_nesting and nesting_depth(text) > max_nesting:
        return FrameError(INVALID_REQUEST, f"the message nests more than {max_nesting} levels deep")
    try:
        return json.loads(text)
    except ValueError as exc:
        return FrameError(PARSE_ERROR, f"parse error: {exc}")
    except RecursionError:  # deep nesting the count missed (it cannot; a last line of defence)
        return FrameError(INVALID_REQUEST, "the message nests too deeply")


async def serve(
    read: Callable[[], Awaitable[bytes]],
    receive: Callable[[Frame | FrameError], None],
    stop: threading.Event,
) -> None:
    """Feed chunks from `read` (b"" at the end of the stream) to `receive`, frame by frame,
    until the stream ends or `stop` is set. `receive` must not raise (SystemExit aside)."""
    parser = FrameParser()
    while not stop.is_set():
        chunk = await read()
        if not chunk:
            log.info("the client closed the stream")
            return
        for item in parser.feed(chunk):
            receive(item)
            await asyncio.sleep(0)  # let handlers started by this message run in order
