"""Hostile workspaces: file names that are not valid UTF-8 (issue 14 item 8) and committed
symlinks that lead outside the workspace (issue 14 item 6), on the real indexer."""

from __future__ import annotations

import os
from pathlib import Path

from radix_ls.index.indexer import Indexer

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
