"""Fixture repositories (tests/data/index/repos/) copied into a temporary directory."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parent.parent / "data" / "index"
REPOS = DATA / "repos"
REPO_NAMES = sorted(p.name for p in REPOS.iterdir() if p.is_dir())


def copy_repo(name: str, destination: Path) -> Path:
    """A copy of a fixture repo (outside any git work tree), without its golden file."""
    target = destination / name
    shutil.copytree(REPOS / name, target, ignore=shutil.ignore_patterns("expected.json"))
    return target


@pytest.fixture
def cache_dir(tmp_path) -> Path:
    return tmp_path / "cache"


@pytest.fixture
def repo(tmp_path):
    """Factory: repo("py_pkg") -> a fresh copy's root."""

    def make(name: str) -> Path:
        return copy_repo(name, tmp_path / "repos")

    return make
