"""The `radix-ls` command line's grammar: the parser of every subcommand and the checks of its
argument values (what `radix-ls --help` shows); cli.py runs what they parse."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from radix_ls import __version__
from radix_ls.config import ACTION_IDS, ENGINES, PROMPT_TEMPLATES


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
    p.add_argument(
        "--secret-pattern",
        action="append",
        metavar="RE",
        help="also redact what this regular expression matches (repeatable; like secretPatterns)",
    )


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


def parser() -> argparse.ArgumentParser:
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
