"""Settings: what the client sends, resolved once into a frozen, fully defaulted `Settings`.

Clients send camelCase keys (initializationOptions, `workspace/configuration` for the
`radix-ls` section, `workspace/didChangeConfiguration`). Every key is optional. Unknown keys
and invalid values never crash the server: they are reported back as messages and the
default is used instead.
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ENGINES = ("auto", "sglang", "llamacpp", "remote")
# The prompt budget (`contextTokens`) when the user sets none, per engine. What a bigger budget
# costs is the tokens evaluated when the repository part of the prompt changes (a new region of
# the file, context/sticky.py); while typing, the prefix cache serves it.
# - llamacpp: the embedded 270M model on the CPU evaluates a few hundred tokens per second, so
#   every region change of a large budget would be felt; 1,536 keeps that under a second.
# - sglang: a GPU with a large context and a prefix cache; re-evaluating 8k tokens takes a
#   fraction of a second there, and retrieval finds the definition a line needs far more often
#   at 8,192 tokens than at 1,536 (bench/retrieval_bench.py); beyond, gains flatten.
# - remote: a server of unknown size, cache and context behind a network hop: 4,096 fits any
#   model with an 8k window with room for the answer.
ENGINE_CONTEXT_TOKENS = {"llamacpp": 1536, "sglang": 8192, "remote": 4096}
PROMPT_TEMPLATES = ("auto", "qwen-fim", "qwen-chat", "prefix")
# where the text after the cursor goes in completion prompts (engine/templates.py, LAYOUTS)
PROMPT_LAYOUTS = ("split", "psm")
SGLANG_QUANTIZATION = ("", "fp8")
SGLANG_RADIX_CACHE = ("auto", "extra_buffer", "no_buffer", "off")
# auto: cuda where nvidia-smi lists a GPU, else cpu (for testing, not speed)
SGLANG_DEVICES = ("auto", "cuda", "cpu")
LOG_LEVELS = ("error", "warning", "info", "debug")
COMPLETION_ITEM = ("auto", "always", "never")
# Code actions, by the short id the CLI and the `codeActions` setting use.
ACTION_IDS = (
    "fix",
    "docstring",
    "annotate",
    "tests",
    "simplify",
    "rewrite",
    "extract-function",
    "rename-local",
    "to-async",
)


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
    prompt_layout: str = "split"
    inline_completion: bool = True
    # "auto": answer textDocument/completion only for clients without inline completion
    completion_item: str = "auto"
    max_tokens: int = 96
    max_lines: int = 12
    # 0 = the engine's default (ENGINE_CONTEXT_TOKENS), bounded by its context window
    context_tokens: int = 0
    suffix_tokens: int = 192
    temperature: float = 0.0
    n_ctx: int = 4096
    n_threads: int = 0  # 0 = let llama.cpp choose
    cache_dir: str = ""
    log_level: str = "info"
    # workspace index and cross-file context
    index: bool = True
    index_exclude: tuple[str, ...] = ()  # gitignore-style patterns, on top of .gitignore
    max_file_bytes: int = 1_000_000
    repo_context_share: float = 0.35  # part of contextTokens for other files' code; 0 = none
    # extra secret rules (regular expressions) on top of the built-in ones (radix_ls/secrets.py)
    secret_patterns: tuple[str, ...] = ()
    # code actions: which are offered, and their prompt and answer budgets
    code_actions: tuple[str, ...] = ACTION_IDS
    action_context_tokens: int = 2560
    action_max_tokens: int = 1024
    # remote engine (OpenAI-compatible server, SGLang server or SGLang Model Gateway)
    remote_url: str = ""
    remote_model: str = ""  # "" = the first model the server lists
    remote_api_key_env: str = "RADIX_LS_API_KEY"  # the key itself never goes in settings
    remote_connect_timeout: float = 5.0
    remote_read_timeout: float = 60.0
    remote_retries: int = 2
    remote_ca_bundle: str = ""
    # SGLang engine (in-process, GPU); 0 / "" = SGLang's own default
    sglang_model: str = "Qwen/Qwen3.6-35B-A3B"
    sglang_tp_size: int = 1
    sglang_ep_size: int = 1
    sglang_dp_size: int = 1
    sglang_quantization: str = ""
    sglang_mem_fraction: float = 0.0
    sglang_context_length: int = 0
    # most tokens in the KV cache (the prefix cache included); 0 = as many as memory allows
    sglang_max_total_tokens: int = 0
    sglang_radix_cache: str = "auto"
    sglang_device: str = "auto"
    # "auto": SGLang's choice on CUDA, torch_native on CPU; otherwise an SGLang backend name
    sglang_attention_backend: str = "auto"

    @property
    def resolved_cache_dir(self) -> Path:
        return Path(self.cache_dir).expanduser() if self.cache_dir else default_cache_dir()

    def index_key(self) -> tuple[Any, ...]:
        """The settings that require rebuilding the workspace index when they change."""
        return (self.index, self.index_exclude, self.max_file_bytes, self.resolved_cache_dir)

    def engine_key(self) -> tuple[Any, ...]:
        """The settings that require reloading the engine when they change."""
        return (
            self.engine,
            self.model,
            self.n_ctx,
            self.n_threads,
            self.resolved_cache_dir,
            *(getattr(self, f.name) for f in dataclasses.fields(self) if f.name[:7] in _ENGINE),
        )


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.capitalize() for part in rest)


_ENGINE = ("remote_", "sglang_")
N_CTX_MAX = 262144  # the largest llama.cpp window `nCtx` may ask for
_FIELDS = {_camel(f.name): f for f in dataclasses.fields(Settings)}
_INT_RANGES: dict[str, tuple[int, int]] = {
    "max_tokens": (1, 4096),
    "max_lines": (1, 500),
    "context_tokens": (0, 1_048_576),
    "suffix_tokens": (0, 16384),
    "n_ctx": (256, N_CTX_MAX),
    "n_threads": (0, 1024),
    "remote_retries": (0, 10),
    "sglang_tp_size": (1, 64),
    "sglang_ep_size": (1, 64),
    "sglang_dp_size": (1, 64),
    "sglang_context_length": (0, 1_048_576),
    "sglang_max_total_tokens": (0, 1 << 30),
    "max_file_bytes": (1024, 64 * 1024 * 1024),
    "action_context_tokens": (256, 262144),
    "action_max_tokens": (16, 16384),
}
_FLOAT_RANGES: dict[str, tuple[float, float]] = {
    "temperature": (0.0, 2.0),
    "remote_connect_timeout": (0.1, 600.0),
    "remote_read_timeout": (0.1, 3600.0),
    "sglang_mem_fraction": (0.0, 0.99),
    "repo_context_share": (0.0, 0.9),
}
_CHOICES: dict[str, tuple[str, ...]] = {
    "engine": ENGINES,
    "prompt_template": PROMPT_TEMPLATES,
    "prompt_layout": PROMPT_LAYOUTS,
    "log_level": LOG_LEVELS,
    "completion_item": COMPLETION_ITEM,
    "sglang_quantization": SGLANG_QUANTIZATION,
    "sglang_radix_cache": SGLANG_RADIX_CACHE,
    "sglang_device": SGLANG_DEVICES,
    "code_actions": ACTION_IDS,
}


@dataclass(frozen=True)
class ResolvedSettings:
    settings: Settings
    errors: tuple[str, ...] = field(default=())


def _check_value(name: str, value: Any, default: Any) -> tuple[Any, str | None]:
    """Validate one value against its field; returns (value, error)."""
    key = _camel(name)
    if isinstance(default, tuple):
        if isinstance(value, list | tuple) and all(isinstance(v, str) for v in value):
            choices = _CHOICES.get(name)
            unknown = [v for v in value if choices is not None and v not in choices]
            if unknown:
                return default, (
                    f"{key}: unknown {', '.join(map(repr, unknown))} "
                    f"(known: {', '.join(choices or ())})"
                )
            return tuple(value), None
        return default, f"{key} must be a list of strings, got {value!r}"
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
        lo_f, hi_f = _FLOAT_RANGES[name]
        if not lo_f <= float(value) <= hi_f:
            return default, f"{key} must be between {lo_f:g} and {hi_f:g}, got {value}"
        return float(value), None
    if not isinstance(value, str):
        return default, f"{key} must be a string, got {value!r}"
    choices = _CHOICES.get(name)
    if choices is not None and value not in choices:
        return default, f"{key} must be one of {', '.join(choices)}, got {value!r}"
    return value, None


def _invalid_pattern(patterns: tuple[str, ...]) -> str | None:
    """The message for the first of `patterns` that is not a valid regular expression."""
    for pattern in patterns:
        try:
            re.compile(pattern)
        except re.error as exc:
            return f"secretPatterns: {pattern!r} is not a valid regular expression: {exc}"
    return None


def resolve(raw: Any, base: Settings | None = None) -> ResolvedSettings:
    """Turn what a client sent into `Settings`, collecting a message per invalid entry.

    `raw` may be None, a mapping (camelCase keys, optionally nested under "radix-ls"), or
    anything else (reported as invalid). Values absent from `raw` come from `base`
    (or the defaults).
    """
    base = base or Settings()
    if raw is None or (isinstance(raw, list) and not raw):
        # Lua clients (Neovim) send an empty table as [], never {}: no settings either way.
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
    bad_pattern = _invalid_pattern(settings.secret_patterns)
    if bad_pattern:
        errors.append(bad_pattern)
        settings = dataclasses.replace(settings, secret_patterns=base.secret_patterns)
    if settings.engine == "remote" and not settings.remote_url:
        errors.append("engine 'remote' needs remoteUrl")
        settings = dataclasses.replace(settings, engine=base.engine if base.remote_url else "auto")
    if 0 < settings.context_tokens < 64:
        errors.append(
            "contextTokens must be 0 (the engine's default) or at least 64, "
            f"got {settings.context_tokens}"
        )
        settings = dataclasses.replace(settings, context_tokens=Settings.context_tokens)
    if settings.context_tokens and settings.suffix_tokens >= settings.context_tokens:
        errors.append("suffixTokens must be smaller than contextTokens")
        settings = dataclasses.replace(settings, suffix_tokens=Settings.suffix_tokens)
    # nCtx is llama.cpp's window; with "auto" the engine may turn out to be SGLang or remote,
    # whose windows are checked when they are known (context_tokens_for)
    if settings.engine == "llamacpp" and (
        settings.context_tokens + settings.max_tokens > settings.n_ctx
    ):
        errors.append(
            f"contextTokens + maxTokens ({settings.context_tokens + settings.max_tokens}) "
            f"must fit in nCtx ({settings.n_ctx})"
        )
        settings = dataclasses.replace(
            settings,
            context_tokens=Settings.context_tokens,
            max_tokens=min(settings.max_tokens, settings.n_ctx // 4),
            suffix_tokens=min(settings.suffix_tokens, settings.n_ctx // 8),
        )
    if settings.action_context_tokens + settings.action_max_tokens > settings.n_ctx:
        errors.append(
            "actionContextTokens + actionMaxTokens "
            f"({settings.action_context_tokens + settings.action_max_tokens}) "
            f"must fit in nCtx ({settings.n_ctx})"
        )
        settings = dataclasses.replace(
            settings,
            action_context_tokens=min(Settings.action_context_tokens, settings.n_ctx * 5 // 8),
            action_max_tokens=min(Settings.action_max_tokens, settings.n_ctx // 4),
        )
    return ResolvedSettings(settings, tuple(errors))


def context_tokens_for(settings: Settings, engine: str, window: int | None) -> int:
    """The prompt budget for completions on `engine` ("llamacpp", "sglang", "remote"):
    `contextTokens` if set, else the engine's default; bounded by the engine's context window
    (`window` tokens for prompt and answer together; None where unknown) less the answer's
    `maxTokens` (never under 64)."""
    wanted = settings.context_tokens or ENGINE_CONTEXT_TOKENS.get(engine, 1536)
    if window is not None:
        wanted = min(wanted, window - settings.max_tokens)
    return max(wanted, 64)


def to_wire(settings: Settings) -> dict[str, Any]:
    """The camelCase form of `settings` (what `radix-ls doctor`-like tools print)."""
    return {_camel(f.name): getattr(settings, f.name) for f in dataclasses.fields(settings)}
