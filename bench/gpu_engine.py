"""GPU benchmark: the SGLang engine on a Qwen3.6-35B-A3B-shaped model replaying an editing session.

The model is the real architecture (hybrid Gated DeltaNet + attention MoE, 35B total / 3B
active) with random weights: `load_format="dummy"` and the committed
`bench/configs/qwen3.6-35b-a3b/config.json`, no tokenizer (`skip_tokenizer_init`, prompts as
token ids), nothing downloaded. A synthetic editing session types a long file a few tokens at a
time and asks for a completion after every step, with the prompt laid out as radix-ls lays it
out (stable repository preamble, file prefix up to the cursor, short suffix). The same replay
runs twice in one invocation: with the radix cache radix-ls configures (extra-buffer strategy,
page size 64, for hybrid models) and with the radix cache disabled.

Reports per run: time to first token p50/p95, the fraction of prompt tokens served from the
cache, decode tokens/s; and the ratio of the two runs' TTFT medians.

Needs an NVIDIA GPU with ~80 GB (H100/H200) and `pip install 'radix-ls[gpu]'`; see
bench/README.md for machines without internet.

Usage: python bench/gpu_engine.py [--steps 150] [--tokens-per-step 3] [--json OUT]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import time
from pathlib import Path
from typing import Any

from radix_ls.config import resolve
from radix_ls.engine.sglang import server_args

CONFIG_DIR = Path(__file__).parent / "configs" / "qwen3.6-35b-a3b"


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def session(args: argparse.Namespace) -> list[list[int]]:
    """The prompts of a synthetic editing session, as token ids."""
    rng = random.Random(0)
    vocab = 240_000
    preamble = [rng.randrange(vocab) for _ in range(args.preamble_tokens)]
    file_tokens = [rng.randrange(vocab) for _ in range(args.file_tokens)]
    prompts = []
    cursor = args.start_tokens
    for _ in range(args.steps):
        cursor += args.tokens_per_step
        prefix = file_tokens[:cursor]
        suffix = file_tokens[cursor : cursor + args.suffix_tokens]
        prompts.append(preamble + prefix + [1] + suffix + [2])  # 1, 2: FIM-marker stand-ins
    return prompts


async def replay(engine: Any, prompts: list[list[int]], max_new: int) -> dict[str, Any]:
    ttft: list[float] = []
    decode: list[float] = []
    cached = prompt_total = 0
    for i, ids in enumerate(prompts):
        start = time.perf_counter()
        first = None
        meta: dict[str, Any] = {}
        stream = await engine.async_generate(
            input_ids=ids,
            sampling_params={"max_new_tokens": max_new, "temperature": 0.0, "ignore_eos": True},
            stream=True,
            rid=f"{i:032x}",
        )
        async for out in stream:
            if first is None:
                first = time.perf_counter() - start
            meta = out.get("meta_info") or meta
        total = time.perf_counter() - start
        assert first is not None
        ttft.append(first)
        completion = int(meta.get("completion_tokens") or max_new)
        if total > first and completion > 1:
            decode.append((completion - 1) / (total - first))
        cached += int(meta.get("cached_tokens") or 0)
        prompt_total += int(meta.get("prompt_tokens") or len(ids))
    return {
        "requests": len(prompts),
        "ttft_ms_p50": statistics.median(ttft) * 1000,
        "ttft_ms_p95": _p(ttft, 0.95) * 1000,
        "cached_fraction": cached / prompt_total if prompt_total else 0.0,
        "decode_tokens_per_s": statistics.median(decode) if decode else 0.0,
    }


async def run(args: argparse.Namespace) -> dict[str, Any]:
    import sglang

    prompts = session(args)
    results: dict[str, Any] = {"prompt_tokens_last": len(prompts[-1]), "steps": len(prompts)}
    for label, cache in (("radix_cache", "auto"), ("no_radix_cache", "off")):
        settings = resolve(
            {"engine": "sglang", "sglangModel": str(args.config_dir), "sglangRadixCache": cache}
        ).settings
        kwargs = server_args(
            settings, load_format="dummy", skip_tokenizer_init=True, context_length=32768
        )
        print(f"starting SGLang ({label}): {kwargs}", flush=True)
        engine = await asyncio.to_thread(lambda kw=kwargs: sglang.Engine(**kw))
        try:
            await replay(engine, prompts[:3], args.max_new_tokens)  # warm-up (CUDA graphs)
            results[label] = await replay(engine, prompts[3:], args.max_new_tokens)
        finally:
            await asyncio.to_thread(engine.shutdown)
        print(label, json.dumps(results[label]), flush=True)
    results["ttft_p50_ratio_no_cache_over_cache"] = (
        results["no_radix_cache"]["ttft_ms_p50"] / results["radix_cache"]["ttft_ms_p50"]
    )
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config-dir", type=Path, default=CONFIG_DIR)
    parser.add_argument("--steps", type=int, default=150)
    parser.add_argument("--tokens-per-step", type=int, default=3)
    parser.add_argument("--preamble-tokens", type=int, default=1500)
    parser.add_argument("--start-tokens", type=int, default=2000)
    parser.add_argument("--file-tokens", type=int, default=6000)
    parser.add_argument("--suffix-tokens", type=int, default=128)
    parser.add_argument("--max-new-tokens", type=int, default=16)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    results = asyncio.run(run(args))
    for label in ("radix_cache", "no_radix_cache"):
        r = results[label]
        print(
            f"{label:15s} TTFT p50 {r['ttft_ms_p50']:.1f} ms, p95 {r['ttft_ms_p95']:.1f} ms, "
            f"cached {r['cached_fraction']:.1%}, decode {r['decode_tokens_per_s']:.0f} tok/s"
        )
    print(f"TTFT p50, no cache / cache: {results['ttft_p50_ratio_no_cache_over_cache']:.1f}x")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
