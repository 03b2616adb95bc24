"""End-to-end: the real server over stdio, a real LSP client, the tiny Qwen3-MoE model."""

from __future__ import annotations

import asyncio

import pytest
from llama_cpp import Llama
from lsprotocol import types
from pygls.exceptions import JsonRpcRequestCancelled

from radix_ls.config import resolve
from radix_ls.engine.llamacpp import LlamaCppEngine
from radix_ls.features import postprocess
from radix_ls.features.completion import CompletionService
from radix_ls.workspace.documents import DocumentSnapshot

from .harness import inline, inline_params, open_document, running_server, status, wait_for

SOURCE = (
    '''import math


def circle_area(radius):
    """Area of a circle."""
    return math.pi * radius ** 2


def describe(shape, size):
    if shape == "circle":
        return'''
    + " "  # the cursor goes after "return "
    + """
    raise ValueError(shape)
"""
)


def _cursor(text: str, needle: str) -> tuple[int, int, int]:
    offset = text.index(needle) + len(needle)
    line = text[:offset].count("\n")
    return line, offset - (text.rfind("\n", 0, offset) + 1), offset


async def test_advertises_inline_completion_and_reports_ready(tmp_path, tiny_model):
    async with running_server(tmp_path, {"model": str(tiny_model)}) as client:
        info = await status(client)
        assert info["state"] == "ready"
        assert info["engine"] == "llamacpp"
        assert info["template"] == "qwen-fim"
        caps = client.initialize_result.capabilities
        assert caps.inline_completion_provider is not None
        assert caps.text_document_sync.change == types.TextDocumentSyncKind.Incremental


@pytest.mark.parametrize(
    "needle", ["        return ", "def describe(shape, size):\n", "radius ** "]
)
async def test_inline_completion_is_the_post_processed_greedy_output(tmp_path, tiny_model, needle):
    """The server's answer equals post-processing applied to a direct, independent greedy
    llama.cpp call (Llama.create_completion) on the same prompt: the server is wired to the
    model, not to canned text."""
    options = {"model": str(tiny_model), "maxTokens": 48}
    path = tmp_path / "shapes.py"
    path.write_text(SOURCE)
    line, column, offset = _cursor(SOURCE, needle)
    async with running_server(tmp_path, options) as client:
        uri = open_document(client, path, SOURCE)
        result = await inline(client, uri, line, column)
        last = (await status(client))["lastCompletion"]

    # The same plan the server made (prompt, stops), computed here from the same settings.
    settings = resolve(options).settings
    llm = Llama(str(tiny_model), n_ctx=settings.n_ctx, verbose=False)
    engine = LlamaCppEngine(llm, tiny_model)
    plan = CompletionService(engine, settings).plan(
        DocumentSnapshot(uri, 1, "python", SOURCE, path), offset, tmp_path
    )
    direct = llm.create_completion(
        plan.request.prompt,
        max_tokens=plan.request.max_tokens,
        temperature=0.0,
        stop=list(plan.request.stop),
    )["choices"][0]["text"]
    expected = postprocess.finish(direct, plan.context.cursor, plan.max_lines)
    prompt_tokens = len(engine.prompt_tokens(plan.request.prompt))
    await engine.close()

    items = result.items if result is not None else []
    got = items[0].insert_text if items else None
    assert got == expected
    assert expected is not None, f"the tiny model gave nothing useful for {needle!r}: {direct!r}"
    assert last["promptTokens"] == prompt_tokens
    assert items[0].range.start == types.Position(line=line, character=column)


async def test_second_request_reuses_the_cached_prefix(tmp_path, tiny_model):
    path = tmp_path / "shapes.py"
    path.write_text(SOURCE)
    line, column, _ = _cursor(SOURCE, "        return ")
    async with running_server(tmp_path, {"model": str(tiny_model)}) as client:
        uri = open_document(client, path, SOURCE)
        await inline(client, uri, line, column)
        first = (await status(client))["lastCompletion"]
        await inline(client, uri, line, column)
        second = (await status(client))["lastCompletion"]
    assert first["cachedTokens"] == 0
    assert second["cachedTokens"] >= second["promptTokens"] - 1


