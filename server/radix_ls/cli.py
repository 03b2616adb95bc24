"""The `radix-ls` command: `serve` (the language server), `complete` (one completion,
headless), `batch` (a code action over many files), `index`, `context` and `doctor`.

`complete` runs the same pipeline as the server's inline completion and prints the text the
editor would show, so the product can be seen working without an editor.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from pathlib import Path
from typing import Any

from radix_ls import __version__, logs
from radix_ls.config import ACTION_IDS, ENGINES, N_CTX_MAX, PROMPT_TEMPLATES, Settings, resolve


def _tcp_address(value: str) -> tuple[str, int]:
    host, sep, port = value.rpartition(":")
    if not sep:
        host, port = "127.0.0.1", value
    try:
        number = int(port)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not HOST:PORT or PORT: {value!r}") from None
    if not 0 < number < 65536:
        raise argparse.ArgumentTypeError(f"port out of range: {number}")
    return host.strip("[]") or "127.0.0.1", number


def _positive(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {value!r}") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more: {number}")
    return number


def _add_model_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--engine", choices=ENGINES, help="engine (default: auto)")
    p.add_argument(
        "--model", help="path to a GGUF file, or a known model name (default: gemma-3-270m)"
    )
    p.add_argument("--prompt-template", choices=PROMPT_TEMPLATES, help="default: auto")
    p.add_argument("--max-tokens", type=_positive, help="most tokens to generate")
    p.add_argument("--context-tokens", type=_positive, help="prompt budget in tokens")
    p.add_argument("--n-ctx", type=_positive, help="model context window (llama.cpp)")
    p.add_argument("--remote-url", help="OpenAI-compatible server for --engine remote")
    p.add_argument("--remote-model", help="model id on the remote server (default: its first)")
    p.add_argument("--secret-pattern", action="append", metavar="RE", help="also redact RE")


def _add_index_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--exclude",
        action="append",
        default=[],
        metavar="PATTERN",
        help="gitignore-style pattern to leave out (repeatable), on top of .gitignore",
    )
    p.add_argument("--max-file-bytes", type=_positive, help="skip larger files (default 1 MB)")
    p.add_argument("--cache-dir", help="cache directory (default: ~/.cache/radix-ls)")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="radix-ls",
        description="radix-ls: a self-hosted AI language server.",
    )
    parser.add_argument("--version", action="version", version=f"radix-ls {__version__}")
    parser.add_argument(
        "--log-level", default="info", choices=("error", "warning", "info", "debug")
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for add in (_serve_parser, _complete_parser, _index_parser, _context_parser, _batch_parser):
        add(sub)
    doctor = sub.add_parser(
        "doctor", help="report GPUs, engines, models and caches, and which engine would run"
    )
    doctor.add_argument("--json", action="store_true", help="print the report as JSON")
    doctor.add_argument("--cache-dir", help="cache directory (default: ~/.cache/radix-ls)")
    _add_model_options(doctor)
    return parser


def _serve_parser(sub: Any) -> None:
    serve = sub.add_parser("serve", help="run the language server (stdio by default)")
    serve.add_argument(
        "--tcp",
        type=_tcp_address,
        metavar="[HOST:]PORT",
        help="listen on TCP (host 127.0.0.1 by default): a process per connection, no auth",
    )


def _complete_parser(sub: Any) -> None:
    complete = sub.add_parser(
        "complete", help="complete FILE at a position and print the completion"
    )
    complete.add_argument("file", type=Path)
    complete.add_argument("--line", type=_positive, required=True, help="1-based line")
    complete.add_argument(
        "--col", type=_positive, required=True, help="1-based column (characters)"
    )
    complete.add_argument(
        "--workspace", type=Path, help="workspace root (default: nearest folder with .git)"
    )
    complete.add_argument(
        "--json", action="store_true", help="print completion, prompt and stats as JSON"
    )
    complete.add_argument(
        "--no-index", action="store_true", help="current file only: no cross-file context"
    )
    _add_index_options(complete)
    _add_model_options(complete)


def _index_parser(sub: Any) -> None:
    index = sub.add_parser(
        "index", help="build or refresh the persisted workspace index of DIR and report it"
    )
    index.add_argument("dir", type=Path)
    index.add_argument("--json", action="store_true", help="print the report as JSON")
    _add_index_options(index)


def _context_parser(sub: Any) -> None:
    context = sub.add_parser(
        "context", help="print exactly what the model would see for a cursor in DIR"
    )
    context.add_argument("dir", type=Path)
    context.add_argument("--file", type=Path, required=True, help="file, relative to DIR")
    context.add_argument("--line", type=_positive, required=True, help="1-based line")
    context.add_argument("--col", type=_positive, required=True, help="1-based column")
    context.add_argument("--budget", type=_positive, help="prompt budget in tokens")
    context.add_argument("--json", action="store_true", help="print segments and prompt as JSON")
    _add_index_options(context)
    _add_model_options(context)


def _batch_parser(sub: Any) -> None:
    batch = sub.add_parser(
        "batch",
        help="run a code action on every matching place in PATHs (a diff by default)",
        description=(
            "Run ACTION on every place it applies to in the source files under PATHs: "
            "docstring (functions and classes without one), annotate (functions missing type "
            "annotations), tests, simplify, rewrite (--instruction), to-async. By default the "
            "changes are printed as a unified diff and nothing is written. --apply writes "
            "them, refusing files with uncommitted changes unless --force; an interrupted "
            "--apply run resumes where it stopped when run again. Exit status: 0 all done, "
            "1 something failed, 2 bad usage."
        ),
    )
    batch.add_argument("action", choices=ACTION_IDS, metavar="ACTION")
    batch.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    batch.add_argument("--glob", help="only files whose path or name matches (e.g. '*.py')")
    mode = batch.add_mutually_exclusive_group()
    mode.add_argument(
        "--diff", action="store_true", help="print the changes as a diff (the default)"
    )
    mode.add_argument("--apply", action="store_true", help="write the changes")
    batch.add_argument(
        "--force", action="store_true", help="with --apply: also files with uncommitted changes"
    )
    batch.add_argument(
        "--concurrency", type=_positive, default=4, help="requests in flight (default 4)"
    )
    batch.add_argument("--json", type=Path, metavar="REPORT", help="write a JSON report")
    batch.add_argument("--instruction", default="", help="what to do, for the rewrite action")
    batch.add_argument(
        "--workspace", type=Path, help="workspace root (default: nearest folder with .git)"
    )
    batch.add_argument(
        "--no-index", action="store_true", help="no cross-file context from the workspace index"
    )
    batch.add_argument("--action-max-tokens", type=_positive, help="most tokens per answer")
    _add_index_options(batch)
    _add_model_options(batch)


def _overrides(args: argparse.Namespace) -> dict[str, Any]:
    names = {
        "engine": "engine",
        "model": "model",
        "prompt_template": "promptTemplate",
        "max_tokens": "maxTokens",
        "context_tokens": "contextTokens",
        "n_ctx": "nCtx",
        "cache_dir": "cacheDir",
        "remote_url": "remoteUrl",
        "remote_model": "remoteModel",
        "exclude": "indexExclude",
        "max_file_bytes": "maxFileBytes",
        "action_max_tokens": "actionMaxTokens",
        "secret_pattern": "secretPatterns",
    }
    return {wire: getattr(args, attr) for attr, wire in names.items() if getattr(args, attr, None)}


def _workspace_for(path: Path) -> Path:
    """The nearest folder with .git holding `path` (a folder counts itself)."""
    resolved = path.resolve()
    start = [resolved] if resolved.is_dir() else []
    for parent in (*start, *resolved.parents):
        if (parent / ".git").exists():
            return parent
    return resolved if resolved.is_dir() else resolved.parent


def _fail(message: str, code: int = 2) -> int:
    print(f"radix-ls: {message}", file=sys.stderr)
    return code


class CliError(Exception):
    """Bad input on the command line: printed as `radix-ls: message`, exit status `code`."""

    def __init__(self, message: str, code: int = 2) -> None:
        super().__init__(message)
        self.code = code


def _settings(args: argparse.Namespace) -> Any:
    resolved = resolve(_overrides(args))
    if resolved.errors:
        raise CliError("; ".join(resolved.errors))
    return resolved.settings


class _CliProgress:
    """Progress on stderr: every message of work without percentages (loading a model), and
    one line per finished phase of work with them (indexing: a line per file would flood)."""

    def report(self, message: str, percentage: int | None = None) -> None:
        if percentage is None or percentage >= 100:
            print(f"radix-ls: {message}", file=sys.stderr, flush=True)

    def end(self) -> None:
        pass


class CliEvents:
    """A CLI command's session events: messages and progress on stderr."""

    def show(self, level: str, message: str) -> None:
        print(message if message.startswith("radix-ls:") else f"radix-ls: {message}",
              file=sys.stderr, flush=True)  # fmt: skip

    async def begin(self, title: str, **_options: Any) -> _CliProgress:
        return _CliProgress()


