"""gitignore matching (data: tests/data/index/gitignore/cases.json, checked against git)."""

import json
import shutil
import subprocess

import pytest

from radix_ls.index.ignore import WorkspaceIgnore, compile_rule, walk
from tests.index.conftest import DATA

CASES = json.loads((DATA / "gitignore" / "cases.json").read_text())["cases"]


def _materialise(root, case):
    for path, lines in case["files"].items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text("\n".join(lines) + "\n")
    for path in case["paths"]:
        full = root / path.rstrip("/")
        full.parent.mkdir(parents=True, exist_ok=True)
        if path.endswith("/"):
            full.mkdir(exist_ok=True)
        elif not full.exists():
            full.write_text("")


@pytest.mark.parametrize("case", CASES, ids=lambda c: c["name"])
def test_matcher(tmp_path, case):
    _materialise(tmp_path, case)
    ignore = WorkspaceIgnore(tmp_path, defaults=())
    got = {p: ignore.is_ignored(p.rstrip("/"), p.endswith("/")) for p in case["paths"]}
    assert got == case["paths"]


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
@pytest.mark.parametrize("case", CASES, ids=lambda c: c["name"])
def test_cases_agree_with_git(tmp_path, case):
    """The expectations are what git itself says (keeps the data honest)."""
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    _materialise(tmp_path, case)
    for path, expected in case["paths"].items():
        done = subprocess.run(
            ["git", "-C", str(tmp_path), "check-ignore", "-q", "--no-index", path.rstrip("/")],
            check=False,
        )
        assert (done.returncode == 0) == expected, path


def test_walk_prunes_ignored_directories_and_applies_excludes(tmp_path):
    _materialise(
        tmp_path,
        {
            "files": {".gitignore": ["build/", "*.log"], "sub/.gitignore": ["!keep.log"]},
            "paths": {
                "a.py": 0,
                "build/x.py": 0,
                "sub/keep.log": 0,
                "sub/drop.log": 0,
                "node_modules/m/i.js": 0,
                "vendor/v.go": 0,
                "src/vendor/w.go": 0,
                ".git/config": 0,
            },
        },
    )
    ignore = WorkspaceIgnore(tmp_path, exclude=["/vendor/"])
    assert walk(tmp_path, ignore) == [
        ".gitignore",
        "a.py",
        "src/vendor/w.go",
        "sub/.gitignore",
        "sub/keep.log",
    ]
    assert walk(tmp_path, ignore, suffixes=frozenset({".py", ".go"})) == ["a.py", "src/vendor/w.go"]
    assert ignore.is_ignored("node_modules/m/i.js")
    assert ignore.is_ignored(".git/config")
    assert ignore.is_excluded("vendor/v.go") and not ignore.is_excluded("src/vendor/w.go")


def test_walk_does_not_follow_directory_symlinks(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.py").write_text("x = 1\n")
    root = tmp_path / "root"
    root.mkdir()
    (root / "a.py").write_text("")
    (root / "link").symlink_to(outside, target_is_directory=True)
    assert walk(root, WorkspaceIgnore(root)) == ["a.py"]


@pytest.mark.parametrize("line", ["", "   ", "# comment", "/", "!"])
def test_lines_that_are_no_rules(line):
    assert compile_rule(line) is None


def test_invalidate_rereads_gitignore(tmp_path):
    (tmp_path / ".gitignore").write_text("*.tmp\n")
    ignore = WorkspaceIgnore(tmp_path)
    assert ignore.is_ignored("a.tmp")
    (tmp_path / ".gitignore").write_text("")
    assert ignore.is_ignored("a.tmp")  # cached
    ignore.invalidate()
    assert not ignore.is_ignored("a.tmp")


def test_info_exclude_is_read(tmp_path):
    (tmp_path / ".git" / "info").mkdir(parents=True)
    (tmp_path / ".git" / "info" / "exclude").write_text("secret/\n")
    assert WorkspaceIgnore(tmp_path).is_ignored("secret", True)
