"""Workspace index benchmark: radix-ls' tree-sitter index against universal-ctags.

On one large source tree (the acceptance run uses an unpacked Django sdist, ~2,800 Python
files: `pip download --no-deps --no-binary :all: Django==5.2 -d /tmp/django`), in one run:

- baseline: `ctags -R -f TMP DIR` wall time (universal-ctags);
- cold: a full index into a fresh cache directory (`Indexer.refresh()`), and its ratio to
  ctags (target <= 4x);
- warm: a restart, i.e. a new `Indexer` on the same cache and `refresh()` with nothing
  changed (target <= 0.5x ctags);
- first cross-file context: in a cold workspace, `closure(file, depth)` for one file, the
  time until its imports (depth 1) and their imports (depth 2) are indexed (target <= 1 s);
- incremental: single-character edits in a 2,000-line file (`IncrementalDocument`), p50/p95
  per edit (target p95 <= 5 ms), typing (a character typed into code, then deleted) and,
  for comparison, random characters (brackets, quotes) at random places, plus the cost of
  refreshing the outline (definitions, imports) after an edit; the p95 of the insertions
  and of the deletions alone too (a deletion that restores the text before the insertion
  reuses that state);
- peak memory (max RSS) of this process, of its child processes, and of the pool's workers.

Cold, warm and ctags are each run `--repeat` times (ctags and cold interleaved); medians
are reported (with every run).
Cold, warm and the closure each run in a fresh Python process, as after a server restart:
the clock starts after the imports and includes starting the process pool. Prints numbers,
asserts nothing.

Usage: python bench/index_bench.py --tree DIR [--file REL] [--repeat 3] [--edits 600]
       [--workers N] [--json OUT]
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
from radix_ls.index.indexer import default_workers
from radix_ls.index.languages import language_for_path

CTAGS = shutil.which("ctags") or "/usr/bin/ctags"
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


def run(args: argparse.Namespace) -> dict[str, object]:
    tree = args.tree.resolve()
    workers = args.workers or default_workers()
    results: dict[str, object] = {"tree": str(tree), "workers": workers}
    scratch = Path(tempfile.mkdtemp(prefix="radix-index-bench-"))
    try:
        # interleaved, so that both see the same machine (other load drifts over a run)
        ctags: list[float] = []
        cold: list[float] = []
        for _ in range(args.repeat):
            ctags.append(time_ctags(tree))
            seconds, parsed = time_cold(tree, scratch / "cache", workers)
            cold.append(seconds)
        warm_runs = [time_warm(tree, scratch / "cache", workers) for _ in range(args.repeat)]
        warm = [seconds for seconds, _ in warm_runs]
        with Indexer(tree, scratch / "cache") as indexer:
            summary = indexer.stats()
        closure = {depth: time_closure(tree, args.file, depth, workers) for depth in (1, 2)}

        source = (tree / args.file).read_text(encoding="utf-8", errors="replace")
        lines = source.split("\n")
        while len(lines) < EDIT_LINES:  # a shorter file is repeated up to 2,000 lines
            lines += lines
        edit_text = "\n".join(lines[:EDIT_LINES]) + "\n"
        language = language_for_path(args.file) or "python"
        typing = edit_latencies(edit_text, language, args.edits, typing=True)
        scattered = edit_latencies(edit_text, language, args.edits, typing=False)
        # memory: one more cold index, untimed (sampling /proc costs CPU and the GIL)
        with PeakMemory() as memory:
            shutil.rmtree(scratch / "memory-cache", ignore_errors=True)
            memory_run = _in_fresh_process(
                "refresh", str(tree), str(scratch / "memory-cache"), str(workers)
            )
            memory.sample()
    finally:
        shutil.rmtree(scratch, ignore_errors=True)

    ctags_s = statistics.median(ctags)
    cold_s = statistics.median(cold)
    warm_s = statistics.median(warm)
    indexer_kib = memory_run["maxrss_kib"]
    self_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    others = dict(memory.peaks)
    results.update(
        {
            "files_indexed": summary.files,
            "files_skipped": summary.skipped,
            "definitions": summary.definitions,
            "imports": summary.imports,
            "chunks": summary.chunks,
            "ctags_s": ctags_s,
            "ctags_runs_s": ctags,
            "cold_s": cold_s,
            "cold_runs_s": cold,
            "cold_ratio": cold_s / ctags_s,
            "cold_ratio_pairs": statistics.median(c / t for c, t in zip(cold, ctags, strict=True)),
            "cold_parsed": parsed,
            "warm_s": warm_s,
            "warm_runs_s": warm,
            "warm_ratio": warm_s / ctags_s,
            "closure_file": args.file,
            "closure_depth1_s": closure[1][0],
            "closure_depth1_files": closure[1][1],
            "closure_depth2_s": closure[2][0],
            "closure_depth2_files": closure[2][1],
            "edit_file_lines": EDIT_LINES,
            "edits": args.edits,
            "typing": typing,
            "scattered": scattered,
            "peak_rss_indexer_mib": indexer_kib / 1024,
            "peak_rss_self_mib": self_kib / 1024,
            "peak_rss_children_mib": children_kib / 1024,
            "peak_rss_descendants_mib": {str(pid): kib / 1024 for pid, kib in others.items()},
        }
    )
    return results


def report(r: dict) -> None:
    print(f"tree: {r['tree']} ({r['files_indexed']} files indexed, skipped {r['files_skipped']})")
    print(
        f"index: {r['definitions']} definitions, {r['imports']} imports, "
        f"{r['chunks']} chunks; {r['workers']} workers"
    )
    runs = ", ".join(f"{s:.2f}" for s in r["ctags_runs_s"])
    print(f"ctags -R (baseline)        {r['ctags_s']:.3f} s  (runs: {runs})")
    runs = ", ".join(f"{s:.2f}" for s in r["cold_runs_s"])
    print(
        f"cold full index            {r['cold_s']:.3f} s  = {r['cold_ratio']:.2f}x ctags"
        f"  (target <= 4x; runs: {runs}; median of run-by-run ratios"
        f" {r['cold_ratio_pairs']:.2f}x)"
    )
    runs = ", ".join(f"{s:.3f}" for s in r["warm_runs_s"])
    print(
        f"warm restart               {r['warm_s']:.3f} s  = {r['warm_ratio']:.2f}x ctags"
        f"  (target <= 0.5x; runs: {runs})"
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