def _session(args: argparse.Namespace, root: Path) -> Any:
    """The session a command runs in (the same core as the language server's)."""
    from radix_ls.session import Session

    return Session(root, _settings(args), CliEvents())


def _cursor(session: Any, path: Path, line: int, col: int) -> tuple[Any, int]:
    """The file opened in the session and the offset of a 1-based line and column in it."""
    from radix_ls.workspace.documents import DocumentError, offset_at
    from radix_ls.workspace.files import SourceFileError, read_source

    try:
        text = read_source(path)
        offset = offset_at(text, line - 1, col - 1)
    except (SourceFileError, DocumentError) as exc:
        raise CliError(str(exc)) from None
    return session.open_file(path, text), offset


def _run_session(session: Any, work: Any) -> Any:
    """Run `work(session)` on a fresh event loop, closing the session afterwards. Engine,
    session and index database failures (e.g. a full disk) become `radix-ls: message`, exit 1."""
    import sqlite3

    from radix_ls.engine.base import EngineError
    from radix_ls.session import SessionError

    async def run() -> Any:
        try:
            return await work(session)
        finally:
            await session.close()

    try:
        return asyncio.run(run())
    except (EngineError, SessionError) as exc:
        raise CliError(str(exc), 1) from None
    except sqlite3.Error as exc:
        raise CliError(f"the workspace index failed: {exc}", 1) from None


