"""The bounded LSP framing (`radix_ls.lsp.framing`): byte streams in, frames and errors out
(issue 14 items 9 and 19)."""

from __future__ import annotations

import json

import pytest

from radix_ls.lsp.framing import (
    INVALID_REQUEST,
    PARSE_ERROR,
    Frame,
    FrameError,
    FrameParser,
    decode,
    nesting_depth,
)


def _frame(body: bytes, name: bytes = b"Content-Length") -> bytes:
    return b"%s: %d\r\n\r\n%s" % (name, len(body), body)


def _summary(items: list[Frame | FrameError]) -> list[object]:
    return [i.body if isinstance(i, Frame) else i.code for i in items]


CASES = [
    # (stream, what the parser yields: bodies, or error codes)
    (_frame(b"{}") + _frame(b"[1]"), [b"{}", b"[1]"]),
    (_frame(b"{}", b"content-length"), [b"{}"]),
    (_frame(b"{}", b"CONTENT-LENGTH"), [b"{}"]),
    (b"Content-Type: x\r\nContent-Length: 2\r\n\r\n{}", [b"{}"]),
    (b"Content-Length:2\n\n{}", [b"{}"]),  # bare LF and no space: lenient
    (b"\r\n" + _frame(b"{}"), [b"{}"]),  # a stray blank line between frames
    (_frame(b""), [b""]),  # an empty body is a frame (decode rejects it)
    # issue 14 item 9: too large, then the next frame is found
    (b'Content-Length: 1000000000000\r\n\r\n{"a"\r\n' + _frame(b"{}"), [INVALID_REQUEST, b"{}"]),
    (b"Content-Length: " + b"9" * 5000 + b"\r\n\r\n" + _frame(b"{}"), [INVALID_REQUEST, b"{}"]),
    (b"Content-Length: -1\r\n\r\n" + _frame(b"{}"), [PARSE_ERROR, b"{}"]),
    (b"Content-Length: x\r\n\r\n" + _frame(b"{}"), [PARSE_ERROR, b"{}"]),
    (b"Content-Type: x\r\n\r\n" + _frame(b"{}"), [PARSE_ERROR, b"{}"]),
    (b"garbage\r\nmore garbage\r\n\r\n" + _frame(b"{}"), [PARSE_ERROR, b"{}"]),
    (b"x" * 100_000 + b"\r\n" + _frame(b"{}"), [PARSE_ERROR, b"{}"]),
]


@pytest.mark.parametrize(("stream", "expected"), CASES)
def test_parser_at_once_and_byte_by_byte(stream: bytes, expected: list[object]) -> None:
    assert _summary(FrameParser().feed(stream)) == expected
    parser = FrameParser()
    items = [item for i in range(len(stream)) for item in parser.feed(stream[i : i + 1])]
    assert _summary(items) == expected


def test_an_oversized_body_is_never_held_in_memory() -> None:
    parser = FrameParser(max_frame=1000)
    assert _summary(parser.feed(b"Content-Length: 5000\r\n\r\n")) == [INVALID_REQUEST]
    for _ in range(100):  # the body arrives without line breaks: dropped as it comes
        assert parser.feed(b"a" * 4096) == []
        assert len(parser._buf) <= 8192 + 4096
    assert _summary(parser.feed(b"\r\n" + _frame(b"{}"))) == [b"{}"]


@pytest.mark.parametrize(
    ("text", "depth"),
    [
        ("1", 0),
        ("[]", 1),
        ('{"a": [[{"b": 1}]]}', 4),
        ('["[[[[", "]]", "\\"[["]', 1),  # brackets inside strings, escaped quotes
        ("[" * 300 + "]" * 300, 300),
    ],
)
def test_nesting_depth(text: str, depth: int) -> None:
    assert nesting_depth(text) == depth


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b"", PARSE_ERROR),
        (b"{this is not json", PARSE_ERROR),
        (b'{"method": "\xff"}', PARSE_ERROR),  # not UTF-8
        (b"[" * 50_000 + b"]" * 50_000, INVALID_REQUEST),
        (b'{"a": ' * 201 + b"1" + b"}" * 201, INVALID_REQUEST),
    ],
)
def test_decode_rejects(body: bytes, code: int) -> None:
    result = decode(body)
    assert isinstance(result, FrameError) and result.code == code


def test_decode_keeps_nested_message_shapes_as_data() -> None:
    """issue 14 item 20: no object hook; what is inside params stays a dict."""
    inner = {"jsonrpc": "2.0", "id": 9, "method": "shutdown"}
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "m", "params": {"x": inner}})
    assert decode(body.encode())["params"]["x"] == inner
    deep_strings = json.dumps({"text": "[" * 10_000})
    assert decode(deep_strings.encode()) == {"text": "[" * 10_000}
