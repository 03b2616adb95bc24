"""Fixture repositories (tests/data/index/repos/) copied into a temporary directory, and what
an index holds per file as its queries answer it."""

from __future__ import annotations

import contextlib
import shutil
from pathlib import Path
from typing import NamedTuple

import pytest

from radix_ls.index.indexer import Indexer
from radix_ls.index.model import Chunk, Definition, Import

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


class StoredFile(NamedTuple):
    """One file as the index's queries return it."""

    definitions: list[Definition]
    imports: list[Import]
    chunks: list[Chunk]


def stored_files(indexer: Indexer) -> dict[str, StoredFile]:
    """Every indexed file's definitions, imports (resolved) and chunks, by path."""
    chunks: dict[str, list[Chunk]] = {}
    for chunk in indexer.chunks():
        chunks.setdefault(chunk.path, []).append(chunk)
    return {
        path: StoredFile(
            indexer.definitions_in(path), indexer.imports_of(path), chunks.get(path, [])
        )
        for path in sorted(indexer.files())
    }


def corrupt_pages(db: Path, tables: tuple[str, ...] = ("definitions", "chunks"), seed: int = 14):
    """Write random bytes over the root pages of `tables` in the index database `db` (closed,
    checkpointed): the damage issue 14 item 10 describes, placed where queries will hit it."""
    import random
    import sqlite3

    with contextlib.closing(sqlite3.connect(db)) as conn:
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
        roots = [
            conn.execute(
                "SELECT rootpage FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
            ).fetchone()[0]
            for table in tables
        ]
    rng = random.Random(seed)
    with open(db, "r+b") as handle:
        for page in roots:  # pages are numbered from 1
            handle.seek((page - 1) * page_size)
            handle.write(rng.randbytes(page_size))
