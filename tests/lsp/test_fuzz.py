"""Seeded, bounded fuzzing of the real server over stdio (issue 14 acceptance; items 9, 19, 20).

About 2,000 messages, mixed at random from valid and broken requests, notifications with and
without ids, edits with good and bad ranges, cancels, stray responses, invalid JSON-RPC, bytes
that are no JSON or no UTF-8, deep nesting and broken frames. Each message says what it must
get: exactly one response with its id, one response with id null, or none. The test checks
every request got exactly one answer with a valid code (InternalError -32603 is a bug, not a
valid answer), and that a normal inline completion with the tiny model works afterwards.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .raw import frame, start_stdio_server, watchdog

SEED = int(os.environ.get("RADIX_LS_FUZZ_SEED", "1414"))
MESSAGES = int(os.environ.get("RADIX_LS_FUZZ_MESSAGES", "2000"))
# JSON-RPC and LSP codes a request may be answered with: parse error, invalid request, method
# not found, invalid params, server not initialized, request cancelled, content modified,
# request failed. -32603 (internal error) is left out on purpose: it means a handler crashed.
VALID_CODES = {-32700, -32600, -32601, -32602, -32002, -32800, -32801, -32803}
NULL = "<null id>"


class Collector(threading.Thread):
    """Reads everything the server writes; answers its requests (writes under a lock)."""

    def __init__(self, proc: subprocess.Popen[bytes]) -> None:
        super().__init__(daemon=True)
        assert proc.stdin is not None and proc.stdout is not None
        self.stdin, self.stdout = proc.stdin, proc.stdout
        self.lock = threading.Lock()
        self.responses: list[dict[str, Any]] = []
        self.changed = threading.Condition()

    def send_raw(self, data: bytes) -> None:
        with self.lock:
            self.stdin.write(data)
            self.stdin.flush()

    def send(self, message: dict[str, Any]) -> None:
        self.send_raw(frame(json.dumps(message).encode()))

    def run(self) -> None:
        while True:
            length = None
            while (line := self.stdout.readline()) not in (b"\r\n", b"\n"):
                if not line:
                    return
                name, _, value = line.decode().partition(":")
                if name.lower() == "content-length":
                    length = int(value)
            assert length is not None
            message = json.loads(self.stdout.read(length))
            if "method" in message:
                if "id" in message:
                    self.send({"jsonrpc": "2.0", "id": message["id"], "result": None})
                continue
            with self.changed:
                self.responses.append(message)
                self.changed.notify_all()

    def wait_for(self, done: Any, within: float) -> None:
        deadline = time.monotonic() + within
        with self.changed:
            while not done(self.responses):
                left = deadline - time.monotonic()
                assert left > 0, "timed out waiting for the server's answers"
                self.changed.wait(left)


@dataclass
class Plan:
    """What was sent and what it must get."""

    messages: list[bytes] = field(default_factory=list)
    ids: list[Any] = field(default_factory=list)  # each must get exactly one response
    nulls: int = 0  # responses with id null expected

    def request(self, rng: random.Random, method: str, params: Any) -> Any:
        msg_id: Any = len(self.ids) + 1
        if rng.random() < 0.3:
            msg_id = f"r{msg_id}"
        self.ids.append(msg_id)
        self.add({"jsonrpc": "2.0", "id": msg_id, "method": method, "params": params})
        return msg_id

    def add(self, message: Any, *, null_error: bool = False) -> None:
        self.raw(frame(json.dumps(message).encode()), null_error=null_error)

    def raw(self, data: bytes, *, null_error: bool = False) -> None:
        self.messages.append(data)
        self.nulls += null_error


def _json_value(rng: random.Random, depth: int = 0) -> Any:
    kind = rng.randrange(8 if depth < 3 else 5)
    if kind == 0:
        return None
    if kind == 1:
        return rng.choice([True, False])
    if kind == 2:
        return rng.randint(-(2**40), 2**40)
    if kind == 3:
        return rng.random() * 1e6
    if kind == 4:
        return "".join(rng.choice('ab😀\ud83d\x00\n"\\{') for _ in range(rng.randrange(12)))
    if kind == 5:
        return [_json_value(rng, depth + 1) for _ in range(rng.randrange(4))]
    keys = ["uri", "textDocument", "position", "line", "character", "range", "id", "jsonrpc"]
    return {rng.choice(keys): _json_value(rng, depth + 1) for _ in range(rng.randrange(4))}


def _position(rng: random.Random) -> dict[str, Any]:
    return {"line": rng.choice([0, 1, 2, 5, -1, 10**12]), "character": rng.randrange(-1, 30)}


def _add_one(plan: Plan, rng: random.Random, uri: str, version: list[int]) -> None:
    roll = rng.randrange(20)
    doc = {"uri": rng.choice([uri, uri, "file:///nowhere.py", "x"])}
    if roll == 0:  # a completion on the open document (the model runs)
        ctx = {"triggerKind": rng.choice([1, 2])}
        plan.request(
            rng,
            "textDocument/inlineCompletion",
            {"textDocument": doc, "position": _position(rng), "context": ctx},
        )
    elif roll == 1:
        plan.request(rng, rng.choice(["radixLs/status", "radixLs/documentText"]), {"uri": uri})
    elif roll == 2:  # known methods with random params
        method = rng.choice(
            [
                "textDocument/inlineCompletion",
                "textDocument/completion",
                "textDocument/codeAction",
                "codeAction/resolve",
                "workspace/executeCommand",
                "radixLs/context",
                "radixLs/documentText",
                "initialize",
            ]
        )
        plan.request(rng, method, _json_value(rng))
    elif roll == 3:  # unknown methods, $/ methods
        plan.request(rng, rng.choice(["nope", "$/nope", "textDocument/nope", ""]), {})
    elif roll in (4, 5, 6):  # edits, good and bad
        version[0] += 1
        rng_range = {"start": _position(rng), "end": _position(rng)}
        change = {"range": rng_range, "text": rng.choice(["x", "\n", "😀", "\ud83d", "", "ab"])}
        params = {"textDocument": {"uri": uri, "version": version[0]}, "contentChanges": [change]}
        plan.add({"jsonrpc": "2.0", "method": "textDocument/didChange", "params": params})
    elif roll == 7:  # cancels, for recent and unknown ids
        target = rng.choice(plan.ids[-5:] or [0]) if rng.random() < 0.8 else "unknown"
        plan.add({"jsonrpc": "2.0", "method": "$/cancelRequest", "params": {"id": target}})
    elif roll == 8:  # notifications: unknown, malformed params, opening other documents
        method = rng.choice(["nope", "$/setTrace", "textDocument/didOpen", "textDocument/didClose"])
        params = _json_value(rng)
        # params that are neither object nor array make the message invalid: answered, id null
        invalid = params is not None and not isinstance(params, dict | list)
        plan.add({"jsonrpc": "2.0", "method": method, "params": params}, null_error=invalid)
    elif roll == 9:  # a notification method with an id: answered as a method not found
        method = rng.choice(["initialized", "textDocument/didChange", "exit", "$/cancelRequest"])
        plan.request(rng, method, {})
    elif roll == 10:  # stray responses (never answered)
        plan.add({"jsonrpc": "2.0", "id": rng.randrange(10**6), "result": _json_value(rng)})
    elif roll == 11:  # invalid envelopes with a usable id
        msg_id = plan.request(rng, "radixLs/status", {})
        bad = rng.choice([{"jsonrpc": "1.0"}, {"method": 7}, {"params": "text"}, {"jsonrpc": None}])
        message = {"jsonrpc": "2.0", "id": msg_id, "method": "radixLs/status", **bad}
        plan.messages[-1] = frame(json.dumps(message).encode())
    elif roll == 12:  # invalid envelopes without a usable id
        bad_id = rng.choice([None, {"a": 1}, [1], 1.5, True])
        plan.add({"jsonrpc": "2.0", "id": bad_id, "method": "radixLs/status"}, null_error=True)
    elif roll == 13:  # JSON that is no message object
        plan.add(rng.choice([[], [1, 2], 3, "s", None, {}]), null_error=True)
    elif roll == 14:  # bytes that are no JSON, or no UTF-8
        body = rng.choice([b"", b"{", b"{]", b"nul", b'{"a": "\xff"}', rng.randbytes(20)])
        try:
            json.loads(body)
            valid = True
        except ValueError:
            valid = False
        if not valid:
            plan.raw(frame(body), null_error=True)
    elif roll == 15:  # deep nesting
        depth = rng.choice([250, 5000, 50_000])
        plan.raw(frame(b"[" * depth + b"]" * depth), null_error=True)
    elif roll == 16:  # broken frames; the stream must find the next one
        plan.raw(
            rng.choice(
                [
                    b"Content-Length: 99999999999\r\n\r\n{}\r\n",
                    b"Content-Length: nope\r\n\r\n",
                    b"no header here\r\n",
                    b"Content-Type: x\r\n\r\n",
                ]
            ),
            null_error=True,
        )
        # the next frame is found and served (without it, a second broken frame would be
        # skipped unreported while the parser looks for the next Content-Length)
        plan.request(rng, "radixLs/status", None)
    elif roll == 17:  # header names in any case
        msg_id = plan.request(rng, "radixLs/status", {})
        body = json.dumps({"jsonrpc": "2.0", "id": msg_id, "method": "radixLs/status"}).encode()
        name = rng.choice([b"content-length", b"CONTENT-LENGTH", b"Content-length"])
        plan.messages[-1] = b"%s: %d\r\n\r\n%s" % (name, len(body), body)
    elif roll == 18:  # a message shaped object inside params (item 20)
        inner = {"jsonrpc": "2.0", "id": "ghost", "method": "textDocument/hover", "params": {}}
        plan.request(rng, "radixLs/status", {"nested": inner})
    else:  # valid status requests
        plan.request(rng, "radixLs/status", None)


def _wait_ready(collector: Collector, within: float = 60.0) -> None:
    deadline = time.monotonic() + within
    n = 0
    while True:
        n += 1
        collector.send({"jsonrpc": "2.0", "id": f"ready-{n}", "method": "radixLs/status"})
        collector.wait_for(lambda rs, n=n: any(r.get("id") == f"ready-{n}" for r in rs), 30)
        status = next(r for r in collector.responses if r.get("id") == f"ready-{n}")["result"]
        if status["state"] == "ready":
            return
        assert status["state"] != "error" and time.monotonic() < deadline, status
        time.sleep(0.05)


def test_fuzzed_messages_each_get_one_valid_answer(tmp_path: Path, tiny_model: Path) -> None:
    """issue 14 acceptance: seeded fuzzing; every request answered exactly once with a valid
    code, then a normal completion."""
    rng = random.Random(SEED)
    proc, _ = start_stdio_server({**os.environ})
    with watchdog(proc, 240):
        collector = Collector(proc)
        collector.start()
        init = {
            "processId": None,
            "rootUri": tmp_path.as_uri(),
            "capabilities": {},
            "initializationOptions": {"model": str(tiny_model), "maxTokens": 4},
        }
        collector.send({"jsonrpc": "2.0", "id": "init", "method": "initialize", "params": init})
        collector.send({"jsonrpc": "2.0", "method": "initialized", "params": {}})
        _wait_ready(collector)
        uri = (tmp_path / "fuzz.py").as_uri()
        item = {
            "uri": uri,
            "languageId": "python",
            "version": 1,
            "text": "def f(x):\n    return x\n",
        }
        collector.send(
            {"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": item}}
        )
        before = len(collector.responses)

        plan = Plan()
        version = [1]
        while len(plan.messages) < MESSAGES:
            _add_one(plan, rng, uri, version)
        for data in plan.messages:
            collector.send_raw(data)

        expected = Counter(plan.ids)
        expected[NULL] = plan.nulls

        def answered(responses: list[dict[str, Any]]) -> bool:
            got = Counter(_key(r) for r in responses[before:])
            return all(got[k] >= n for k, n in expected.items())

        try:
            collector.wait_for(answered, within=120)
        except AssertionError:
            got = Counter(_key(r) for r in collector.responses[before:])
            raise AssertionError(f"never answered: {expected - got}") from None
        time.sleep(0.5)  # anything answered twice would come in now
        fuzzed = collector.responses[before:]
        assert Counter(_key(r) for r in fuzzed) == expected
        bad = [r for r in fuzzed if "error" in r and r["error"]["code"] not in VALID_CODES]
        assert bad == []

        _normal_completion_after(collector, tmp_path)


def _key(response: dict[str, Any]) -> Any:
    return NULL if response.get("id") is None else response["id"]


def _normal_completion_after(collector: Collector, root: Path) -> None:
    uri = (root / "after.py").as_uri()
    item = {"uri": uri, "languageId": "python", "version": 1, "text": "def add(a, b):\n    return "}
    collector.send(
        {"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": item}}
    )
    params = {
        "textDocument": {"uri": uri},
        "position": {"line": 1, "character": 11},
        "context": {"triggerKind": 1},
    }
    for msg_id, method, p in [
        ("calls-before", "radixLs/status", None),
        ("final", "textDocument/inlineCompletion", params),
        ("calls-after", "radixLs/status", None),
    ]:
        collector.send({"jsonrpc": "2.0", "id": msg_id, "method": method, "params": p})
        collector.wait_for(lambda rs, i=msg_id: any(r.get("id") == i for r in rs), 60)
    by_id = {r.get("id"): r for r in collector.responses}
    assert isinstance(by_id["final"]["result"]["items"], list), by_id["final"]
    calls = [
        by_id[k]["result"]["completions"]["modelCalls"] for k in ("calls-before", "calls-after")
    ]
    assert calls[1] == calls[0] + 1
    assert by_id["calls-after"]["result"]["state"] == "ready"
