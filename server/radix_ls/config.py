"""Settings: what the client sends, resolved once into a frozen, fully defaulted `Settings`.

Clients send camelCase keys (initializationOptions, `workspace/configuration` for the
`radix-ls` section, `workspace/didChangeConfiguration`). Every key is optional. Unknown keys
and invalid values never crash the server: they are reported back as messages and the
default is used instead.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ENGINES = ("auto", "llamacpp")
PROMPT_TEMPLATES = ("auto", "qwen-fim", "prefix")
LOG_LEVELS = ("error", "warning", "info", "debug")
COMPLETION_ITEM = ("auto", "always", "never")


def default_cache_dir() -> Path:
    """Where radix-ls keeps assembled models and other caches (overridable by env)."""
    env = os.environ.get("RADIX_LS_CACHE_DIR")
    if env:
        return Path(env).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".cache"
    return base / "radix-ls"


@dataclass(frozen=True)
class Settings:
    """Fully resolved settings. Field names are snake_case; the wire uses camelCase."""

    engine: str = "auto"
    # "" = the embedded default model; otherwise a path to a GGUF file or a known model name.
    model: str = ""
    prompt_template: str = "auto"
    inline_completion: bool = True
    # "auto": answer textDocument/completion only for clients without inline completion
    completion_item: str = "auto"
    max_tokens: int = 96
    max_lines: int = 12
    context_tokens: int = 1536
    suffix_tokens: int = 192
    temperature: float = 0.0
    n_ctx: int = 4096
    n_threads: int = 0  # 0 = let llama.cpp choose
    cache_dir: str = ""
    log_level: str = "info"

    @property
    def resolved_cache_dir(self) -> Path:
        return Path(self.cache_dir).expanduser() if self.cache_dir else default_cache_dir()

    def engine_key(self) -> tuple[Any, ...]:
        """The settings that require reloading the engine when they change."""
        return (self.engine, self.model, self.n_ctx, self.n_threads, self.resolved_cache_dir)


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.capitalize() for part in rest)


_FIELDS = {_camel(f.name): f for f in dataclasses.fields(Settings)}
_INT_RANGES: dict[str, tuple[int, int]] = {
    "max_tokens": (1, 4096),
    "max_lines": (1, 500),
    "context_tokens": (64, 131072),
    "suffix_tokens": (0, 16384),
    "n_ctx": (256, 262144),
    "n_threads": (0, 1024),
}
_CHOICES: dict[str, tuple[str, ...]] = {
    "engine": ENGINES,
    "prompt_template": PROMPT_TEMPLATES,
    "log_level": LOG_LEVELS,
    "completion_item": COMPLETION_ITEM,
}


@dataclass(frozen=True)
class ResolvedSettings:
    settings: Settings
    errors: tuple[str, ...] = field(default=())


def _check_value(name: str, value: Any, default: Any) -> tuple[Any, str | None]:
    """Validate one value against its field; returns (value, error)."""
    key = _camel(name)
    if isinstance(default, bool):
        if isinstance(value, bool):
            return value, None
        return default, f"{key} must be true or false, got {value!r}"
    if isinstance(default, int):
        if isinstance(value, bool) or not isinstance(value, int):
            if isinstance(value, float) and value.is_integer():
                value = int(value)
            else:
                return default, f"{key} must be an integer, got {value!r}"
        lo, hi = _INT_RANGES.get(name, (-(2**31), 2**31))
        if not lo <= value <= hi:
            return default, f"{key} must be between {lo} and {hi}, got {value}"
        return value, None
    if isinstance(default, float):
        if isinstance(value, bool) or not isinstance(value, int | float):
            return default, f"{key} must be a number, got {value!r}"
        if not 0.0 <= float(value) <= 2.0:
            return default, f"{key} must be between 0 and 2, got {value}"
        return float(value), None
    if not isinstance(value, str):
        return default, f"{key} must be a string, got {value!r}"
    choices = _CHOICES.get(name)
    if choices is not None and value not in choices:
        return default, f"{key} must be one of {', '.join(choices)}, got {value!r}"
    return value, None


def resolve(raw: Any, base: Settings | None = None) -> ResolvedSettings:
    """Turn what a client sent into `Settings`, collecting a message per invalid entry.

    `raw` may be None, a mapping (camelCase keys, optionally nested under "radix-ls"), or
    anything else (reported as invalid). Values absent from `raw` come from `base`
    (or the defaults).
    """
    base = base or Settings()
    if raw is None:
        return ResolvedSettings(base)
    if isinstance(raw, Mapping) and isinstance(raw.get("radix-ls"), Mapping):
        raw = raw["radix-ls"]
    if not isinstance(raw, Mapping):
        return ResolvedSettings(base, (f"settings must be an object, got {type(raw).__name__}",))
    values: dict[str, Any] = {}
    errors: list[str] = []
    for key, value in raw.items():
        fld = _FIELDS.get(key)
        if fld is None:
            errors.append(f"unknown setting {key!r}")
            continue
        if value is None:
            continue
        default = getattr(base, fld.name)
        checked, error = _check_value(fld.name, value, default)
        if error:
            errors.append(error)
        values[fld.name] = checked
    settings = dataclasses.replace(base, **values)
    if settings.suffix_tokens >= settings.context_tokens:
        errors.append("suffixTokens must be smaller than contextTokens")
        settings = dataclasses.replace(settings, suffix_tokens=Settings.suffix_tokens)
    if settings.context_tokens + settings.max_tokens > settings.n_ctx:
        errors.append(
            f"contextTokens + maxTokens ({settings.context_tokens + settings.max_tokens}) "
            f"must fit in nCtx ({settings.n_ctx})"
        )
        settings = dataclasses.replace(
            settings,
            context_tokens=min(Settings.context_tokens, settings.n_ctx // 2),
            max_tokens=min(settings.max_tokens, settings.n_ctx // 4),
            suffix_tokens=min(settings.suffix_tokens, settings.n_ctx // 8),
        )
    return ResolvedSettings(settings, tuple(errors))


def to_wire(settings: Settings) -> dict[str, Any]:
    """The camelCase form of `settings` (what `radix-ls doctor`-like tools print)."""
    return {_camel(f.name): getattr(settings, f.name) for f in dataclasses.fields(settings)}
