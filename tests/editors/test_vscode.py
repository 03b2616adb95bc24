"""The VS Code extension (editors/vscode) end to end, in real VS Code: code-server 4.100.3
with the built .vsix installed, driven in headless Chromium by playwright-core
(tests/editors/vscode/drive.mjs), with the real radix-ls server and the tiny model.

A person's session: open a file of a sample project, wait for the status bar to say the
engine is ready, type a new function header, see radix-ls' ghost text, accept it with Tab,
save; then put the cursor in a function without a docstring, open the code action menu
(Ctrl+.), pick "radix-ls: Add docstring", save. The saved file is checked after each step,
and the accepted completion against a separate radix-ls' answer for the same text and
position. Screenshots go to tests/artifacts/vscode/.

Everything comes from the registries: editors/vscode/scripts/setup-e2e.sh installs Chromium
(apt), code-server (npm, cached outside the repository), playwright-core and builds the .vsix.
`scripts/test` runs it first and passes its result (a JSON file) in RADIX_LS_E2E_SETUP; run
alone, the test runs it itself. Only a Chromium that cannot be installed skips the test; any
other setup failure fails it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT, TINY_MODEL
from tests.lsp.harness import inline, open_document, running_server

SETUP = ROOT / "editors" / "vscode" / "scripts" / "setup-e2e.sh"
DRIVER = Path(__file__).resolve().parent / "vscode"
SAMPLE = DRIVER / "sample"
ARTIFACTS = ROOT / "tests" / "artifacts" / "vscode"
CHROMIUM_MISSING = 3  # setup-e2e.sh's exit status when Chromium cannot be installed

# What the test types at the end of shapes.py: a new function header; VS Code indents the
# next line, and the tiny model completes the body there.
TYPED = ["\n", "\n", "def square_area(side):", "\n"]
INDENT = "    "
# The code action: on the body of rectangle_area (1-based line), which has no docstring.
ACTION_TITLE = "radix-ls: Add docstring"
ACTION_LINE = 12
ACTION_DEF = "def rectangle_area(width, height):"
# Settings as in the Neovim tests: one llama.cpp thread (the tiny model needs no more) and
# short completions.
SERVER_SETTINGS = {"model": str(TINY_MODEL), "maxTokens": 48, "nThreads": 1}


# -- setup ------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def e2e() -> dict[str, Any]:
    """What setup-e2e.sh set up: chromium, codeServer (entry.js), vsix, driverModules."""
    done = os.environ.get("RADIX_LS_E2E_SETUP")  # set by scripts/test, which ran it already
    if done:
        setup = json.loads(Path(done).read_text())
    else:
        process = subprocess.run(
            ["bash", str(SETUP)], capture_output=True, text=True, timeout=1500, check=False
        )
        if process.returncode not in (0, CHROMIUM_MISSING):
            pytest.fail(
                f"{SETUP} failed with exit status {process.returncode}:\n{process.stderr[-6000:]}"
            )
        setup = json.loads(process.stdout.strip().splitlines()[-1])
    if "skip" in setup:
        pytest.skip(f"no Chromium for the VS Code test: {setup['skip']}")
    return setup


def server_command() -> Path:
    """The radix-ls of the environment running the tests."""
    for candidate in (
        ROOT / ".venv" / "bin" / "radix-ls",
        Path(sys.executable).with_name("radix-ls"),
    ):
        if os.access(candidate, os.X_OK):
            return candidate
    pytest.fail("no radix-ls executable next to this Python or in the repository's .venv")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# -- processes --------------------------------------------------------------------------------


def descendants(pid: int) -> list[int]:
    """`pid` and every process below it (read from /proc)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        parent = int(stat[stat.rfind(")") + 2 :].split()[1])
        children.setdefault(parent, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(children.get(current, []))
    return found


def stop_tree(process: subprocess.Popen[Any], grace: float = 5.0) -> None:
    """End `process`, its process group and every descendant, also those that left the
    group (Chromium gets its own): SIGTERM first, SIGKILL what is left after `grace` s."""
    pids = descendants(process.pid)
    for sig in (signal.SIGTERM, signal.SIGKILL):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, sig)
        for pid in pids:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, sig)
        if sig == signal.SIGTERM:
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(grace)
            pids = [pid for pid in pids if Path(f"/proc/{pid}").exists()]
    process.wait()


