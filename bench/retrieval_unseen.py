"""Retrieval on unseen repositories, measured the way users run radix-ls (issue 15).

Five public repositories that radix-ls was never tuned on (PyPI sdists, pinned, downloaded
once into ~/.cache/radix-ls-bench, `RADIX_LS_BENCH_CACHE`; a working copy of each is kept
there so that its index stays warm between runs); `--set dev` runs the same measure on the
repositories changes are tried on, `--set held-out` on three that are only ever measured.
In each, lines that use a name defined in another file are chosen at random (seeded) and
classified by kind (`unseen_cases.py`). Each line is asked about at two points, as typing
produces them:

- `blank`: the line emptied to its indentation, the cursor there;
- `typed`: the line typed up to and including the first 3 characters of the needed name.

What is measured is the real `radix-ls serve` over stdio, one server per repository with its
index built: the document is opened with the masked text (didOpen, then didChange for the
second point) and `radixLs/context` is asked at the cursor; the budget is the `contextTokens`
setting (the whole prompt, current file included), sent with workspace/didChangeConfiguration
before each budget's pass (the request takes no budget of its own). A hit: a segment of the
defining file covers the definition's first line and the prompt holds that header (`def
name`, `class Name`, `NAME =`). For a sample of cases `radix-ls context DIR --file F --line L
--col C --budget N --json` (the masked file written to the working copy, then restored) is run
too, and its answer compared with the server's.

Baseline in the same run, same cases and budget: BM25 over 20-line windows of the other files
(`retrieval_bench.Baseline`), queried with the 20 lines before the cursor and the typed part
of the line, packed in score order while they fit the whole budget (more room than radix-ls
gives other files' code, so the ratio is conservative).

Last, the latency of `Session.context` (what `radix-ls context` answers, in-process, warm
index) on Django 5.2.8 (~2,900 files): p50/p95 ms at 1,024 and 8,192 tokens.

Usage: python bench/retrieval_unseen.py [--quick] [--set unseen|dev|held-out]
    [--repo NAME==VERSION ...] [--samples 80] [--cli-sample 20] [--budgets N ...]
    [--no-latency] [--json OUT]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import signal
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.lsp.client import LanguageClient

from retrieval_bench import WINDOW_LINES, Baseline
from typing_replay import CACHE, _plain, _tokenizer, fetch_project, start_server, stop_server
from unseen_cases import KINDS, Case, Project, choose_cases

REPOS = ("attrs==25.3.0", "marshmallow==3.26.1", "rich==14.0.0", "trio==0.30.0", "twisted==24.11.0")
QUICK_REPOS = ("attrs==25.3.0", "marshmallow==3.26.1", "trio==0.30.0")
# `--set dev`: where retrieval changes are tried and their misses read (the typing replay's
# three projects and two more); `--set held-out`: three more, measured only once a change
# is done, never looked into (bench/README.md says which numbers came from which set)
SETS = {
    "unseen": REPOS,
    "dev": (
        "httpx==0.28.1",
        "click==8.1.8",
        "requests==2.32.3",
        "starlette==0.47.2",
        "uvicorn==0.35.0",
    ),
    "held-out": ("jinja2==3.1.6", "werkzeug==3.1.3", "pytest==8.4.1"),
}
LATENCY_REPO = "Django==5.2.8"
LATENCY_TREE = Path("/work/corpora/django-5.2.8")  # used when present, else downloaded
BUDGETS = (512, 1024, 2048, 4096, 8192)
VARIANTS = ("blank", "typed")
# nCtx: room for the largest budget plus the answer (the setting checks contextTokens +
# maxTokens <= nCtx; the default 4,096 refuses budgets of 4,096 and more)
N_CTX = 16384
OPTIONS: dict[str, Any] = {
    "engine": "llamacpp",
    "cacheDir": str(CACHE / "radix-ls-cache"),
    "nCtx": N_CTX,
}


@dataclass(frozen=True)
class Outcome:
    case: int
    variant: str
    budget: int
    radix: bool
    bm25: bool
    tokens: int  # the prompt's tokens, as the server counted them
    segments: tuple[tuple[str, str, int, int], ...]


def workspace(spec: str) -> Path:
    """A working copy of the sdist (the CLI sample writes masked files into it), brought back
    to the sdist's content if an interrupted run left a masked file behind."""
    source = fetch_project(spec)
    copy = CACHE / "unseen" / source.name
    if not copy.is_dir():
        shutil.copytree(source, copy, ignore=shutil.ignore_patterns("__pycache__"))
    for rel in python_files(source):
        if (copy / rel).read_bytes() != (source / rel).read_bytes():
            shutil.copyfile(source / rel, copy / rel)
    return copy


