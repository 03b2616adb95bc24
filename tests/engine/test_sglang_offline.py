"""The SGLang engine's own logic, without a GPU.

SGLang cannot install or run without CUDA, so these tests drive `SGLangEngine` with a stand-in
for `sglang.Engine` that follows the 0.5.23 interface (`async_generate(..., stream=True,
rid=...)` yielding cumulative text with `meta_info`, `tokenizer_manager.abort_request(rid=)`).
The real engine runs the shared contract suite (test_contract.py) where CUDA is present.
"""

from __future__ import annotations

import asyncio
import json

import pytest

from radix_ls.config import resolve
from radix_ls.engine.base import EngineError, GenerationRequest
from radix_ls.engine.factory import load_engine
from radix_ls.engine.sglang import SGLangEngine, is_hybrid, server_args


class StandInTokenizerManager:
    def __init__(self) -> None:
        self.aborted: list[str] = []
        self.tokenizer = None

    def abort_request(self, rid: str = "", abort_all: bool = False) -> None:
        self.aborted.append(rid)


class StandInEngine:
    """Streams `pieces` as SGLang does: cumulative text, finish_reason on the last item."""

    def __init__(self, pieces: list[str], finish: str = "length", delay: float = 0.0) -> None:
        self.pieces = pieces
        self.finish = finish
        self.delay = delay
        self.tokenizer_manager = StandInTokenizerManager()
        self.calls: list[dict] = []
        self.shut_down = False

    async def async_generate(self, prompt=None, sampling_params=None, stream=False, rid=None):
        self.calls.append({"prompt": prompt, "sampling_params": sampling_params, "rid": rid})

        async def gen():
            text = ""
            for i, piece in enumerate(self.pieces):
                await asyncio.sleep(self.delay)
                text += piece
                last = i == len(self.pieces) - 1
                yield {
                    "text": text,
                    "meta_info": {
                        "id": rid,
                        "prompt_tokens": 12,
                        "cached_tokens": 8,
                        "completion_tokens": i + 1,
                        "finish_reason": {"type": self.finish} if last else None,
                    },
                }

        return gen()

    def shutdown(self) -> None:
        self.shut_down = True


async def test_cumulative_text_becomes_deltas_and_stats():
    fake = StandInEngine(["def", " f", "():"], finish="length")
    engine = SGLangEngine(fake, "Qwen/Qwen3.6-35B-A3B")
    chunks = [c async for c in engine.stream(GenerationRequest("p", max_tokens=3, stop=("\n",)))]
    assert [c.text for c in chunks] == ["def", " f", "():", ""]
    stats = chunks[-1].stats
    assert (stats.prompt_tokens, stats.cached_tokens, stats.completion_tokens) == (12, 8, 3)
    assert stats.finish_reason == "length"
    call = fake.calls[0]
    assert call["sampling_params"] == {
        "max_new_tokens": 3,
        "temperature": 0.0,
        "skip_special_tokens": True,
        "stop": ["\n"],
    }
    assert len(call["rid"]) == 32  # fixed width: SGLang aborts by rid prefix
    assert fake.tokenizer_manager.aborted == []  # finished by the model: nothing to abort
    await engine.close()
    assert fake.shut_down


async def test_cancel_mid_stream_aborts_the_request():
    fake = StandInEngine(["x"] * 100, delay=0.001)
    engine = SGLangEngine(fake, "m")
    stream = engine.stream(GenerationRequest("p", max_tokens=100))
    await anext(stream)
    await stream.aclose()
    assert fake.tokenizer_manager.aborted == [fake.calls[0]["rid"]]
    assert engine.active_generations == 0
    assert engine.last_stats.finish_reason == "cancelled"


async def test_stop_check_aborts_the_rest():
    fake = StandInEngine(["ab", "cd", "ef", "gh"])
    engine = SGLangEngine(fake, "m")
    result = await engine.generate(
        GenerationRequest("p", max_tokens=9, stop_check=lambda t: len(t) >= 4)
    )
    assert result.text == "abcd"
    assert result.stats.finish_reason == "stop"
    assert fake.tokenizer_manager.aborted == [fake.calls[0]["rid"]]


async def test_model_stop_and_abort_finish_reasons():
    engine = SGLangEngine(StandInEngine(["a"], finish="stop"), "m")
    assert (await engine.generate(GenerationRequest("p", max_tokens=4))).stats.finish_reason == (
        "stop"
    )
    engine = SGLangEngine(StandInEngine(["a"], finish="abort"), "m")
    result = await engine.generate(GenerationRequest("p", max_tokens=4))
    assert result.stats.finish_reason == "cancelled"


def test_server_args_for_the_default_model():
    args = server_args(resolve({"engine": "sglang"}).settings)
    assert args["model_path"] == "Qwen/Qwen3.6-35B-A3B"
    assert args["mamba_radix_cache_strategy"] == "extra_buffer"
    assert args["page_size"] == 64
    assert (args["tp_size"], args["ep_size"], args["dp_size"]) == (1, 1, 1)
    assert "quantization" not in args and "mem_fraction_static" not in args


def test_server_args_from_settings():
    settings = resolve(
        {
            "sglangModel": "/models/llama",
            "sglangTpSize": 2,
            "sglangEpSize": 2,
            "sglangQuantization": "fp8",
            "sglangMemFraction": 0.8,
            "sglangContextLength": 32768,
            "sglangRadixCache": "off",
        }
    ).settings
    args = server_args(settings, load_format="dummy")
    assert args["quantization"] == "fp8"
    assert args["mem_fraction_static"] == 0.8
    assert args["context_length"] == 32768
    assert args["disable_radix_cache"] is True
    assert "mamba_radix_cache_strategy" not in args
    assert args["load_format"] == "dummy"


def test_hybrid_detection_from_config_json(tmp_path):
    (tmp_path / "config.json").write_text(
        json.dumps({"architectures": ["Qwen3_5MoeForConditionalGeneration"]})
    )
    assert is_hybrid(str(tmp_path))
    (tmp_path / "config.json").write_text(json.dumps({"architectures": ["LlamaForCausalLM"]}))
    assert not is_hybrid(str(tmp_path))
    assert is_hybrid("Qwen/Qwen3.6-35B-A3B")
    assert not is_hybrid("Qwen/Qwen2.5-Coder-7B")


async def test_choosing_sglang_without_cuda_is_one_clear_error():
    settings = resolve({"engine": "sglang"}).settings
    with pytest.raises(EngineError, match="SGLang engine cannot run here: no NVIDIA GPU"):
        await load_engine(settings)
