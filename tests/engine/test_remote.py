"""The remote engine against a real llama-cpp-python OpenAI-compatible server on loopback."""

from __future__ import annotations

import httpx
import pytest

from radix_ls.engine.base import EngineError, GenerationRequest
from radix_ls.engine.remote import RemoteConfig, RemoteEngine

from .servers import LlamaServer, free_port, llama_server

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
