"""`radix-ls context --budget N`: any budget the model's context window allows."""

from __future__ import annotations

import json
import struct

from tests.cli.test_complete import run

_KEY = b"qwen3moe.context_length"
_U32 = 4  # GGUF value type id of uint32


def _model_with_window(tiny_model, path, window: int):
    """A copy of the tiny model whose metadata says it was trained for `window` tokens (the
    fixture says 4,096): its uint32 value follows the key and the type id."""
    data = bytearray(tiny_model.read_bytes())
    at = data.index(_KEY) + len(_KEY)
    assert struct.unpack_from("<I", data, at)[0] == _U32
    struct.pack_into("<I", data, at + 4, window)
    path.write_bytes(bytes(data))
    return path


def _project(root):
    (root / "pkg").mkdir(parents=True)
    (root / "pkg" / "__init__.py").write_text("")
    body = "".join(
        f"def step_{i}(value):\n    total = value * {i} + len(str(value))\n    return total\n\n"
        for i in range(600)
    )
    (root / "pkg" / "big.py").write_text(body + "def last():\n    return \n")
    return len((body + "def last():\n").split("\n"))


def test_context_budget_beyond_the_default_window(tmp_path, tiny_model):
    """issue 15: `--budget 8192` works where the model allows it (llama.cpp's nCtx grows to
    fit), and a budget beyond the model's window is a clear error."""
    model = _model_with_window(tiny_model, tmp_path / "wide.gguf", 65536)
    line = _project(tmp_path / "w")
    args = ["context", str(tmp_path / "w"), "--file", "pkg/big.py", "--line", str(line),
            "--col", "12", "--model", str(model)]  # fmt: skip
    out = run(*args, "--budget", "8192", "--json")
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert 4096 < report["tokens"] <= 8192
    small = json.loads(run(*args, "--json").stdout)
    assert small["tokens"] <= 1536 < report["tokens"]  # the default is the embedded one's
    too_big = run(*args, "--budget", "70000")
    assert too_big.returncode != 0
    assert "a budget of 70000 tokens does not fit" in too_big.stderr
    assert "65536 tokens" in too_big.stderr
