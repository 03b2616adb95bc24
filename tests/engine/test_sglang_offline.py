"""The SGLang engine's own logic against a stand-in for `sglang.Engine`.

The stand-in follows what the real SGLang 0.5.23 does on a CPU (see tests/sglang/ for the real
engine): streamed `text` is cumulative and some chunks add none (incomplete UTF-8 held back),
`finish_reason` is None until the last chunk, then {"type": "length", "length": n},
{"type": "stop", "matched": ...} or {"type": "abort", "message": ..., "status_code": ...,
"err_type": ...}; `cached_tokens` on an exact repeat is prompt_tokens - 1; `shutdown()` calls
its module's `kill_process_tree(os.getpid(), include_parent=False)` and `__init__` registers
that shutdown with `atexit`.
"""

from __future__ import annotations

import asyncio
import atexit
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from radix_ls.config import resolve
from radix_ls.engine.base import EngineError, GenerationRequest
from radix_ls.engine.detect import sglang_missing
from radix_ls.engine.factory import load_engine
from radix_ls.engine.sglang import SGLangEngine, is_hybrid, server_args

ROOT = Path(__file__).resolve().parents[2]

# What the stand-in's shutdown asked SGLang's kill_process_tree to kill (never done here).
KILL_REQUESTS: list[tuple[int, bool]] = []


def kill_process_tree(parent_pid: int, include_parent: bool = True, **_kwargs) -> None:
    """Stands for sglang.srt.utils.kill_process_tree, which kills every child of parent_pid."""
    KILL_REQUESTS.append((parent_pid, include_parent))


class StandInTokenizerManager:
    def __init__(self) -> None:
        self.aborted: list[str] = []
        self.tokenizer = None
        self.asyncio_tasks: set[asyncio.Task] = set()

    def abort_request(self, rid: str = "", abort_all: bool = False) -> None:
        self.aborted.append(rid)


ABORT = {
    "type": "abort",
    "message": "Failed to compile regex grammar: unbalanced parenthesis",
    "status_code": 400,
    "err_type": "BadRequestError",
}


class StandInEngine:
    """Streams `pieces` as SGLang does. A piece of "" is a chunk that adds no text."""

    def __init__(
        self,
        pieces: list[str],
        finish: dict | None = None,
        delay: float = 0.0,
        register_atexit: bool = False,
    ):
        self.pieces = pieces
        self.finish = finish or {"type": "length", "length": len(pieces)}
        self.delay = delay
        self.tokenizer_manager = StandInTokenizerManager()
        self.calls: list[dict] = []
        self.seen: set[str] = set()
        self.shut_down = False
        if register_atexit:  # as SGLang's Engine.__init__ does
            atexit.register(self.shutdown)

    async def async_generate(self, prompt=None, sampling_params=None, stream=False, rid=None):
        self.calls.append({"prompt": prompt, "sampling_params": sampling_params, "rid": rid})
        prompt_tokens = 12
        cached = prompt_tokens - 1 if prompt in self.seen else 0
        self.seen.add(prompt)

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
                        "prompt_tokens": prompt_tokens,
                        "cached_tokens": cached,
                        "completion_tokens": i + 1,
                        "finish_reason": self.finish if last else None,
                    },
                }

        return gen()

    def shutdown(self) -> None:
        self.shut_down = True
        print("shutdown", flush=True)  # counted by test_close_leaves_no_atexit_hook
        kill_process_tree(os.getpid(), include_parent=False)


async def test_cumulative_text_becomes_deltas_and_stats():
    fake = StandInEngine(["def", "", " f", "", "():"])
    engine = SGLangEngine(fake, "Qwen/Qwen3.6-35B-A3B")
    request = GenerationRequest("p", max_tokens=5, stop=("\n",))
    chunks = [c async for c in engine.stream(request)]
    assert [c.text for c in chunks] == ["def", " f", "():", ""]  # chunks adding nothing: none
    stats = chunks[-1].stats
    assert (stats.prompt_tokens, stats.cached_tokens, stats.completion_tokens) == (12, 0, 5)
    assert stats.finish_reason == "length"
    call = fake.calls[0]
    assert call["sampling_params"] == {
        "max_new_tokens": 5,
        "temperature": 0.0,
        "skip_special_tokens": True,
        "stop": ["\n"],
    }
    assert len(call["rid"]) == 32  # fixed width: SGLang aborts by rid prefix
    assert fake.tokenizer_manager.aborted == []  # finished by the model: nothing to abort
    again = (await engine.generate(request)).stats
    assert again.cached_tokens == again.prompt_tokens - 1  # what SGLang reports on a repeat


async def test_close_kills_no_process_tree():
    fake = StandInEngine(["a"])
    KILL_REQUESTS.clear()
    await SGLangEngine(fake, "m").close()
    assert fake.shut_down  # SGLang's own cleanup ran...
    assert KILL_REQUESTS == []  # ...without killing every child of this process


def test_close_leaves_no_atexit_hook():
    """SGLang registers its shutdown with atexit: after close() it must not run again."""
    script = (
        "import asyncio\n"
        "from tests.engine.test_sglang_offline import StandInEngine\n"
        "from radix_ls.engine.sglang import SGLangEngine\n"
        "engine = StandInEngine(['a'], register_atexit=True)\n"
        "asyncio.run(SGLangEngine(engine, 'm').close())\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.split() == ["shutdown"], out.stdout + out.stderr


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


async def test_model_stop_finish_reason():
    engine = SGLangEngine(StandInEngine(["a", ""], finish={"type": "stop", "matched": 1015}), "m")
    result = await engine.generate(GenerationRequest("p", max_tokens=4))
    assert (result.text, result.stats.finish_reason) == ("a", "stop")


async def test_an_abort_sglang_decided_is_an_error_with_its_message():
    fake = StandInEngine(["", ""], finish=ABORT)
    engine = SGLangEngine(fake, "m")
    with pytest.raises(EngineError, match="Failed to compile regex grammar: unbalanced"):
        await engine.generate(GenerationRequest("p", max_tokens=4, regex="(["))
    assert engine.last_stats.finish_reason == "error"
    assert fake.tokenizer_manager.aborted == []  # SGLang ended it already
    assert engine.active_generations == 0


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


async def test_choosing_sglang_on_cuda_without_a_gpu_is_one_clear_error():
    settings = resolve({"engine": "sglang", "sglangDevice": "cuda"}).settings
    with pytest.raises(EngineError, match=r"cannot run here \(cuda\): no NVIDIA GPU"):
        await load_engine(settings)


def test_cpu_device_needs_no_gpu():
    """sglangDevice = cpu is not refused for want of nvidia-smi (it was, whatever the device)."""
    assert "NVIDIA" in (sglang_missing("cuda") or "")
    assert "NVIDIA" not in (sglang_missing("cpu") or "")


def test_server_args_on_cpu():
    args = server_args(resolve({"sglangDevice": "cpu", "sglangModel": "/m"}).settings)
    assert args["device"] == "cpu"
    assert args["attention_backend"] == "torch_native"
    assert args["disable_cuda_graph"] is True and args["disable_overlap_schedule"] is True
    chosen = resolve({"sglangDevice": "cpu", "sglangAttentionBackend": "intel_amx"}).settings
    assert server_args(chosen)["attention_backend"] == "intel_amx"
    on_cuda = server_args(resolve({"sglangDevice": "cuda"}).settings)
    assert "device" not in on_cuda and "attention_backend" not in on_cuda
