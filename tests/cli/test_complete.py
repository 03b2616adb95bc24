"""`radix-ls complete`: the headless pipeline, its output and its errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.engine.servers import FaultServer
from tests.lsp.harness import inline, open_document, running_server

CLI = [sys.executable, "-m", "radix_ls"]
SOURCE = "def add(a, b):\n    return a + b\n\n\ndef mul(a, b):\n    return \n"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CLI, *args], capture_output=True, text=True, timeout=120, env={**os.environ}
    )


def complete_calc(path, model, *extra: str) -> subprocess.CompletedProcess[str]:
    """`radix-ls complete` at line 6, column 12 of SOURCE (after "    return ")."""
    return run("complete", str(path), "--line", "6", "--col", "12", "--model", str(model), *extra)


def test_version():
    out = run("--version")
    assert out.returncode == 0
    assert out.stdout.strip() == "radix-ls 0.1.0"


async def test_complete_prints_what_the_server_would_show(tmp_path, tiny_model):
    path = tmp_path / "calc.py"
    path.write_text(SOURCE)
    out = complete_calc(path, tiny_model, "--workspace", str(tmp_path))
    assert out.returncode == 0, out.stderr
    async with running_server(tmp_path, {"model": str(tiny_model)}) as client:
        uri = open_document(client, path, SOURCE)
        result = await inline(client, uri, 5, 11)
    assert out.stdout == result.items[0].insert_text + "\n"


def test_complete_json_report(tmp_path, tiny_model):
    path = tmp_path / "calc.py"
    path.write_text(SOURCE)
    out = complete_calc(path, tiny_model, "--json", "--max-tokens", "8")
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert report["engine"] == "llamacpp"
    assert report["template"] == "qwen-fim"
    assert report["mode"] == "line"
    assert report["prompt"].endswith("<|fim_middle|>")
    assert report["stats"]["completionTokens"] <= 8
    assert [s["kind"] for s in report["segments"]] == ["file-prefix", "file-suffix"]


def test_complete_no_index_uses_the_current_file_only(tmp_path, tiny_model):
    """`--no-index` was documented but ignored: the workspace was indexed all the same."""
    (tmp_path / ".git").mkdir()
    (tmp_path / "shapes.py").write_text("def rectangle_area(w, h):\n    return w * h\n")
    path = tmp_path / "calc.py"
    path.write_text("from shapes import rectangle_area\n\n" + SOURCE)
    args = ("--line", "8", "--col", "12", "--model", str(tiny_model), "--json")
    indexed = json.loads(run("complete", str(path), *args).stdout)
    assert "rectangle_area(w, h)" in indexed["prompt"]  # the definition from shapes.py
    alone = run("complete", str(path), *args, "--no-index")
    assert alone.returncode == 0, alone.stderr
    report = json.loads(alone.stdout)
    assert "return w * h" not in report["prompt"]
    assert [s["kind"] for s in report["segments"]] == ["file-prefix", "file-suffix"]
    # the index's progress lines (one per phase) only without --no-index
    assert "radix-ls: scan" not in alone.stderr
    assert "radix-ls: scan" in run("complete", str(path), *args).stderr


@pytest.mark.parametrize(
    ("content", "args", "message"),
    [
        (b"x = 1\n", ("--line", "9", "--col", "1"), "line 9 is past the end of the file"),
        (b"x = 1\n", ("--line", "1", "--col", "40"), "column 40 is past the end of line 1"),
        (b"\x00\x01\x02binary", ("--line", "1", "--col", "1"), "looks binary"),
        (
            b"caf\xe9 = 1\n",
            ("--line", "1", "--col", "1"),
            "not valid UTF-8 (byte 0xe9 at offset 3)",
        ),
        (b"#" * (4 * 1024 * 1024 + 1), ("--line", "1", "--col", "1"), "over the 4194304-byte"),
    ],
)
def test_complete_rejects_bad_input_clearly(tmp_path, tiny_model, content, args, message):
    path = tmp_path / "bad.py"
    path.write_bytes(content)
    out = run("complete", str(path), *args, "--model", str(tiny_model))
    assert out.returncode == 2
    assert message in out.stderr
    assert out.stdout == ""


def test_complete_missing_file_and_bad_model(tmp_path, tiny_model):
    out = run("complete", str(tmp_path / "nope.py"), "--line", "1", "--col", "1")
    assert out.returncode == 2 and "no such file" in out.stderr
    path = tmp_path / "ok.py"
    path.write_text("x = 1\n")
    out = run("complete", str(path), "--line", "1", "--col", "1", "--model", "no-such-model")
    assert out.returncode == 1 and "unknown model 'no-such-model'" in out.stderr
    out = run("complete", str(path), "--line", "0", "--col", "1")
    assert out.returncode == 2 and "must be 1 or more" in out.stderr


@pytest.mark.parametrize("mode", ["garbage", "malformed", "hang"])
def test_complete_with_a_broken_remote_engine_is_one_clear_error(tmp_path, mode):
    """issue 14 item 14: `radix-ls complete --engine remote` against a server that sends
    garbage, a malformed model list or hangs: exit 1 with one `radix-ls:` line, no traceback."""
    path = tmp_path / "calc.py"
    path.write_text(SOURCE)
    with FaultServer(mode) as server:
        out = run(
            "complete", str(path), "--line", "6", "--col", "12", "--no-index",
            "--engine", "remote", "--remote-url", server.url,
        )  # fmt: skip
    assert out.returncode == 1, out.stdout
    assert "Traceback" not in out.stderr
    assert f"radix-ls: remote server {server.url}" in out.stderr
