"""The real SGLang on this machine's CPU, for the tests: the tiny model, the test-only
`sgl_kernel` stand-in on the path, and the settings that run SGLang on a CPU.

Costs on 2 busy cores: `import sglang` 10-60 s, `Engine()` 1.5-6 min (the spawned scheduler and
detokenizer import torch again), 3 processes of ~1.2 GB. Tests share one engine per module.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest

from radix_ls.config import Settings, resolve
from radix_ls.engine.detect import sglang_missing

ROOT = Path(__file__).resolve().parents[2]
HF_MODEL = ROOT / "tests" / "fixtures" / "tiny-qwen3-moe-hf"
STAND_IN = Path(__file__).resolve().parent / "kernels"  # holds the sgl_kernel stand-in
# The marks of every test that runs SGLang: `-m "not sglang"` leaves them out; an engine start
# takes minutes on 2 busy cores, far over the suite's default timeout.
MARKS = [pytest.mark.sglang, pytest.mark.timeout(2400)]
# On a CPU SGLang sizes its KV cache as a fraction of the RAM available when it starts, and
# fails if the RAM that went away while it loaded (other engines loading meanwhile included)
# is more than that fraction: a large fraction, with the cache capped at 16k tokens (8 MB for
# the tiny model, 512 bytes a token).
CPU_WIRE: dict[str, Any] = {
    "engine": "sglang",
    "sglangModel": str(HF_MODEL),
    "sglangDevice": "cpu",
    "sglangMemFraction": 0.8,
    "sglangMaxTotalTokens": 16384,
    "sglangContextLength": 4096,
}


def use_stand_in() -> None:
    """Put the stand-in first on this process's path (SGLang's spawned children inherit
    sys.path); SGLang's cache goes to a temporary directory."""
    if str(STAND_IN) not in sys.path:
        sys.path.insert(0, str(STAND_IN))
    os.environ.setdefault("SGLANG_CACHE_DIR", str(Path(tempfile.gettempdir()) / "sglang-tests"))


def child_env() -> dict[str, str]:
    """The environment of a process that runs SGLang on the CPU (a server, a worker): the
    stand-in first on PYTHONPATH."""
    use_stand_in()
    paths = [str(STAND_IN), *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
    return {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(paths),
        "SGLANG_USE_CPU_ENGINE": "1",
        "PYTHONUNBUFFERED": "1",
    }


def settings(**wire: Any) -> Settings:
    return resolve({**CPU_WIRE, **wire}).settings


def require_sglang() -> None:
    """Skip (with the reason) where SGLang cannot run on the CPU: outside CI only, as
    scripts/test installs the gpu extra and CI fails on any SGLang skip."""
    use_stand_in()
    missing = sglang_missing("cpu")
    if missing:
        if os.environ.get("CI"):
            pytest.fail(f"SGLang must run in CI: {missing}")
        pytest.skip(f"SGLang not installed here: {missing}")