def spawn(command: list[str], log: Path, **kwargs: Any) -> subprocess.Popen[Any]:
    with log.open("ab") as out:
        return subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            **kwargs,
        )


def tail(path: Path, chars: int = 6000) -> str:
    return path.read_text(errors="replace")[-chars:] if path.is_file() else f"(no {path.name})"


# -- code-server ------------------------------------------------------------------------------


def user_settings(radix_ls: Path) -> dict[str, Any]:
    """VS Code user settings: radix-ls with the test model; nothing else that could take Tab
    (no suggest widget) or the screen (welcome page, notifications about updates)."""
    return {
        "radix-ls.server.path": str(radix_ls),
        **{f"radix-ls.{key}": value for key, value in SERVER_SETTINGS.items()},
        "radix-ls.logLevel": "debug",
        "editor.inlineSuggest.enabled": True,
        "editor.quickSuggestions": {"other": "off", "comments": "off", "strings": "off"},
        "editor.suggestOnTriggerCharacters": False,
        "editor.wordBasedSuggestions": "off",
        "editor.acceptSuggestionOnEnter": "off",
        "editor.lightbulb.enabled": "on",
        "files.autoSave": "off",
        "files.insertFinalNewline": False,
        "files.trimTrailingWhitespace": False,
        "security.workspace.trust.enabled": False,
        "workbench.startupEditor": "none",
        "workbench.tips.enabled": False,
        "workbench.enableExperiments": False,
        "extensions.autoCheckUpdates": False,
        "extensions.autoUpdate": False,
        "extensions.ignoreRecommendations": True,
        "telemetry.telemetryLevel": "off",
        "update.mode": "none",
        "chat.disableAIFeatures": True,
    }


