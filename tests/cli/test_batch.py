"""`radix-ls batch` on a small git repository with the tiny model: diff vs apply, resuming
after a kill, refusing dirty files. The docstring action's text is formatted by radix-ls, so
the tiny model's nonsense still makes valid edits."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from radix_ls.features.syntax import SyntaxDocument

CLI = [sys.executable, "-m", "radix_ls"]


def module(n: int) -> str:
    return (
        f'"""Module {n}."""\n\n\n'
        f"def scale_{n}(values, factor):\n"
        f"    out = []\n"
        f"    for v in values:\n"
        f"        out.append(v * factor + {n})\n"
        f"    return out\n\n\n"
        f"class Counter{n}:\n"
        f"    def bump(self, by=1):\n"
        f"        self.count = getattr(self, 'count', 0) + by\n"
        f"        return self.count\n"
    )


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-c", "user.email=t@t", "-c", "user.name=t", *args],
        cwd=repo,
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def make_repo(root: Path, files: int) -> Path:
    repo = root / "repo"
    (repo / "pkg").mkdir(parents=True)
    for n in range(files):
        (repo / "pkg" / f"mod{n:02d}.py").write_text(module(n))
    (repo / "README.md").write_text("not code\n")
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "init")
    return repo


def batch(repo: Path, model: Path, *args: str, env: dict[str, str] | None = None):
    return subprocess.run(
        [*CLI, "batch", "docstring", "pkg", "--model", str(model), "--no-index", *args],
        cwd=repo,
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, **(env or {})},
    )


def snapshot(repo: Path) -> dict[str, str]:
    return {p.name: p.read_text() for p in sorted((repo / "pkg").glob("*.py"))}


def test_diff_writes_nothing_and_apply_writes_exactly_the_diff(tmp_path, tiny_model):
    repo = make_repo(tmp_path, 3)
    before = snapshot(repo)
    shown = batch(repo, tiny_model, "--json", str(tmp_path / "diff.json"))
    assert shown.returncode == 0, shown.stderr
    assert snapshot(repo) == before and git(repo, "status", "--porcelain") == ""
    assert shown.stdout.count("+++ b/pkg/mod") == 3
    assert "nothing written" in shown.stderr
    report = json.loads((tmp_path / "diff.json").read_text())
    # a module docstring is not a target; each function, class and method without one is
    assert report["targets"] == 9 and report["succeeded"] == 9 and report["failed"] == 0

    # the diff, applied by git to a clone, equals what --apply writes
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(repo), str(clone)], check=True)
    patch = tmp_path / "change.patch"
    patch.write_text(shown.stdout)
    git(clone, "apply", str(patch))
    applied = batch(repo, tiny_model, "--apply")
    assert applied.returncode == 0, applied.stderr
    assert applied.stdout == ""
    assert snapshot(repo) == snapshot(clone) != before
    for text in snapshot(repo).values():
        assert SyntaxDocument(text, "python").errors() == []
        assert text.count('"""') == 2 * 4  # module, function, class, method: one each


def test_apply_refuses_dirty_files_unless_forced(tmp_path, tiny_model):
    repo = make_repo(tmp_path, 2)
    dirty = repo / "pkg" / "mod00.py"
    dirty.write_text(dirty.read_text() + "\n# work in progress\n")
    fresh = 'def fresh(x):\n    """Return x."""\n    return x\n'
    (repo / "pkg" / "new.py").write_text(fresh)  # untracked (and nothing to do in it)
    out = batch(repo, tiny_model, "--apply")
    assert out.returncode == 1
    assert "pkg/mod00.py: refused: has uncommitted changes" in out.stderr
    assert "pkg/new.py: refused" in out.stderr
    assert (
        dirty.read_text().endswith("# work in progress\n") and '"""Scale' not in dirty.read_text()
    )
    assert (repo / "pkg" / "new.py").read_text() == fresh
    assert '"""' in (repo / "pkg" / "mod01.py").read_text().split("def scale_1")[1]
    forced = batch(repo, tiny_model, "--apply", "--force")
    assert forced.returncode == 0, forced.stderr
    assert dirty.read_text().count('"""') == 8


