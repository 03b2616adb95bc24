"""Workspace index benchmark: radix-ls' tree-sitter index against universal-ctags.

On one large source tree (the acceptance run uses an unpacked Django sdist, ~2,900 Python
and JavaScript files: `pip download --no-deps --no-binary :all: Django==5.2.8 -d DIR`), in one
run:

- baseline: `ctags -R -f TMP DIR` wall time (universal-ctags);
- the command, as users run it: `radix-ls index DIR --cache-dir FRESH` as a subprocess, wall
  time from start to exit, cold (a fresh cache directory; target <= 4x ctags) and warm (run
  again on that cache, nothing changed); with the refresh time the command reports itself,
  so that what lies outside the index (interpreter start, imports, the report, exit) shows,
  and `radix-ls --version` (interpreter start and the CLI's imports alone);
- in-process: a full index into a fresh cache directory (`Indexer.refresh()` in a fresh
  Python process, the clock started after the imports), and a restart on that cache
  (target <= 0.5x ctags);
- first cross-file context: in a cold workspace, `closure(file, depth)` for one file, the
  time until its imports (depth 1) and their imports (depth 2) are indexed (target <= 1 s);
- incremental: single-character edits in a 2,000-line file (`IncrementalDocument`), p50/p95
  per edit (target p95 <= 5 ms), typing (a character typed into code, then deleted) and,
  for comparison, random characters (brackets, quotes) at random places, plus the cost of
  refreshing the outline (definitions, imports) after an edit; the p95 of the insertions
  and of the deletions alone too (a deletion that restores the text before the insertion
  reuses that state);
- peak memory (max RSS) of this process, of its child processes, and of the pool's workers.

Cold, warm and ctags are each run `--repeat` times (ctags, the command's cold run and the
in-process cold run interleaved, with the 1-minute load average before each round: the
machine may be shared); medians are reported (with every run). The command uses all cores
(`--workers` applies to the in-process runs). In-process cold, warm and the closure each run
in a fresh Python process, as after a server restart: the clock starts after the imports and
includes starting the process pool. Prints numbers, asserts nothing.

Usage: python bench/index_bench.py --tree DIR [--file REL] [--repeat 3] [--edits 600]
       [--workers N] [--command PATH] [--json OUT]
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from radix_ls.index import IncrementalDocument, Indexer
from radix_ls.index.languages import language_for_path
from radix_ls.index.pool import default_workers

CTAGS = shutil.which("ctags") or "/usr/bin/ctags"
# the `radix-ls` console script of this environment (what `pip install` puts on PATH)
COMMAND = Path(sys.executable).with_name("radix-ls")
DEFAULT_FILE = "django/db/models/query.py"
EDIT_LINES = 2000


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


class PeakMemory:
    """Samples the peak RSS (VmHWM) of every descendant process while running."""

    def __init__(self, interval: float = 0.1) -> None:
        self.peaks: dict[int, int] = {}  # pid -> KiB
        self._interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(self._interval)

    def sample(self) -> None:
        for pid in _descendants(os.getpid()):
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                continue
            for line in status.splitlines():
                if line.startswith("VmHWM:"):
                    kib = int(line.split()[1])
                    self.peaks[pid] = max(self.peaks.get(pid, 0), kib)


def _descendants(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    out, stack = [], [root]
    while stack:
        for child in children.get(stack.pop(), []):
            out.append(child)
            stack.append(child)
    return out


def time_ctags(tree: Path) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        subprocess.run(
            [CTAGS, "-R", "-f", str(Path(tmp) / "x.tags"), str(tree)],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        return time.perf_counter() - started


def time_command(command: Path, tree: Path, cache: Path) -> tuple[float, dict]:
    """`radix-ls index TREE --cache-dir CACHE --json` start to exit: (wall seconds, report)."""
    started = time.perf_counter()
    done = subprocess.run(
        [str(command), "index", str(tree), "--cache-dir", str(cache), "--json"],
        check=True,
        capture_output=True,
        text=True,
    )
    return time.perf_counter() - started, json.loads(done.stdout)


def time_startup(command: Path) -> float:
    """`radix-ls --version`: starting the interpreter and importing the CLI, nothing more."""
    started = time.perf_counter()
    subprocess.run([str(command), "--version"], check=True, capture_output=True)
    return time.perf_counter() - started


def _in_fresh_process(*args: str) -> dict:
    """Run one measurement in a new Python process, as a restarted language server would be
    (imports done before the clock starts; no pool server running yet)."""
    done = subprocess.run(
        [sys.executable, __file__, "--child", *args], check=True, capture_output=True, text=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def time_cold(tree: Path, cache: Path, workers: int) -> tuple[float, int]:
    shutil.rmtree(cache, ignore_errors=True)
    result = _in_fresh_process("refresh", str(tree), str(cache), str(workers))
    return result["seconds"], result["parsed"]


def time_warm(tree: Path, cache: Path, workers: int) -> tuple[float, int]:
    result = _in_fresh_process("refresh", str(tree), str(cache), str(workers))
    return result["seconds"], result["parsed"]


def time_closure(tree: Path, file: str, depth: int, workers: int) -> tuple[float, int]:
    with tempfile.TemporaryDirectory() as cache:
        result = _in_fresh_process("closure", str(tree), cache, str(workers), file, str(depth))
        return result["seconds"], result["files"]


def child(args: list[str]) -> None:
    """The measured part of `_in_fresh_process`; prints one JSON line."""
    what, tree, cache, workers = args[:4]
    started = time.perf_counter()
    with Indexer(Path(tree), Path(cache), workers=int(workers)) as indexer:
        if what == "refresh":
            stats = indexer.refresh()
            out = {"parsed": stats.parsed}
        else:
            out = {"files": len(indexer.closure(args[4], depth=int(args[5])))}
        out["seconds"] = time.perf_counter() - started
    out["maxrss_kib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps(out))


def edit_latencies(text: str, language: str, edits: int, *, typing: bool) -> dict[str, float]:
    """p50/p95 (ms) of single-character edits, and of the outline refresh after each."""
    rng = random.Random(1)
    doc = IncrementalDocument(language, text)
    lines = text.split("\n")
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line) + 1)
    code_lines = [i for i, line in enumerate(lines) if line.strip()]
    edit_ms: list[float] = []
    outline_ms: list[float] = []
    position = 0
    for i in range(edits):
        if i % 2 == 1:  # undo the previous insertion (a backspace)
            start, end, new = position, position + 1, ""
        elif typing:
            row = rng.choice(code_lines)
            indent = len(lines[row]) - len(lines[row].lstrip())
            position = starts[row] + rng.randint(indent, len(lines[row]))
            start, end, new = position, position, rng.choice("abcdefghijklmnopqrstuvwxyz_")
        else:
            position = rng.randrange(len(doc.text))
            start, end, new = position, position, rng.choice("abcxyz_ ([{\"':.,=")
        began = time.perf_counter()
        doc.apply_text_edit(start, end, new)
        edit_ms.append((time.perf_counter() - began) * 1000)
        began = time.perf_counter()
        doc.definitions()
        doc.imports()
        outline_ms.append((time.perf_counter() - began) * 1000)
    both = [a + b for a, b in zip(edit_ms, outline_ms, strict=True)]
    return {
        # every other edit deletes the character just inserted: the document restores its
        # state from before the insertion instead of parsing again, so the two differ
        "insert_p95_ms": _p(both[0::2], 0.95),
        "delete_p95_ms": _p(both[1::2], 0.95),
        "edit_p50_ms": _p(edit_ms, 0.5),
        "edit_p95_ms": _p(edit_ms, 0.95),
        "outline_p50_ms": _p(outline_ms, 0.5),
        "outline_p95_ms": _p(outline_ms, 0.95),
        "edit_and_outline_p95_ms": _p(both, 0.95),
    }


def _median_ratio(values: list[float], baseline: list[float]) -> float:
    return statistics.median(v / b for v, b in zip(values, baseline, strict=True))


def time_indexing(args: argparse.Namespace, tree: Path, scratch: Path, workers: int) -> dict:
    """ctags, the command and the in-process index, cold (interleaved) and warm."""
    runs: dict[str, list] = {
        key: []
        for key in ("load", "ctags", "command", "command_refresh", "cold", "command_warm", "warm")
    }
    for _ in range(args.repeat):
        # interleaved, so that all see the same machine (other load drifts over a run)
        runs["load"].append(os.getloadavg()[0])
        runs["ctags"].append(time_ctags(tree))
        shutil.rmtree(scratch / "command-cache", ignore_errors=True)
        seconds, report = time_command(args.command, tree, scratch / "command-cache")
        runs["command"].append(seconds)
        runs["command_refresh"].append(report["seconds"])
        runs["cold"].append(time_cold(tree, scratch / "cache", workers)[0])
    for _ in range(args.repeat):
        runs["command_warm"].append(time_command(args.command, tree, scratch / "command-cache")[0])
        runs["warm"].append(time_warm(tree, scratch / "cache", workers)[0])
    startup = statistics.median(time_startup(args.command) for _ in range(args.repeat))
    ctags_s = statistics.median(runs["ctags"])
    out: dict[str, object] = {
        "loadavg_runs": runs["load"],
        "ctags_s": ctags_s,
        "ctags_runs_s": runs["ctags"],
        "command_startup_s": startup,
        "command_cold_parsed": report["parsed"],
    }
    for key, name in (
        ("command", "command_cold"),
        ("command_refresh", "command_cold_refresh"),
        ("command_warm", "command_warm"),
        ("cold", "cold"),
        ("warm", "warm"),
    ):
        median = statistics.median(runs[key])
        out[f"{name}_s"] = median
        out[f"{name}_runs_s"] = runs[key]
        out[f"{name}_ratio"] = median / ctags_s
    out["command_cold_ratio_pairs"] = _median_ratio(runs["command"], runs["ctags"])
    out["cold_ratio_pairs"] = _median_ratio(runs["cold"], runs["ctags"])
    return out


def time_editing(tree: Path, file: str, edits: int) -> dict:
    """Incremental-edit latencies in a 2,000-line version of `file`."""
    source = (tree / file).read_text(encoding="utf-8", errors="replace")
    lines = source.split("\n")
    while len(lines) < EDIT_LINES:  # a shorter file is repeated up to 2,000 lines
        lines += lines
    edit_text = "\n".join(lines[:EDIT_LINES]) + "\n"
    language = language_for_path(file) or "python"
    return {
        "edit_file_lines": EDIT_LINES,
        "edits": edits,
        "typing": edit_latencies(edit_text, language, edits, typing=True),
        "scattered": edit_latencies(edit_text, language, edits, typing=False),
    }


def run(args: argparse.Namespace) -> dict[str, object]:
    tree = args.tree.resolve()
    workers = args.workers or default_workers()
    results: dict[str, object] = {"tree": str(tree), "workers": workers}
    scratch = Path(tempfile.mkdtemp(prefix="radix-index-bench-"))
    try:
        results.update(time_indexing(args, tree, scratch, workers))
        with Indexer(tree, scratch / "cache") as indexer:
            summary = indexer.stats()
        closure = {depth: time_closure(tree, args.file, depth, workers) for depth in (1, 2)}
        results.update(time_editing(tree, args.file, args.edits))
        # memory: one more cold index, untimed (sampling /proc costs CPU and the GIL)
        with PeakMemory() as memory:
            memory_run = _in_fresh_process(
                "refresh", str(tree), str(scratch / "memory-cache"), str(workers)
            )
            memory.sample()
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    results.update(
        {
            "files_indexed": summary.files,
            "files_skipped": summary.skipped,
            "definitions": summary.definitions,
            "imports": summary.imports,
            "chunks": summary.chunks,
            "closure_file": args.file,
            "closure_depth1_s": closure[1][0],
            "closure_depth1_files": closure[1][1],
            "closure_depth2_s": closure[2][0],
            "closure_depth2_files": closure[2][1],
            "peak_rss_indexer_mib": memory_run["maxrss_kib"] / 1024,
            "peak_rss_self_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "peak_rss_children_mib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
            "peak_rss_descendants_mib": {str(pid): kib / 1024 for pid, kib in memory.peaks.items()},
        }
    )
    return results


def _runs(values: list[float], digits: int = 2) -> str:
    return ", ".join(f"{v:.{digits}f}" for v in values)


def report(r: dict) -> None:
    print(f"tree: {r['tree']} ({r['files_indexed']} files indexed, skipped {r['files_skipped']})")
    print(
        f"index: {r['definitions']} definitions, {r['imports']} imports, "
        f"{r['chunks']} chunks; {r['workers']} workers (in-process runs)"
    )
    print(f"load average (1 min) before each round: {_runs(r['loadavg_runs'])}")
    print(f"ctags -R (baseline)        {r['ctags_s']:.3f} s  (runs: {_runs(r['ctags_runs_s'])})")
    print(
        f"radix-ls index, cold       {r['command_cold_s']:.3f} s  = {r['command_cold_ratio']:.2f}x"
        f" ctags  (target <= 4x; runs: {_runs(r['command_cold_runs_s'])}; median of run-by-run"
        f" ratios {r['command_cold_ratio_pairs']:.2f}x)"
    )
    outside = r["command_cold_s"] - r["command_cold_refresh_s"]
    print(
        f"  of which the refresh     {r['command_cold_refresh_s']:.3f} s  (as the command reports"
        f" it); outside it {outside:.3f} s (interpreter, imports, report, exit;"
        f" `radix-ls --version` alone {r['command_startup_s']:.3f} s)"
    )
    print(
        f"radix-ls index, warm       {r['command_warm_s']:.3f} s  = {r['command_warm_ratio']:.2f}x"
        f" ctags  (runs: {_runs(r['command_warm_runs_s'], 3)})"
    )
    print(
        f"in-process cold index      {r['cold_s']:.3f} s  = {r['cold_ratio']:.2f}x ctags"
        f"  (runs: {_runs(r['cold_runs_s'])}; median of run-by-run ratios"
        f" {r['cold_ratio_pairs']:.2f}x)"
    )
    print(
        f"in-process warm restart    {r['warm_s']:.3f} s  = {r['warm_ratio']:.2f}x ctags"
        f"  (target <= 0.5x; runs: {_runs(r['warm_runs_s'], 3)})"
    )
    print(
        f"open file -> imports indexed ({r['closure_file']}):"
        f" depth 1 {r['closure_depth1_s']:.3f} s ({r['closure_depth1_files']} files),"
        f" depth 2 {r['closure_depth2_s']:.3f} s ({r['closure_depth2_files']} files)"
        "  (target <= 1 s)"
    )
    for name in ("typing", "scattered"):
        e = r[name]
        print(
            f"incremental, {name:9s} {r['edits']} edits in {r['edit_file_lines']} lines:"
            f" edit p50 {e['edit_p50_ms']:.2f} ms p95 {e['edit_p95_ms']:.2f} ms;"
            f" outline after it p50 {e['outline_p50_ms']:.2f} ms p95 {e['outline_p95_ms']:.2f} ms;"
            f" both p95 {e['edit_and_outline_p95_ms']:.2f} ms  (target p95 <= 5 ms;"
            f" insertions alone {e['insert_p95_ms']:.2f}, deletions {e['delete_p95_ms']:.2f})"
        )
    others = sorted(r["peak_rss_descendants_mib"].values(), reverse=True)
    print(
        f"peak RSS of a cold index: the indexing process {r['peak_rss_indexer_mib']:.0f} MiB;"
        " each process of the run (indexing process, pool server, workers) "
        + ", ".join(f"{m:.0f}" for m in others)
        + f" MiB; ru_maxrss: this benchmark {r['peak_rss_self_mib']:.0f} MiB (incremental"
        f" documents), children {r['peak_rss_children_mib']:.0f} MiB"
    )


def main() -> None:
    if sys.argv[1:2] == ["--child"]:
        child(sys.argv[2:])
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tree", type=Path, required=True, help="source tree to index")
    parser.add_argument("--file", default=DEFAULT_FILE, help="file (relative to the tree) to open")
    parser.add_argument("--repeat", type=int, default=3, help="runs of ctags, cold and warm")
    parser.add_argument("--edits", type=int, default=600, help="single-character edits")
    parser.add_argument("--workers", type=int, default=0, help="pool size (default: all cores)")
    parser.add_argument(
        "--command", type=Path, default=COMMAND, help="the radix-ls executable to time"
    )
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    if not (args.tree / args.file).is_file():
        candidates = sorted(
            (p for p in args.tree.rglob("*.py") if p.is_file()), key=lambda p: -p.stat().st_size
        )
        if not candidates:
            sys.exit(f"{args.file} is not in {args.tree}: pass --file")
        args.file = candidates[0].relative_to(args.tree).as_posix()
    logging.basicConfig(level=logging.WARNING)
    results = run(args)
    report(results)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
