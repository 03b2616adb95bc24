"""What this machine offers the engines: GPUs, installed engine packages. Nothing imported."""

from __future__ import annotations

import ctypes.util
import importlib.metadata
import importlib.util
import shutil
import subprocess
from pathlib import Path


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


def sglang_device(setting: str) -> str:
    """The device SGLang runs on for the `sglangDevice` setting: `auto` is cuda where
    nvidia-smi lists a GPU, else cpu."""
    if setting != "auto":
        return setting
    return "cuda" if gpu_devices() else "cpu"


def _cuda_only_sgl_kernel() -> bool:
    """Whether the `sgl_kernel` on the path is the CUDA build (PyPI `sglang-kernel`: per-arch
    op libraries under sm90/ and sm100/) on a machine without libcuda, where it cannot load."""
    spec = importlib.util.find_spec("sgl_kernel")
    if spec is None or spec.origin is None:
        return False
    package = Path(spec.origin).parent
    cuda_build = (package / "sm90").is_dir() or (package / "sm100").is_dir()
    return cuda_build and ctypes.util.find_library("cuda") is None


def sglang_missing(device: str = "cuda") -> str | None:
    """Why the SGLang engine cannot run here on `device` ("cuda" or "cpu"), or None."""
    problems = []
    if device == "cuda" and not gpu_devices():
        problems.append("no NVIDIA GPU found (nvidia-smi lists none)")
    if not has_module("sglang"):
        problems.append("sglang is not installed (pip install 'radix-ls[gpu]')")
    elif device == "cpu" and _cuda_only_sgl_kernel():
        problems.append(
            "on CPU SGLang needs sgl_kernel's CPU build; the installed one is the CUDA build "
            "(radix-ls' tests put tests/sglang/kernels first on PYTHONPATH instead)"
        )
    return "; ".join(problems) or None


def auto_engine() -> str:
    """The engine `engine = auto` runs: SGLang where CUDA and sglang are present, else CPU.
    (SGLang on a CPU is for testing only: `auto` never picks it.)"""
    return "sglang" if sglang_missing("cuda") is None else "llamacpp"
