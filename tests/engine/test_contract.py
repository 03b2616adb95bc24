"""One contract every engine passes: streaming, stop sequences, max tokens, cancellation
mid-stream, concurrent requests, stats. Runs against the llama.cpp engine, the remote engine
talking to a real llama-cpp-python OpenAI-compatible server on loopback, and the real SGLang
engine on the CPU with the tiny model (one engine for the module, so every test here runs on
the module's event loop: SGLang's tokenizer manager binds the loop of its first use)."""

from __future__ import annotations

import asyncio
import re

import pytest
import pytest_asyncio

from radix_ls.engine.base import Engine, EngineError, GenerationRequest
from radix_ls.engine.llamacpp import LlamaCppEngine
from radix_ls.engine.remote import RemoteConfig, RemoteEngine

from ..sglang import cpu
from .servers import llama_server

pytestmark = pytest.mark.asyncio(loop_scope="module")

PROMPT = "<|fim_prefix|>def add(a, b):\n    <|fim_suffix|>\n<|fim_middle|>"


@pytest.fixture(scope="module")
def remote_server(tiny_model):
    with llama_server(tiny_model) as server:
        yield server


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def sglang_engine():
    cpu.require_sglang()
    from radix_ls.engine.sglang import SGLangEngine

    eng = await SGLangEngine.start(cpu.settings(), print)
    yield eng
    await eng.close()


@pytest_asyncio.fixture(loop_scope="module")
async def llamacpp_engine(tiny_model):
    eng = LlamaCppEngine.load(tiny_model, n_ctx=4096)
    yield eng
    await eng.close()


@pytest_asyncio.fixture(loop_scope="module")
async def remote_engine(remote_server):
    eng = await RemoteEngine.connect(RemoteConfig(url=remote_server.url))
    yield eng
    await eng.close()


SGLANG = pytest.param("sglang", marks=cpu.MARKS)


@pytest.fixture(params=["llamacpp", "remote", SGLANG])
def engine(request) -> Engine:
    return request.getfixturevalue(f"{request.param}_engine")


async def _until(predicate, seconds: float = 10.0) -> None:
    for _ in range(int(seconds * 200)):
        if predicate():
            return
        await asyncio.sleep(0.005)
    raise AssertionError("condition not reached")


async def test_streams_pieces_then_stats(engine):
    chunks = [c async for c in engine.stream(GenerationRequest(PROMPT, max_tokens=24))]
    assert len(chunks) >= 3
    assert chunks[-1].stats is not None and all(c.stats is None for c in chunks[:-1])
    assert "".join(c.text for c in chunks).strip()


async def test_max_tokens(engine):
    result = await engine.generate(GenerationRequest(PROMPT, max_tokens=5))
    assert result.stats.completion_tokens == 5
    assert result.stats.finish_reason == "length"


async def test_stop_sequences(engine):
    full = (await engine.generate(GenerationRequest(PROMPT, max_tokens=24))).text
    stop = full[8:11]
    assert stop, full
    result = await engine.generate(GenerationRequest(PROMPT, max_tokens=24, stop=(stop,)))
    assert result.text == full[: full.index(stop)]
    assert result.stats.finish_reason == "stop"


async def test_stop_check(engine):
    result = await engine.generate(
        GenerationRequest(PROMPT, max_tokens=48, stop_check=lambda text: len(text) >= 6)
    )
    assert len(result.text) >= 6
    assert result.stats.finish_reason == "stop"
    assert result.stats.completion_tokens < 48


async def test_cancel_mid_stream(engine):
    stream = engine.stream(GenerationRequest(PROMPT, max_tokens=3000))
    first = await anext(stream)
    assert first.stats is None
    assert engine.active_generations == 1
    await stream.aclose()
    await _until(lambda: engine.active_generations == 0)
    assert engine.last_stats is not None
    assert engine.last_stats.finish_reason == "cancelled"
    assert engine.last_stats.completion_tokens < 3000
    # and the engine serves the next request normally
    after = await engine.generate(GenerationRequest(PROMPT, max_tokens=4))
    assert after.stats.completion_tokens == 4


async def test_concurrent_requests(engine):
    results = await asyncio.gather(
        *(engine.generate(GenerationRequest(PROMPT, max_tokens=6 + i)) for i in range(4))
    )
    assert [r.stats.completion_tokens for r in results] == [6, 7, 8, 9], [
        (r.text, r.stats) for r in results
    ]
    assert len({r.text[:10] for r in results}) == 1  # greedy: the same start every time
    assert engine.active_generations == 0


async def test_stats_present(engine):
    result = await engine.generate(GenerationRequest(PROMPT, max_tokens=8))
    stats = result.stats
    assert stats.prompt_tokens > 0
    assert stats.completion_tokens == 8
    assert stats.time_to_first_token_s is not None and stats.time_to_first_token_s > 0
    assert stats.total_s >= stats.time_to_first_token_s
    assert stats.to_json()["finishReason"] == "length"
    assert engine.model_name


async def test_constrained_answer(engine):
    """Code actions force some answers' shape (a new name must be an identifier): the GBNF
    grammar on llama.cpp and llama.cpp servers, the regex on SGLang."""
    result = await engine.generate(
        GenerationRequest(
            prompt=PROMPT,
            max_tokens=16,
            regex=r"[A-Za-z_][A-Za-z0-9_]{0,11}",
            gbnf="root ::= [A-Za-z_] [A-Za-z0-9_]{0,11}",
        )
    )
    assert re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]{0,11}", result.text), repr(result.text)


@pytest.mark.sglang
@pytest.mark.timeout(2400)
async def test_sglang_cancel_leaves_nothing_running_in_sglang(sglang_engine):
    """SGLang's own state, not only ours: its tokenizer manager tracks no request and its
    scheduler reports none running or waiting."""
    manager = sglang_engine._engine.tokenizer_manager
    stream = sglang_engine.stream(GenerationRequest(PROMPT, max_tokens=3000))
    await anext(stream)
    assert len(manager.rid_to_state) == 1
    await stream.aclose()
    await _until(lambda: not manager.rid_to_state)

    async def scheduler_idle() -> bool:
        loads = await manager.get_loads()
        return all(load.num_running_reqs == load.num_waiting_reqs == 0 for load in loads)

    for _ in range(200):
        if await scheduler_idle():
            break
        await asyncio.sleep(0.05)
    assert await scheduler_idle()


@pytest.mark.sglang
@pytest.mark.timeout(2400)
async def test_sglang_rejection_is_an_error_with_its_message(sglang_engine):
    """The scheduler rejects an invalid regex with an abort: an error, not a user cancel."""
    with pytest.raises(EngineError, match="regex"):
        await sglang_engine.generate(GenerationRequest(PROMPT, max_tokens=8, regex="(["))
    assert sglang_engine.last_stats.finish_reason == "error"
    after = await sglang_engine.generate(GenerationRequest(PROMPT, max_tokens=4))
    assert after.stats.completion_tokens == 4
