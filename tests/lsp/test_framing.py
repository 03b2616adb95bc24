"""The real server over raw stdio: frames, message validity and protocol states (issue 14
items 9, 19, 20). Bytes go in exactly as a broken or hostile client would send them."""

from __future__ import annotations

import json
import os

from .raw import start_stdio_server, watchdog


def _codes(responses: list[dict]) -> list[tuple[object, int | None]]:
    return [(r.get("id"), r["error"]["code"] if "error" in r else None) for r in responses]


def test_huge_content_length_is_refused_and_the_stream_resynchronises(tmp_path):
    """issue 14 item 9: a 1 TB Content-Length gets an error, no MemoryError, and the server
    finds the next frame and keeps answering."""
    proc, peer = start_stdio_server({**os.environ})
    with watchdog(proc, 30):
        peer.initialize(tmp_path)
        peer.send_raw(b'Content-Length: 1000000000000\r\n\r\n{"jsonrpc": "2.0"')
        peer.send_raw(b"\r\nnot a header either\r\n")
        responses = peer.responses_until("after")
        assert _codes(responses) == [(None, -32600), ("after", None)]
        assert "limit" in responses[0]["error"]["message"]


def test_header_names_are_case_insensitive(tmp_path):
    """issue 14 item 9: a lowercase `content-length` header is a header like any other."""
    proc, peer = start_stdio_server({**os.environ})
    with watchdog(proc, 30):
        peer.initialize(tmp_path)
        body = json.dumps({"jsonrpc": "2.0", "id": 2, "method": "radixLs/status", "params": {}})
        peer.send_raw(
            b"content-length: %d\r\ncontent-type: x\r\n\r\n%s" % (len(body), body.encode())
        )
        assert "result" in peer.read_response(2)
        assert _codes(peer.responses_until(3)) == [(3, None)]


def test_requests_before_initialize_and_after_shutdown(tmp_path):
    """issue 14 item 19: -32002 before initialize (notifications dropped), -32600 after
    shutdown, initialize only once, and `exit` still works."""
    proc, peer = start_stdio_server({**os.environ})
    with watchdog(proc, 30):
        uri = (tmp_path / "early.py").as_uri()
        opened = {"textDocument": {"uri": uri, "languageId": "python", "version": 1, "text": "x"}}
        peer.send({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": opened})
        assert _codes(peer.responses_until(1)) == [(1, -32002)]
        peer.initialize(tmp_path)
        again = peer.request(2, "initialize", {"processId": None, "capabilities": {}})
        assert again["error"]["code"] == -32600
        dropped = peer.request(3, "radixLs/documentText", {"uri": uri})
        assert "not open" in dropped["error"]["message"]
        assert peer.request(4, "shutdown", None)["result"] is None
        assert _codes(peer.responses_until(5)) == [(5, -32600)]
        peer.send({"jsonrpc": "2.0", "method": "exit"})
        assert proc.wait(timeout=20) == 0


def test_invalid_messages_each_get_one_error(tmp_path):
    """issue 14 item 19: every invalid message is answered once, with the id where it can be
    known and null where not; notifications sent with an id are answered."""
    proc, peer = start_stdio_server({**os.environ})
    with watchdog(proc, 30):
        peer.initialize(tmp_path)
        peer.send({"jsonrpc": "1.0", "id": 1, "method": "radixLs/status"})
        peer.send({"jsonrpc": "2.0", "id": {"a": 1}, "method": "radixLs/status"})
        peer.send({"jsonrpc": "2.0", "id": [1], "method": "radixLs/status"})
        peer.send_bytes(b"")
        peer.send_bytes(b'{"jsonrpc": "2.0", "id": 2, "method": "\xff\xfe"}')
        peer.send_bytes(b"[" * 50_000 + b"]" * 50_000)
        peer.send({"jsonrpc": "2.0", "id": 3, "method": "initialized", "params": {}})
        peer.send({"jsonrpc": "2.0", "id": 4, "method": 17})
        peer.send({"jsonrpc": "2.0", "id": 5})
        peer.send({"jsonrpc": "2.0", "method": "radixLs/status", "params": "text"})
        # a response the server never asked for, and an error response with id null: never
        # answered (two peers answering each other's errors would never stop)
        peer.send({"jsonrpc": "2.0", "id": 6, "result": 1})
        peer.send({"jsonrpc": "2.0", "id": None, "error": {"code": -32700, "message": "x"}})
        assert _codes(peer.responses_until("end")) == [
            (1, -32600),
            (None, -32600),
            (None, -32600),
            (None, -32700),
            (None, -32700),
            (None, -32600),
            (3, -32601),
            (4, -32600),
            (5, -32600),
            (None, -32600),
            ("end", None),
        ]


def test_message_shaped_objects_inside_params_stay_data(tmp_path):
    """issue 14 item 20: an object inside params that looks like a request is not structured
    as one, so nothing answers an id that was never sent."""
    proc, peer = start_stdio_server({**os.environ})
    with watchdog(proc, 30):
        peer.initialize(tmp_path)
        inner = {"jsonrpc": "2.0", "id": 99, "method": "textDocument/hover", "params": {"a": 1}}
        peer.send({"jsonrpc": "2.0", "id": 1, "method": "radixLs/status", "params": {"x": inner}})
        assert _codes(peer.responses_until(2)) == [(1, None), (2, None)]


def test_a_vanished_stdio_client_is_an_error_exit(tmp_path):
    """issue 14 item 18 (stdio side): a client that goes away without shutdown ends the
    server with exit 1 (a TCP connection's process does the same, the listener goes on)."""
    proc, peer = start_stdio_server({**os.environ})
    with watchdog(proc, 30):
        peer.initialize(tmp_path)
        assert proc.stdin is not None
        proc.stdin.close()
        assert proc.wait(timeout=20) == 1
