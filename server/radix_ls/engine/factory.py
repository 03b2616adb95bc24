"""Engine selection: the `engine` setting turned into a started `Engine`.

`auto` runs SGLang in-process where an NVIDIA GPU and sglang are present, else llama.cpp on
the CPU (`engine = sglang` runs SGLang on the CPU too where `sglangDevice` says so or no GPU
is found: for testing, not speed). `remote` talks to an OpenAI-compatible server. Engines are
started from the running event loop and serve on it; their blocking loads run in worker
threads.

Under `serve --tcp` every connection is its own process (`lsp.tcp`, which sets
`PER_CONNECTION_ENV`): an in-process SGLang engine holds a GPU and cannot be loaded by a second
process, so there `auto` chooses llama.cpp and `sglang` is refused (use SGLang's own server
with `engine: remote` to share one GPU among TCP clients).
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable

from radix_ls.config import Settings
from radix_ls.engine.base import Engine, EngineError
from radix_ls.engine.detect import auto_engine, sglang_device, sglang_missing
from radix_ls.engine.models import resolve_model

PER_CONNECTION_ENV = "RADIX_LS_TCP_CONNECTION"


def chosen_engine(settings: Settings) -> str:
    if settings.engine != "auto":
        return settings.engine
    choice = auto_engine()
    return "llamacpp" if choice == "sglang" and os.environ.get(PER_CONNECTION_ENV) else choice


async def load_engine(
    settings: Settings, progress: Callable[[str], None] = lambda _m: None
) -> Engine:
    """Start the engine the settings ask for."""
    choice = chosen_engine(settings)
    if choice == "remote":
        from radix_ls.engine.remote import RemoteConfig, RemoteEngine

        progress(f"Connecting to {settings.remote_url}...")
        return await RemoteEngine.connect(RemoteConfig.from_settings(settings))
    if choice == "sglang":
        if os.environ.get(PER_CONNECTION_ENV):
            raise EngineError(
                "the in-process SGLang engine cannot serve `radix-ls serve --tcp` (each "
                "connection is its own process; a GPU holds one engine): run SGLang as a server "
                "(python -m sglang.launch_server) and set engine to remote"
            )
        device = sglang_device(settings.sglang_device)
        missing = sglang_missing(device)
        if missing:
            raise EngineError(f"the SGLang engine cannot run here ({device}): {missing}")
        from radix_ls.engine.sglang import SGLangEngine

        return await SGLangEngine.start(settings, progress)

    from radix_ls.engine.llamacpp import LlamaCppEngine

    path = await asyncio.to_thread(
        resolve_model, settings.model, settings.resolved_cache_dir, progress
    )
    progress(f"Loading {path.name} with llama.cpp...")
    return await asyncio.to_thread(
        LlamaCppEngine.load, path, n_ctx=settings.n_ctx, n_threads=settings.n_threads
    )


async def load_tokenizer(
    settings: Settings, progress: Callable[[str], None] = lambda _m: None
) -> Engine:
    """An engine good for counting tokens and choosing prompt templates, loaded cheaply:
    llama.cpp loads the vocabulary only, remote just connects. (SGLang has no cheap way.)"""
    choice = chosen_engine(settings)
    if choice == "sglang":
        raise EngineError(
            "this command needs the llamacpp or remote engine's tokenizer: pass --engine"
        )
    if choice == "remote":
        return await load_engine(settings, progress)
    from radix_ls.engine.llamacpp import LlamaCppEngine

    path = await asyncio.to_thread(
        resolve_model, settings.model, settings.resolved_cache_dir, progress
    )
    return await asyncio.to_thread(LlamaCppEngine.load, path, n_ctx=settings.n_ctx, vocab_only=True)
