"""The engine interface: streaming, cancellable text generation with per-request stats.

Every engine (llama.cpp in-process, SGLang in-process, remote OpenAI-compatible) implements
`Engine._stream`; `Engine.stream` puts each request through the engine's priority queue
(engine/queue.py) first. Cancelling the consuming task (e.g. LSP `$/cancelRequest`) must abort
the model work, not just stop reading from it; a request cancelled while it waits in the
queue never reaches the engine.
"""

from __future__ import annotations

import abc
import asyncio
import itertools
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

from radix_ls.engine.queue import EngineQueue, Priority, Slot
from radix_ls.engine.templates import family_of

_ids = itertools.count(1)


def new_request_id() -> str:
    return f"radix-{next(_ids)}"


class EngineError(RuntimeError):
    """The engine could not serve a request (model failed to load, backend error...)."""


@dataclass(frozen=True)
class GenerationRequest:
    prompt: str
    max_tokens: int
    stop: tuple[str, ...] = ()
    temperature: float = 0.0
    request_id: str = field(default_factory=new_request_id)
    # Called with the text so far after each token (on the engine's thread; must be pure):
    # True ends the generation as if a stop sequence had matched.
    stop_check: Callable[[str], bool] | None = None
    # Constrained decoding, where the engine has it: the answer must match `regex` (SGLang)
    # or the GBNF grammar `gbnf` (llama.cpp). Engines without it ignore both, so callers
    # still check the answer.
    regex: str | None = None
    gbnf: str | None = None
    # Who waits for the answer: completions run ahead of code actions, actions ahead of batch.
    priority: Priority = Priority.ACTION


@dataclass(frozen=True)
class GenerationStats:
    request_id: str
    prompt_tokens: int
    # Prompt tokens served from the engine's prefix cache; None where the engine cannot tell.
    cached_tokens: int | None
    completion_tokens: int
    time_to_first_token_s: float | None
    total_s: float
    # "stop" | "length" | "cancelled" | "error"; "typed-through" | "joined": no model call made
    finish_reason: str

    @property
    def tokens_per_s(self) -> float | None:
        if self.time_to_first_token_s is None or self.completion_tokens < 2:
            return None
        decode_s = self.total_s - self.time_to_first_token_s
        return (self.completion_tokens - 1) / decode_s if decode_s > 0 else None

    def to_json(self) -> dict[str, object]:
        return {
            "requestId": self.request_id,
            "promptTokens": self.prompt_tokens,
            "cachedTokens": self.cached_tokens,
            "completionTokens": self.completion_tokens,
            "timeToFirstTokenMs": (
                None
                if self.time_to_first_token_s is None
                else round(self.time_to_first_token_s * 1000, 2)
            ),
            "totalMs": round(self.total_s * 1000, 2),
            "tokensPerSecond": None if self.tokens_per_s is None else round(self.tokens_per_s, 1),
            "finishReason": self.finish_reason,
        }


@dataclass(frozen=True)
class Chunk:
    """A piece of streamed output. The last chunk of a stream carries `stats`."""

    text: str
    stats: GenerationStats | None = None


@dataclass(frozen=True)
class GenerationResult:
    text: str
    stats: GenerationStats


class StatsClock:
    """Measures one request's timings as chunks arrive."""

    def __init__(self) -> None:
        self.start = time.perf_counter()
        self.first: float | None = None

    def token(self) -> None:
        if self.first is None:
            self.first = time.perf_counter() - self.start

    def elapsed(self) -> float:
        return time.perf_counter() - self.start

    def stats(
        self,
        request: GenerationRequest,
        prompt_tokens: int,
        cached_tokens: int | None,
        completion_tokens: int,
        finish_reason: str,
    ) -> GenerationStats:
        """The stats of `request`, ending now, with this clock's timings."""
        return GenerationStats(
            request_id=request.request_id,
            prompt_tokens=prompt_tokens,
            cached_tokens=cached_tokens,
            completion_tokens=completion_tokens,
            time_to_first_token_s=self.first,
            total_s=self.elapsed(),
            finish_reason=finish_reason,
        )


class Engine(abc.ABC):
    """A loaded model that turns prompts into streamed text."""

    #: short engine name ("llamacpp", "sglang", "remote")
    name: str = ""
    #: stats of the last generation that ended, however it ended (cancelled ones included)
    last_stats: GenerationStats | None = None
    #: generations running now; each engine counts its own
    _active: int = 0
    #: generations the backend runs at once; more wait in the engine's queue
    max_concurrency: int = 1
    _queue: EngineQueue | None = None

    @property
    @abc.abstractmethod
    def model_name(self) -> str:
        """A human-readable name of the loaded model."""

    @property
    def model_family(self) -> str:
        """The model family used to pick a prompt template (e.g. "qwen", "gemma")."""
        return family_of(self.model_name)

    @property
    def context_window(self) -> int | None:
        """Most tokens a prompt and its answer may take together; None where unknown."""
        return None

    @abc.abstractmethod
    def has_token(self, text: str) -> bool:
        """Whether `text` is one special token of this model's vocabulary (e.g. FIM markers)."""

    @abc.abstractmethod
    def count_tokens(self, text: str) -> int:
        """Tokens `text` takes in a prompt (no BOS)."""

    @property
    def queue(self) -> EngineQueue:
        """The queue every request to this engine waits in (made on first use)."""
        if self._queue is None:
            self._queue = EngineQueue(self.max_concurrency)
        return self._queue

    @property
    def failure(self) -> str:
        """Why the engine cannot serve any more ("" while it can), e.g. a dead process."""
        return ""

    async def wait_failure(self) -> str:
        """Wait until the engine fails for good and return why (never, for most engines)."""
        await asyncio.Event().wait()
        return ""  # pragma: no cover: the wait above never ends

    async def stream(self, request: GenerationRequest) -> AsyncIterator[Chunk]:
        """Generate, yielding text chunks; the last chunk carries stats. Waits for a slot in
        the engine's queue first, by `request.priority`.

        Closing or cancelling the iterator aborts the generation (or drops it from the queue).
        """
        slot = await self.queue.acquire(request.request_id, request.priority)
        try:
            inner = self._stream(request, slot)
            try:
                async for chunk in inner:
                    yield chunk
            finally:
                await inner.aclose()  # type: ignore[attr-defined]
        finally:
            slot.release()

    @abc.abstractmethod
    def _stream(self, request: GenerationRequest, slot: Slot) -> AsyncIterator[Chunk]:
        """The engine's own generation (it holds `slot`; see `Slot.hold_until`)."""

    @property
    def active_generations(self) -> int:
        """Generations currently running in the backend (0 once all were stopped)."""
        return self._active

    async def generate(
        self, request: GenerationRequest, on_chunk: Callable[[Chunk], None] | None = None
    ) -> GenerationResult:
        """The whole answer and its stats. `on_chunk` sees every chunk as it arrives (e.g. to
        report progress). Cancelling the caller closes the stream, which aborts the model."""
        parts: list[str] = []
        stats: GenerationStats | None = None
        stream = self.stream(request)
        try:
            async for chunk in stream:
                parts.append(chunk.text)
                if chunk.stats is not None:
                    stats = chunk.stats
                if on_chunk is not None:
                    on_chunk(chunk)
        finally:
            await stream.aclose()  # type: ignore[attr-defined]
        if stats is None:
            raise EngineError("engine stream ended without stats")
        return GenerationResult("".join(parts), stats)

    @abc.abstractmethod
    async def close(self) -> None:
        """Release the model. Further requests fail."""
