"""Regenerate the golden `expected.json` of each fixture repository under repos/.

    .venv/bin/python tests/data/index/regenerate.py

Review the diff before committing: these files are what tests/index/test_fixtures.py holds
the extraction, chunking, skipping and import resolution to.
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[2] / "server"))

from radix_ls.index.indexer import Indexer  # noqa: E402


def describe(root: Path) -> dict:
    with tempfile.TemporaryDirectory() as cache:
        with Indexer(root, Path(cache), workers=1) as indexer:
            indexer.refresh()
            chunks: dict[str, list] = {}
            for chunk in indexer.chunks():
                chunks.setdefault(chunk.path, []).append(chunk)
            files = {}
            for path, language in sorted(indexer.files().items()):
                files[path] = {
                    "language": language,
                    "definitions": [
                        f"{d.kind} {d.qualified_name} {d.start_line}-{d.end_line}: {d.signature}"
                        for d in indexer.definitions_in(path)
                    ],
                    "imports": [
                        f"{i.line} {i.module} [{', '.join(i.names)}]"
                        + (f" ({i.kind})" if i.kind else "")
                        + f" -> {', '.join(i.resolved)}"
                        for i in indexer.imports_of(path)
                    ],
                    "chunks": [
                        f"{c.start_line}-{c.end_line} {c.kind} {c.name}".rstrip()
                        for c in chunks.get(path, [])
                    ],
                }
            return {"files": files, "skipped": dict(sorted(indexer.skipped().items()))}


def main() -> None:
    for repo in sorted((HERE / "repos").iterdir()):
        if not repo.is_dir():
            continue
        with tempfile.TemporaryDirectory() as tmp:
            # a copy outside any git work tree, as the tests index it
            copy = Path(tmp) / repo.name
            shutil.copytree(repo, copy, ignore=shutil.ignore_patterns("expected.json"))
            expected = describe(copy)
        text = json.dumps(expected, indent=2, ensure_ascii=False) + "\n"
        (repo / "expected.json").write_text(text, encoding="utf-8")
        print(f"{repo.name}: {len(expected['files'])} files, {len(expected['skipped'])} skipped")


if __name__ == "__main__":
    main()
