"""`radix-ls index` and `radix-ls context` on a small project."""

from __future__ import annotations

import json
import os
import subprocess

from radix_ls.config import default_cache_dir
from radix_ls.index.db import index_path
from tests.cli.test_complete import run
from tests.index.conftest import corrupt_pages
from tests.lsp.test_index import MAIN, _project


def test_index_reports_files_and_refreshes_only_changes(tmp_path):
    _project(tmp_path / "w")
    (tmp_path / "w" / "blob.py").write_bytes(b"\0\1\2 not text")
    first = run("index", str(tmp_path / "w"), "--json")
    assert first.returncode == 0, first.stderr
    report = json.loads(first.stdout)
    assert report["files"] == 3
    assert report["parsed"] == 3
    assert report["definitions"] >= 5
    assert report["skipped_files"] == {"blob.py": "binary"}
    (tmp_path / "w" / "pkg" / "util.py").write_text("def changed():\n    return 1\n")
    second = json.loads(run("index", str(tmp_path / "w"), "--json").stdout)
    assert (second["parsed"], second["files"]) == (1, 3)  # only the changed file re-parsed
    text = run("index", str(tmp_path / "w"))
    assert "indexed 3 files (3 python)" in text.stdout
    assert "binary: 1 (e.g. blob.py)" in text.stdout


def test_context_shows_segments_and_the_prompt(tmp_path, tiny_model):
    _project(tmp_path)
    line = MAIN.split("\n").index("        seconds = ") + 1
    out = run(
        "context", str(tmp_path), "--file", "pkg/jobs.py", "--line", str(line), "--col", "19",
        "--model", str(tiny_model), "--budget", "1024",
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert "definition" in out.stdout and "pkg/util.py:4-7" in out.stdout
    assert "(imported parse_duration)" in out.stdout  # why it is there
    assert "def parse_duration(text: str) -> float:" in out.stdout
    as_json = run(
        "context", str(tmp_path), "--file", "pkg/jobs.py", "--line", str(line), "--col", "19",
        "--model", str(tiny_model), "--json",
    )  # fmt: skip
    report = json.loads(as_json.stdout)
    kinds = [s["kind"] for s in report["segments"]]
    # prompt order (the split layout): the file's text after the cursor, the other files' code,
    # the prefix, the near suffix
    assert kinds == ["file-below", "definition", "file-prefix", "file-suffix"]
    assert [s["reason"] for s in report["segments"]] == ["", "imported parse_duration", "", ""]
    assert report["layout"] == "split" and report["template"] == "qwen-fim"
    assert report["tokens"] > sum(s["tokens"] for s in report["segments"]) * 0.9


def test_context_errors(tmp_path, tiny_model):
    out = run("context", str(tmp_path / "nope"), "--file", "a.py", "--line", "1", "--col", "1")
    assert out.returncode == 2 and "not a directory" in out.stderr
    out = run("context", str(tmp_path), "--file", "a.py", "--line", "1", "--col", "1")
    assert out.returncode == 2 and "no such file" in out.stderr


def test_index_skips_a_file_name_not_valid_utf8(tmp_path):
    """issue 14 item 8: `radix-ls index` exited 1 with a traceback (UnicodeEncodeError) on one
    file whose name is not valid UTF-8; listed by git here (`git ls-files -z`)."""
    _project(tmp_path / "w")
    subprocess.run(["git", "init", "-q", str(tmp_path / "w")], check=True)
    with open(os.path.join(os.fsencode(tmp_path / "w"), b"caf\xe9.py"), "wb") as handle:
        handle.write(b"def latin_name():\n    pass\n")
    out = run("index", str(tmp_path / "w"), "--json")
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert report["files"] == 3
    assert report["skipped_files"] == {"caf\\xe9.py": "file name not valid UTF-8"}
    assert "Traceback" not in out.stderr


def test_a_damaged_index_database_is_rebuilt_with_a_message(tmp_path, tiny_model):
    """issue 14 item 10: with random bytes in the database's pages `radix-ls index` exited 0
    and `radix-ls context` exited 1 with a sqlite3.DatabaseError traceback."""
    _project(tmp_path / "w")
    assert run("index", str(tmp_path / "w")).returncode == 0
    db = index_path(default_cache_dir(), tmp_path / "w")
    corrupt_pages(db)
    line = MAIN.split("\n").index("        seconds = ") + 1
    out = run(
        "context", str(tmp_path / "w"), "--file", "pkg/jobs.py", "--line", str(line),
        "--col", "19", "--model", str(tiny_model), "--budget", "1024",
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert "Traceback" not in out.stderr
    assert "index database" in out.stderr and "damaged" in out.stderr and "rebuilding" in out.stderr
    assert "def parse_duration(text: str) -> float:" in out.stdout  # cross-file context is back

    corrupt_pages(db, seed=15)
    again = run("index", str(tmp_path / "w"), "--json")
    assert again.returncode == 0, again.stderr
    assert "damaged" in again.stderr
    assert json.loads(again.stdout)["parsed"] == 3


def test_an_index_database_that_cannot_be_opened_is_a_message(tmp_path):
    """issue 14 item 10 (its other half: no sqlite traceback from the CLI): a database path
    that cannot be opened (here a directory) is not deleted, and is reported in one line."""
    _project(tmp_path / "w")
    cache = tmp_path / "cache"
    index_path(cache, tmp_path / "w").mkdir(parents=True)
    out = run("index", str(tmp_path / "w"), "--cache-dir", str(cache))
    assert out.returncode == 1
    assert "Traceback" not in out.stderr
    assert f"radix-ls: cannot open the workspace index under {cache}" in out.stderr
    assert index_path(cache, tmp_path / "w").is_dir()
