"""Engine selection: the `engine` setting turned into a loaded `Engine`."""

from __future__ import annotations

from collections.abc import Callable

from radix_ls.config import Settings
from radix_ls.engine.base import Engine
from radix_ls.engine.models import resolve_model


def load_engine(settings: Settings, progress: Callable[[str], None] = lambda _m: None) -> Engine:
    """Build the engine the settings ask for (blocking: run it off the event loop)."""
    # "auto" is the CPU engine for now; the GPU (SGLang) and remote engines come next.
    from radix_ls.engine.llamacpp import LlamaCppEngine

    path = resolve_model(settings.model, settings.resolved_cache_dir, progress)
    progress(f"Loading {path.name} with llama.cpp...")
    return LlamaCppEngine.load(path, n_ctx=settings.n_ctx, n_threads=settings.n_threads)