def python_files(root: Path) -> list[str]:
    return sorted(
        p.relative_to(root).as_posix()
        for p in root.rglob("*.py")
        if not any(part.startswith(".") for part in p.relative_to(root).parts)
    )


def point(case: Case, text: str, variant: str) -> tuple[str, int, int]:
    return case.blanked(text) if variant == "blank" else case.typed(text)


def radix_hit(case: Case, root: Path, answer: dict[str, Any] | None) -> bool:
    """A segment of the defining file covers the definition's first line and the prompt holds
    that header; a segment of the file's stub (`.pyi` beside it) holding the header counts
    too: it gives the model the same signature."""
    if not answer:
        return False
    header = case.target.header_pattern()
    if header.search(answer["prompt"]) is None:
        return False
    for s in answer["segments"]:
        path = _relative(root, s["path"])
        if path == case.target.path and s["startLine"] <= case.target.line <= s["endLine"]:
            return True
        if path == case.target.path + "i":
            stub = (root / path).read_text("utf-8", "replace").split("\n")
            if header.search("\n".join(stub[s["startLine"] - 1 : s["endLine"]])):
                return True
    return False


def _relative(root: Path, path: str) -> str:
    p = Path(path)
    return p.relative_to(root).as_posix() if p.is_absolute() and p.is_relative_to(root) else path


def _segments(root: Path, answer: dict[str, Any] | None) -> tuple[tuple[str, str, int, int], ...]:
    if not answer:
        return ()
    return tuple(
        (s["kind"], _relative(root, s["path"]), s["startLine"], s["endLine"])
        for s in answer["segments"]
    )


def baseline_hit(
    baseline: Baseline, case: Case, text: str, line: int, col: int, budget: int, count: Any
) -> bool:
    lines = text.split("\n")
    query = "\n".join([*lines[max(0, line - WINDOW_LINES) : line], lines[line][:col]])
    return baseline.hit_query(query, case.path, case.target.path, case.target.line, budget, count)


async def _request(client: LanguageClient, method: str, params: Any) -> Any:
    return _plain(await client.protocol.send_request_async(method, params))


async def _set_budget(client: LanguageClient, budget: int) -> None:
    client.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(settings={**OPTIONS, "contextTokens": budget})
    )
    status = await _request(client, "radixLs/status", {})
    if status["settings"]["contextTokens"] != budget:
        raise SystemExit(f"the server did not take contextTokens={budget}: {status['settings']}")


async def _ask(
    client: LanguageClient, uri: str, version: int, text: str, at: tuple[int, int]
) -> Any:
    change = types.TextDocumentContentChangeWholeDocument(text=text)
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
            content_changes=[change],
        )
    )
    position = {"line": at[0], "character": at[1]}
    return await _request(
        client, "radixLs/context", {"textDocument": {"uri": uri}, "position": position}
    )


async def measure_server(
    root: Path, cases: list[Case], budgets: list[int], baseline: Baseline, count: Any
) -> list[Outcome]:
    """Every case, point and budget through `radix-ls serve`, and the baseline beside it."""
    client = await start_server(root, {**OPTIONS, "contextTokens": budgets[0]})
    outcomes: list[Outcome] = []
    try:
        for budget in budgets:
            await _set_budget(client, budget)
            for i, case in enumerate(cases):
                original = (root / case.path).read_text("utf-8")
                uri = (root / case.path).as_uri()
                item = types.TextDocumentItem(
                    uri=uri, language_id="python", version=1, text=original
                )
                client.text_document_did_open(types.DidOpenTextDocumentParams(text_document=item))
                for version, variant in enumerate(VARIANTS, start=2):
                    text, line, col = point(case, original, variant)
                    answer = await _ask(client, uri, version, text, (line, col))
                    outcomes.append(
                        Outcome(
                            i,
                            variant,
                            budget,
                            radix_hit(case, root, answer),
                            baseline_hit(baseline, case, text, line, col, budget, count),
                            answer["tokens"] if answer else 0,
                            _segments(root, answer),
                        )
                    )
                client.text_document_did_close(
                    types.DidCloseTextDocumentParams(
                        text_document=types.TextDocumentIdentifier(uri)
                    )
                )
    finally:
        await stop_server(client)
    return outcomes


