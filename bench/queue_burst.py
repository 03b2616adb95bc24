"""The engine queue under a typing burst (issue 14 item 13): how long the last completion waits.

An editor asks for a completion after every keystroke and cancels the previous one. With code
actions queued ahead (the user picked some, or a batch runs), the last request, the only one
whose answer anybody will see, used to wait behind all of them on llama.cpp's single worker:
3.3 s after 300 keys with Gemma (137 ms alone), 15.8 s with code-action generations queued
ahead. Here, on the real llama.cpp engine through `CompletionService`:

1. `idle`: one completion on an idle engine (the baseline);
2. `burst`: `--actions` action-priority generations queued, then `--keys` keystrokes
   `--interval` ms apart, each one a completion request that cancels the previous one; the
   last one is awaited. Run twice: with the priority queue, and `fifo` (the queue made
   unbounded, so llama.cpp's worker takes requests in arrival order, as before the queue).

Prints the last request's wall time, and what the engine's queue started and dropped.

Usage: python bench/queue_burst.py [--model PATH|embedded] [--keys 300] [--interval 5]
                                   [--actions 4] [--action-tokens 64] [--json OUT]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import sys
import time
from pathlib import Path

from radix_ls.config import resolve
from radix_ls.engine.base import GenerationRequest
from radix_ls.engine.factory import load_engine
from radix_ls.engine.llamacpp import LlamaCppEngine
from radix_ls.features.completion import CompletionService
from radix_ls.workspace.documents import DocumentSnapshot

SOURCE = Path(json.__file__).with_name("decoder.py")  # a real stdlib module
TYPED = "    result = compute_the_total(items, discount=0.1, currency='EUR')\n" * 8


async def burst(
    engine: LlamaCppEngine, service: CompletionService, text: str, at: int, args: argparse.Namespace
) -> dict[str, object]:
    """Queue the actions, type the burst, and time the last completion (from a cold prompt
    cache, so that neither run reuses what the other evaluated)."""
    await engine.reset_cache()
    before = dict(engine.queue.counters)
    actions = [
        asyncio.ensure_future(
            engine.generate(GenerationRequest(text[:at] + f"# {i}\n", args.action_tokens))
        )
        for i in range(args.actions)
    ]
    await asyncio.sleep(0)
    pending: asyncio.Future[object] | None = None
    start = 0.0
    for k in range(1, args.keys + 1):
        typed = TYPED[: k % len(TYPED)]
        doc = text[:at] + typed + text[at:]
        snap = DocumentSnapshot("file:///bench.py", k, "python", doc, SOURCE)
        if pending is not None:
            pending.cancel()
        start = time.perf_counter()
        pending = asyncio.ensure_future(service.complete(snap, at + len(typed)))
        await asyncio.sleep(args.interval / 1000)
    assert pending is not None
    await pending
    last_ms = (time.perf_counter() - start) * 1000
    for action in actions:
        with contextlib.suppress(Exception):
            await action
    after = engine.queue.counters
    return {
        "lastRequestMs": round(last_ms, 1),
        "started": after["started"] - before["started"],
        "dropped": after["dropped"] - before["dropped"],
    }


async def run(args: argparse.Namespace) -> dict[str, object]:
    options: dict[str, object] = {"engine": "llamacpp", "maxTokens": 16}
    if args.model:
        options["model"] = args.model
    settings = resolve(options).settings
    engine = await load_engine(settings, lambda m: print(m, file=sys.stderr))
    assert isinstance(engine, LlamaCppEngine)
    try:
        service = CompletionService(engine, settings)
        text = SOURCE.read_text()
        at = text.index("\n\n\n", len(text) // 2) + 3
        snap = DocumentSnapshot("file:///bench.py", 0, "python", text, SOURCE)
        await service.complete(snap, at)  # warm the prompt cache
        start = time.perf_counter()
        await service.complete(snap, at)
        idle_ms = (time.perf_counter() - start) * 1000
        queued = await burst(engine, service, text, at, args)
        engine.queue.limit = 1 << 30  # no queue: arrival order on llama.cpp's one worker
        fifo = await burst(engine, service, text, at, args)
    finally:
        await engine.close()
    return {"model": engine.model_name, "idleMs": round(idle_ms, 1), "queue": queued, "fifo": fifo}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default="", help="GGUF path or 'embedded' (default)")
    parser.add_argument("--keys", type=int, default=300)
    parser.add_argument("--interval", type=float, default=5.0, help="ms between keystrokes")
    parser.add_argument("--actions", type=int, default=4)
    parser.add_argument("--action-tokens", type=int, default=64)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    result = asyncio.run(run(args))
    print(json.dumps(result, indent=2))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