def _complete(args: argparse.Namespace) -> int:
    workspace = (args.workspace or _workspace_for(args.file)).resolve()
    session = _session(args, workspace)
    snapshot, offset = _cursor(session, args.file, args.line, args.col)

    async def work(session: Any) -> Any:
        await session.load_engine()
        if session.settings.index and not args.no_index:
            # the persisted index, brought up to date: the same cross-file context as the
            # server's (warm runs only re-check what changed)
            await session.open_index()
        return await session.complete(snapshot, offset), session.status()

    result, status = _run_session(session, work)
    if args.json:
        print(json.dumps(_completion_json(status, result), indent=2))
    elif result.text is None:
        print("radix-ls: no completion (the model's answer was empty after post-processing)",
              file=sys.stderr)  # fmt: skip
    else:
        sys.stdout.write(result.text + "\n")
    return 0


def _completion_json(status: dict[str, Any], result: Any) -> dict[str, Any]:
    plan = result.plan  # a CLI completion always asks the model: it has a plan
    return {
        "completion": result.text,
        "raw": result.raw,
        "mode": plan.mode,
        "engine": status["engine"],
        "model": status["model"],
        "template": status["template"],
        "prompt": plan.request.prompt,
        "segments": [vars(s) for s in plan.context.segments],
        "redactions": [vars(r) for r in plan.redactions],
        "stats": result.stats.to_json(),
    }


def _index(args: argparse.Namespace) -> int:
    if not args.dir.is_dir():
        return _fail(f"{args.dir}: not a directory")
    session = _session(args, args.dir)

    async def work(session: Any) -> dict[str, Any]:
        stats = await session.open_index(similar=False)
        return session.index_host.report(stats)

    report = _run_session(session, work)
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    langs = ", ".join(f"{n} {k}" for k, n in sorted(report["languages"].items()))
    print(f"indexed {report['files']} files ({langs}) in {report['seconds']:.2f} s")
    print(
        f"  parsed {report['parsed']}, unchanged {report['unchanged']}, "
        f"removed {report['removed']}; {report['definitions']} definitions, "
        f"{report['imports']} imports, {report['chunks']} chunks"
    )
    skipped_files = report["skipped_files"]
    if skipped_files:
        print(f"  skipped {len(skipped_files)} files:")
        for reason, count in sorted(report["skipped"].items()):
            examples = [p for p, r in skipped_files.items() if r == reason][:3]
            print(f"    {reason}: {count} (e.g. {', '.join(examples)})")
    return 0


