"""Hostile workspaces: file names that are not valid UTF-8 (issue 14 item 8) and committed
symlinks that lead outside the workspace (issue 14 item 6), on the real indexer."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from radix_ls.index import worker
from radix_ls.index.indexer import Indexer
from radix_ls.index.records import Skipped, Task

SKIP_BAD_NAME = "file name not valid UTF-8"  # scan.SKIP_BAD_NAME, as reported


def _write_raw(root: Path, name: bytes, data: bytes) -> None:
    full = os.path.join(os.fsencode(root), name)
    os.makedirs(os.path.dirname(full), exist_ok=True)
    with open(full, "wb") as handle:
        handle.write(data)


def _bad_name_workspace(root: Path) -> None:
    (root / "pkg").mkdir(parents=True)
    (root / "pkg" / "ok.py").write_text("def fine():\n    return 1\n")
    _write_raw(root, b"bad\xff.py", b"def hidden():\n    pass\n")
    _write_raw(root, b"dir\xfe/inner.py", b"def also_hidden():\n    pass\n")


def test_a_file_name_not_valid_utf8_is_skipped_and_the_rest_indexed(tmp_path, cache_dir):
    """issue 14 item 8: one file (or directory) whose name is not valid UTF-8 used to fail the
    whole index with a UnicodeEncodeError at the SQLite write."""
    root = tmp_path / "ws"
    _bad_name_workspace(root)
    with Indexer(root, cache_dir) as indexer:
        stats = indexer.refresh()
        assert set(indexer.files()) == {"pkg/ok.py"}
        assert indexer.skipped() == {
            "bad\\xff.py": SKIP_BAD_NAME,
            "dir\\xfe/inner.py": SKIP_BAD_NAME,
        }
        assert stats.skipped == {SKIP_BAD_NAME: 2}
        assert indexer.definitions_named("hidden") == []
        assert [d.path for d in indexer.definitions_named("fine")] == ["pkg/ok.py"]

    with Indexer(root, cache_dir) as indexer:  # a restart: the skips are stable, not redone
        again = indexer.refresh()
        assert (again.parsed, again.unchanged, again.removed) == (0, 1, 0)
        assert again.skipped == {SKIP_BAD_NAME: 2}
        # a watcher event for the file, then its deletion: looked up and dropped, no crash
        bad = os.path.join(os.fsencode(root), b"bad\xff.py")
        indexer.index_files([os.fsdecode(bad)])
        os.unlink(bad)
        indexer.index_files([os.fsdecode(bad)])
        assert set(indexer.skipped()) == {"dir\\xfe/inner.py"}
        assert indexer.definitions_in(os.fsdecode(bad)) == []


class _Opens:
    """Every file this process opens while recording, seen through Python's "open" audit
    event (raised by open(), pathlib reads and os.open alike): what was really read."""

    recording: list[str] | None = None
    installed = False

    @classmethod
    def record(cls) -> list[str]:
        if not cls.installed:  # an audit hook cannot be removed: one, inert when not recording
            sys.addaudithook(cls._hook)
            cls.installed = True
        cls.recording = []
        return cls.recording

    @classmethod
    def stop(cls) -> None:
        cls.recording = None

    @classmethod
    def _hook(cls, event: str, args: tuple) -> None:
        if cls.recording is not None and event in ("open", "os.open"):
            target, flags = args[0], args[2] if len(args) > 2 else 0
            if isinstance(target, str | bytes | os.PathLike):
                path = os.fsdecode(target)
                if isinstance(flags, int) and flags & getattr(os, "O_NOFOLLOW", 0):
                    # the kernel opens the last component itself, never what it links to
                    head, tail = os.path.split(path)
                    cls.recording.append(os.path.join(os.path.realpath(head), tail))
                else:
                    cls.recording.append(os.path.realpath(path))


def _outside_reads(opened: list[str], outside: Path) -> list[str]:
    return [p for p in opened if Path(p).is_relative_to(outside)]


def test_committed_symlinks_out_of_the_workspace_are_never_opened(tmp_path, cache_dir):
    """issue 14 item 6: a committed symlink to a file outside the workspace (go.mod) was
    opened and read while indexing; a file in a symlinked directory (reached through a
    watcher event or an open document) and the .gitignore there were read too."""
    outside = tmp_path / "outside"
    (outside / "lib").mkdir(parents=True)
    (outside / "go.mod").write_text("module evil.example/outside\n\ngo 1.22\n")
    (outside / "lib" / "stolen.py").write_text("def stolen_secret():\n    return 1\n")
    (outside / "lib" / ".gitignore").write_text("*.tmp\n")
    root = tmp_path / "ws"
    (root / "pkg").mkdir(parents=True)
    (root / "go.mod").symlink_to(outside / "go.mod")
    (root / "main.go").write_text(
        'package main\n\nimport "evil.example/outside/pkg"\n\nfunc main() { pkg.Run() }\n'
    )
    (root / "pkg" / "run.go").write_text("package pkg\n\nfunc Run() {}\n")
    (root / "linked").symlink_to(outside / "lib", target_is_directory=True)
    (root / "stolen_link.py").symlink_to(outside / "lib" / "stolen.py")
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    subprocess.run(["git", "-C", str(root), "add", "-A"], check=True)

    opened = _Opens.record()
    try:
        with Indexer(root, cache_dir, workers=1) as indexer:
            indexer.refresh()
            # what a watcher event or an open document in the linked directory asks for
            indexer.index_files(["linked/stolen.py"])
            indexer.closure("linked/stolen.py")
            skipped = indexer.skipped()
            go_imports = indexer.imports_of("main.go")
            found = indexer.definitions_named("stolen_secret")
            list(indexer.chunks())
    finally:
        _Opens.stop()
    assert _outside_reads(opened, outside) == []
    assert found == []
    assert skipped == {
        "stolen_link.py": "symlink outside the workspace",
        "linked/stolen.py": "symlink outside the workspace",
    }
    # the module path in the outside go.mod was never learnt: the import stays unresolved
    assert [i.resolved for i in go_imports] == [()]


def test_a_file_replaced_by_a_link_out_after_the_scan_is_not_read(tmp_path, cache_dir):
    """issue 14 item 6 (the same rule where the file is read: the worker, and chunk text read
    back from the files): a file replaced by a symlink out of the workspace after it was
    listed or indexed is skipped, never opened."""
    outside = tmp_path / "outside.py"
    text = "def shared_name():\n    return 'outside'\n"
    outside.write_text(text)
    root = tmp_path / "ws"
    root.mkdir()
    (root / "mod.py").write_text(text)
    with Indexer(root, cache_dir, workers=1) as indexer:
        indexer.refresh()
        (root / "mod.py").unlink()
        (root / "mod.py").symlink_to(outside)  # the same bytes: the sha1 would match
        opened = _Opens.record()
        try:
            chunks = list(indexer.chunks())
            task = Task(1, "mod.py", str(root / "mod.py"), "python", None)
            result = worker.process(task, 1_000_000)
        finally:
            _Opens.stop()
    assert _outside_reads(opened, outside) == []
    assert chunks == []
    assert isinstance(result, Skipped) and result.reason == "symlink outside the workspace"