def cli_agreement(
    root: Path, cases: list[Case], outcomes: list[Outcome], sample: int, budget: int
) -> dict[str, Any]:
    """`radix-ls context ... --json` on the first `sample` cases (points alternating), the
    masked file written to disk for the command and restored afterwards."""
    served = {(o.case, o.variant): o for o in outcomes if o.budget == budget}
    same_hit = same_segments = runs = 0
    seconds: list[float] = []
    for i, case in enumerate(cases[:sample]):
        variant = VARIANTS[i % 2]
        path = root / case.path
        original = path.read_text("utf-8")
        text, line, col = point(case, original, variant)
        command = [sys.executable, "-m", "radix_ls", "--log-level", "warning", "context", str(root)]
        command += ["--file", case.path, "--line", str(line + 1), "--col", str(col + 1)]
        command += ["--budget", str(budget), "--json", "--engine", "llamacpp"]
        command += ["--n-ctx", str(N_CTX)]
        command += ["--cache-dir", OPTIONS["cacheDir"]]
        try:
            path.write_text(text, "utf-8")
            started = time.perf_counter()
            done = subprocess.run(command, capture_output=True, text=True, check=False)
            seconds.append(time.perf_counter() - started)
        finally:
            path.write_text(original, "utf-8")
        if done.returncode != 0:
            print(f"  radix-ls context failed: {done.stderr.strip()[-300:]}", file=sys.stderr)
            continue
        answer = json.loads(done.stdout)
        answer["segments"] = [
            {
                "kind": s["kind"],
                "path": s["path"],
                "startLine": s["start_line"],
                "endLine": s["end_line"],
            }
            for s in answer["segments"]
        ]
        runs += 1
        server = served[(i, variant)]
        same_hit += radix_hit(case, root, answer) == server.radix
        same_segments += _segments(root, answer) == server.segments
    return {
        "runs": runs,
        "budget": budget,
        "same_hit": same_hit,
        "same_segments": same_segments,
        "seconds_p50": round(statistics.median(seconds), 2) if seconds else None,
    }


def rates(cases: list[Case], outcomes: list[Outcome], budgets: list[int]) -> dict[str, Any]:
    """variant -> kind ("all" and each) -> budget -> {n, radix, bm25, ratio}."""
    table: dict[str, Any] = {}
    for variant in (*VARIANTS, "both"):
        table[variant] = {}
        for kind in ("all", *KINDS):
            row = {}
            for budget in budgets:
                chosen = [
                    o
                    for o in outcomes
                    if o.budget == budget
                    and (variant == "both" or o.variant == variant)
                    and (kind == "all" or kind in cases[o.case].kinds)
                ]
                if not chosen:
                    continue
                ours = sum(o.radix for o in chosen) / len(chosen)
                base = sum(o.bm25 for o in chosen) / len(chosen)
                row[str(budget)] = {
                    "n": len(chosen),
                    "radix": round(ours, 4),
                    "bm25": round(base, 4),
                    "ratio": round(ours / base, 2) if base else None,
                }
            if row:
                table[variant][kind] = row
    return table


def print_rates(title: str, table: dict[str, Any], budgets: list[int]) -> None:
    print(f"\n{title}  (radix-ls % / bm25-windows %, per budget in tokens)")
    for variant, kinds in table.items():
        head = f"  {variant:6s} {'kind':12s} {'n':>4s} " + " ".join(f"{b:>13d}" for b in budgets)
        print(head)
        for kind, row in kinds.items():
            n = next(iter(row.values()))["n"]
            cells = " ".join(
                f"{100 * row[str(b)]['radix']:5.1f} / {100 * row[str(b)]['bm25']:5.1f}"
                if str(b) in row
                else f"{'-':>13s}"
                for b in budgets
            )
            print(f"  {'':6s} {kind:12s} {n:4d} {cells}")


