"""Retrieval benchmark: is the code a masked line depends on inside the assembled context?

For each repository (default: real packages installed in this environment's site-packages),
lines that use a name defined in another file of the same package (imported by the file) are
masked one at a time: the line's text is removed, the cursor is put where it started, and
both retrievers get the same token budget for cross-file context:

- radix-ls: `context.retrieval.retrieve` over the workspace index (what completions use);
- baseline: BM25 over 20-line windows of the other files, queried with the 20 lines before
  the cursor (what similar-lines retrievers do), filled in score order up to the budget.

A case is a hit when a retrieved snippet of the defining file covers the definition's first
line. Prints hit rates at each budget for both, and their ratio, per repository and overall.

Usage: python bench/retrieval_bench.py [--repo DIR ...] [--samples 60] [--budgets 512 1024 2048]
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import importlib.util
import json
import random
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import tree_sitter as ts

from radix_ls.config import Settings
from radix_ls.context.bm25 import BM25
from radix_ls.context.repo import RepoContext
from radix_ls.context.retrieval import retrieve
from radix_ls.engine.factory import load_tokenizer
from radix_ls.index import languages
from radix_ls.index.extract import extract
from radix_ls.index.indexer import Indexer

DEFAULT_PACKAGES = ("httpx", "pygls", "starlette", "fastapi", "pydantic", "uvicorn")
WINDOW_LINES = 20
# Identifiers a Python file uses (calls, attribute bases, types, base classes, decorators):
# where a masked line can need another file's definition.
USES_QUERY = """
(call function: [(identifier) @use (attribute attribute: (identifier) @use)])
((attribute object: (identifier) @use) (#not-eq? @use "self"))
(type (identifier) @use)
(generic_type (identifier) @use)
(class_definition superclasses: (argument_list (identifier) @use))
(decorator (identifier) @use)
"""


@dataclass(frozen=True)
class Case:
    path: str
    line: int  # 1-based, the masked line
    name: str
    target_path: str
    target_line: int


def package_dirs(names: tuple[str, ...]) -> list[Path]:
    dirs = []
    for name in names:
        spec = importlib.util.find_spec(name)
        if spec is not None and spec.origin and spec.origin.endswith("__init__.py"):
            dirs.append(Path(spec.origin).parent)
    return dirs


def uses(data: bytes) -> dict[str, list[int]]:
    """Name -> the lines (1-based, ascending, each once) a Python file uses it on."""
    python = languages.load("python")
    tree = python.parser().parse(data)
    lines: dict[str, set[int]] = {}
    for nodes in ts.QueryCursor(_uses_query()).captures(tree.root_node).values():
        for node in nodes:
            name = data[node.start_byte : node.end_byte].decode("utf-8", "replace")
            lines.setdefault(name, set()).add(node.start_point[0] + 1)
    return {name: sorted(rows) for name, rows in sorted(lines.items())}


@functools.cache
def _uses_query() -> ts.Query:
    return ts.Query(languages.load("python").language, USES_QUERY)


def cases_for(indexer: Indexer, samples: int, rng: random.Random) -> list[Case]:
    found: list[Case] = []
    for path in sorted(indexer.files()):
        if not path.endswith(".py"):
            continue
        try:
            used = uses((indexer.root / path).read_bytes())
        except OSError:
            continue
        imported: dict[str, tuple[str, int]] = {}
        last_import = 0
        for imp in indexer.imports_of(path):
            last_import = max(last_import, imp.line)
            for name in imp.names:
                for target in imp.resolved:
                    for d in indexer.definitions_in(target):
                        if d.name == name and not d.container:
                            imported[name] = (target, d.start_line)
        per_file: list[Case] = []
        for name, lines in used.items():
            if name in imported:
                target, line = imported[name]
                per_file += [
                    Case(path, at, name, target, line) for at in lines if at > last_import + 1
                ]
        rng.shuffle(per_file)
        found += per_file[:3]  # spread the sample over many files
    rng.shuffle(found)
    return found[:samples]


def masked(text: str, line: int) -> tuple[str, int]:
    """The text with `line` emptied to its indentation, and the cursor's column."""
    lines = text.split("\n")
    current = lines[line - 1]
    indent = current[: len(current) - len(current.lstrip())]
    lines[line - 1] = indent
    return "\n".join(lines), len(indent)


class Baseline:
    """BM25 over fixed 20-line windows of every file."""

    def __init__(self, root: Path, paths: list[str]) -> None:
        self.windows: list[tuple[str, int, int, str]] = []
        for path in paths:
            try:
                lines = (root / path).read_text(errors="replace").split("\n")
            except OSError:
                continue
            for start in range(0, len(lines), WINDOW_LINES):
                chunk = lines[start : start + WINDOW_LINES]
                self.windows.append((path, start + 1, start + len(chunk), "\n".join(chunk)))
        self.bm25 = BM25(w[3] for w in self.windows)
        self._costs: dict[int, int] = {}  # window -> tokens, counted once

    def hit(self, case: Case, text: str, budget: int, count: object) -> bool:
        lines = text.split("\n")
        query = "\n".join(lines[max(0, case.line - 1 - WINDOW_LINES) : case.line - 1])
        return self.hit_query(query, case.path, case.target_path, case.target_line, budget, count)

    def hit_query(
        self, query: str, path: str, target_path: str, target_line: int, budget: int, count: object
    ) -> bool:
        """Windows of files other than `path`, best first, packed while they fit `budget`:
        does one cover `target_line` of `target_path`?"""
        exclude = [i for i, w in enumerate(self.windows) if w[0] == path]
        used = 0
        for scored in self.bm25.search(query, limit=200, exclude=exclude):
            window, start, end, chunk = self.windows[scored.index]
            cost = self._costs.get(scored.index)
            if cost is None:
                cost = self._costs[scored.index] = count(chunk)  # type: ignore[operator]
            if used + cost > budget:
                continue
            used += cost
            if window == target_path and start <= target_line <= end:
                return True
        return False


def run(args: argparse.Namespace) -> dict[str, object]:
    settings = Settings()
    engine = asyncio.run(load_tokenizer(settings))
    count = engine.count_tokens
    rng = random.Random(args.seed)
    results: dict[str, object] = {"budgets": args.budgets, "repos": {}}
    totals = {b: [0, 0] for b in args.budgets}
    n_total = 0
    with tempfile.TemporaryDirectory() as scratch:
        cache = Path(scratch) / "cache"
        for source in args.repo or package_dirs(DEFAULT_PACKAGES):
            # a copy outside any git work tree (a venv inside a checkout is git-ignored), laid
            # out like a repository: the package directory inside the workspace root
            root = Path(scratch) / "repos" / Path(source).name
            shutil.copytree(
                source, root / Path(source).name, ignore=shutil.ignore_patterns("__pycache__")
            )
            started = time.perf_counter()
            indexer = Indexer(root, cache)
            indexer.refresh()
            cases = cases_for(indexer, args.samples, rng)
            if not cases:
                indexer.close()
                continue
            repo = RepoContext(indexer)
            similar = repo.rebuild_similar()
            baseline = Baseline(root, sorted(indexer.files()))
            hits = {b: [0, 0] for b in args.budgets}
            for case in cases:
                text, _col = masked((root / case.path).read_text(errors="replace"), case.line)
                definitions = extract(case.path, text.encode(), "python").definitions
                for budget in args.budgets:
                    snippets = retrieve(
                        case.path,
                        text,
                        definitions,
                        case.line,
                        repo,
                        budget=budget,
                        count=count,
                        window=(1, case.line),
                        similar=similar,
                    )
                    ours = any(
                        s.path == case.target_path
                        and s.start_line <= case.target_line <= s.end_line
                        for s in snippets
                    )
                    hits[budget][0] += ours
                    hits[budget][1] += baseline.hit(case, text, budget, count)
            indexer.close()
            n = len(cases)
            n_total += n
            repo_result = {"cases": n, "seconds": round(time.perf_counter() - started, 1)}
            for budget in args.budgets:
                ours, base = hits[budget]
                totals[budget][0] += ours
                totals[budget][1] += base
                repo_result[str(budget)] = {"radix": ours / n, "bm25_windows": base / n}
            results["repos"][root.name] = repo_result  # type: ignore[index]
            line = ", ".join(
                f"{b}: {hits[b][0] / n:.0%} vs {hits[b][1] / n:.0%}" for b in args.budgets
            )
            print(f"{root.name:12s} {n:3d} cases  radix vs bm25-windows  {line}", flush=True)
    asyncio.run(engine.close())
    overall = {}
    for budget in args.budgets:
        ours, base = totals[budget]
        overall[str(budget)] = {
            "radix": ours / max(n_total, 1),
            "bm25_windows": base / max(n_total, 1),
            "ratio": (ours / base) if base else float("inf"),
        }
    results["overall"] = overall
    results["cases"] = n_total
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repo", action="append", type=Path, help="repository dir (repeatable)")
    parser.add_argument("--samples", type=int, default=60, help="masked lines per repository")
    parser.add_argument("--budgets", type=int, nargs="+", default=[512, 1024, 2048])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    results = run(args)
    print(f"overall, {results['cases']} cases:")
    for budget, r in results["overall"].items():  # type: ignore[union-attr]
        print(
            f"  budget {budget:>5s}: radix {r['radix']:.1%}, bm25 windows "
            f"{r['bm25_windows']:.1%}, ratio {r['ratio']:.1f}x"
        )
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
