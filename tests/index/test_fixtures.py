"""Golden checks on the fixture repos: extraction, chunks, skips and import resolution.

Each repo under tests/data/index/repos/ has an `expected.json` (regenerate with
tests/data/index/regenerate.py, then review the diff).
"""

import json

import pytest

from radix_ls.index.extract import extract
from radix_ls.index.indexer import Indexer
from tests.index.conftest import REPO_NAMES, REPOS, stored_files

EXPECTED = {name: json.loads((REPOS / name / "expected.json").read_text()) for name in REPO_NAMES}
FILES = [(name, path) for name in REPO_NAMES for path in EXPECTED[name]["files"]]


def _definitions(index):
    return [
        f"{d.kind} {d.qualified_name} {d.start_line}-{d.end_line}: {d.signature}"
        for d in index.definitions
    ]


def _imports(index, resolved=False):
    out = []
    for i in index.imports:
        text = f"{i.line} {i.module} [{', '.join(i.names)}]" + (f" ({i.kind})" if i.kind else "")
        out.append(text + (f" -> {', '.join(i.resolved)}" if resolved else ""))
    return out


def _chunks(index):
    return [f"{c.start_line}-{c.end_line} {c.kind} {c.name}".rstrip() for c in index.chunks]


@pytest.mark.parametrize(("repo_name", "path"), FILES, ids=[f"{r}/{p}" for r, p in FILES])
def test_extraction_matches_golden(repo_name, path):
    expected = EXPECTED[repo_name]["files"][path]
    data = (REPOS / repo_name / path).read_bytes()
    index = extract(path, data, expected["language"])
    assert index.path == path
    assert index.language == expected["language"]
    assert not index.has_errors
    assert _definitions(index) == expected["definitions"]
    assert _imports(index) == [line.split(" -> ")[0] for line in expected["imports"]]
    assert _chunks(index) == expected["chunks"]
    # chunks are in order, do not overlap, and hold exactly their lines
    lines = data.decode().split("\n")
    previous = 0
    for chunk in index.chunks:
        assert previous < chunk.start_line <= chunk.end_line <= index.line_count
        assert chunk.text == "\n".join(lines[chunk.start_line - 1 : chunk.end_line])
        previous = chunk.end_line
    # every definition's byte span and body lie inside the file, the body inside the span
    for d in index.definitions:
        assert 0 <= d.start_byte < d.end_byte <= len(data)
        if d.body_start_byte is not None:
            assert d.start_byte <= d.body_start_byte <= d.body_end_byte <= d.end_byte
        assert data[d.start_byte : d.end_byte].decode().find(d.name) >= 0


@pytest.mark.parametrize("repo_name", REPO_NAMES)
def test_index_matches_golden(repo_name, repo, cache_dir):
    expected = EXPECTED[repo_name]
    with Indexer(repo(repo_name), cache_dir, workers=1) as indexer:
        stats = indexer.refresh()
        assert stats.parsed == len(expected["files"])
        assert indexer.skipped() == expected["skipped"]
        assert indexer.files() == {p: f["language"] for p, f in expected["files"].items()}
        stored = stored_files(indexer)
        for path, want in expected["files"].items():
            index = stored[path]
            assert _imports(index, resolved=True) == want["imports"], path
            assert _definitions(index) == want["definitions"], path
            assert _chunks(index) == want["chunks"], path