async def latency(root: Path, samples: int, budgets: list[int], seed: int) -> dict[str, Any]:
    """`Session.context` (the answer of `radix-ls context`) on Django, in-process, warm."""
    from radix_ls.config import resolve
    from radix_ls.session import Session
    from radix_ls.workspace.documents import offset_at

    cases = choose_cases(root.name, Project(root, python_files(root)), samples, seed)
    session = Session(root, resolve(OPTIONS).settings)
    result: dict[str, Any] = {
        "repo": root.name,
        "files": len(python_files(root)),
        "cases": len(cases),
    }
    try:
        await session.load_engine(tokenizer_only=True)
        started = time.perf_counter()
        await session.open_index()
        result["index_refresh_s"] = round(time.perf_counter() - started, 2)
        for budget in budgets:
            session.apply_settings({**OPTIONS, "contextTokens": budget})
            warm = cases[0].blanked((root / cases[0].path).read_text("utf-8"))
            first = session.open_file(root / cases[0].path, warm[0])
            session.context(first, 0)  # the first request builds what later ones reuse
            session.close_document(first.uri)
            times = []
            for case in cases:
                text, line, col = case.blanked((root / case.path).read_text("utf-8"))
                snapshot = session.open_file(root / case.path, text)
                began = time.perf_counter()
                session.context(snapshot, offset_at(text, line, col))
                times.append((time.perf_counter() - began) * 1000)
                session.close_document(snapshot.uri)
            times.sort()
            result[str(budget)] = {
                "p50_ms": round(times[len(times) // 2], 1),
                "p95_ms": round(times[min(len(times) - 1, int(0.95 * len(times)))], 1),
            }
    finally:
        await session.close()
    return result


def run_repo(spec: str, args: argparse.Namespace, count: Any) -> dict[str, Any]:
    started = time.perf_counter()
    root = workspace(spec)
    files = python_files(root)
    cases = choose_cases(spec, Project(root, files), args.samples, args.seed)
    baseline = Baseline(root, files)
    outcomes = asyncio.run(measure_server(root, cases, args.budgets, baseline, count))
    agreement = cli_agreement(root, cases, outcomes, args.cli_sample, 1024)
    table = rates(cases, outcomes, args.budgets)
    prompt_tokens = {
        str(b): round(statistics.fmean(o.tokens for o in outcomes if o.budget == b))
        for b in args.budgets
    }
    print_rates(f"{spec}: {len(files)} .py files, {len(cases)} cases", table, args.budgets)
    print(f"  prompt tokens (mean) per budget: {prompt_tokens}; radix-ls context CLI: {agreement}")
    return {
        "files": len(files),
        "cases": [
            {
                "path": c.path,
                "line": c.line,
                "name": c.name,
                "kinds": c.kinds,
                "target": f"{c.target.path}:{c.target.line}",
            }
            for c in cases
        ],
        "outcomes": [vars(o) for o in outcomes],
        "rates": table,
        "prompt_tokens": prompt_tokens,
        "cli": agreement,
        "seconds": round(time.perf_counter() - started, 1),
        "_raw": (cases, outcomes),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repo", action="append", help="PyPI sdist NAME==VERSION (repeat)")
    parser.add_argument("--set", choices=sorted(SETS), default="unseen", help="repositories")
    parser.add_argument("--quick", action="store_true", help="3 small repositories, fewer cases")
    parser.add_argument("--samples", type=int, help="lines per repository (default 60, quick 25)")
    parser.add_argument("--cli-sample", type=int, help="radix-ls context runs per repository")
    parser.add_argument("--budgets", type=int, nargs="+", default=list(BUDGETS))
    parser.add_argument("--latency-samples", type=int, help="Django cursors (default 100)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-latency", action="store_true", help="skip the Django latency run")
    parser.add_argument("--json", type=Path, help="write every case and outcome as JSON")
    args = parser.parse_args()
    # a plain kill runs the `finally` that restores a file masked for the CLI sample
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    args.samples = args.samples or (25 if args.quick else 60)
    args.cli_sample = args.cli_sample if args.cli_sample is not None else (6 if args.quick else 20)
    repos = args.repo or list(QUICK_REPOS if args.quick else SETS[args.set])
    started = time.perf_counter()
    tokenize = _tokenizer("embedded")

    def count(text: str) -> int:
        return len(tokenize(text))

    report: dict[str, Any] = {"budgets": args.budgets, "seed": args.seed, "repos": {}}
    every_case: list[Case] = []
    every_outcome: list[Outcome] = []
    for spec in repos:
        result = run_repo(spec, args, count)
        cases, outcomes = result.pop("_raw")
        offset = len(every_case)
        every_case += cases
        every_outcome += [
            Outcome(o.case + offset, o.variant, o.budget, o.radix, o.bm25, o.tokens, ())
            for o in outcomes
        ]
        report["repos"][spec] = result
    report["overall"] = rates(every_case, every_outcome, args.budgets)
    print_rates(f"overall: {len(repos)} repositories, {len(every_case)} cases", report["overall"],
                args.budgets)  # fmt: skip
    if not args.no_latency:
        samples = args.latency_samples or (30 if args.quick else 100)
        tree = LATENCY_TREE if LATENCY_TREE.is_dir() else fetch_project(LATENCY_REPO)
        report["latency"] = asyncio.run(latency(tree, samples, [1024, 8192], args.seed))
        print(f"\nSession.context latency, warm index: {report['latency']}")
    report["seconds"] = round(time.perf_counter() - started, 1)
    print(f"run time {report['seconds']} s")
    if args.json:
        args.json.write_text(json.dumps(report, indent=1) + "\n")


if __name__ == "__main__":
    main()
