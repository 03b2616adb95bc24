"""The plugin in Neovim's real TUI, driven through tmux: typing shows the ghost text on the
screen (what a person sees), and the accept key writes the server's completion into the file.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shlex
import shutil
import signal
import subprocess
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pytest

from tests.conftest import TINY_MODEL
from tests.lsp.harness import inline, open_document, running_server

from .neovim import FUNCTION, FUNCTION_ROW, SCRIPTS, environment, lsp_log, workspace

T = TypeVar("T")
COLUMNS, ROWS = 120, 40


def poll(what: str, probe: Callable[[], T | None], within: float, detail: Callable[[], str]) -> T:
    """Call `probe` every 50 ms until it returns something; fail after `within` seconds."""
    deadline = time.monotonic() + within
    while True:
        found = probe()
        if found is not None:
            return found
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}\n{detail()}")
        time.sleep(0.05)


async def server_answer(root: Path, path: Path, text: str, line: int, column: int) -> str:
    """The completion a separate radix-ls gives for the same file, text and position."""
    options = {"model": str(TINY_MODEL), "maxTokens": 48, "nThreads": 1}
    async with running_server(root, options) as client:
        uri = open_document(client, path, text)
        result = await inline(client, uri, line, column)
    assert result is not None and result.items, "the server gave no completion here"
    return result.items[0].insert_text


def test_ghost_text_on_screen_and_accept_key(nvim, tmp_path):
    tmux = shutil.which("tmux")
    if tmux is None:
        pytest.skip("tmux is not installed (scripts/test installs it where it can)")
    path = workspace(tmp_path, "shapes.py", FUNCTION)
    root = path.parent
    # After typing "A " on the last line: 4 spaces, the cursor at its end.
    typed = FUNCTION.replace("\n   \n", "\n    \n")
    line, column = FUNCTION_ROW - 1, 4
    expected = asyncio.run(server_answer(root, path, typed, line, column))
    first, *rest = expected.split("\n")
    assert len(first) >= 10 and rest, f"expected a long multi-line completion: {expected!r}"
    assert max(map(len, [first, *rest])) < COLUMNS - column and len(rest) < ROWS - 10

    ready = tmp_path / "ready"
    home = tmp_path / "home"
    env = environment(home, RADIX_TEST_READY=str(ready))
    env.pop("TMUX", None)  # our own tmux server, also when the tests run inside tmux
    socket = f"radix-ls-test-{uuid.uuid4().hex[:8]}"
    base = [tmux, "-L", socket, "-f", "/dev/null"]

    def tmux_out(*args: str) -> str:
        return subprocess.run(
            [*base, *args], env=env, check=True, capture_output=True, text=True, timeout=10
        ).stdout

    def screen() -> list[str]:
        return tmux_out("capture-pane", "-p", "-t", "radix").splitlines()

    def cursor() -> list[int]:
        out = tmux_out("display-message", "-p", "-t", "radix", "#{cursor_x} #{cursor_y}")
        return [int(n) for n in out.split()]

    def shown() -> str:
        return "--- screen:\n" + "\n".join(screen()) + "\n--- LSP log:\n" + lsp_log(home)

    command = shlex.join([nvim, "-i", "NONE", "-u", str(SCRIPTS / "tui_init.lua"), path.name])
    subprocess.run(
        [*base, "new-session", "-d", "-s", "radix", "-x", str(COLUMNS), "-y", str(ROWS),
         "-c", str(root), command],
        env=env, check=True, timeout=10,
    )  # fmt: skip
    pane = int(tmux_out("list-panes", "-t", "radix", "-F", "#{pane_pid}").strip())
    try:
        poll("the engine to be ready", lambda: ready.is_file() or None, 30, shown)
        tmux_out("send-keys", "-t", "radix", "-l", f"{FUNCTION_ROW}GA ")

        # The ghost text: the completion's first line right after the typed spaces, its next
        # line below, the cursor before the ghost text.
        want = (" " * column + first).rstrip()

        def ghost_row() -> tuple[list[str], int] | None:
            lines = screen()
            found = [i for i, x in enumerate(lines) if x.rstrip() == want]
            return (lines, found[0]) if found else None

        lines, row = poll("the ghost text on screen", ghost_row, 20, shown)
        print("\n".join(lines[row - FUNCTION_ROW + 1 : row + 1 + len(rest)]))  # pytest -rP
        assert lines[row + 1].rstrip() == rest[0].rstrip()
        assert path.read_text() == FUNCTION, "the ghost text must not be in the file"
        assert cursor() == [column, row]

        # Accept with the default key: the cursor goes to the end of the completion.
        tmux_out("send-keys", "-t", "radix", "M-l")
        end = [len(rest[-1]), row + len(rest)]
        poll("the cursor after the accepted text", lambda: cursor() == end or None, 10, shown)
        # Saved, the file holds the server's completion.
        tmux_out("send-keys", "-t", "radix", "Escape")
        poll("normal mode", lambda: "-- INSERT --" not in screen()[-1] or None, 10, shown)
        tmux_out("send-keys", "-t", "radix", ":w", "Enter")
        at = len(typed) - 1  # the end of the last line
        saved = typed[:at] + expected + typed[at:]
        poll("the accepted text in the file", lambda: path.read_text() == saved or None, 10, shown)
        tmux_out("send-keys", "-t", "radix", ":qa!", "Enter")
    finally:
        subprocess.run([*base, "kill-server"], env=env, capture_output=True, timeout=10)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pane, signal.SIGKILL)  # nvim's language server, if it lingers
