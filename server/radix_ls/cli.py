"""The `radix-ls` command: `serve` (the language server), `complete` (one completion, headless).

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
from radix_ls.config import ENGINES, PROMPT_TEMPLATES, resolve


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
    p.add_argument("--cache-dir", help="cache directory (default: ~/.cache/radix-ls)")
    p.add_argument("--remote-url", help="OpenAI-compatible server for --engine remote")
    p.add_argument("--remote-model", help="model id on the remote server (default: its first)")


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

    serve = sub.add_parser("serve", help="run the language server (stdio by default)")
    serve.add_argument(
        "--tcp",
        type=_tcp_address,
        metavar="[HOST:]PORT",
        help="listen on TCP instead of stdio (host defaults to 127.0.0.1)",
    )

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
    _add_model_options(complete)

    doctor = sub.add_parser(
        "doctor", help="report GPUs, engines, models and caches, and which engine would run"
    )
    doctor.add_argument("--json", action="store_true", help="print the report as JSON")
    _add_model_options(doctor)
    return parser


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
    }
    return {wire: getattr(args, attr) for attr, wire in names.items() if getattr(args, attr, None)}


def _workspace_for(path: Path) -> Path:
    for parent in path.resolve().parents:
        if (parent / ".git").exists():
            return parent
    return path.resolve().parent


def _fail(message: str, code: int = 2) -> int:
    print(f"radix-ls: {message}", file=sys.stderr)
    return code


def _complete(args: argparse.Namespace) -> int:
    from radix_ls.engine.base import EngineError
    from radix_ls.engine.factory import load_engine
    from radix_ls.features.completion import CompletionService
    from radix_ls.workspace.documents import (
        DocumentError,
        DocumentSnapshot,
        language_for_path,
        offset_at,
    )
    from radix_ls.workspace.files import SourceFileError, read_source

    resolved = resolve(_overrides(args))
    if resolved.errors:
        return _fail("; ".join(resolved.errors))
    settings = resolved.settings
    path: Path = args.file
    try:
        text = read_source(path)
        offset = offset_at(text, args.line - 1, args.col - 1)
    except (SourceFileError, DocumentError) as exc:
        return _fail(str(exc))
    workspace = args.workspace or _workspace_for(path)
    snapshot = DocumentSnapshot(
        uri=path.resolve().as_uri(),
        version=0,
        language_id=language_for_path(path),
        text=text,
        path=path.resolve(),
    )

    def progress(message: str) -> None:
        print(f"radix-ls: {message}", file=sys.stderr, flush=True)

    async def run() -> tuple[Any, Any, Any]:
        engine = await load_engine(settings, progress)
        try:
            service = CompletionService(engine, settings)
            return engine, service, await service.complete(snapshot, offset, workspace)
        finally:
            await engine.close()

    try:
        engine, service, result = asyncio.run(run())
    except EngineError as exc:
        return _fail(str(exc), 1)
    if args.json:
        print(
            json.dumps(
                {
                    "completion": result.text,
                    "raw": result.raw,
                    "mode": result.plan.mode,
                    "engine": engine.name,
                    "model": engine.model_name,
                    "template": service.template.name,
                    "prompt": result.plan.request.prompt,
                    "segments": [vars(s) for s in result.plan.context.segments],
                    "stats": result.stats.to_json(),
                },
                indent=2,
            )
        )
    elif result.text is None:
        progress("no completion (the model's answer was empty after post-processing)")
    else:
        sys.stdout.write(result.text + "\n")
    return 0


def _doctor(args: argparse.Namespace) -> int:
    from radix_ls import doctor

    resolved = resolve(_overrides(args))
    if resolved.errors:
        return _fail("; ".join(resolved.errors))
    info = doctor.report(resolved.settings)
    print(json.dumps(info, indent=2) if args.json else doctor.render(info))
    return 0


def _serve(args: argparse.Namespace) -> int:
    from radix_ls.lsp.server import create_server

    server = create_server()
    if args.tcp:
        host, port = args.tcp
        server.start_tcp(host, port)
        return 0
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
    if args.command == "serve":
        code = _serve(args)
        # pygls reads stdin on a worker thread that may still block in readline(); do not let
        # interpreter shutdown wait for it after a clean exit.
        logs_flush()
        os._exit(code)
    if args.command == "complete":
        return _complete(args)
    if args.command == "doctor":
        return _doctor(args)
    parser.print_help()
    return 0


def logs_flush() -> None:
    sys.stderr.flush()
