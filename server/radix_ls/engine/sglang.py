"""In-process SGLang engine (GPU): the production path for Qwen3.6-35B-A3B.

Facts this module relies on (SGLang 0.5.23, checked against its source):
- `sglang.Engine(**server_args)` blocks while it loads the model (minutes), so it is built in
  a worker thread: the LSP server keeps answering (completions are empty until it is ready).
  Built off the main thread it also skips installing signal handlers.
- Importing it sets the uvloop policy (only new loops are affected; ours already runs) and
  `Engine.__init__` reconfigures the root logger: radix-ls' logging is restored afterwards.
  Its children may write to fd 1: `radix-ls serve` already keeps the LSP channel on a
  private duplicate of fd 1 and points fd 1 at stderr.
- `async_generate(prompt=..., sampling_params=..., stream=True, rid=...)` streams dicts whose
  `text` is cumulative; `meta_info` has prompt_tokens, cached_tokens, completion_tokens and
  finish_reason ({"type": "stop" | "length" | "abort"}).
- `tokenizer_manager.abort_request(rid=...)` (synchronous) stops a request. Abort matches
  rids by prefix, so rids are fixed-width UUIDs.
- Hybrid Gated DeltaNet models (Qwen3.5/3.6, Qwen3-Next) only reuse a cached prefix up to a
  saved linear-attention state: `mamba_radix_cache_strategy="extra_buffer"` with `page_size=64`
  saves states at 64-token-aligned branch points, which is what keystroke-by-keystroke prompts
  need.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

from radix_ls.config import Settings
from radix_ls.engine.base import (
    Chunk,
    Engine,
    EngineError,
    GenerationRequest,
    GenerationStats,
    StatsClock,
)

log = logging.getLogger("radix_ls.sglang")

# Architectures with Gated DeltaNet (linear attention) layers, which need the extra-buffer
# radix cache for prefix reuse at arbitrary branch points.
HYBRID_ARCHITECTURES = {
    "Qwen3_5MoeForConditionalGeneration",
    "Qwen3_5MoeForCausalLM",
    "Qwen3_5ForConditionalGeneration",
    "Qwen3_5ForCausalLM",
    "Qwen3NextForCausalLM",
}
_HYBRID_NAMES = ("qwen3.5", "qwen3.6", "qwen3_5", "qwen3_6", "qwen3-next", "qwen3next")
HYBRID_PAGE_SIZE = 64


def is_hybrid(model: str) -> bool:
    """Whether `model` (a local dir with config.json, or a hub name) is a hybrid model."""
    config = Path(model).expanduser() / "config.json"
    if config.is_file():
        try:
            data = json.loads(config.read_text())
        except (OSError, ValueError):
            data = {}
        return bool(set(data.get("architectures") or ()) & HYBRID_ARCHITECTURES)
    name = model.lower()
    return any(tag in name for tag in _HYBRID_NAMES)


def server_args(settings: Settings, **overrides: Any) -> dict[str, Any]:
    """`sglang.Engine` keyword arguments for these settings (0 / "" leave SGLang's default)."""
    args: dict[str, Any] = {
        "model_path": settings.sglang_model,
        "tp_size": settings.sglang_tp_size,
        "ep_size": settings.sglang_ep_size,
        "dp_size": settings.sglang_dp_size,
        "log_level": "error",
        "random_seed": 0,
    }
    if settings.sglang_quantization:
        args["quantization"] = settings.sglang_quantization
    if settings.sglang_mem_fraction:
        args["mem_fraction_static"] = settings.sglang_mem_fraction
    if settings.sglang_context_length:
        args["context_length"] = settings.sglang_context_length
    strategy = settings.sglang_radix_cache
    if strategy == "off":
        args["disable_radix_cache"] = True
    elif strategy == "extra_buffer" or (strategy == "auto" and is_hybrid(settings.sglang_model)):
        args["mamba_radix_cache_strategy"] = "extra_buffer"
        args["page_size"] = HYBRID_PAGE_SIZE
    elif strategy == "no_buffer":
        args["mamba_radix_cache_strategy"] = "no_buffer"
    args.update(overrides)
    return args


@contextlib.contextmanager
def _keep_logging() -> Any:
    """Undo SGLang's takeover of the root logger (it replaces the handlers with its own)."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    ours = logging.getLogger("radix_ls")
    our_handlers, our_level, propagate = list(ours.handlers), ours.level, ours.propagate
    try:
        yield
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
        ours.handlers[:] = our_handlers
        ours.setLevel(our_level)
        ours.propagate = propagate


def _finish_reason(meta: dict[str, Any]) -> str | None:
    reason = meta.get("finish_reason")
    if not reason:
        return None
    kind = reason.get("type") if isinstance(reason, dict) else str(reason)
    return {"length": "length", "abort": "cancelled"}.get(kind or "", "stop")


class SGLangEngine(Engine):
    name = "sglang"

    def __init__(self, engine: Any, model: str) -> None:
        self._engine = engine
        self._model = model
        self._active = 0
        self._closed = False

    @classmethod
    async def start(
        cls,
        settings: Settings,
        progress: Callable[[str], None] = lambda _m: None,
        **overrides: Any,
    ) -> SGLangEngine:
        """Load the model in a worker thread (the event loop keeps serving meanwhile)."""
        args = server_args(settings, **overrides)
        progress(f"Starting SGLang with {args['model_path']} (this takes minutes)...")
        log.info("sglang.Engine(%s)", args)

        def build() -> Any:
            try:
                import sglang
            except ImportError as exc:
                raise EngineError("sglang is not installed: pip install 'radix-ls[gpu]'") from exc
            # No loop in this thread: give SGLang one of its own for its synchronous helpers;
            # streaming runs on the server's loop, where SGLang attaches its handler lazily.
            asyncio.set_event_loop(asyncio.new_event_loop())
            with _keep_logging():
                return sglang.Engine(**args)

        try:
            engine = await asyncio.to_thread(build)
        except EngineError:
            raise
        except Exception as exc:
            raise EngineError(f"SGLang failed to start: {exc}") from exc
        progress("SGLang is ready")
        return cls(engine, settings.sglang_model)

    @property
    def model_name(self) -> str:
        return self._model

    def _tokenizer(self) -> Any:
        if self._closed:
            raise EngineError("engine is closed")
        tokenizer = getattr(self._engine.tokenizer_manager, "tokenizer", None)
        if tokenizer is None:
            raise EngineError("SGLang runs without a tokenizer (skip_tokenizer_init)")
        return tokenizer

    def has_token(self, text: str) -> bool:
        tokenizer = self._tokenizer()
        return text in (getattr(tokenizer, "get_added_vocab", dict)() or {})

    def count_tokens(self, text: str) -> int:
        if not text:
            return 0
        return len(self._tokenizer().encode(text, add_special_tokens=False))

    async def stream(self, request: GenerationRequest) -> AsyncIterator[Chunk]:
        if self._closed:
            raise EngineError("engine is closed")
        rid = uuid.uuid4().hex  # fixed width: SGLang aborts by rid prefix
        sampling: dict[str, Any] = {
            "max_new_tokens": request.max_tokens,
            "temperature": request.temperature,
            "skip_special_tokens": True,
        }
        if request.stop:
            sampling["stop"] = list(request.stop)
        if request.regex:
            sampling["regex"] = request.regex  # SGLang's structured output (grammar backend)
        clock = StatsClock()
        meta: dict[str, Any] = {}
        text = ""
        finish: str | None = None  # stays None if the consumer leaves early (cancelled)
        self._active += 1
        outputs: Any = None
        try:
            try:
                outputs = await self._engine.async_generate(
                    prompt=request.prompt, sampling_params=sampling, stream=True, rid=rid
                )
                async for out in outputs:
                    meta = out.get("meta_info") or meta
                    full = out.get("text") or ""
                    piece = full[len(text) :]
                    if piece:
                        clock.token()
                        text = full
                        yield Chunk(piece)
                    finish = _finish_reason(meta)
                    if finish is not None:
                        break
                    if request.stop_check is not None and request.stop_check(text):
                        finish = "stop"
                        break
            except EngineError:
                finish = "error"
                raise
            except Exception as exc:
                finish = "error"
                raise EngineError(f"SGLang generation failed: {exc}") from exc
            finish = finish or "stop"  # the stream ended without a reason
            stats = self._stats(request, clock, meta, finish)
            self.last_stats = stats
            yield Chunk("", stats)
        finally:
            if finish in (None, "stop") and _finish_reason(meta) is None:
                # Stopped by us (cancel or stop_check), not by the model: free the GPU slot.
                self._engine.tokenizer_manager.abort_request(rid=rid)
            if outputs is not None:
                with contextlib.suppress(Exception):
                    await outputs.aclose()
            if finish is None:
                self.last_stats = self._stats(request, clock, meta, "cancelled")
            self._active -= 1

    def _stats(
        self, request: GenerationRequest, clock: StatsClock, meta: dict[str, Any], finish: str
    ) -> GenerationStats:
        return GenerationStats(
            request_id=request.request_id,
            prompt_tokens=int(meta.get("prompt_tokens") or 0),
            cached_tokens=meta.get("cached_tokens"),
            completion_tokens=int(meta.get("completion_tokens") or 0),
            time_to_first_token_s=clock.first,
            total_s=clock.elapsed(),
            finish_reason=finish,
        )

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        # shutdown() reaps SGLang's child processes (it kills every child of this process).
        await asyncio.to_thread(self._engine.shutdown)
