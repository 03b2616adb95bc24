"""Typing replay: what each keystroke's completion costs, driven as an editor drives the server.

Functions of real repositories (public Python sdists from PyPI, downloaded once into a cache)
are deleted from their file and typed again, character by character, into `radix-ls serve`
over stdio: didOpen, one didChange per typed character (a newline arrives with the next
line's indentation, as editors auto-indent), and textDocument/inlineCompletion after every
4th character and at each line start. After each request the bench reads the server's
counters and last generation's stats (`radixLs/status`) and the prompt it used
(`radixLs/context`, the same plan without side effects).

Printed per file and overall:
- requests, and evaluated prompt tokens per request (prompt tokens minus those served from the
  engine's prefix cache; 0 when no model call was made): mean, p50, p95, max;
- the same for steady typing (every request but the first in each function);
- evaluated tokens under SGLang's hybrid-cache page rule (a prefix is reused only in whole
  64-token pages: cached = the longest common token prefix with any earlier prompt, rounded
  down to a multiple of 64), computed from the prompts' tokens;
- model calls avoided (answered by typing through a suggestion or by joining a running
  generation);
- wall time per request, p50 and p95;
- how often the definition the typed line needs (the `def`/`class`/assignment line of an
  imported name used on that line) is in the prompt.

Usage:
  python bench/typing_replay.py                      # tiny fixture model: token counts
  python bench/typing_replay.py --model embedded     # the embedded Gemma: wall time
  python bench/typing_replay.py --project httpx==0.28.1 --files 2 --functions 5 --json OUT
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import statistics
import subprocess
import sys
import tarfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.lsp.client import LanguageClient

ROOT = Path(__file__).resolve().parent.parent
TINY_MODEL = ROOT / "tests" / "fixtures" / "tiny-qwen3-moe.gguf"
CACHE = Path(os.environ.get("RADIX_LS_BENCH_CACHE", Path.home() / ".cache" / "radix-ls-bench"))
DEFAULT_PROJECTS = ("httpx==0.28.1", "click==8.1.8", "requests==2.32.3")
PAGE = 64
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_DEF = re.compile(r"^\s*(?:async\s+)?def\s+(\w+)|^\s*class\s+(\w+)|^(\w+)\s*[:=]")


# -- corpus -------------------------------------------------------------------------------------


def fetch_project(spec: str) -> Path:
    """The unpacked sdist of `spec` (NAME==VERSION), downloaded from PyPI once."""
    name, _, version = spec.partition("==")
    target = CACHE / "src" / f"{name}-{version}"
    if target.is_dir():
        return target
    sdists = CACHE / "sdists"
    sdists.mkdir(parents=True, exist_ok=True)
    # the base interpreter's pip: a uv-made environment has none of its own
    pip = [getattr(sys, "_base_executable", sys.executable), "-m", "pip"]
    subprocess.run(
        [*pip, "download", "--quiet", "--no-deps", "--no-binary", ":all:", spec, "-d", sdists],
        check=True,
    )
    archive = next(
        p for p in sdists.iterdir() if p.name.lower().startswith(f"{name.lower()}-{version}")
    )
    unpacked = CACHE / "src" / ".unpack"
    with tarfile.open(archive) as tar:
        tar.extractall(unpacked, filter="data")
    (next(unpacked.iterdir())).rename(target)
    unpacked.rmdir()
    (target / ".git").mkdir(exist_ok=True)  # a workspace root marker, as a checkout has
    return target


@dataclass(frozen=True)
class Function:
    name: str
    start: int  # character offsets of the whole definition, its lines' breaks included
    end: int
    first_line: int  # 0-based


def _functions(text: str) -> list[Function]:
    """Functions and methods of 4 to 30 lines (decorators excluded), by indentation."""
    lines = text.split("\n")
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line) + 1)
    found = []
    for i, line in enumerate(lines):
        m = re.match(r"^(\s*)(?:async\s+)?def\s+(\w+)", line)
        if not m:
            continue
        indent = len(m.group(1))
        j = i + 1
        while j < len(lines) and (
            not lines[j].strip() or len(lines[j]) - len(lines[j].lstrip()) > indent
        ):
            j += 1
        while j > i + 1 and not lines[j - 1].strip():
            j -= 1
        if 4 <= j - i <= 30 and not lines[i].rstrip().endswith(","):
            found.append(Function(m.group(2), offsets[i], offsets[j], i))
    return found


def _imported_names(text: str) -> set[str]:
    names: set[str] = set()
    for m in re.finditer(r"^from\s+[\w.]+\s+import\s+\(?([^)\n]*(?:\n[^)]*)?)\)?", text, re.M):
        for part in m.group(1).replace("\n", ",").split(","):
            words = part.split()
            if words and words[0] not in ("*", "#"):
                names.add(words[-1])
    return {n for n in names if n.isidentifier()}


def _definition_lines(project: Path) -> dict[str, set[str]]:
    """name -> the stripped header lines that define it anywhere in the project's sources."""
    out: dict[str, set[str]] = {}
    for path in project.rglob("*.py"):
        try:
            text = path.read_text("utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        for line in text.split("\n"):
            m = _DEF.match(line)
            if m:
                name = m.group(1) or m.group(2) or m.group(3)
                out.setdefault(name, set()).add(line.strip())
    return out


@dataclass
class Target:
    project: Path
    path: Path
    text: str
    functions: list[Function]


def choose_targets(project: Path, files: int, functions: int, seed: int) -> list[Target]:
    """`files` source files (not tests) with at least `functions` functions that use an
    imported name, and `functions` of those in each: seeded, so runs compare."""
    rng = random.Random(seed)
    candidates = []
    for path in sorted(project.rglob("*.py")):
        rel = path.relative_to(project).as_posix()
        if "test" in rel or "/docs/" in rel or rel.startswith(("docs/", "examples/")):
            continue
        text = path.read_text("utf-8")
        imported = _imported_names(text)
        usable = [
            f for f in _functions(text) if imported & set(_IDENT.findall(text[f.start : f.end]))
        ]
        if len(usable) >= functions and len(text) < 120_000:
            candidates.append(Target(project, path, text, usable))
    rng.shuffle(candidates)
    chosen = candidates[:files]
    for target in chosen:
        target.functions = sorted(rng.sample(target.functions, functions), key=lambda f: f.start)
    return chosen


# -- the replay ---------------------------------------------------------------------------------


@dataclass
class Sample:
    evaluated: int
    page_evaluated: int
    wall_ms: float
    model_call: bool
    first: bool
    needs: int = 0
    present: int = 0


@dataclass
class FileResult:
    path: str
    samples: list[Sample] = field(default_factory=list)


class TokenTrie:
    """The token prefixes of every prompt so far (what a radix cache could hold)."""

    def __init__(self) -> None:
        self._root: dict[int, Any] = {}

    def longest_prefix(self, tokens: list[int]) -> int:
        node, n = self._root, 0
        for t in tokens:
            node = node.get(t)
            if node is None:
                break
            n += 1
        return n

    def add(self, tokens: list[int]) -> None:
        node = self._root
        for t in tokens:
            node = node.setdefault(t, {})


def _position(text: str, offset: int) -> types.Position:
    line = text.count("\n", 0, offset)
    return types.Position(line=line, character=offset - (text.rfind("\n", 0, offset) + 1))


class Replay:
    def __init__(self, client: LanguageClient, tokenize: Any, defs: dict[str, set[str]]) -> None:
        self.client = client
        self.tokenize = tokenize
        self.defs = defs
        self.trie = TokenTrie()
        self.version = 1
        self.calls = 0

    async def request(self, method: str, params: Any) -> Any:
        result = await self.client.protocol.send_request_async(method, params)
        return _plain(result)

    def _replace_all(self, uri: str, text: str) -> None:
        self.version += 1
        self.client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=self.version),
                content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)],
            )
        )

    def _insert(self, uri: str, text: str, offset: int, typed: str) -> None:
        self.version += 1
        at = _position(text, offset)
        self.client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=self.version),
                content_changes=[
                    types.TextDocumentContentChangePartial(
                        range=types.Range(start=at, end=at), text=typed
                    )
                ],
            )
        )

    async def function(self, uri: str, target: Target, f: Function) -> list[Sample]:
        body = target.text[f.start : f.end]
        base = target.text[: f.start] + target.text[f.end :]
        self._replace_all(uri, base)
        imported = _imported_names(target.text)
        text, offset, samples = base, f.start, []
        for piece, request in _keystrokes(body):
            self._insert(uri, text, offset, piece)  # the position is in the text before it
            text = text[:offset] + piece + text[offset:]
            offset += len(piece)
            if request:
                samples.append(await self._sample(uri, text, offset, body, f, imported, samples))
        self._replace_all(uri, target.text)
        return samples

    async def _sample(
        self,
        uri: str,
        text: str,
        offset: int,
        body: str,
        f: Function,
        imported: set[str],
        earlier: list[Sample],
    ) -> Sample:
        position = _position(text, offset)
        started = time.perf_counter()
        await self.client.text_document_inline_completion_async(
            types.InlineCompletionParams(
                text_document=types.TextDocumentIdentifier(uri=uri),
                position=position,
                context=types.InlineCompletionContext(
                    trigger_kind=types.InlineCompletionTriggerKind.Automatic
                ),
            )
        )
        wall = (time.perf_counter() - started) * 1000
        status = await self.request("radixLs/status", {})
        calls = status.get("completions", {}).get("modelCalls")
        stats = status.get("lastCompletion") or {}
        model_call = calls != self.calls if calls is not None else True
        self.calls = calls if calls is not None else self.calls
        evaluated = page = 0
        prompt = ""
        if model_call and stats:
            evaluated = stats["promptTokens"] - (stats.get("cachedTokens") or 0)
            context = await self.request(
                "radixLs/context",
                {
                    "textDocument": {"uri": uri},
                    "position": {"line": position.line, "character": position.character},
                },
            )
            prompt = context["prompt"] if context else ""
            tokens = self.tokenize(prompt)
            reused = min(self.trie.longest_prefix(tokens) // PAGE * PAGE, len(tokens) - 1)
            page = len(tokens) - max(reused, 0)
            self.trie.add(tokens)
        sample = Sample(evaluated, page, wall, model_call, first=not earlier)
        # the line being typed, as it will be when finished: the names it needs
        line_start = text.rfind("\n", 0, offset) + 1
        typed_in_body = offset - f.start
        line_end = body.find("\n", typed_in_body)
        full_line = (
            text[line_start:offset] + body[typed_in_body : None if line_end < 0 else line_end]
        )
        needed = [n for n in set(_IDENT.findall(full_line)) & imported if n in self.defs]
        if needed and model_call:
            sample.needs = len(needed)
            sample.present = sum(any(h in prompt for h in self.defs[n]) for n in needed)
        return sample


def _keystrokes(body: str) -> Iterator[tuple[str, bool]]:
    """(text to insert, request after it?) for typing `body`: one character at a time, a
    newline together with the next line's indentation; a request after every 4th character
    and at each line start."""
    typed = 0
    i = 0
    while i < len(body):
        if body[i] == "\n":
            j = i + 1
            while j < len(body) and body[j] in " \t":
                j += 1
            yield body[i:j], True
            typed = 0
            i = j
            continue
        typed += 1
        yield body[i], typed % 4 == 0
        i += 1


def _plain(value: Any) -> Any:
    if hasattr(value, "_asdict"):
        return {k: _plain(v) for k, v in value._asdict().items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


async def start_server(project: Path, options: dict[str, Any]) -> LanguageClient:
    """`radix-ls serve` over stdio on `project`, initialized with `options`, once its engine
    is loaded and its index built (what an editor gets after the first wait)."""
    client = LanguageClient("radix-ls-bench", "1")
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    await client.start_io(
        sys.executable, "-m", "radix_ls", "--log-level", "warning", "serve", env=env
    )
    await client.initialize_async(
        types.InitializeParams(
            capabilities=types.ClientCapabilities(
                text_document=types.TextDocumentClientCapabilities(
                    inline_completion=types.InlineCompletionClientCapabilities()
                )
            ),
            root_uri=project.as_uri(),
            initialization_options=options,
        )
    )
    client.initialized(types.InitializedParams())
    deadline = time.monotonic() + 600
    while True:
        status = _plain(await client.protocol.send_request_async("radixLs/status", {}))
        if status["state"] in ("ready", "error") and status["index"]["state"] != "indexing":
            break
        if time.monotonic() > deadline:
            await stop_server(client)
            raise SystemExit(f"server not ready: {status}")
        await asyncio.sleep(0.2)
    if status["state"] == "error":
        await stop_server(client)
        raise SystemExit(f"engine failed: {status['detail']}")
    return client


async def stop_server(client: LanguageClient) -> None:
    await client.shutdown_async(None)
    client.exit(None)
    await client.stop()


async def replay_project(
    project: Path, targets: list[Target], options: dict[str, Any], tokenize: Any
) -> list[FileResult]:
    client = await start_server(project, options)
    replay = Replay(client, tokenize, _definition_lines(project))
    results = []
    try:
        for target in targets:
            uri = target.path.as_uri()
            client.text_document_did_open(
                types.DidOpenTextDocumentParams(
                    text_document=types.TextDocumentItem(
                        uri=uri, language_id="python", version=replay.version, text=target.text
                    )
                )
            )
            result = FileResult(target.path.relative_to(project.parent).as_posix())
            for f in target.functions:
                result.samples += await replay.function(uri, target, f)
                print(
                    f"  {result.path}:{f.first_line + 1} {f.name}: "
                    f"{len(result.samples)} requests so far",
                    file=sys.stderr,
                )
            client.text_document_did_close(
                types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri))
            )
            results.append(result)
    finally:
        await stop_server(client)
    return results


