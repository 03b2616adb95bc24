"""Batch throughput: the same batch of code actions run one at a time and N at a time.

Copies real source files (default: the installed `httpx` package) into a scratch folder until
they hold at least `--targets` places for the action (default: docstring, i.e. functions and
classes without one), loads one engine, and runs `radix-ls batch` (in `--diff` mode: nothing
is written) over them twice on that same engine: with concurrency 1, then with concurrency N.
The engine's prompt cache is emptied before each pass where the engine allows it. Prints
places, seconds and places/s for both, the ratio, and the prompt tokens served from the cache.

An engine that batches concurrent requests (SGLang in-process, or a remote SGLang server or
gateway: `--engine remote --remote-url URL`) turns concurrency into throughput. The in-process
llama.cpp engine evaluates one request at a time, so there the ratio shows only what overlaps
with generation (parsing, prompt building, checking).

Usage: python bench/batch_bench.py [--targets 60] [--concurrency 8] [--action docstring]
       [--package httpx] [--model PATH] [--engine E] [--remote-url URL] [--max-tokens 48]
       [--threads N]
       [--json OUT]
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import io
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

from radix_ls.batch.runner import BatchOptions, BatchReport, run_batch
from radix_ls.config import Settings, resolve
from radix_ls.engine.base import Engine
from radix_ls.engine.factory import load_engine
from radix_ls.features import actions as A
from radix_ls.features.syntax import SyntaxDocument


def gather_files(package: str, action: str, targets: int, into: Path) -> int:
    """Copy the package's Python files into `into` until they hold `targets` places."""
    module = importlib.import_module(package)
    source = Path(module.__file__).parent
    found = 0
    for path in sorted(source.rglob("*.py")):
        text = path.read_text("utf-8")
        try:
            places = len(A.batch_targets(SyntaxDocument(text, "python"), action))
        except A.ActionFailed:
            raise SystemExit(f"{action} cannot run as a batch") from None
        if not places:
            continue
        dest = into / path.relative_to(source.parent)
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, dest)
        found += places
        if found >= targets:
            break
    if found < targets:
        raise SystemExit(f"{package} has only {found} places for {action}; pick another package")
    return found


async def one_pass(
    engine: Engine, settings: Settings, root: Path, action: str, concurrency: int
) -> BatchReport:
    reset = getattr(engine, "reset_cache", None)
    if reset is not None:
        await reset()
    options = BatchOptions(action=action, paths=(root,), root=root, concurrency=concurrency)
    journal = Path(tempfile.mkdtemp(prefix="radix-bench-journal-"))
    return await run_batch(
        engine, settings, options, journal_dir=journal, out=io.StringIO(), err=sys.stderr
    )


def describe(name: str, report: BatchReport, seconds: float) -> dict[str, object]:
    targets = report.targets
    prompt = sum(t.prompt_tokens for t in targets)
    return {
        "pass": name,
        "places": len(targets),
        "succeeded": sum(t.ok for t in targets),
        "seconds": round(seconds, 2),
        "placesPerSecond": round(len(targets) / seconds, 3),
        "completionTokens": sum(t.completion_tokens for t in targets),
        "promptTokens": prompt,
        "cachedShare": round(sum(t.cached_tokens for t in targets) / prompt, 3) if prompt else None,
    }


async def main(args: argparse.Namespace) -> dict[str, object]:
    options: dict[str, object] = {
        "actionMaxTokens": args.max_tokens,
        "actionContextTokens": args.context_tokens,
        "index": False,
    }
    if args.threads:
        options["nThreads"] = args.threads
    for key, value in (
        ("model", args.model),
        ("engine", args.engine),
        ("remoteUrl", args.remote_url),
    ):
        if value:
            options[key] = value
    resolved = resolve(options)
    if resolved.errors:
        raise SystemExit("; ".join(resolved.errors))
    settings = resolved.settings
    scratch = Path(tempfile.mkdtemp(prefix="radix-batch-bench-"))
    try:
        places = gather_files(args.package, args.action, args.targets, scratch)
        print(f"{places} places for {args.action} in {args.package} files", file=sys.stderr)
        engine = await load_engine(settings, lambda m: print(m, file=sys.stderr))
        try:
            rows = []
            for name, concurrency in (("sequential", 1), ("concurrent", args.concurrency)):
                began = time.perf_counter()
                report = await one_pass(engine, settings, scratch, args.action, concurrency)
                rows.append(describe(f"{name} (concurrency {concurrency})", report,
                                     time.perf_counter() - began))  # fmt: skip
        finally:
            await engine.close()
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    ratio = rows[1]["placesPerSecond"] / rows[0]["placesPerSecond"]
    result = {
        "engine": engine.name,
        "model": engine.model_name,
        "action": args.action,
        "package": args.package,
        "passes": rows,
        "throughputRatio": round(ratio, 2),
    }
    print(f"\nengine {engine.name}, model {engine.model_name}, action {args.action}")
    for row in rows:
        print(
            f"  {row['pass']:<26} {row['places']:>4} places ({row['succeeded']} ok) "
            f"in {row['seconds']:>7.1f} s = {row['placesPerSecond']:.3f} places/s, "
            f"{row['completionTokens']} tokens generated, "
            f"{row['cachedShare']:.0%} of {row['promptTokens']} prompt tokens from the cache"
        )
    print(f"  concurrency {args.concurrency} vs 1: {ratio:.2f}x throughput")
    return result


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--targets", type=int, default=60)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--action", default="docstring")
    parser.add_argument("--package", default="httpx")
    parser.add_argument("--model", default="")
    parser.add_argument("--engine", default="")
    parser.add_argument("--remote-url", default="")
    parser.add_argument("--max-tokens", type=int, default=48)
    parser.add_argument("--context-tokens", type=int, default=2560)
    parser.add_argument("--threads", type=int, default=0, help="llama.cpp threads (0: all)")
    parser.add_argument("--json", type=Path)
    parsed = parser.parse_args()
    out = asyncio.run(main(parsed))
    if parsed.json:
        parsed.json.write_text(json.dumps(out, indent=2) + "\n")
