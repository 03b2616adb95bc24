"""The real SGLang on the CPU, served: `radix-ls serve` with `engine = sglang` driven by an
LSP client, and two `sglang.launch_server` workers behind the SGLang Model Gateway for
scale-out, reached by radix-ls' remote engine.

Everything starts once for the module (the workers and the server load at the same time)
and the tests run on the module's event loop.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
import pytest_asyncio
from lsprotocol import types
from pygls.exceptions import JsonRpcRequestCancelled
from pytest_lsp import LanguageClient

from radix_ls.config import resolve
from radix_ls.engine.base import GenerationRequest
from radix_ls.engine.llamacpp import LlamaCppEngine
from radix_ls.engine.remote import RemoteConfig, RemoteEngine
from radix_ls.engine.sglang import CPU_WARNING
from radix_ls.features import postprocess
from radix_ls.features.completion import CompletionService
from radix_ls.workspace.documents import DocumentSnapshot
from tests.lsp.harness import (
    change,
    inline,
    inline_params,
    open_document,
    plain,
    request,
    running_server,
    status,
    wait_for,
)
from tests.lsp.test_code_actions import SOURCE as ACTION_SOURCE
from tests.lsp.test_code_actions import at, list_actions, single_document_edits
from tests.lsp.test_inline_completion import SOURCE

from . import cpu, servers

pytestmark = [pytest.mark.asyncio(loop_scope="module"), *cpu.MARKS]

# FIM prompts (the tiny model's name says Qwen3, whose default is the chat template); no
# index, so that the prompt is the current file's alone and the test can plan it too
OPTIONS = {
    **cpu.CPU_WIRE,
    "promptTemplate": "qwen-fim",
    "maxTokens": 32,
    "maxLines": 500,
    "index": False,
}
# A document typed a few characters at a time through the gateway.
TYPED = SOURCE * 3


@pytest.fixture(scope="module")
def workspace(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("sglang-ws")
    (root / "shapes.py").write_text(SOURCE)
    (root / "actions.py").write_text(ACTION_SOURCE)
    return root


@pytest.fixture(scope="module")
def workers(tmp_path_factory) -> Iterator[list[servers.Server]]:
    """Two workers, started now and waited for by the tests that use them."""
    cpu.require_sglang()
    logs = tmp_path_factory.mktemp("sglang-logs")
    started = [servers.worker("worker-a", logs), servers.worker("worker-b", logs)]
    yield started
    for worker in started:
        worker.kill()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def lsp(workspace, workers) -> AsyncIterator[LanguageClient]:
    """`radix-ls serve` with the in-process SGLang engine on the CPU (loading meanwhile the
    workers load)."""
    with pytest.MonkeyPatch.context() as patch:
        for name, value in cpu.child_env().items():
            patch.setenv(name, value)
        async with running_server(workspace, OPTIONS, wait_ready=False) as client:
            ready = await wait_for(client, lambda s: s["state"] != "loading", within=1500)
            assert ready["state"] == "ready", ready
            yield client


@pytest.fixture(scope="module")
def team(workers, tmp_path_factory) -> Iterator[servers.Server]:
    """The gateway, once both workers serve."""
    for worker in workers:
        worker.wait_ready("/health", within=1500)
    front = servers.gateway(workers, tmp_path_factory.mktemp("gateway-logs"))
    front.wait_ready("/v1/models", within=120)
    yield front
    front.kill()


def _cursor(text: str, needle: str) -> tuple[int, int, int]:
    offset = text.index(needle) + len(needle)
    line = text[:offset].count("\n")
    return line, offset - (text.rfind("\n", 0, offset) + 1), offset


async def test_inline_completion_is_the_post_processed_greedy_sglang_answer(
    lsp, workers, workspace, tiny_model
):
    """The server's answer equals post-processing applied to an independent greedy call of
    SGLang (a worker's /generate) on the same prompt and stops."""
    path = workspace / "shapes.py"
    line, column, offset = _cursor(SOURCE, "        return ")
    uri = open_document(lsp, path, SOURCE)
    result = await inline(lsp, uri, line, column)
    shown = plain(
        await request(
            lsp,
            "radixLs/context",
            {"textDocument": {"uri": uri}, "position": {"line": line, "character": column}},
        )
    )
    # the server's plan (prompt, stops, cursor), made here with the same model's GGUF twin
    counter = LlamaCppEngine.load(tiny_model, n_ctx=4096, vocab_only=True)
    plan = CompletionService(counter, resolve(OPTIONS).settings).plan(
        DocumentSnapshot(uri, 1, "python", SOURCE, path), offset, workspace
    )
    await counter.close()
    assert plan.request.prompt == shown["prompt"]
    await asyncio.to_thread(workers[0].wait_ready, "/health", 1500)
    sampling = {
        "max_new_tokens": plan.request.max_tokens,
        "temperature": 0.0,
        "stop": list(plan.request.stop),
        "skip_special_tokens": True,
    }
    async with httpx.AsyncClient(timeout=300) as client:
        answer = await client.post(
            workers[0].url + "/generate",
            json={"text": plan.request.prompt, "sampling_params": sampling},
        )
    direct = answer.json()["text"]
    expected = postprocess.finish(direct, plan.context.cursor, plan.max_lines)
    assert expected is not None, f"the tiny model gave nothing useful: {direct!r}"
    items = result.items if result is not None else []
    assert [item.insert_text for item in items] == [expected]


async def test_the_server_warns_that_sglang_on_a_cpu_is_for_testing(lsp):
    warned = [m.message for m in lsp.log_messages if m.type == types.MessageType.Warning]
    assert any(CPU_WARNING in message for message in warned), warned


async def test_second_keystroke_reuses_cached_tokens(lsp, workspace):
    path = workspace / "shapes.py"
    line, column, _ = _cursor(SOURCE, "        return ")
    uri = open_document(lsp, path, SOURCE, version=1)
    await inline(lsp, uri, line, column)
    change(lsp, uri, 2, (line, column), (line, column), "s")  # one keystroke
    await inline(lsp, uri, line, column + 1)
    second = (await status(lsp))["lastCompletion"]
    assert second["cachedTokens"] > 0, second
    assert second["promptTokens"] > second["cachedTokens"]


async def test_cancel_leaves_no_generation_running_in_sglang(lsp, workspace):
    """activeGenerations of the SGLang engine counts the requests SGLang's tokenizer manager
    still tracks (rid_to_state): after $/cancelRequest it must drop to 0."""
    path = workspace / "shapes.py"
    uri = open_document(lsp, path, SOURCE, version=1)
    line, column = SOURCE.count("\n"), 0
    pending = asyncio.ensure_future(
        lsp.protocol.send_request_async(
            types.TEXT_DOCUMENT_INLINE_COMPLETION,
            inline_params(uri, line, column),
            msg_id="sglang-cancel",
        )
    )
    await wait_for(lsp, lambda s: s["activeGenerations"] == 1, within=60)
    lsp.protocol.notify(types.CANCEL_REQUEST, types.CancelParams(id="sglang-cancel"))
    with pytest.raises(JsonRpcRequestCancelled):
        await pending
    after = await wait_for(lsp, lambda s: s["activeGenerations"] == 0, within=60)
    assert after["lastCompletion"]["finishReason"] == "cancelled"
    assert after["lastCompletion"]["completionTokens"] < OPTIONS["maxTokens"]
    assert await inline(lsp, uri, line, column) is not None  # and it serves on


async def test_code_action_with_constrained_decoding(lsp, workspace):
    """rename-local forces the new name's shape with SGLang's regex decoding."""
    path = workspace / "actions.py"
    uri = open_document(lsp, path, ACTION_SOURCE)
    offered = await list_actions(lsp, uri, at(ACTION_SOURCE, "s = 0"))
    rename = next(a for a in offered if plain(a.data)["action"] == "rename-local")
    resolved = await lsp.code_action_resolve_async(rename)
    edits = single_document_edits(resolved.edit, uri)
    new_name = edits[0].new_text
    assert re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", new_name) and new_name != "s"
    assert len(edits) == 3 and {e.new_text for e in edits} == {new_name}


def _keystroke_prompts(count: int, start: int = 200, step: int = 3) -> list[str]:
    """FIM prompts of one document typed `step` characters at a time."""
    return [
        f"<|fim_prefix|>{TYPED[: start + i * step]}<|fim_suffix|>\n<|fim_middle|>"
        for i in range(count)
    ]


async def test_gateway_keeps_one_documents_keystrokes_on_one_worker(team, workers):
    engine = await RemoteEngine.connect(RemoteConfig(url=team.url, read_timeout=300))
    before = [servers.prompt_tokens_served(w) for w in workers]
    stats = []
    try:
        for prompt in _keystroke_prompts(5):
            stats.append((await engine.generate(GenerationRequest(prompt, max_tokens=4))).stats)
    finally:
        await engine.close()
    grew = [servers.prompt_tokens_served(w) > b for w, b in zip(workers, before, strict=True)]
    assert grew.count(True) == 1, grew  # every keystroke went to the same worker
    assert all(s.cached_tokens and s.cached_tokens > 0 for s in stats[1:]), stats


async def test_gateway_serves_on_when_a_worker_dies(team, workers):
    engine = await RemoteEngine.connect(RemoteConfig(url=team.url, read_timeout=300))
    before = [servers.prompt_tokens_served(w) for w in workers]
    try:
        # the worker that holds this document's prefix dies: cache-aware routing must move on
        first = _keystroke_prompts(1, start=500)[0]
        await engine.generate(GenerationRequest(first, max_tokens=2))
        grew = [servers.prompt_tokens_served(w) > b for w, b in zip(workers, before, strict=True)]
        victim, survivor = (workers[0], workers[1]) if grew[0] else (workers[1], workers[0])
        victim.kill()
        survivor_before = servers.prompt_tokens_served(survivor)
        for prompt in _keystroke_prompts(3, start=500):
            result = await engine.generate(GenerationRequest(prompt, max_tokens=2))
            assert result.stats.completion_tokens == 2
        served = servers.prompt_tokens_served(survivor)
    finally:
        await engine.close()
    assert served > survivor_before
