"""Completion latency on the CPU default: a cold prompt vs. the same prompt one keystroke later.

For each of N rounds:
  1. the engine's prompt cache is emptied and a completion is requested at a cursor in a real
     source file (cold: every prompt token is evaluated);
  2. one more character is typed at the cursor and a completion is requested again (warm: the
     prompt shares everything up to the cursor with the previous one, which llama.cpp reuses).
Both run the full pipeline (context, engine, post-processing) through `CompletionService`.
Prints time to first token (median, p90) for both, their ratio, and prompt/cached tokens.

Usage: python bench/completion_latency.py [--model PATH] [--rounds 20] [--file F] [--json OUT]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
from pathlib import Path

from radix_ls.config import resolve
from radix_ls.engine.factory import load_engine
from radix_ls.engine.llamacpp import LlamaCppEngine
from radix_ls.features.completion import CompletionService
from radix_ls.workspace.documents import DocumentSnapshot

DEFAULT_FILE = Path(json.__file__).with_name("decoder.py")  # a real stdlib module


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def run(args: argparse.Namespace) -> dict[str, object]:
    options = {"maxTokens": args.max_tokens}
    if args.model:
        options["model"] = args.model
    settings = resolve(options).settings
    engine = await load_engine(settings, lambda m: print(m, file=sys.stderr))
    assert isinstance(engine, LlamaCppEngine)
    service = CompletionService(engine, settings)
    text = args.file.read_text()
    # a cursor on a line in the second half of the file, just after its first word
    lines = text.split("\n")
    target = next(
        i for i in range(len(lines) * 2 // 3, len(lines)) if lines[i].strip().startswith("return")
    )
    offset = sum(len(line) + 1 for line in lines[:target]) + lines[target].index("return") + 6
    cold_ttft: list[float] = []
    warm_ttft: list[float] = []
    cold_stats = warm_stats = None
    for i in range(args.rounds):
        snap = DocumentSnapshot("file:///bench.py", 2 * i, "python", text, args.file)
        await engine.reset_cache()
        cold = await service.complete(snap, offset)
        typed = text[:offset] + " " + text[offset:]
        snap2 = DocumentSnapshot("file:///bench.py", 2 * i + 1, "python", typed, args.file)
        warm = await service.complete(snap2, offset + 1)
        cold_ttft.append(cold.stats.time_to_first_token_s or float("nan"))
        warm_ttft.append(warm.stats.time_to_first_token_s or float("nan"))
        cold_stats, warm_stats = cold.stats, warm.stats
    await engine.close()
    assert cold_stats is not None and warm_stats is not None
    result = {
        "model": engine.model_name,
        "file": str(args.file),
        "rounds": args.rounds,
        "prompt_tokens": warm_stats.prompt_tokens,
        "warm_cached_tokens": warm_stats.cached_tokens,
        "cold_ttft_ms_median": statistics.median(cold_ttft) * 1000,
        "cold_ttft_ms_p90": _p(cold_ttft, 0.9) * 1000,
        "warm_ttft_ms_median": statistics.median(warm_ttft) * 1000,
        "warm_ttft_ms_p90": _p(warm_ttft, 0.9) * 1000,
    }
    result["ratio_cold_over_warm"] = result["cold_ttft_ms_median"] / result["warm_ttft_ms_median"]
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", help="GGUF path (default: the embedded Gemma 3 270M)")
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--max-tokens", type=int, default=16)
    parser.add_argument("--file", type=Path, default=DEFAULT_FILE)
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    result = asyncio.run(run(args))
    print(f"model {result['model']}, {result['rounds']} rounds, file {result['file']}")
    print(
        f"prompt {result['prompt_tokens']} tokens, "
        f"warm request reused {result['warm_cached_tokens']} from the cache"
    )
    print(
        f"time to first token, cold: median {result['cold_ttft_ms_median']:.1f} ms "
        f"(p90 {result['cold_ttft_ms_p90']:.1f})"
    )
    print(
        f"time to first token, warm (+1 char): median {result['warm_ttft_ms_median']:.1f} ms "
        f"(p90 {result['warm_ttft_ms_p90']:.1f})"
    )
    print(f"cold / warm: {result['ratio_cold_over_warm']:.1f}x")
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
