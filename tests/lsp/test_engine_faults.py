"""The real server over stdio with a remote engine that is slow, failing, then back (issue 14
items 15 and 22): a real HTTP server on loopback plays the engine (tests/engine/servers.py)."""

from __future__ import annotations

import pytest
from lsprotocol import types

from tests.engine.servers import FaultServer

from .harness import inline, open_document, plain, running_server, status, wait_for
from .test_code_actions import at, list_actions

SOURCE = "def total(items):\n    s = 0\n    for x in items:\n        s += x\n    return s\n"


def _options(url: str) -> dict[str, object]:
    return {"engine": "remote", "remoteUrl": url, "remoteRetries": 0, "index": False}


async def test_a_code_action_resolved_while_the_engine_starts_waits_for_it(tmp_path):
    """issue 14 item 22: codeAction/resolve while the engine is still connecting waits for
    it and returns the edit (it used to fail with "model is not ready")."""
    path = tmp_path / "calc.py"
    path.write_text(SOURCE)
    with FaultServer("ok") as server:
        server.delay = 3.0  # the model list comes after 3 s: the engine is loading meanwhile
        async with running_server(tmp_path, _options(server.url), wait_ready=False) as client:
            uri = open_document(client, path, SOURCE)
            offered = await list_actions(client, uri, at(SOURCE, "s = 0"))
            docstring = next(a for a in offered if plain(a.data)["action"] == "docstring")
            assert (await status(client))["state"] == "loading"
            resolved = await client.code_action_resolve_async(docstring)
            assert resolved.edit is not None and resolved.edit.document_changes
            assert (await status(client))["state"] == "ready"


async def test_completions_come_back_when_the_engine_does(tmp_path, monkeypatch):
    """issue 14 item 15: the engine answers 500 at start: `error` with the reason in
    radixLs/status and one message; when it behaves, completions come back by themselves."""
    monkeypatch.setenv("RADIX_LS_ENGINE_BACKOFF", "0.2")
    path = tmp_path / "calc.py"
    path.write_text(SOURCE)
    with FaultServer("error") as server:
        async with running_server(tmp_path, _options(server.url), wait_ready=False) as client:
            failed = await wait_for(client, lambda s: s["state"] == "error", within=30)
            assert "500" in failed["detail"] and "retrying in" in failed["detail"]
            uri = open_document(client, path, SOURCE)
            answer = await inline(client, uri, 1, 9)
            assert answer is None or not answer.items  # no engine: no completion, no error
            server.mode = "ok"
            await wait_for(client, lambda s: s["state"] == "ready", within=30)
            answer = await inline(client, uri, 1, 9)
            assert answer is not None and answer.items
            errors = [m for m in client.messages if m.type == types.MessageType.Error]
            assert len(errors) == 1 and "500" in errors[0].message


pytestmark = pytest.mark.asyncio