def test_apply_outside_git_needs_force(tmp_path, tiny_model):
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "a.py").write_text(module(1))
    out = batch(tmp_path, tiny_model, "--apply", "--workspace", str(tmp_path))
    assert out.returncode == 2
    assert "not in a git work tree" in out.stderr and "--force" in out.stderr


def test_usage_errors(tmp_path, tiny_model):
    repo = make_repo(tmp_path, 1)
    rewrite = subprocess.run(
        [*CLI, "batch", "rewrite", "pkg", "--model", str(tiny_model)],
        cwd=repo, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert rewrite.returncode == 2 and "--instruction" in rewrite.stderr
    extract = subprocess.run(
        [*CLI, "batch", "extract-function", "pkg", "--model", str(tiny_model), "--no-index"],
        cwd=repo, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert extract.returncode == 2 and "needs a place chosen in an editor" in extract.stderr
    missing = subprocess.run(
        [*CLI, "batch", "docstring", "nope", "--model", str(tiny_model)],
        cwd=repo, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert missing.returncode == 2 and "nope: no such file" in missing.stderr


@pytest.mark.timeout(900)
def test_a_killed_apply_resumes_without_redoing_or_damaging_files(tmp_path, tiny_model):
    repo = make_repo(tmp_path, 12)
    cache = tmp_path / "cache"
    env = {"RADIX_LS_CACHE_DIR": str(cache)}
    # what every file should become (a --diff run changes nothing)
    expected_repo = tmp_path / "expected"
    subprocess.run(["git", "clone", "-q", str(repo), str(expected_repo)], check=True)
    diff = batch(expected_repo, tiny_model, "--concurrency", "1", env=env)
    assert diff.returncode == 0, diff.stderr
    patch = tmp_path / "all.patch"
    patch.write_text(diff.stdout)
    git(expected_repo, "apply", str(patch))
    expected = snapshot(expected_repo)
    original = snapshot(repo)

    proc = subprocess.Popen(
        [*CLI, "batch", "docstring", "pkg", "--model", str(tiny_model), "--no-index", "--apply",
         "--concurrency", "1"],
        cwd=repo, env={**os.environ, **env}, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        start_new_session=True,
    )  # fmt: skip
    journal_dir = cache / "batch"
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        journals = list(journal_dir.glob("docstring-*.jsonl")) if journal_dir.is_dir() else []
        if journals and journals[0].read_text().count('"done"') >= 2:
            break
        assert proc.poll() is None, "the run ended before it could be interrupted"
        time.sleep(0.01)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.communicate()
    journal = journals[0].read_text()

    halfway = snapshot(repo)
    written = {name for name, text in halfway.items() if text != original[name]}
    assert 2 <= len(written) < len(original), "the kill should land midway"
    for name, text in halfway.items():  # each file is whole: untouched or fully done
        assert text in (original[name], expected[name]), name

    resumed = batch(repo, tiny_model, "--apply", "--concurrency", "1", "--json",
                    str(tmp_path / "resume.json"), env=env)  # fmt: skip
    assert resumed.returncode == 0, resumed.stderr
    report = json.loads((tmp_path / "resume.json").read_text())
    statuses = {Path(f["path"]).name: f["status"] for f in report["files"]}
    assert {n for n, s in statuses.items() if s == "finished-earlier"} == written
    assert all(statuses[n] == "changed" for n in original if n not in written)
    assert snapshot(repo) == expected  # nothing done twice, nothing left out
    assert '"writing"' in journal
    assert not list(journal_dir.glob("docstring-*.jsonl")), "a clean finish removes the journal"


# -- safety of writes (issue 14 items 1-5) ---------------------------------------------------


def run_cli(repo: Path, *args: str, env: dict[str, str] | None = None):
    return subprocess.run(
        [*CLI, "batch", *args, "--no-index"],
        cwd=repo,
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, **(env or {})},
    )


def many_functions(count: int) -> str:
    return "".join(f"def step_{n}(x):\n    return x + {n}\n\n\n" for n in range(count))


@pytest.mark.timeout(900)
def test_a_file_saved_while_the_model_runs_is_not_overwritten(tmp_path, tiny_model):
    """issue 14 item 1: the file's hash is checked right before the atomic replace; a file
    the user saved while the run waited for the model is left as saved, the run reports it as
    failed with the reason and exits 1, and a resumed run redoes only that file."""
    repo = make_repo(tmp_path, 1)
    busy = repo / "pkg" / "zz_busy.py"
    busy.write_text(many_functions(12))
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "busy")
    cache = tmp_path / "cache"
    env = {"RADIX_LS_CACHE_DIR": str(cache)}
    proc = subprocess.Popen(
        [*CLI, "batch", "docstring", "pkg", "--model", str(tiny_model), "--no-index", "--apply",
         "--concurrency", "1", "--action-max-tokens", "24", "--json", str(tmp_path / "run.json")],
        cwd=repo, env={**os.environ, **env}, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    journal_dir = cache / "batch"
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:  # mod00.py (first in order) is written: the busy file
        journals = list(journal_dir.glob("docstring-*.jsonl")) if journal_dir.is_dir() else []
        if journals and '"done"' in journals[0].read_text():
            break
        assert proc.poll() is None, "the run ended before the file could be saved"
        time.sleep(0.01)
    saved = busy.read_text() + "\n# saved by the user while the model ran\n"
    busy.write_text(saved)  # its 12 places are still queued on the model
    _out, err = proc.communicate(timeout=600)
    assert proc.returncode == 1, err
    assert busy.read_text() == saved
    assert "pkg/zz_busy.py: refused: changed on disk" in err and "not written" in err
    report = json.loads((tmp_path / "run.json").read_text())
    statuses = {f["path"]: f["status"] for f in report["files"]}
    assert statuses == {"pkg/mod00.py": "changed", "pkg/zz_busy.py": "refused"}
    assert report["failed"] == 12 and report["succeeded"] == 3

    # the journal is consistent: a resumed run leaves mod00.py alone and does the busy file
    # (now uncommitted, hence --force) against the text the user saved
    resumed = run_cli(repo, "docstring", "pkg", "--model", str(tiny_model), "--apply", "--force",
                      "--action-max-tokens", "24", "--json", str(tmp_path / "resume.json"),
                      env=env)  # fmt: skip
    assert resumed.returncode == 0, resumed.stderr
    resume = json.loads((tmp_path / "resume.json").read_text())
    statuses = {f["path"]: f["status"] for f in resume["files"]}
    assert statuses == {"pkg/mod00.py": "finished-earlier", "pkg/zz_busy.py": "changed"}
    assert "# saved by the user while the model ran" in busy.read_text()
    assert busy.read_text().count('"""') == 2 * 12


def test_a_committed_symlink_is_neither_read_nor_replaced(tmp_path, tiny_model):
    """issue 14 item 2: a committed symlink to a file outside the repository is refused with a
    reason before it is read (no place in it reaches the model), and stays a symlink."""
    outside = tmp_path / "outside"
    outside.mkdir()
    secret = outside / "secret.py"
    secret.write_text(module(7))
    repo = make_repo(tmp_path, 1)
    link = repo / "pkg" / "link.py"
    link.symlink_to(Path("..") / ".." / "outside" / "secret.py")
    inner = repo / "pkg" / "inner.py"  # a link inside the workspace is never replaced either
    inner.symlink_to("mod00.py")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "links")
    shown = run_cli(repo, "docstring", "pkg", "--model", str(tiny_model),
                    "--json", str(tmp_path / "diff.json"))  # fmt: skip
    assert shown.returncode == 1
    assert "b/pkg/link.py" not in shown.stdout and "b/pkg/mod00.py" in shown.stdout
    files = {f["path"]: f for f in json.loads((tmp_path / "diff.json").read_text())["files"]}
    assert files["pkg/link.py"]["status"] == "refused" and files["pkg/link.py"]["targets"] == []
    assert "outside the workspace" in files["pkg/link.py"]["message"]
    applied = run_cli(repo, "docstring", "pkg", "--model", str(tiny_model), "--apply")
    assert applied.returncode == 1
    assert "pkg/link.py: refused:" in applied.stderr and "pkg/inner.py: refused:" in applied.stderr
    assert "symlink" in applied.stderr
    assert link.is_symlink() and inner.is_symlink() and secret.read_text() == module(7)
    assert (repo / "pkg" / "mod00.py").read_text() != module(0)  # the rest is done


def test_a_file_outside_the_workspace_is_refused(tmp_path, tiny_model):
    """issue 14 item 3: a file named outside the workspace (and outside any git work tree) is
    refused with a reason, with or without --force, and never written."""
    outside = tmp_path / "outside"
    outside.mkdir()
    target = outside / "file.py"
    target.write_text(module(3))
    repo = make_repo(tmp_path, 1)
    for extra in ((), ("--force",)):
        out = run_cli(repo, "docstring", "../outside/file.py", "--model", str(tiny_model),
                      "--apply", "--workspace", ".", *extra)  # fmt: skip
        assert out.returncode == 1, out.stderr
        assert "../outside/file.py: refused:" in out.stderr
        assert "outside the workspace" in out.stderr
        assert "0 done, 1 failed" in out.stderr
        assert target.read_text() == module(3)


CALC = "def add(a, b):\n    return a + b\n\n\ndef mul(a, b):\n    return a * b\n"


def calc_repo(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    (repo / "pkg").mkdir(parents=True)
    (repo / "pkg" / "calc.py").write_text(CALC)
    git(repo, "init", "-q")
    return repo


def commit_all(repo: Path) -> None:
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "init")


def test_tests_are_never_written_outside_the_workspace_or_through_a_symlink(tmp_path, tiny_model):
    """issue 14 item 4 (batch): the tests action refuses a tests/ folder that is a symlink to
    elsewhere and a test file that is a symlink, naming the file and why, before the model
    runs; nothing outside the workspace changes."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    outside_test = tmp_path / "outside_test.py"
    outside_test.write_text("# not the workspace's\n")
    for case in ("folder", "file"):
        repo = calc_repo(tmp_path / case)
        if case == "folder":
            (repo / "tests").symlink_to(elsewhere, target_is_directory=True)
        else:
            (repo / "tests").mkdir()
            (repo / "tests" / "test_calc.py").symlink_to(outside_test)
        commit_all(repo)
        out = run_cli(repo, "tests", "pkg/calc.py", "--model", str(tiny_model), "--apply")
        assert out.returncode == 1, out.stderr
        why = "outside the workspace" if case == "folder" else "is a symlink"
        assert out.stderr.count(f"tests/test_calc.py: {why}") == 2, out.stderr  # both places
        assert list(elsewhere.iterdir()) == []
        assert outside_test.read_text() == "# not the workspace's\n"
        assert (repo / "pkg" / "calc.py").read_text() == CALC


@pytest.mark.timeout(600)
def test_the_tests_action_writes_its_test_file(tmp_path):
    """issue 14 item 5: `batch tests FILE --apply` writes the tests it reports as done (into a
    new tests/test_calc.py, exactly what the diff shows). Gemma 3 270M (the embedded model)
    writes code that parses (whether it tests much is the model's business)."""
    repo = calc_repo(tmp_path)
    (repo / "tests").mkdir()
    (repo / "tests" / "__init__.py").write_text("")
    commit_all(repo)
    args = ("tests", "pkg/calc.py", "--model", "gemma-3-270m", "--concurrency", "1")
    shown = run_cli(repo, *args, "--json", str(tmp_path / "diff.json"))
    report = json.loads((tmp_path / "diff.json").read_text())
    assert report["succeeded"] >= 1, shown.stderr  # the model wrote at least one parsing test
    assert shown.returncode == (1 if report["failed"] else 0)
    assert "--- /dev/null\n+++ b/tests/test_calc.py\n" in shown.stdout
    assert not (repo / "tests" / "test_calc.py").exists()
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(repo), str(clone)], check=True)
    (tmp_path / "tests.patch").write_text(shown.stdout)
    git(clone, "apply", str(tmp_path / "tests.patch"))

    applied = run_cli(repo, *args, "--apply", "--json", str(tmp_path / "apply.json"))
    assert applied.returncode == shown.returncode, applied.stderr
    assert json.loads((tmp_path / "apply.json").read_text())["succeeded"] == report["succeeded"]
    written = (repo / "tests" / "test_calc.py").read_text()
    assert written == (clone / "tests" / "test_calc.py").read_text()
    assert SyntaxDocument(written, "python").errors() == [] and written.strip()
    assert (repo / "pkg" / "calc.py").read_text() == CALC
