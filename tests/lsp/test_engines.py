"""The server with the remote engine (a real llama.cpp OpenAI-compatible server on loopback),
and the chat-instruct prompt mode end to end."""

from __future__ import annotations

from radix_ls.engine.templates import QWEN_CHAT

from ..engine.servers import llama_server
from .harness import inline, open_document, running_server, status

SOURCE = "def total(items):\n    result = 0\n    for item in items:\n        result += \n"


async def test_inline_completion_through_the_remote_engine(tmp_path, tiny_model):
    path = tmp_path / "calc.py"
    path.write_text(SOURCE)
    with llama_server(tiny_model) as server:
        options = {"engine": "remote", "remoteUrl": server.url, "maxTokens": 12}
        async with running_server(tmp_path, options) as client:
            info = await status(client)
            assert info["state"] == "ready", info
            assert info["engine"] == "remote"
            uri = open_document(client, path, SOURCE)
            result = await inline(client, uri, 3, 18)
            after = await status(client)
    assert after["lastCompletion"]["finishReason"] in ("stop", "length")
    assert after["lastCompletion"]["completionTokens"] >= 1
    assert result is not None  # an answer (possibly empty after post-processing), no error


async def test_remote_engine_down_is_one_clear_error(tmp_path):
    options = {"engine": "remote", "remoteUrl": "http://127.0.0.1:9", "remoteRetries": 0}
    async with running_server(tmp_path, options) as client:
        info = await status(client)
        assert info["state"] == "error"
        assert "not reachable" in info["detail"]


async def test_chat_mode_prompt_reaches_the_model(tmp_path, tiny_model):
    path = tmp_path / "calc.py"
    path.write_text(SOURCE)
    options = {"model": str(tiny_model), "promptTemplate": "qwen-chat", "maxTokens": 12}
    async with running_server(tmp_path, options) as client:
        assert (await status(client))["template"] == QWEN_CHAT.name
        uri = open_document(client, path, SOURCE)
        result = await inline(client, uri, 3, 18)
        last = (await status(client))["lastCompletion"]
    assert result is not None
    assert last["promptTokens"] > 60  # the system instruction and the file were sent