@contextlib.contextmanager
def code_server(e2e: dict[str, Any], home: Path, project: Path) -> Any:
    """code-server on a free loopback port with the .vsix installed and its own config,
    user data and extensions; yields its URL for `project`. Stopped with all its
    children (the extension host, radix-ls) whatever happens."""
    node = shutil.which("node") or pytest.fail("node is not on PATH")
    user_data, extensions = home / "user-data", home / "extensions"
    (user_data / "User").mkdir(parents=True)
    extensions.mkdir()
    (user_data / "User" / "settings.json").write_text(
        json.dumps(user_settings(server_command()), indent=2)
    )
    port = free_port()
    config = home / "config.yaml"
    config.write_text(f"bind-addr: 127.0.0.1:{port}\nauth: none\ncert: false\n")
    env = {**os.environ, "HOME": str(home), "XDG_DATA_HOME": str(home / "data")}
    env.pop("VSCODE_IPC_HOOK_CLI", None)
    common = [
        node,
        e2e["codeServer"],
        "--config",
        str(config),
        "--user-data-dir",
        str(user_data),
        "--extensions-dir",
        str(extensions),
    ]
    install = subprocess.run(
        [*common, "--install-extension", e2e["vsix"], "--force"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert install.returncode == 0, f"--install-extension failed:\n{install.stdout}{install.stderr}"
    assert any(p.name.startswith("radix-ls.radix-ls-") for p in extensions.iterdir()), (
        f"the extension is not installed: {install.stdout}{install.stderr}"
    )
    log = home / "code-server.log"
    process = spawn(
        [
            *common,
            "--auth",
            "none",
            "--bind-addr",
            f"127.0.0.1:{port}",
            "--disable-telemetry",
            "--disable-update-check",
            "--disable-workspace-trust",
            "--disable-getting-started-override",
            "--ignore-last-opened",
            str(project),
        ],
        log,
        env=env,
        cwd=home,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                pytest.fail(f"code-server exited ({process.returncode}):\n{tail(log)}")
            with (
                contextlib.suppress(OSError),
                urllib.request.urlopen(f"{url}/healthz", timeout=2) as answer,
            ):
                if answer.status == 200:
                    break
            if time.monotonic() > deadline:
                pytest.fail(f"code-server did not answer in 60 s:\n{tail(log)}")
            time.sleep(0.2)
        yield f"{url}/?folder={project}"
    finally:
        stop_tree(process)


def extension_logs(home: Path) -> str:
    """The radix-ls output channel (the server log) from code-server's log folder."""
    logs = sorted((home / "user-data" / "logs").glob("**/*radix-ls*.log"))
    return "\n".join(f"--- {p.name}:\n{tail(p, 8000)}" for p in logs) or "(no radix-ls log)"


# -- the expected answer ----------------------------------------------------------------------


async def server_answer(root: Path, path: Path, text: str, line: int, column: int) -> str:
    """The completion a separate radix-ls gives for the same file, text and position."""
    async with running_server(root, SERVER_SETTINGS) as client:
        uri = open_document(client, path, text)
        result = await inline(client, uri, line, column)
    assert result is not None and result.items, "the server gave no completion here"
    return result.items[0].insert_text


# -- the test ---------------------------------------------------------------------------------


@pytest.mark.timeout(1800)
def test_vscode_ghost_text_tab_and_code_action(e2e, tmp_path):
    project = tmp_path / "project"  # the name is the prompt's repository name
    shutil.copytree(SAMPLE, project)
    path = project / "shapes.py"
    original = path.read_text()
    home = tmp_path / "home"
    home.mkdir()
    if ARTIFACTS.exists():
        shutil.rmtree(ARTIFACTS)
    ARTIFACTS.mkdir(parents=True)
    result_file = home / "result.json"
    config = {
        "chromium": e2e["chromium"],
        "file": str(path),
        "artifacts": str(ARTIFACTS),
        "result": str(result_file),
        "type": TYPED,
        "actionLine": ACTION_LINE,
        "actionTitle": ACTION_TITLE,
        "readyTimeoutMs": 120_000,
        "ghostTimeoutMs": 60_000,
        "actionTimeoutMs": 90_000,
    }
    driver_log = home / "drive.log"
    with code_server(e2e, home, project) as url:
        config["url"] = url
        (home / "drive.json").write_text(json.dumps(config))
        driver = spawn(
            [shutil.which("node") or "node", str(DRIVER / "drive.mjs"), str(home / "drive.json")],
            driver_log,
            cwd=DRIVER,
        )
        try:
            driver.wait(timeout=600)
        except subprocess.TimeoutExpired:
            pytest.fail(f"the driver ran over 600 s:\n{tail(driver_log)}")
        finally:
            stop_tree(driver)
    for name in ("drive.log", "code-server.log"):
        if (home / name).is_file():
            shutil.copy(home / name, ARTIFACTS / name)
    (ARTIFACTS / "radix-ls.log").write_text(extension_logs(home))
    assert result_file.is_file(), f"the driver wrote no result:\n{tail(driver_log)}"
    result = json.loads(result_file.read_text())
    (ARTIFACTS / "result.json").write_text(json.dumps(result, indent=2))
    context = (
        f"\n--- driver:\n{tail(driver_log)}\n--- radix-ls:\n{extension_logs(home)}"
        f"\n(screenshots in {ARTIFACTS})"
    )

    # The status bar said what runs, and the ghost text came and was accepted.
    assert "accepted" in result, f"{result.get('error')}{context}"
    assert re.search(r"radix-ls: llamacpp · \S+", result["status"]), result["status"]
    typed = original + "".join(TYPED) + INDENT
    line = typed.count("\n")
    expected = asyncio.run(server_answer(project, path, typed, line, len(INDENT)))
    assert result["accepted"] == typed + expected, context
    ghost = result["ghost"]
    shown = "\n".join([ghost["inline"], *ghost["lines"]])
    assert shown.strip() and expected.startswith(ghost["inline"].rstrip()), (ghost, expected)

    # The code action menu listed radix-ls' action and applying it added a docstring under
    # the function's def.
    assert "error" not in result, f"{result['error']}{context}"
    assert any(t.startswith(ACTION_TITLE) for t in result["actionTitles"]), result["actionTitles"]
    after = result["afterAction"].splitlines()
    at = after.index(ACTION_DEF)
    assert after[at + 1].startswith(INDENT + '"""'), "\n".join(after[at : at + 6])
    assert after[:at] == result["accepted"].splitlines()[:at]
