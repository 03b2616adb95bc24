"""In-process SGLang engine: the production path on GPUs, and on a CPU for tests.

Facts this module relies on (SGLang 0.5.23, checked against its source and run for real on a
CPU with a tiny model):
- `sglang.Engine(**server_args)` blocks while it loads the model (minutes), so it is built in
  a worker thread: the LSP server keeps answering (completions are empty until it is ready).
  It spawns a scheduler and a detokenizer process (multiprocessing, spawn).
- Those children report a fatal error by sending SIGQUIT to this process, and SGLang's own
  watchdog thread does the same when one of them dies; SGLang's handlers for it kill the whole
  process tree, and without a handler SIGQUIT ends the process (exit 131). radix-ls installs
  its own handler on the main thread's event loop: a failed load or a dead child becomes an
  `EngineError` while the server keeps serving.
- `Engine.shutdown()` runs `kill_process_tree(os.getpid(), include_parent=False)`, which kills
  every child of this process (the index worker pool too) and leaves SGLang's children as
  zombies, and `Engine.__init__` registers that shutdown with `atexit`. `close()` ends only
  the processes SGLang started, reaps them and unregisters the hook.
- Importing SGLang adds a stderr handler to the root logger and `Engine.__init__` logs a
  multi-kB `server_args=` line at INFO, then calls `logging.basicConfig(force=True)`: SGLang's
  loggers are held at WARNING (or radix-ls' level, if higher) and the root logger is restored.
- `async_generate(prompt=..., sampling_params=..., stream=True, rid=...)` streams dicts whose
  `text` is cumulative (some chunks add nothing: incomplete UTF-8 is held back); `meta_info`
  has prompt_tokens, cached_tokens, completion_tokens and a finish_reason that is None until
  the last chunk, then {"type": "length" | "stop" | "abort", ...}. An abort radix-ls did not
  ask for is SGLang rejecting the request (e.g. an invalid regex): its "message" is the error.
- `tokenizer_manager.abort_request(rid=...)` (synchronous) stops a request. Abort matches
  rids by prefix, so rids are fixed-width UUIDs. The tokenizer manager binds the event loop
  of its first use and then installs SIGTERM/SIGQUIT handlers on it: radix-ls binds it to the
  server's loop right after the load and puts its own handlers back.
- On a CPU (`sglangDevice = cpu`) SGLang needs SGLANG_USE_CPU_ENGINE=1, the torch_native
  attention backend, no CUDA graphs, no overlap schedule, and an importable `sgl_kernel`
  (its CPU build). It is for testing, not speed.
- Hybrid Gated DeltaNet models (Qwen3.5/3.6, Qwen3-Next) only reuse a cached prefix up to a
  saved linear-attention state: `mamba_radix_cache_strategy="extra_buffer"` with `page_size=64`
  saves states at 64-token-aligned branch points, which is what keystroke-by-keystroke prompts
  need.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import json
import logging
import multiprocessing
import os
import signal
import sys
import threading
import uuid
import warnings
import weakref
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from radix_ls.config import Settings
from radix_ls.engine.base import Chunk, Engine, EngineError, GenerationRequest, StatsClock
from radix_ls.engine.detect import sglang_device
from radix_ls.engine.queue import Slot

if TYPE_CHECKING:
    from radix_ls.engine.base import GenerationStats

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
CPU_WARNING = "SGLang runs on the CPU: this is for testing, not speed"


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
    if settings.sglang_max_total_tokens:
        args["max_total_tokens"] = settings.sglang_max_total_tokens
    strategy = settings.sglang_radix_cache
    if strategy == "off":
        args["disable_radix_cache"] = True
    elif strategy == "extra_buffer" or (strategy == "auto" and is_hybrid(settings.sglang_model)):
        args["mamba_radix_cache_strategy"] = "extra_buffer"
        args["page_size"] = HYBRID_PAGE_SIZE
    elif strategy == "no_buffer":
        args["mamba_radix_cache_strategy"] = "no_buffer"
    device = sglang_device(settings.sglang_device)
    if device == "cpu":
        # CUDA graphs and the overlap scheduler need CUDA
        args.update(device="cpu", disable_cuda_graph=True, disable_overlap_schedule=True)
    backend = attention_backend(settings, device)
    if backend != "auto":
        args["attention_backend"] = backend
    args.update(overrides)
    return args


def attention_backend(settings: Settings, device: str) -> str:
    """The attention backend asked of SGLang ("auto": SGLang's choice). On a CPU `auto` is
    torch_native: SGLang's CPU default, intel_amx, needs sgl_kernel's CPU build."""
    backend = settings.sglang_attention_backend
    return "torch_native" if backend == "auto" and device == "cpu" else backend


@contextlib.contextmanager
def _contained(level: int) -> Iterator[None]:
    """Keep SGLang's logging out of ours around its import and `Engine()`: its loggers held at
    `level`, the root and radix-ls loggers restored (SGLang's import adds a root handler and
    its logging setup replaces them), its import-time warnings about CUDA-only features off."""
    logging.getLogger("sglang").setLevel(level)
    root, ours = logging.getLogger(), logging.getLogger("radix_ls")
    saved = [(lg, list(lg.handlers), lg.level, lg.propagate, lg.disabled) for lg in (root, ours)]
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", category=UserWarning, module=r"sglang(\.|$)")
            yield
    finally:
        for logger, handlers, lvl, propagate, disabled in saved:
            logger.handlers[:] = handlers
            logger.setLevel(lvl)
            logger.propagate, logger.disabled = propagate, disabled
        logging.getLogger("sglang").setLevel(level)  # a logging config file may reset it


def _sglang_processes() -> set[multiprocessing.Process]:
    """This process's live children made with the default context's `multiprocessing.Process`,
    as SGLang makes its scheduler and detokenizer; compared before and after a build, they
    are that engine's. (Process objects forget their target once started; radix-ls' own
    pools pass a context, so their processes are of another class.)"""
    return {p for p in multiprocessing.active_children() if type(p) is multiprocessing.Process}


def _end_processes(processes: Iterable[multiprocessing.Process]) -> None:
    """Kill these processes and their own children (as SGLang's shutdown does) and reap them."""
    import psutil  # an SGLang dependency

    processes = list(processes)
    descendants: list[psutil.Process] = []
    for proc in processes:
        with contextlib.suppress(psutil.Error, ValueError):
            descendants += psutil.Process(proc.pid).children(recursive=True)
    for victim in [*processes, *descendants]:
        with contextlib.suppress(psutil.Error, ProcessLookupError, ValueError):
            victim.kill()
    for proc in processes:
        proc.join(timeout=60)
    psutil.wait_procs(descendants, timeout=60)


class _SigquitWatch:
    """SIGQUIT from SGLang's children (or its watchdog thread) handled on the main thread's
    event loop: counted (a load that fails after one says so) and passed to running engines,
    which check whether one of their processes died."""

    def __init__(self) -> None:
        self.count = 0
        self.engines: weakref.WeakSet[SGLangEngine] = weakref.WeakSet()

    def install(self, loop: asyncio.AbstractEventLoop) -> None:
        """(Re)install the handler; SGLang's tokenizer manager replaces it on first use."""
        if threading.current_thread() is not threading.main_thread():
            log.warning("not on the main thread: a failing SGLang process will end radix-ls")
            return
        loop.add_signal_handler(signal.SIGQUIT, self._received)

    def _received(self) -> None:
        self.count += 1
        log.error("an SGLang process reported a fatal error (SIGQUIT); see its log above")
        for engine in list(self.engines):
            engine.check_processes()


_sigquit = _SigquitWatch()


def _build(args: dict[str, Any], device: str, level: int) -> tuple[Any, set[Any]]:
    """Import SGLang and build the engine (in a worker thread); returns it and its processes.
    A failed build leaves nothing behind: its processes are ended and its atexit hook is
    removed."""
    if device == "cpu":
        os.environ["SGLANG_USE_CPU_ENGINE"] = "1"  # SGLang's is_cpu() reads only this
    with _contained(level):
        try:
            from sglang.srt.entrypoints.engine import Engine as SGLang
        except ImportError as exc:
            raise EngineError(f"sglang cannot be imported: {exc}") from exc
        # SGLang's synchronous helpers want a loop in this thread; streaming runs on the
        # server's loop, which the tokenizer manager binds on first use.
        asyncio.set_event_loop(asyncio.new_event_loop())
        before = _sglang_processes()
        sigquits = _sigquit.count
        engine = SGLang.__new__(SGLang)  # kept even if __init__ fails, to undo its atexit hook
        try:
            engine.__init__(**args)
        except BaseException as exc:
            atexit.unregister(engine.shutdown)
            _end_processes(_sglang_processes() - before)
            child = " (an SGLang process failed: see its error above)"
            raise EngineError(
                f"SGLang failed to start: {exc}{child if _sigquit.count > sigquits else ''}"
            ) from exc
    return engine, _sglang_processes() - before


def _finish_reason(meta: dict[str, Any]) -> str | None:
    reason = meta.get("finish_reason")
    if not reason:
        return None
    kind = reason.get("type") if isinstance(reason, dict) else str(reason)
    if kind == "abort":
        # radix-ls stops reading before it aborts, so an abort it sees is SGLang's own
        message = reason.get("message") if isinstance(reason, dict) else None
        raise EngineError(f"SGLang aborted the request: {message or 'no reason given'}")
    return "length" if kind == "length" else "stop"


class SGLangEngine(Engine):
    name = "sglang"
    # SGLang batches concurrent requests itself; the queue only orders what is beyond this
    max_concurrency = 64

    def __init__(
        self, engine: Any, model: str, processes: Iterable[multiprocessing.Process] = ()
    ) -> None:
        self._engine = engine
        self._model = model
        self._processes = set(processes)
        self._active = 0
        self._closed = False
        self._failure = ""  # why the engine cannot serve any more (a process of it died)
        self._dead = asyncio.Event()

    @classmethod
    async def start(
        cls,
        settings: Settings,
        progress: Callable[[str], None] = lambda _m: None,
        **overrides: Any,
    ) -> SGLangEngine:
        """Load the model in a worker thread (the event loop keeps serving meanwhile)."""
        args = server_args(settings, **overrides)
        device = args.get("device", "cuda")
        if device == "cpu":
            log.warning("%s", CPU_WARNING)
        progress(f"Starting SGLang on {device} with {args['model_path']} (this takes minutes)...")
        log.info("sglang.Engine(%s)", args)
        level = max(logging.WARNING, logging.getLevelName(settings.log_level.upper()))
        loop = asyncio.get_running_loop()
        _sigquit.install(loop)
        try:
            built, processes = await asyncio.to_thread(_build, args, device, level)
        except EngineError:
            raise
        except Exception as exc:
            raise EngineError(f"SGLang failed to start: {exc}") from exc
        engine = cls(built, settings.sglang_model, processes)
        engine._bind(loop)
        progress("SGLang is ready")
        return engine

    def _bind(self, loop: asyncio.AbstractEventLoop) -> None:
        """Bind SGLang's tokenizer manager to the server's loop now, then take back the
        signals it claims there (SIGTERM: drain and exit; SIGQUIT: kill the process tree)."""
        sigterm = signal.getsignal(signal.SIGTERM)
        self._engine.tokenizer_manager.auto_create_handle_loop()
        if threading.current_thread() is threading.main_thread():
            loop.remove_signal_handler(signal.SIGTERM)
            signal.signal(signal.SIGTERM, sigterm)
        _sigquit.install(loop)
        _sigquit.engines.add(self)

    def check_processes(self) -> None:
        """After a SIGQUIT: if one of this engine's processes died, fail it (the running
        generations and every later one) and end the rest."""
        dead = [p for p in self._processes if not p.is_alive()]
        if self._closed or not dead:
            return
        self._failure = (
            f"SGLang's process {dead[0].pid} died (exit code {dead[0].exitcode}): "
            "the engine must be reloaded"
        )
        log.error("%s", self._failure)
        self._dead.set()
        asyncio.get_running_loop().run_in_executor(None, _end_processes, self._processes)

    @property
    def failure(self) -> str:
        return self._failure

    async def wait_failure(self) -> str:
        """Returns once a process of this engine died (the session then reloads it)."""
        await self._dead.wait()
        return self._failure

    @property
    def model_name(self) -> str:
        return self._model

    @property
    def context_window(self) -> int | None:
        """The model's context length as SGLang runs it (`sglangContextLength` or the model's
        own), from its tokenizer manager."""
        value = getattr(self._engine.tokenizer_manager, "context_len", None)
        return int(value) if isinstance(value, int) and value > 0 else None

    @property
    def active_generations(self) -> int:
        """Our streams still open, or the requests SGLang's tokenizer manager still tracks
        (`rid_to_state`) if more: a cancel must leave nothing running inside SGLang."""
        tracked = getattr(self._engine.tokenizer_manager, "rid_to_state", None) or ()
        return max(self._active, len(tracked))

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

    async def _next(self, outputs: AsyncIterator[dict[str, Any]]) -> dict[str, Any] | None:
        """The next streamed output, or None at the end; EngineError if the engine dies."""
        step = asyncio.ensure_future(anext(outputs, None))
        dead = asyncio.ensure_future(self._dead.wait())
        try:
            await asyncio.wait({step, dead}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            dead.cancel()
            if not step.done():
                step.cancel()
        if step.done() and not step.cancelled():
            return step.result()
        raise EngineError(self._failure)

    async def _stream(self, request: GenerationRequest, slot: Slot) -> AsyncIterator[Chunk]:
        if self._closed or self._failure:
            raise EngineError(self._failure or "engine is closed")
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
                while (out := await self._next(outputs)) is not None:
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
            try:
                await self._end_request(rid, outputs, aborted=meta.get("finish_reason") is None)
            finally:
                if finish in (None, "error"):
                    self.last_stats = self._stats(request, clock, meta, finish or "cancelled")
                self._active -= 1

    async def _end_request(self, rid: str, outputs: Any, *, aborted: bool) -> None:
        """Close SGLang's stream; a request the model did not finish (cancel, stop_check,
        error) is aborted, and waited for (briefly) until SGLang no longer tracks it, so that
        nothing of it runs on once its stream has ended."""
        manager = self._engine.tokenizer_manager
        if aborted:
            manager.abort_request(rid=rid)
        if outputs is not None:
            with contextlib.suppress(Exception):
                await outputs.aclose()
        tracked = getattr(manager, "rid_to_state", None)
        for _ in range(400):  # up to ~2 s: SGLang's round trip to its scheduler
            if tracked is None or rid not in tracked or self._failure:
                return
            await asyncio.sleep(0.005)
        log.warning("SGLang still tracks request %s after its abort", rid)

    def _stats(
        self, request: GenerationRequest, clock: StatsClock, meta: dict[str, Any], finish: str
    ) -> GenerationStats:
        return clock.stats(
            request,
            int(meta.get("prompt_tokens") or 0),
            meta.get("cached_tokens"),
            int(meta.get("completion_tokens") or 0),
            finish,
        )

    async def close(self) -> None:
        """Stop SGLang: its processes only (killed and reaped), its tasks on our loop, and
        its atexit hook (it would shut down a second time at exit)."""
        if self._closed:
            return
        self._closed = True
        _sigquit.engines.discard(self)
        manager = self._engine.tokenizer_manager
        for task in list(getattr(manager, "asyncio_tasks", ())):
            task.cancel()
        await asyncio.to_thread(_shutdown, self._engine, self._processes)
        _close_sockets(manager)


def _close_sockets(owner: Any) -> None:
    """Close the ZMQ contexts of the sockets `owner` (the tokenizer manager) holds, dropping
    unsent messages: their peers are gone, and a context with unsent messages blocks forever
    in its termination when it is garbage-collected (a hang at a reload, or at exit)."""
    zmq = sys.modules.get("zmq")  # SGLang imports it; without it there is no socket
    if zmq is None:
        return
    contexts = {s.context for s in vars(owner).values() if isinstance(s, zmq.Socket)}
    for context in contexts:
        context.destroy(linger=0)


def _shutdown(engine: Any, processes: set[multiprocessing.Process]) -> None:
    """`Engine.shutdown()` (watchdog, RPC sockets, cleanup) with its process-tree kill
    narrowed to SGLang's own processes, then reaped; its atexit registration removed."""
    atexit.unregister(engine.shutdown)
    module = sys.modules[type(engine).__module__]
    kill_tree = module.kill_process_tree
    module.kill_process_tree = lambda *_args, **_kwargs: _end_processes(processes)
    try:
        engine.shutdown()
    finally:
        module.kill_process_tree = kill_tree
        _end_processes(processes)  # also when shutdown() failed before its kill
