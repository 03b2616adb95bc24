"""The workspace index in the server: cross-file context for completions, kept current."""

from __future__ import annotations

import asyncio

from .harness import open_document, plain, request, running_server, status, wait_for

UTIL = '''"""Helpers."""


def parse_duration(text: str) -> float:
    """Seconds in a duration like "1h30m"."""
    units = {"h": 3600, "m": 60, "s": 1}
    return sum(float(n) * units[u] for n, u in _pairs(text))


def _pairs(text):
    return []
'''
MAIN = """from pkg.util import parse_duration


class Job:
    def __init__(self, spec):
        self.spec = spec

    def timeout(self):
        raw = self.spec["timeout"]
        seconds = {CURSOR}
        return seconds

    def name(self):
        return self.spec["name"]
""".replace("{CURSOR}", "")  # that line ends in a space: the cursor goes there


def _project(root):
    (root / "pkg").mkdir(parents=True)
    (root / "pkg" / "__init__.py").write_text("")
    (root / "pkg" / "util.py").write_text(UTIL)
    (root / "pkg" / "jobs.py").write_text(MAIN)
    return root / "pkg" / "jobs.py"


async def _context(client, uri, line, character):
    params = {"textDocument": {"uri": uri}, "position": {"line": line, "character": character}}
    return plain(await request(client, "radixLs/context", params))


async def test_completion_prompt_holds_the_imported_definition(tmp_path, tiny_model):
    jobs = _project(tmp_path)
    async with running_server(tmp_path, {"model": str(tiny_model)}) as client:
        uri = open_document(client, jobs, MAIN)
        ready = await wait_for(client, lambda s: s["index"]["state"] == "ready", within=60)
        assert "files" in ready["index"]["detail"]
        line = MAIN.split("\n").index("        seconds = ")
        context = await _context(client, uri, line, 18)
        titles = [
            getattr(v, "title", None)
            for reports in client.progress_reports.values()
            for v in reports
        ]
        assert "radix-ls: indexing" in titles  # $/progress for the index
    kinds = {(s["kind"], s["path"]) for s in context["segments"]}
    assert ("definition", "pkg/util.py") in kinds
    reasons = {s["reason"] for s in context["segments"] if s["path"] == "pkg/util.py"}
    assert "imported parse_duration" in reasons
    assert "def parse_duration(text: str) -> float:" in context["prompt"]
    # repository context first, then the current file (prefix caching)
    assert context["prompt"].index("parse_duration(text") < context["prompt"].index("class Job")


async def test_typing_on_a_line_keeps_the_repository_context(tmp_path, tiny_model):
    jobs = _project(tmp_path)
    async with running_server(tmp_path, {"model": str(tiny_model)}) as client:
        uri = open_document(client, jobs, MAIN)
        await wait_for(client, lambda s: s["index"]["state"] == "ready", within=60)
        line = MAIN.split("\n").index("        seconds = ")
        prompts = []
        for version, typed in enumerate(["p", "pa", "par"], start=2):
            client.text_document_did_change(_full(uri, version, MAIN, line, typed))
            ctx = await _context(client, uri, line, 18 + len(typed))
            prompts.append(ctx["prompt"])
        head = prompts[0][: prompts[0].index("seconds = p")]
        assert all(p.startswith(head) for p in prompts)


async def test_files_written_on_disk_join_the_index(tmp_path, tiny_model):
    jobs = _project(tmp_path)
    async with running_server(tmp_path, {"model": str(tiny_model)}) as client:
        uri = open_document(client, jobs, MAIN)
        await wait_for(client, lambda s: s["index"]["state"] == "ready", within=60)
        (tmp_path / "pkg" / "clock.py").write_text(
            "def monotonic_seconds() -> float:\n    return 0.0\n"
        )
        text = MAIN.replace("        raw = ", "        start = monotonic_seconds()\n        raw = ")
        client.text_document_did_change(_full(uri, 2, text, None, ""))
        line = text.split("\n").index("        seconds = ")
        for _ in range(100):  # the watcher debounces: poll, bounded
            ctx = await _context(client, uri, line, 18)
            if "def monotonic_seconds" in ctx["prompt"]:
                break
            await asyncio.sleep(0.1)
        assert "def monotonic_seconds" in ctx["prompt"]
        assert (await status(client))["index"]["state"] == "ready"


def _full(uri, version, text, line, typed):
    from lsprotocol import types

    if line is not None:
        lines = text.split("\n")
        lines[line] += typed
        text = "\n".join(lines)
    return types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
        content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)],
    )


async def _indexed_context(tmp_path, tiny_model):
    """Serve the project in `tmp_path` until its index is ready (3 files); the repository
    context at the cursor in MAIN, and the warnings the server showed."""
    from lsprotocol import types

    jobs = tmp_path / "pkg" / "jobs.py"
    async with running_server(tmp_path, {"model": str(tiny_model)}) as client:
        uri = open_document(client, jobs, MAIN)
        ready = await wait_for(client, lambda s: s["index"]["state"] == "ready", within=60)
        assert ready["index"]["detail"].startswith("3 files")
        line = MAIN.split("\n").index("        seconds = ")
        context = await _context(client, uri, line, 18)
        warnings = [m.message for m in client.messages if m.type == types.MessageType.Warning]
    return context, warnings


async def test_a_damaged_index_database_is_rebuilt_with_a_message(tmp_path, tiny_model):
    """issue 14 item 10: the server showed index `error` without a message for a database
    with random bytes in its pages, and never rebuilt it."""
    from radix_ls.config import default_cache_dir
    from radix_ls.index.db import index_path
    from radix_ls.index.indexer import Indexer
    from tests.index.conftest import corrupt_pages

    _project(tmp_path)
    with Indexer(tmp_path, default_cache_dir()) as indexer:
        indexer.refresh()
    corrupt_pages(index_path(default_cache_dir(), tmp_path))
    context, warnings = await _indexed_context(tmp_path, tiny_model)
    assert any("index database" in m and "damaged" in m for m in warnings), warnings
    assert "def parse_duration(text: str) -> float:" in context["prompt"]


def _write_bad_name(directory):
    import os

    with open(os.path.join(os.fsencode(directory), b"r\xe9sum\xe9.py"), "wb") as handle:
        handle.write(b"def hidden():\n    pass\n")


async def test_a_file_name_not_valid_utf8_does_not_fail_the_index(tmp_path, tiny_model):
    """issue 14 item 8: one file whose name is not valid UTF-8 put the server's index in state
    `error`, with no cross-file context for the whole workspace."""
    _project(tmp_path)
    _write_bad_name(tmp_path / "pkg")
    context, _ = await _indexed_context(tmp_path, tiny_model)
    assert "def parse_duration(text: str) -> float:" in context["prompt"]
