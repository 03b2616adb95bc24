"""What this machine offers the engines: GPUs, installed engine packages. Nothing imported."""

from __future__ import annotations

import importlib.metadata
import importlib.util
import shutil
import subprocess


def package_version(name: str) -> str | None:
    """The installed version of a distribution, without importing it (None if absent)."""
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return None


def has_module(name: str) -> bool:
    return importlib.util.find_spec(name) is not None


def gpu_devices() -> list[str]:
    """NVIDIA GPUs as `nvidia-smi -L` lists them; empty without a driver."""
    exe = shutil.which("nvidia-smi")
    if exe is None:
        return []
    try:
        out = subprocess.run([exe, "-L"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return []
    if out.returncode != 0:
        return []
    return [line.strip() for line in out.stdout.splitlines() if line.startswith("GPU")]


def sglang_missing() -> str | None:
    """Why the SGLang engine cannot run here, or None when it can."""
    problems = []
    if not gpu_devices():
        problems.append("no NVIDIA GPU found (nvidia-smi lists none)")
    if not has_module("sglang"):
        problems.append("sglang is not installed (pip install 'radix-ls[gpu]')")
    return "; ".join(problems) or None


def auto_engine() -> str:
    """The engine `engine = auto` runs: SGLang where CUDA and sglang are present, else CPU."""
    return "sglang" if sglang_missing() is None else "llamacpp"
