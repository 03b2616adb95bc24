"""kill -9 of `radix-ls index` while its process pool works: nothing it started outlives it
(issue 14 item 12). A real CLI process, a real pool, a real SIGKILL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

CLI = [sys.executable, "-m", "radix_ls"]


def _session_members(sid: int) -> dict[int, str]:
    """Live processes (zombies aside) in session `sid`, pid -> command line. An orphan keeps
    its session when it is re-parented, so this finds every process the CLI started."""
    found: dict[int, str] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            cmdline = Path(f"/proc/{entry}/cmdline").read_bytes()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()  # after "pid (comm) "
        state, session = fields[0], int(fields[3])
        if session == sid and state != "Z":
            found[int(entry)] = cmdline.replace(b"\0", b" ").decode(errors="replace")
    return found


def _workspace(root: Path, files: int) -> Path:
    for n in range(files):
        package = root / f"pkg{n % 20}"
        package.mkdir(parents=True, exist_ok=True)
        body = "".join(
            f"class C{k}:\n    def method(self, value: int) -> int:\n        return value * {k}\n\n"
            for k in range(40)
        )
        (package / f"m{n}.py").write_text(body)
    return root


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc (Linux)")
def test_kill_9_of_index_leaves_no_pool_processes(tmp_path):
    """issue 14 item 12: after kill -9 of `radix-ls index`, its worker pool, forkserver and
    resource tracker stayed alive (~95 MB) for minutes."""
    root = _workspace(tmp_path / "ws", files=1500)
    cli = subprocess.Popen(
        [*CLI, "index", str(root), "--cache-dir", str(tmp_path / "cache")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,  # its own session: every process it starts stays in it
        env={**os.environ},
    )
    try:
        deadline = time.monotonic() + 60
        members: dict[int, str] = {}
        while time.monotonic() < deadline and cli.poll() is None:
            members = _session_members(cli.pid)
            workers = [p for p, cmd in members.items() if p != cli.pid and "forkserver" in cmd]
            if len(workers) >= 3:  # the forkserver and at least two workers forked from it
                break
            time.sleep(0.05)
        assert cli.poll() is None, "the index finished before its pool could be seen"
        assert len(workers) >= 3, members
        os.kill(cli.pid, signal.SIGKILL)
        cli.wait(timeout=10)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and _session_members(cli.pid):
            time.sleep(0.1)
        assert _session_members(cli.pid) == {}
    finally:
        if cli.poll() is None:
            cli.kill()
            cli.wait()
        for pid in _session_members(cli.pid):  # what this test started: never leave it
            os.kill(pid, signal.SIGKILL)
