"""The committed Hugging Face checkpoint of the tiny model is what
`make_tiny_model.py --hf-from-gguf` writes from the committed GGUF, byte for byte."""

from __future__ import annotations

import subprocess
import sys

import pytest

from . import cpu

SCRIPT = cpu.ROOT / "tests" / "fixtures" / "make_tiny_model.py"
GGUF = cpu.ROOT / "tests" / "fixtures" / "tiny-qwen3-moe.gguf"


def test_the_hf_checkpoint_is_regenerated_identically(tmp_path):
    pytest.importorskip("gguf", reason="the gpu extra (sglang) brings gguf")
    out = tmp_path / "hf"
    subprocess.run(
        [sys.executable, str(SCRIPT), "--hf-from-gguf", str(GGUF), "--output", str(out)],
        check=True,
        capture_output=True,
    )
    committed = sorted(p.name for p in cpu.HF_MODEL.iterdir())
    assert sorted(p.name for p in out.iterdir()) == committed
    for name in committed:
        assert (out / name).read_bytes() == (cpu.HF_MODEL / name).read_bytes(), name
