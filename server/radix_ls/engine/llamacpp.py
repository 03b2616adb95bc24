"""In-process llama.cpp engine (llama-cpp-python): the CPU default.

One long-lived `Llama` object per model: llama.cpp keeps the previous prompt's KV cache and
re-evaluates only what follows the longest common token prefix, which is what makes
keystroke-after-keystroke completions cheap. Generation is blocking C code, so it runs on a
single worker thread (a `Llama` is not thread-safe) and streams chunks back to the event loop;
cancelling the consumer sets a flag the worker checks before it tokenizes and after every
token. One generation at a time: the others wait in the engine's priority queue, where a
cancelled one is dropped before it costs anything.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import logging
import os
import threading
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from radix_ls.engine.base import (
    Chunk,
    Engine,
    EngineError,
    GenerationRequest,
    StatsClock,
)
from radix_ls.engine.queue import Slot
from radix_ls.engine.templates import family_of

log = logging.getLogger("radix_ls.llamacpp")
_log_callback: Any = None  # kept alive for as long as llama.cpp may call it


def _decodable(data: bytes) -> str:
    """Decode UTF-8, leaving out an incomplete multi-byte sequence at the end."""
    for cut in range(0, 4):
        try:
            return data[: len(data) - cut].decode("utf-8")
        except UnicodeDecodeError:
            continue
    return data.decode("utf-8", errors="replace")


def _partial_stop(text: str, stops: tuple[str, ...]) -> int:
    """Length of the longest end of `text` that could still grow into a stop sequence."""
    longest = 0
    for stop in stops:
        for k in range(min(len(stop) - 1, len(text)), longest, -1):
            if text.endswith(stop[:k]):
                longest = k
                break
    return longest


def weight_repacking() -> bool:
    """Whether llama.cpp may repack weights into its extra CPU buffer types.

    Off on CPUs with AMX (Sapphire Rapids and later): there llama.cpp repacks Q4_K weights for
    AMX and the first decode segfaults (ggml_backend_amx_mul_mat; the embedded Gemma 3 270M
    Q4_K_M crashes on every prompt). `RADIX_LS_LLAMA_REPACK=1` or `=0` overrides.
    """
    forced = os.environ.get("RADIX_LS_LLAMA_REPACK", "").strip()
    if forced in ("0", "1"):
        return forced == "1"
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as f:
            flags = next((line for line in f if line.startswith("flags")), "")
    except OSError:
        return True
    return not ({"amx_tile", "amx_int8", "amx_bf16"} & set(flags.split()))


_params_lock = threading.Lock()


@contextlib.contextmanager
def _model_params(llama_cpp: Any, use_extra_bufts: bool) -> Any:
    """`Llama()` takes its model parameters from `llama_model_default_params()` and has no
    argument for `use_extra_bufts`; set it there for the duration of one load."""
    module = llama_cpp.llama
    original = module.llama_cpp.llama_model_default_params

    def params() -> Any:
        value = original()
        value.use_extra_bufts = use_extra_bufts
        return value

    with _params_lock:
        module.llama_cpp.llama_model_default_params = params
        try:
            yield
        finally:
            module.llama_cpp.llama_model_default_params = original


def _route_llama_logs(llama_cpp: Any) -> None:
    """Send llama.cpp's own log lines to our logger (debug; its errors as warnings) instead of
    letting it print to stderr around our log format."""
    global _log_callback
    if _log_callback is not None:
        return

    @llama_cpp.llama_log_callback
    def callback(level: int, text: bytes, user_data: ctypes.c_void_p) -> None:
        line = text.decode("utf-8", errors="replace").rstrip()
        if line:
            # ggml levels: 1 debug, 2 info, 3 warn, 4 error, 5 continuation
            log.log(logging.WARNING if level == 4 else logging.DEBUG, "%s", line)

    _log_callback = callback
    llama_cpp.llama_log_set(callback, ctypes.c_void_p(0))


class LlamaCppEngine(Engine):
    name = "llamacpp"

    def __init__(self, llm: Any, model_path: Path) -> None:
        import llama_cpp

        self._lib = llama_cpp
        self._llm = llm
        self._path = model_path
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="llamacpp")
        self._active = 0
        self._active_lock = threading.Lock()
        self._closed = False
        self._grammars: dict[str, Any] = {}
        meta = llm.metadata
        self._architecture = meta.get("general.architecture", "")
        self._name = meta.get("general.name") or model_path.stem

    @classmethod
    def load(
        cls, model_path: Path, *, n_ctx: int, n_threads: int = 0, vocab_only: bool = False
    ) -> LlamaCppEngine:
        """Load a GGUF file (blocking; seconds for small models). `vocab_only` loads just the
        tokenizer (for counting tokens and choosing templates; it cannot generate)."""
        try:
            import llama_cpp
        except ImportError as exc:
            raise EngineError(
                "the llama.cpp engine needs llama-cpp-python: pip install 'radix-ls[cpu]'"
            ) from exc
        if not model_path.is_file():
            raise EngineError(f"model file not found: {model_path}")
        _route_llama_logs(llama_cpp)
        threads = n_threads or os.cpu_count() or 1
        repack = weight_repacking()
        if not repack:
            log.debug("weight repacking off (AMX CPU or RADIX_LS_LLAMA_REPACK=0)")
        try:
            with _model_params(llama_cpp, repack):
                llm = llama_cpp.Llama(
                    model_path=str(model_path),
                    n_ctx=n_ctx,
                    n_threads=threads,
                    n_threads_batch=threads,
                    vocab_only=vocab_only,
                    verbose=False,
                )
        except Exception as exc:  # llama.cpp reports bad files as ValueError/RuntimeError
            raise EngineError(f"could not load model {model_path}: {exc}") from exc
        return cls(llm, model_path)

    @property
    def model_name(self) -> str:
        return self._name

    @property
    def model_path(self) -> Path:
        return self._path

    @property
    def model_family(self) -> str:
        return family_of(self._architecture)

    @property
    def n_ctx(self) -> int:
        return int(self._llm.n_ctx())

    @property
    def context_window(self) -> int:
        return self.n_ctx

    @property
    def trained_context(self) -> int | None:
        """The longest context the model was trained for (its GGUF metadata), the most
        `nCtx` can usefully be; None where the file does not say."""
        value = self._llm.metadata.get(f"{self._architecture}.context_length")
        return int(value) if value and str(value).isdigit() else None

    def _model(self) -> Any:
        if self._closed:
            raise EngineError("engine is closed")
        return self._llm

    def has_token(self, text: str) -> bool:
        self._model()
        data = text.encode("utf-8")
        special = self._llm.tokenize(data, add_bos=False, special=True)
        return len(special) == 1 and len(self._llm.tokenize(data, add_bos=False)) > 1

    def count_tokens(self, text: str) -> int:
        if not text:
            return 0
        return len(self._model().tokenize(text.encode("utf-8"), add_bos=False, special=True))

    def prompt_tokens(self, prompt: str) -> list[int]:
        """The prompt's tokens, BOS included exactly where `Llama.create_completion` adds it."""
        llm = self._model()
        bos = [llm.token_bos()] if llm._model.add_bos_token() and llm.token_bos() != -1 else []
        return bos + llm.tokenize(prompt.encode("utf-8"), add_bos=False, special=True)

    async def _stream(self, request: GenerationRequest, slot: Slot) -> AsyncIterator[Chunk]:
        if self._closed:
            raise EngineError("engine is closed")
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[Chunk | BaseException] = asyncio.Queue()
        cancel = threading.Event()

        def emit(item: Chunk | BaseException) -> None:
            loop.call_soon_threadsafe(queue.put_nowait, item)

        # Counted here, not in the worker, so a request waiting for the worker is visible too.
        with self._active_lock:
            self._active += 1
        future = loop.run_in_executor(self._executor, self._run, request, cancel, emit)
        # The next request starts when this worker is done, not when its consumer left.
        slot.hold_until(future)
        try:
            while True:
                item = await queue.get()
                if isinstance(item, BaseException):
                    raise EngineError(f"llama.cpp generation failed: {item}") from item
                yield item
                if item.stats is not None:
                    break
        finally:
            cancel.set()
            # Leave the worker to finish on its own; it stops after at most one more token.
            future.add_done_callback(lambda f: f.exception() if not f.cancelled() else None)

    def _run(
        self,
        request: GenerationRequest,
        cancel: threading.Event,
        emit: Callable[[Chunk | BaseException], None],
    ) -> None:
        # The count drops before the last item goes out, so a consumer that has the final
        # stats never sees this generation as still running.
        try:
            last: Chunk | BaseException = self._generate(request, cancel, emit)
        except BaseException as exc:
            last = exc
        with self._active_lock:
            self._active -= 1
        emit(last)

    def _generate(
        self,
        request: GenerationRequest,
        cancel: threading.Event,
        emit: Callable[[Chunk | BaseException], None],
    ) -> Chunk:
        """Generate, emitting text chunks; returns the final chunk (with stats)."""
        llm = self._llm
        clock = StatsClock()
        if cancel.is_set():  # cancelled before its turn came: not even tokenized
            stats = clock.stats(request, 0, None, 0, "cancelled")
            self.last_stats = stats
            return Chunk("", stats)
        tokens = self.prompt_tokens(request.prompt)
        n_ctx = self.n_ctx
        if len(tokens) >= n_ctx:
            raise EngineError(f"prompt has {len(tokens)} tokens, the context holds {n_ctx}")
        max_tokens = min(request.max_tokens, n_ctx - len(tokens))
        # What llama.cpp will reuse: the longest common prefix with the tokens it holds,
        # less one when the whole prompt matches (it re-evaluates one token for fresh logits).
        cached = 0
        for a, b in zip(llm._input_ids[: llm.n_tokens], tokens, strict=False):
            if a != b:
                break
            cached += 1
        if cached == len(tokens):
            cached = max(cached - 1, 0)

        completion: list[int] = []
        sent = 0
        text = ""
        finish = "length"
        if cancel.is_set():
            finish = "cancelled"
        else:
            for token in llm.generate(
                tokens,
                grammar=self._grammar(request.gbnf) if request.gbnf else None,
                temp=request.temperature,
                top_k=40,
                top_p=0.95,
                min_p=0.05,
                repeat_penalty=1.0,
                reset=True,
            ):
                clock.token()
                if cancel.is_set():
                    finish = "cancelled"
                    break
                if self._lib.llama_vocab_is_eog(llm._model.vocab, token):
                    finish = "stop"
                    break
                completion.append(token)
                text = _decodable(llm.detokenize(completion, prev_tokens=tokens))
                hits = [i for i in (text.find(s) for s in request.stop if s) if i >= 0]
                if hits:
                    text = text[: min(hits)]
                    finish = "stop"
                    break
                if request.stop_check is not None and request.stop_check(text):
                    finish = "stop"
                    break
                if len(completion) >= max_tokens:
                    break
                safe = len(text) - _partial_stop(text, request.stop)
                if safe > sent:
                    emit(Chunk(text[sent:safe]))
                    sent = safe
        if len(text) > sent and finish != "cancelled":
            emit(Chunk(text[sent:]))
        stats = clock.stats(request, len(tokens), cached, len(completion), finish)
        self.last_stats = stats
        return Chunk("", stats)

    def _grammar(self, gbnf: str) -> Any:
        """A compiled GBNF grammar (cached: compiling takes a moment, batches repeat it)."""
        grammar = self._grammars.get(gbnf)
        if grammar is None:
            from llama_cpp import LlamaGrammar

            try:
                grammar = LlamaGrammar.from_string(gbnf, verbose=False)
            except Exception as exc:
                raise EngineError(f"invalid grammar: {exc}") from exc
            self._grammars[gbnf] = grammar
        return grammar

    async def reset_cache(self) -> None:
        """Forget the cached prompt, so the next request is evaluated from scratch (benchmarks)."""
        llm = self._model()
        await asyncio.get_running_loop().run_in_executor(self._executor, llm.reset)

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        # Wait for a running generation to notice its cancel flag before freeing the model.
        await asyncio.get_running_loop().run_in_executor(None, self._executor.shutdown, True)
        with contextlib.suppress(Exception):
            self._llm.close()
