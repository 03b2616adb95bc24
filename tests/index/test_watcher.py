"""The file watcher on a real directory (watchdog's native observer), with bounded waits."""

import os
import queue

import pytest

from radix_ls.index.ignore import WorkspaceIgnore
from radix_ls.index.watcher import Watcher

WAIT = 10.0  # seconds: generous upper bound; batches normally arrive after ~debounce


@pytest.fixture
def watched(tmp_path):
    root = tmp_path / "ws"
    (root / "src").mkdir(parents=True)
    (root / ".gitignore").write_text("*.log\nbuild/\n")
    (root / "build").mkdir()
    (root / ".git").mkdir()
    cache = root / ".cache"
    cache.mkdir()
    batches: queue.Queue = queue.Queue()
    watcher = Watcher(
        root,
        lambda changed, removed: batches.put((changed, removed)),
        debounce=0.1,
        ignore=WorkspaceIgnore(root),
        exclude_dirs=[cache],
    )
    watcher.start()
    yield root, batches, watcher
    watcher.stop()


def _collect(batches, until):
    """Merge batches until `until(changed, removed)` holds (or fail after WAIT seconds)."""
    changed: set[str] = set()
    removed: set[str] = set()
    while not until(changed, removed):
        try:
            c, r = batches.get(timeout=WAIT)
        except queue.Empty:
            pytest.fail(f"no watcher batch within {WAIT} s (so far {changed=} {removed=})")
        changed |= set(c)
        removed |= set(r)
    return changed, removed


def test_written_file_is_reported_and_noise_is_not(watched):
    root, batches, _ = watched
    (root / "build" / "out.py").write_text("x = 1\n")  # ignored directory
    (root / "debug.log").write_text("log\n")  # ignored pattern
    (root / ".git" / "index").write_text("git internals\n")
    (root / ".cache" / "index.sqlite3").write_text("cache\n")
    (root / "src" / "a.py").write_text("def a():\n    pass\n")
    changed, removed = _collect(batches, lambda c, r: "src/a.py" in c)
    assert changed <= {"src", "src/a.py"}
    assert removed == set()


def test_delete_and_rename(watched):
    root, batches, _ = watched
    (root / "src" / "old.py").write_text("x = 1\n")
    _collect(batches, lambda c, r: "src/old.py" in c)
    (root / "src" / "old.py").rename(root / "src" / "new.py")
    _collect(batches, lambda c, r: "src/new.py" in c and "src/old.py" in r)
    (root / "src" / "new.py").unlink()
    _collect(batches, lambda c, r: "src/new.py" in r)


def test_burst_is_debounced_into_one_batch(watched):
    root, batches, _ = watched
    for i in range(20):
        (root / "src" / f"m{i}.py").write_text(f"x = {i}\n")
    changed, _ = _collect(batches, lambda c, r: all(f"src/m{i}.py" in c for i in range(20)))
    assert len(changed) >= 20


def test_gitignore_change_is_reported_and_applied(watched):
    root, batches, _ = watched
    (root / ".gitignore").write_text("*.log\n")  # build/ is no longer ignored
    _collect(batches, lambda c, r: ".gitignore" in c)
    (root / "build" / "now.py").write_text("x = 1\n")
    _collect(batches, lambda c, r: "build/now.py" in c)


def test_stop_is_clean_and_idempotent(tmp_path):
    calls = []
    watcher = Watcher(tmp_path, lambda c, r: calls.append((c, r)), debounce=0.05)
    with watcher:
        assert watcher.running
    assert not watcher.running
    watcher.stop()
    (tmp_path / "late.py").write_text("")  # nobody is listening any more
    assert calls == [] or all("late.py" not in c for c, _ in calls)
    assert os.path.isdir(tmp_path)


def test_callback_errors_do_not_stop_the_watcher(tmp_path, caplog):
    seen: queue.Queue = queue.Queue()

    def callback(changed, removed):
        seen.put(changed)
        raise RuntimeError("boom")

    with Watcher(tmp_path, callback, debounce=0.05):
        (tmp_path / "one.py").write_text("")
        assert "one.py" in seen.get(timeout=WAIT)
        (tmp_path / "two.py").write_text("")
        while "two.py" not in seen.get(timeout=WAIT):
            pass
    assert "file watcher callback failed" in caplog.text
