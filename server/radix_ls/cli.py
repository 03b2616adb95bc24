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

from radix_ls import cli_args, logs
from radix_ls.config import N_CTX_MAX, Settings, resolve


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
        why = f"  ({s.reason})" if s.reason else ""
        print(f"{s.kind:12s} {s.tokens:6d}  {s.path}:{s.start_line}-{s.end_line}{why}")
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
    parser = cli_args.parser()
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