async def test_cancel_stops_generation_early(tmp_path, tiny_model):
    """$/cancelRequest aborts the model work: the engine reports no running generation and
    the generation ended well before its token limit."""
    path = tmp_path / "shapes.py"
    path.write_text(SOURCE)
    max_tokens = 2500
    line, column = SOURCE.count("\n"), 0  # the empty last line: nothing ends the block early
    options = {"model": str(tiny_model), "maxTokens": max_tokens, "maxLines": 500}
    async with running_server(tmp_path, options) as client:
        uri = open_document(client, path, SOURCE)
        pending = asyncio.ensure_future(
            client.protocol.send_request_async(
                types.TEXT_DOCUMENT_INLINE_COMPLETION,
                inline_params(uri, line, column),
                msg_id="to-cancel",
            )
        )
        await wait_for(client, lambda s: s["activeGenerations"] == 1, within=30)
        client.protocol.notify(types.CANCEL_REQUEST, types.CancelParams(id="to-cancel"))
        with pytest.raises(JsonRpcRequestCancelled):
            await pending
        after = await wait_for(client, lambda s: s["activeGenerations"] == 0, within=30)
        # the server still serves afterwards
        again = await inline(client, uri, line, column)
    stats = after["lastCompletion"]
    assert stats["finishReason"] == "cancelled"
    assert stats["completionTokens"] < max_tokens
    assert again is not None


async def test_stale_completion_is_not_returned(tmp_path, tiny_model):
    """A document change while a completion is generating drops that completion (a change
    away from the cursor: text typed at the cursor may be joined, see the typing tests)."""
    path = tmp_path / "shapes.py"
    path.write_text(SOURCE)
    line, column = SOURCE.count("\n"), 0  # the empty last line: nothing ends the block early
    options = {"model": str(tiny_model), "maxTokens": 2500, "maxLines": 500}
    async with running_server(tmp_path, options) as client:
        uri = open_document(client, path, SOURCE)
        pending = asyncio.ensure_future(inline(client, uri, line, column))
        await wait_for(client, lambda s: s["activeGenerations"] == 1, within=30)
        client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
                content_changes=[types.TextDocumentContentChangeWholeDocument(text="#\n" + SOURCE)],
            )
        )
        result = await pending
        after = await wait_for(client, lambda s: s["activeGenerations"] == 0, within=30)
    assert result is not None and list(result.items) == []
    assert after["lastCompletion"]["finishReason"] == "cancelled"


async def test_completion_item_for_clients_without_inline_support(tmp_path, tiny_model):
    path = tmp_path / "shapes.py"
    path.write_text(SOURCE)
    line, column, _ = _cursor(SOURCE, "radius ** ")
    options = {"model": str(tiny_model), "maxTokens": 16, "completionItem": "always"}
    async with running_server(tmp_path, options) as client:
        uri = open_document(client, path, SOURCE)
        result = await client.text_document_completion_async(
            types.CompletionParams(
                text_document=types.TextDocumentIdentifier(uri=uri),
                position=types.Position(line=line, character=column),
            )
        )
        inline_result = await inline(client, uri, line, column)
    assert result.is_incomplete
    assert len(result.items) == 1
    item = result.items[0]
    assert item.text_edit.new_text == inline_result.items[0].insert_text
    assert item.text_edit.range.end == types.Position(line=line, character=column)


async def test_no_completion_items_for_inline_capable_clients_by_default(tmp_path, tiny_model):
    """The test client declares inline completion: "auto" keeps the model from running twice."""
    path = tmp_path / "shapes.py"
    path.write_text(SOURCE)
    line, column, _ = _cursor(SOURCE, "radius ** ")
    async with running_server(tmp_path, {"model": str(tiny_model)}) as client:
        uri = open_document(client, path, SOURCE)
        result = await client.text_document_completion_async(
            types.CompletionParams(
                text_document=types.TextDocumentIdentifier(uri=uri),
                position=types.Position(line=line, character=column),
            )
        )
        assert list(result.items) == []
        assert (await status(client))["lastCompletion"] is None  # the model never ran


async def test_huge_documents_get_no_completions_and_no_errors(tmp_path, tiny_model):
    text = "x = 1\n" * 800_000  # 4.8 MB
    async with running_server(tmp_path, {"model": str(tiny_model)}) as client:
        uri = open_document(client, tmp_path / "huge.py", text)
        result = await inline(client, uri, 10, 0)
        assert list(result.items) == []
        assert any("over the" in m.message for m in client.log_messages)
        assert (await status(client))["state"] == "ready"


async def test_status_reports_loading_then_ready(tmp_path, tiny_model):
    async with running_server(tmp_path, {"model": str(tiny_model)}, wait_ready=False) as client:
        first = await status(client)
        assert first["state"] in ("starting", "loading", "ready")
        ready = await wait_for(client, lambda s: s["state"] == "ready")
        assert ready["model"]
