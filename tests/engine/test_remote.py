"""The remote engine against real servers on loopback: llama-cpp-python's OpenAI-compatible
server, and servers that hang, send garbage, malformed answers or never-ending streams."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from radix_ls.engine.base import EngineError, GenerationRequest
from radix_ls.engine.remote import RemoteConfig, RemoteEngine

from .servers import LlamaServer, fault_server, free_port, llama_server

PROMPT = "<|fim_prefix|>def add(a, b):\n    <|fim_suffix|>\n<|fim_middle|>"


async def test_streamed_text_is_exactly_what_the_server_generates(tiny_model):
    """The SSE pieces put together equal the server's own non-streaming answer."""
    with llama_server(tiny_model) as server:
        body = {"prompt": PROMPT, "max_tokens": 16, "temperature": 0.0}
        async with httpx.AsyncClient(base_url=server.url, timeout=60) as http:
            direct = (await http.post("/v1/completions", json=body)).json()
        remote = await RemoteEngine.connect(RemoteConfig(url=server.url + "/v1"))
        try:
            result = await remote.generate(GenerationRequest(PROMPT, max_tokens=16))
        finally:
            await remote.close()
    assert result.text == direct["choices"][0]["text"]
    assert result.stats.completion_tokens == 16
    assert remote.model_name.endswith("tiny-qwen3-moe.gguf")
    assert remote.is_sglang is False


async def test_survives_a_server_killed_mid_stream(tiny_model):
    """A clear error when the server dies mid-generation; the next request works once the
    server is back (same port)."""
    server = LlamaServer(tiny_model)
    server.start()
    remote = await RemoteEngine.connect(RemoteConfig(url=server.url, retries=5))
    try:
        stream = remote.stream(GenerationRequest(PROMPT, max_tokens=3000))
        first = await anext(stream)
        assert first.text
        server.kill()
        with pytest.raises(EngineError, match="broke off the stream mid-generation"):
            async for _ in stream:
                pass
        assert remote.active_generations == 0
        assert remote.last_stats.finish_reason == "error"

        with pytest.raises(EngineError, match="cannot connect"):
            await remote.generate(GenerationRequest(PROMPT, max_tokens=4))

        server.start()
        again = await remote.generate(GenerationRequest(PROMPT, max_tokens=4))
        assert again.stats.completion_tokens == 4
    finally:
        await remote.close()
        server.kill()


async def test_api_key_comes_from_the_environment(tiny_model, monkeypatch):
    with llama_server(tiny_model, api_key="s3cret") as server:
        monkeypatch.delenv("RADIX_LS_API_KEY", raising=False)
        with pytest.raises(EngineError, match="401"):
            await RemoteEngine.connect(RemoteConfig(url=server.url))
        monkeypatch.setenv("MY_KEY", "s3cret")
        remote = await RemoteEngine.connect(RemoteConfig(url=server.url, api_key_env="MY_KEY"))
        try:
            result = await remote.generate(GenerationRequest(PROMPT, max_tokens=3))
            assert result.stats.completion_tokens == 3
        finally:
            await remote.close()


async def test_unreachable_server_is_one_clear_error_after_bounded_retries():
    url = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(EngineError, match=r"not reachable: GET /v1/models failed after 2 attempts"):
        await RemoteEngine.connect(RemoteConfig(url=url, retries=1, connect_timeout=1.0))


async def test_bad_url_scheme():
    with pytest.raises(EngineError, match="must start with http"):
        await RemoteEngine.connect(RemoteConfig(url="ftp://example.invalid"))


@pytest.mark.parametrize(
    ("mode", "reason"),
    [
        ("hang", "timed out"),
        ("garbage", "RemoteProtocolError"),
        ("malformed", "no model list"),
        ("error", "500"),
    ],
)
async def test_every_connect_failure_is_an_engine_error_with_a_reason(mode, reason):
    """issue 14 item 14: a server that hangs, sends garbage, a malformed model list or an
    error at connect is an EngineError saying so (not another exception, not a hang)."""
    with fault_server(mode) as server:
        config = RemoteConfig(url=server.url, connect_timeout=1.0, retries=0)
        with pytest.raises(EngineError, match=reason):
            await asyncio.wait_for(RemoteEngine.connect(config), 30)


async def test_a_models_answer_that_is_not_json_is_an_engine_error():
    """issue 14 item 14: the model list's body is checked, whatever its shape."""
    with fault_server("malformed") as server:
        for body in (b"<html>not json</html>", b"[1, 2]", b'{"data": [1]}', b"\xff\xfe"):
            server.models_body = body
            with pytest.raises(EngineError, match="/v1/models"):
                await RemoteEngine.connect(RemoteConfig(url=server.url, retries=0))


async def test_max_tokens_is_enforced_on_a_stream_that_never_ends():
    """issue 14 item 16: the stream is cut off at maxTokens pieces, with finish "length"."""
    with fault_server("endless") as server:
        remote = await RemoteEngine.connect(RemoteConfig(url=server.url))
        try:
            request = GenerationRequest(PROMPT, max_tokens=32)
            result = await asyncio.wait_for(remote.generate(request), 30)
        finally:
            await remote.close()
    assert result.text == "a" * 32
    assert result.stats.finish_reason == "length"
    assert remote.active_generations == 0


async def test_a_read_timeout_is_reported_as_a_timeout():
    """issue 14 item 16: a server that goes quiet mid-stream is a timeout, not a break."""
    with fault_server("silent") as server:
        remote = await RemoteEngine.connect(RemoteConfig(url=server.url, read_timeout=0.5))
        try:
            with pytest.raises(EngineError, match=r"sent nothing for 0.5 s .*read timeout"):
                await asyncio.wait_for(remote.generate(GenerationRequest(PROMPT, 32)), 30)
        finally:
            await remote.close()
    assert remote.last_stats.finish_reason == "error"
