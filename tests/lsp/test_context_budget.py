"""`radixLs/context` with an optional budget (how benchmarks drive the server)."""

from __future__ import annotations

import pytest
from pygls.exceptions import JsonRpcException

from .harness import open_document, plain, request, running_server, wait_for
from .test_index import MAIN, _project


async def test_context_takes_an_optional_budget(tmp_path, tiny_model):
    """issue 15: radixLs/context accepts `budget` (tokens) instead of contextTokens; a budget
    the engine's window cannot hold, or a bad one, is an invalid-params error."""
    jobs = _project(tmp_path)
    text = "\n".join(f"# filler line {i} with some words in it" for i in range(400)) + "\n" + MAIN
    jobs.write_text(text)
    line = text.split("\n").index("        seconds = ")
    async with running_server(tmp_path, {"model": str(tiny_model)}) as client:
        uri = open_document(client, jobs, text)
        await wait_for(client, lambda s: s["index"]["state"] == "ready", within=60)
        where = {"textDocument": {"uri": uri}, "position": {"line": line, "character": 18}}
        default = plain(await request(client, "radixLs/context", where))
        small = plain(await request(client, "radixLs/context", {**where, "budget": 512}))
        large = plain(await request(client, "radixLs/context", {**where, "budget": 3000}))
        with pytest.raises(JsonRpcException, match="context window"):
            await request(client, "radixLs/context", {**where, "budget": 100000})
        with pytest.raises(JsonRpcException, match="budget must be an integer"):
            await request(client, "radixLs/context", {**where, "budget": "big"})
    assert small["tokens"] <= 512 and default["tokens"] <= 1536 and large["tokens"] <= 3000
    assert small["tokens"] < default["tokens"] < large["tokens"]