def _context(args: argparse.Namespace) -> int:
    if not args.dir.is_dir():
        return _fail(f"{args.dir}: not a directory")
    if args.budget and not args.n_ctx:  # llama.cpp's window: as large as the budget needs
        answer = args.max_tokens or Settings.max_tokens
        args.n_ctx = min(max(Settings.n_ctx, args.budget + answer), N_CTX_MAX)
    session = _session(args, args.dir.resolve())
    snapshot, offset = _cursor(session, args.dir / args.file, args.line, args.col)

    async def work(session: Any) -> Any:
        await session.load_engine(tokenizer_only=True)
        await session.open_index()  # the persisted index, brought up to date with the disk
        return session.context(snapshot, offset, args.budget)

    view = _run_session(session, work)
    plan = view.plan
    if args.json:
        segments = [vars(s) for s in plan.context.segments]
        print(json.dumps({"segments": segments, "tokens": view.tokens, "layout": view.layout,
                          "template": view.template, "prompt": plan.request.prompt,
                          "redactions": [vars(r) for r in plan.redactions]}))  # fmt: skip
        return 0
    print(f"{'kind':12s} {'tokens':>6s}  source")
    for s in plan.context.segments:
        print(f"{s.kind:12s} {s.tokens:6d}  {s.path}:{s.start_line}-{s.end_line}")
    print(f"{'total':12s} {view.tokens:6d}  ({view.template} template, {view.layout} layout, "
          f"{view.model})")  # fmt: skip
    print(*(f"{'redacted':21s}{r}" for r in plan.redactions), "-" * 79, sep="\n")
    print(plan.request.prompt)
    return 0


def _batch(args: argparse.Namespace) -> int:
    from radix_ls.batch.runner import BatchError, BatchOptions

    if args.action == "rewrite" and not args.instruction.strip():
        raise CliError("the rewrite action needs --instruction TEXT")
    for path in args.paths:
        if not path.exists():
            raise CliError(f"{path}: no such file or directory")
    workspace = (args.workspace or _workspace_for(args.paths[0])).resolve()
    session = _session(args, workspace)
    options = BatchOptions(
        action=args.action,
        paths=tuple(args.paths),
        root=workspace,
        glob=args.glob,
        apply=args.apply,
        force=args.force,
        concurrency=args.concurrency,
        instruction=args.instruction.strip(),
    )

    async def work(session: Any) -> Any:
        await session.load_engine()
        if session.settings.index and not args.no_index:
            await session.open_index(similar=False)
        return await session.batch(options)

    try:
        report = _run_session(session, work)
    except BatchError as exc:
        raise CliError(str(exc)) from None
    except KeyboardInterrupt:
        return _fail(
            "interrupted: files written so far are complete and journalled; run the same "
            "command again to finish the rest",
            130,
        )
    if args.json:
        args.json.write_text(json.dumps(report.to_json(), indent=2) + "\n", "utf-8")
    return 1 if report.failed else 0


def _doctor(args: argparse.Namespace) -> int:
    from radix_ls import doctor

    info = doctor.report(_settings(args))
    print(json.dumps(info, indent=2) if args.json else doctor.render(info))
    return 0


def _serve(args: argparse.Namespace) -> int:
    if args.tcp:
        from radix_ls.lsp.tcp import TcpListener, child_command

        host, port = args.tcp
        return asyncio.run(TcpListener(host, port, child_command(args.log_level)).run())
    from radix_ls.lsp.server import create_server

    server = create_server()
    # The LSP channel gets a private duplicate of fd 1; fd 1 itself then points at stderr, so
    # anything a native library or child process prints cannot corrupt the protocol stream.
    channel = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    server.start_io(sys.stdin.buffer, channel)
    return 0 if server.protocol._shutdown else 1


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    logs.setup(args.log_level)
    try:
        return _run(parser, args)
    except CliError as exc:
        return _fail(str(exc), exc.code)


_COMMANDS = {
    "serve": _serve,
    "complete": _complete,
    "doctor": _doctor,
    "index": _index,
    "context": _context,
    "batch": _batch,
}
# Commands that leave with os._exit once their output is flushed: `serve` because pygls reads
# stdin on a worker thread that may still block in readline() (interpreter shutdown would wait
# for it), `index` to skip the teardown of its modules and pool machinery (~50 ms, a tenth of
# a small repository's run).
_HARD_EXIT = frozenset({"serve", "index"})


def _run(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    command = _COMMANDS.get(args.command)
    if command is None:
        parser.print_help()
        return 0
    code = command(args)
    if args.command in _HARD_EXIT:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    return code
