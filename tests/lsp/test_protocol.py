"""The real server over stdio (and TCP): text sync in every encoding, bad input, settings."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from lsprotocol import types
from pygls.exceptions import JsonRpcException

from .harness import (
    change,
    inline,
    open_document,
    plain,
    request,
    running_server,
    status,
    wait_for,
)
from .raw import SERVER, connect, free_port, start_stdio_server


async def _text(client, uri: str) -> str:
    return plain(await request(client, "radixLs/documentText", {"uri": uri}))["text"]


async def test_utf16_edits_with_surrogate_pairs_and_crlf(tmp_path, tiny_model):
    text = "a😀b = 1\r\nsecond\r\nthird"
    async with running_server(tmp_path, {"model": str(tiny_model)}) as client:
        assert client.initialize_result.capabilities.position_encoding == "utf-16"
        uri = open_document(client, tmp_path / "u.py", text)
        change(client, uri, 2, (0, 3), (0, 4), "B")  # after a (1) and the emoji (2 units)
        change(client, uri, 3, (1, 6), (1, 6), "!")  # end of "second"
        change(client, uri, 4, (0, 8), (1, 0), " ")  # join lines across the CRLF
        change(client, uri, 5, (1, 0), (1, 0), "🎉\r\n")  # insert before "third"
        change(client, uri, 6, (1, 2), (1, 2), "x")  # after the new emoji (2 units)
        assert await _text(client, uri) == "a😀B = 1 second!\r\n🎉x\r\nthird"


async def test_utf8_is_negotiated_when_offered(tmp_path, tiny_model):
    text = "é😀 = 'ü'\nnext\n"
    encodings = ["utf-32", "utf-8", "utf-16"]
    async with running_server(tmp_path, {"model": str(tiny_model)}, encodings=encodings) as client:
        assert client.initialize_result.capabilities.position_encoding == "utf-8"
        uri = open_document(client, tmp_path / "u8.py", text)
        change(client, uri, 2, (0, 6), (0, 6), "X")  # é is 2 bytes, 😀 is 4
        change(client, uri, 3, (0, 11), (0, 13), "v")  # replace ü (bytes 11..13 after the X)
        assert await _text(client, uri) == "é😀X = 'v'\nnext\n"


async def test_utf8_surrogate_halves_sent_in_separate_edits_join(tmp_path, tiny_model):
    """issue 14 item 21: a high and a low surrogate typed in two edits are one code point (4
    UTF-8 bytes), so the columns after it on that line stay right."""
    async with running_server(tmp_path, {"model": str(tiny_model)}, encodings=["utf-8"]) as client:
        uri = open_document(client, tmp_path / "s.py", "ab\n")
        change(client, uri, 2, (0, 1), (0, 1), "\ud83d")
        change(client, uri, 3, (0, 4), (0, 4), "\ude00")  # after the high half's 3 bytes
        change(client, uri, 4, (0, 5), (0, 5), "X")  # after a (1 byte) and the emoji (4)
        change(client, uri, 5, (0, 6), (0, 6), "Y")
        assert await _text(client, uri) == "a\U0001f600XYb\n"


async def test_completion_with_a_lone_surrogate_in_the_document(tmp_path, tiny_model):
    """Found by the fuzz test (issue 14 acceptance): a half of an astral character the editor
    has not completed yet made completions fail with InternalError (UTF-8 encoding)."""
    async with running_server(tmp_path, {"model": str(tiny_model), "maxTokens": 4}) as client:
        uri = open_document(client, tmp_path / "h.py", "x = 1\ny = ")
        change(client, uri, 2, (0, 0), (0, 0), "\ud83d")
        result = await inline(client, uri, 1, 4)
        assert result is not None and len(result.items) <= 1
        assert (await status(client))["completions"]["modelCalls"] == 1


async def test_utf16_when_client_offers_only_utf32(tmp_path, tiny_model):
    async with running_server(tmp_path, {"model": str(tiny_model)}, encodings=["utf-32"]) as client:
        assert client.initialize_result.capabilities.position_encoding == "utf-16"


async def test_full_document_sync_replaces_text(tmp_path, tiny_model):
    async with running_server(tmp_path, {"model": str(tiny_model)}) as client:
        uri = open_document(client, tmp_path / "f.py", "old\n")
        client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
                content_changes=[types.TextDocumentContentChangeWholeDocument(text="new\r\n")],
            )
        )
        assert await _text(client, uri) == "new\r\n"


async def test_invalid_positions_get_errors_and_the_server_keeps_serving(tmp_path, tiny_model):
    text = "x😀 = 1\n"
    async with running_server(tmp_path, {"model": str(tiny_model), "maxTokens": 8}) as client:
        uri = open_document(client, tmp_path / "p.py", text)
        for line, character, message in [
            (5, 0, "past the end of the document"),
            (0, 99, "past the end of line 0"),
            (0, 2, "inside a character"),
        ]:
            with pytest.raises(JsonRpcException, match=message) as info:
                await inline(client, uri, line, character)
            assert info.value.code == -32602
        with pytest.raises(JsonRpcException, match="not open"):
            await inline(client, (tmp_path / "missing.py").as_uri(), 0, 0)
        result = await inline(client, uri, 0, 3)
        assert result is not None
        assert (await status(client))["state"] == "ready"


def test_malformed_messages_get_errors_over_raw_stdio(tmp_path, tiny_model):
    env = {**os.environ}
    proc, peer = start_stdio_server(env)
    try:
        init = peer.initialize(tmp_path, {"model": str(tiny_model)})
        assert "capabilities" in init
        peer.send({"jsonrpc": "2.0", "method": "initialized", "params": {}})

        peer.send_bytes(b"{this is not json")
        parse_error = peer.read_response(None)
        assert parse_error["error"]["code"] == -32700

        bad_params = peer.request(
            2,
            "textDocument/inlineCompletion",
            {"textDocument": {"uri": "file:///x.py"}, "position": "here"},
        )
        assert bad_params["error"]["code"] == -32602
        assert "textDocument/inlineCompletion" in bad_params["error"]["message"]

        peer.send_bytes(b"[1, 2, 3]")
        invalid = peer.read_response(None)
        assert invalid["error"]["code"] == -32600

        unknown = peer.request(3, "radixLs/noSuchMethod", {})
        assert unknown["error"]["code"] == -32601

        ok = peer.request(4, "radixLs/status", {})
        assert ok["result"]["version"]

        assert peer.request(5, "shutdown", None)["result"] is None
        peer.send({"jsonrpc": "2.0", "method": "exit", "params": None})
        assert proc.wait(timeout=20) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_exit_without_shutdown_is_an_error_exit(tmp_path):
    proc, peer = start_stdio_server({**os.environ})
    try:
        peer.initialize(None)
        peer.send({"jsonrpc": "2.0", "method": "exit", "params": None})
        assert proc.wait(timeout=20) == 1
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_tcp_mode_on_loopback(tmp_path, tiny_model):
    port = free_port()
    proc = subprocess.Popen(
        [*SERVER, "--tcp", str(port)], stderr=subprocess.DEVNULL, env={**os.environ}
    )
    try:
        sock, peer = connect(port)
        with sock:
            init = peer.initialize(tmp_path, {"model": str(tiny_model)})
            assert init["serverInfo"]["name"] == "radix-ls"
            assert peer.request(2, "shutdown", None)["result"] is None
    finally:
        proc.terminate()
        proc.wait()


async def test_invalid_settings_are_reported_and_defaults_used(tmp_path, tiny_model):
    options = {"model": str(tiny_model), "maxTokens": "many", "engine": "warp", "nope": 1}
    async with running_server(tmp_path, options) as client:
        current = await status(client)
        assert current["state"] == "ready"
        assert current["settings"]["maxTokens"] == 96
        assert current["settings"]["engine"] == "auto"
        warnings = [m.message for m in client.messages if m.type == types.MessageType.Warning]
        assert any("maxTokens must be an integer" in m for m in warnings)
        assert any("unknown setting 'nope'" in m for m in warnings)


async def test_workspace_configuration_is_pulled_and_followed(tmp_path, tiny_model):
    config = {"model": str(tiny_model), "maxTokens": 7}
    async with running_server(tmp_path, None, configuration=config) as client:
        assert (await status(client))["settings"]["maxTokens"] == 7
        client.set_configuration({**config, "maxTokens": 9}, section="radix-ls")
        client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=None))
        current = await wait_for(client, lambda s: s["settings"]["maxTokens"] == 9, within=10)
        assert current["state"] == "ready"  # same model: no reload


async def test_changing_the_model_reloads_the_engine(tmp_path, tiny_model):
    async with running_server(tmp_path, {"model": str(tiny_model)}) as client:
        client.workspace_did_change_configuration(
            types.DidChangeConfigurationParams(settings={"model": str(tmp_path / "nope.gguf")})
        )
        failed = await wait_for(client, lambda s: s["state"] == "error", within=30)
        assert "model file not found" in failed["detail"]
        client.workspace_did_change_configuration(
            types.DidChangeConfigurationParams(settings={"model": str(tiny_model)})
        )
        await wait_for(client, lambda s: s["state"] == "ready", within=30)


async def test_engine_failure_is_one_clear_message_and_empty_answers(tmp_path):
    missing = tmp_path / "missing.gguf"
    async with running_server(tmp_path, {"model": str(missing)}) as client:
        current = await status(client)
        assert current["state"] == "error"
        errors = [m.message for m in client.messages if m.type == types.MessageType.Error]
        assert len(errors) == 1 and "model file not found" in errors[0]
        uri = open_document(client, tmp_path / "e.py", "x = 1\n")
        result = await inline(client, uri, 0, 4)
        assert list(result.items) == []


async def test_progress_and_log_messages_reach_the_client(tmp_path, tiny_model):
    async with running_server(tmp_path, {"model": str(tiny_model)}) as client:
        kinds = [type(v).__name__ for reports in client.progress_reports.values() for v in reports]
        assert "WorkDoneProgressBegin" in kinds and "WorkDoneProgressEnd" in kinds
        assert any("engine ready" in m.message for m in client.log_messages)


def test_server_module_runs_without_the_console_script():
    out = subprocess.run(
        [sys.executable, "-m", "radix_ls", "--version"], capture_output=True, text=True, check=True
    )
    assert out.stdout.startswith("radix-ls ")


async def test_empty_configuration_change_keeps_initialization_options(tmp_path, tiny_model):
    """Clients often send didChangeConfiguration with null settings: keep what initialize set."""
    async with running_server(tmp_path, {"model": str(tiny_model), "maxTokens": 5}) as client:
        client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=None))
        client.workspace_did_change_configuration(
            types.DidChangeConfigurationParams(settings={"maxLines": 3})
        )
        current = await wait_for(client, lambda s: s["settings"]["maxLines"] == 3, within=10)
        assert current["settings"]["maxTokens"] == 5
        assert current["settings"]["model"] == str(tiny_model)
        assert current["state"] == "ready"
