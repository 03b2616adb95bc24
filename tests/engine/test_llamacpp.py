"""The llama.cpp engine on the tiny model: streaming, stops, limits, cancellation, stats."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

import pytest
from llama_cpp import Llama

from radix_ls.engine.base import EngineError, GenerationRequest
from radix_ls.engine.llamacpp import LlamaCppEngine, _decodable, _partial_stop

PROMPT = "<|fim_prefix|>def add(a, b):\n    <|fim_suffix|>\n<|fim_middle|>"


@pytest.fixture
async def engine(tiny_model):
    eng = LlamaCppEngine.load(tiny_model, n_ctx=4096)
    yield eng
    await eng.close()


async def _until(predicate, seconds: float = 5.0) -> None:
    for _ in range(int(seconds * 1000)):
        if predicate():
            return
        await asyncio.sleep(0.001)
    raise AssertionError("condition not reached")


async def _direct(tiny_model, prompt: str, **kwargs) -> str:
    llm = Llama(str(tiny_model), n_ctx=4096, verbose=False)
    try:
        return llm.create_completion(prompt, temperature=0.0, **kwargs)["choices"][0]["text"]
    finally:
        llm.close()


async def test_stream_matches_a_direct_greedy_call(engine, tiny_model):
    chunks = []
    async for chunk in engine.stream(GenerationRequest(PROMPT, max_tokens=32)):
        chunks.append(chunk)
    assert len(chunks) > 2, "output arrives in pieces"
    assert chunks[-1].stats is not None
    assert all(c.stats is None for c in chunks[:-1])
    text = "".join(c.text for c in chunks)
    assert text == await _direct(tiny_model, PROMPT, max_tokens=32)
    stats = chunks[-1].stats
    assert stats.completion_tokens == 32
    assert stats.finish_reason == "length"
    assert stats.prompt_tokens == len(engine.prompt_tokens(PROMPT))
    assert stats.time_to_first_token_s is not None and stats.time_to_first_token_s > 0
    assert stats.tokens_per_s is not None and stats.tokens_per_s > 0


async def test_stop_sequence_ends_generation_before_it(engine, tiny_model):
    full = (await engine.generate(GenerationRequest(PROMPT, max_tokens=32))).text
    stop = full[10:14]
    result = await engine.generate(GenerationRequest(PROMPT, max_tokens=32, stop=(stop,)))
    assert result.text == full[: full.index(stop)]
    assert result.stats.finish_reason == "stop"
    assert result.text == await _direct(tiny_model, PROMPT, max_tokens=32, stop=[stop])


async def test_stop_check_ends_generation(engine):
    result = await engine.generate(
        GenerationRequest(PROMPT, max_tokens=32, stop_check=lambda text: len(text) >= 5)
    )
    assert len(result.text) >= 5
    assert result.stats.finish_reason == "stop"
    assert result.stats.completion_tokens < 32


async def test_max_tokens(engine):
    result = await engine.generate(GenerationRequest(PROMPT, max_tokens=3))
    assert result.stats.completion_tokens == 3
    assert result.stats.finish_reason == "length"


async def test_prefix_reuse_is_reported(engine):
    await engine.reset_cache()
    first = await engine.generate(GenerationRequest(PROMPT, max_tokens=4))
    second = await engine.generate(GenerationRequest(PROMPT + " ", max_tokens=4))
    assert first.stats.cached_tokens == 0
    # the shared prefix is the whole first prompt but its last token or two (re-tokenised end)
    assert second.stats.cached_tokens >= first.stats.prompt_tokens - 2


async def test_closing_the_stream_cancels_the_generation(engine):
    stream = engine.stream(GenerationRequest(PROMPT, max_tokens=3000))
    first = await anext(stream)
    assert first.text or first.stats is None
    await stream.aclose()
    await _until(lambda: engine.active_generations == 0)
    assert engine.last_stats.finish_reason == "cancelled"
    assert engine.last_stats.completion_tokens < 3000


async def test_cancelling_the_task_cancels_the_generation(engine):
    task = asyncio.ensure_future(engine.generate(GenerationRequest(PROMPT, max_tokens=3000)))
    await _until(lambda: engine.active_generations > 0)
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    await _until(lambda: engine.active_generations == 0)
    assert engine.last_stats.finish_reason == "cancelled"


async def test_concurrent_requests_all_complete(engine):
    results = await asyncio.gather(
        *(engine.generate(GenerationRequest(PROMPT, max_tokens=8 + i)) for i in range(4))
    )
    assert [r.stats.completion_tokens for r in results] == [8, 9, 10, 11]
    assert engine.active_generations == 0


async def test_prompt_longer_than_the_context_is_an_engine_error(tiny_model):
    small = LlamaCppEngine.load(tiny_model, n_ctx=256)
    try:
        with pytest.raises(EngineError, match="context holds 256"):
            await small.generate(GenerationRequest("x = 1\n" * 400, max_tokens=4))
    finally:
        await small.close()


async def test_closed_engine_refuses_work(tiny_model):
    eng = LlamaCppEngine.load(tiny_model, n_ctx=512)
    await eng.close()
    with pytest.raises(EngineError, match="closed"):
        eng.count_tokens("x")
    with pytest.raises(EngineError, match="closed"):
        await eng.generate(GenerationRequest("x", max_tokens=1))


def test_missing_and_broken_model_files(tmp_path):
    with pytest.raises(EngineError, match="model file not found"):
        LlamaCppEngine.load(tmp_path / "none.gguf", n_ctx=512)
    broken = tmp_path / "broken.gguf"
    broken.write_bytes(b"GGUF" + b"\0" * 64)
    with pytest.raises(EngineError, match="could not load model"):
        LlamaCppEngine.load(broken, n_ctx=512)


def test_special_tokens_are_detected(engine):
    assert engine.has_token("<|fim_prefix|>")
    assert not engine.has_token("def")
    assert engine.model_family == "qwen"


@pytest.mark.parametrize(
    ("data", "text"),
    [(b"abc", "abc"), ("é".encode(), "é"), ("é".encode()[:1], ""), ("a😀".encode()[:3], "a")],
)
def test_decodable_holds_back_incomplete_utf8(data, text):
    assert _decodable(data) == text


def test_partial_stop_holds_back_a_possible_stop_sequence():
    assert _partial_stop("abc\n\n", ("\n\n\n",)) == 2
    assert _partial_stop("abc", ("\n\n",)) == 0
    assert _partial_stop("x <|fi", ("<|file_sep|>",)) == 4


def test_weight_repacking_is_off_on_amx_cpus_and_can_be_forced(monkeypatch):
    """llama.cpp's AMX repacking of Q4_K weights segfaults on the first decode (the embedded
    Gemma crashed on every prompt on an AMX Xeon); radix-ls turns it off there."""
    from radix_ls.engine.llamacpp import weight_repacking

    monkeypatch.setenv("RADIX_LS_LLAMA_REPACK", "0")
    assert weight_repacking() is False
    monkeypatch.setenv("RADIX_LS_LLAMA_REPACK", "1")
    assert weight_repacking() is True
    monkeypatch.delenv("RADIX_LS_LLAMA_REPACK")
    flags = Path("/proc/cpuinfo").read_text()
    assert weight_repacking() is ("amx_tile" not in flags and "amx_int8" not in flags)