# -- report -------------------------------------------------------------------------------------


def _pct(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def summarize(samples: list[Sample]) -> dict[str, Any]:
    steady = [s for s in samples if not s.first]
    calls = [s for s in samples if s.model_call]

    def dist(values: list[float]) -> dict[str, float]:
        return {
            "mean": round(statistics.fmean(values), 1) if values else 0.0,
            "p50": _pct(values, 0.5),
            "p95": _pct(values, 0.95),
            "max": max(values, default=0),
        }

    needs = sum(s.needs for s in samples)
    return {
        "requests": len(samples),
        "evaluated": dist([s.evaluated for s in samples]),
        "steady_evaluated": dist([s.evaluated for s in steady]),
        "page64_evaluated": dist([s.page_evaluated for s in samples]),
        "steady_page64_evaluated": dist([s.page_evaluated for s in steady]),
        "model_calls": len(calls),
        "avoided": len(samples) - len(calls),
        "wall_ms": {
            "p50": round(_pct([s.wall_ms for s in samples], 0.5), 1),
            "p95": round(_pct([s.wall_ms for s in samples], 0.95), 1),
        },
        "steady_wall_ms": {
            "p50": round(_pct([s.wall_ms for s in steady], 0.5), 1),
            "p95": round(_pct([s.wall_ms for s in steady], 0.95), 1),
        },
        "needed_definitions": needs,
        "needed_present_pct": round(100 * sum(s.present for s in samples) / needs, 1)
        if needs
        else None,
    }


def print_table(rows: list[tuple[str, dict[str, Any]]]) -> None:
    head = (
        f"{'file':44s} {'req':>5s} {'eval mean/p50/p95/max':>22s} "
        f"{'steady mean/p95':>16s} {'page64 p50(st)':>14s} {'avoid':>5s} "
        f"{'wall p50/p95 ms':>16s} {'def%':>5s}"
    )
    print(head)
    print("-" * len(head))
    for name, r in rows:
        e, s, p = r["evaluated"], r["steady_evaluated"], r["steady_page64_evaluated"]
        w = r["wall_ms"]
        print(
            f"{name[-44:]:44s} {r['requests']:5d} "
            f"{e['mean']:6.1f}/{e['p50']:4.0f}/{e['p95']:4.0f}/{e['max']:5.0f} "
            f"{s['mean']:7.1f}/{s['p95']:6.0f} {p['p50']:14.0f} {r['avoided']:5d} "
            f"{w['p50']:7.1f}/{w['p95']:7.1f} "
            f"{r['needed_present_pct'] if r['needed_present_pct'] is not None else '-':>5}"
        )


def _tokenizer(model: str) -> Any:
    from llama_cpp import Llama

    if model == "embedded":
        from radix_ls.config import Settings
        from radix_ls.engine.models import resolve_model

        path = resolve_model("", Settings().resolved_cache_dir, lambda _m: None)
    else:
        path = Path(model)
    vocab = Llama(str(path), vocab_only=True, verbose=False)
    return lambda text: vocab.tokenize(text.encode("utf-8", "surrogatepass"), special=True)


async def main_async(args: argparse.Namespace) -> dict[str, Any]:
    options: dict[str, Any] = json.loads(args.settings) if args.settings else {}
    options.setdefault("engine", "llamacpp")
    if args.model != "embedded":
        options.setdefault("model", args.model)
    options.setdefault("cacheDir", str(CACHE / "radix-ls-cache"))
    tokenize = _tokenizer(args.model)
    rows: list[tuple[str, dict[str, Any]]] = []
    every: list[Sample] = []
    for spec in args.project:
        project = fetch_project(spec)
        targets = choose_targets(project, args.files, args.functions, args.seed)
        if not targets:
            print(f"{spec}: no file with {args.functions} usable functions", file=sys.stderr)
            continue
        for result in await replay_project(project, targets, options, tokenize):
            rows.append((result.path, summarize(result.samples)))
            every += result.samples
    overall = summarize(every)
    rows.append(("overall", overall))
    print_table(rows)
    print(
        f"\nsettings: {json.dumps(options)}; projects: {', '.join(args.project)}; "
        f"{args.files} files x {args.functions} functions each (seed {args.seed})"
    )
    return {"settings": options, "rows": dict(rows)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--model",
        default=str(TINY_MODEL),
        help="GGUF path, or 'embedded' for the default Gemma (wall time)",
    )
    parser.add_argument("--project", action="append", help="PyPI sdist NAME==VERSION (repeat)")
    parser.add_argument("--files", type=int, default=2, help="files per project")
    parser.add_argument("--functions", type=int, default=3, help="functions per file")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--settings", help="extra server settings as JSON (camelCase keys)")
    parser.add_argument("--json", type=Path, help="write the results as JSON")
    args = parser.parse_args()
    args.project = args.project or list(DEFAULT_PROJECTS)
    report = asyncio.run(main_async(args))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
