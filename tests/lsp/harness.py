"""Start the real radix-ls server over stdio and drive it with pytest-lsp's LanguageClient."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, Union

from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

SERVER = [sys.executable, "-m", "radix_ls", "--log-level", "debug", "serve"]


def capabilities(
    encodings: list[str] | None = None,
    *,
    configuration: bool = False,
    progress: bool = True,
    resolve: bool = True,
    rewrite_prompt: bool = False,
) -> types.ClientCapabilities:
    return types.ClientCapabilities(
        general=types.GeneralClientCapabilities(
            position_encodings=encodings or [types.PositionEncodingKind.Utf16]
        ),
        window=types.WindowClientCapabilities(work_done_progress=progress),
        workspace=types.WorkspaceClientCapabilities(
            configuration=configuration,
            apply_edit=True,
            workspace_edit=types.WorkspaceEditClientCapabilities(
                document_changes=True,
                resource_operations=[types.ResourceOperationKind.Create],
            ),
        ),
        text_document=types.TextDocumentClientCapabilities(
            inline_completion=types.InlineCompletionClientCapabilities(),
            completion=types.CompletionClientCapabilities(),
            code_action=types.CodeActionClientCapabilities(
                resolve_support=(
                    types.ClientCodeActionResolveOptions(properties=["edit"]) if resolve else None
                ),
                data_support=True,
            ),
        ),
        experimental={"radixLs": {"rewritePrompt": True}} if rewrite_prompt else None,
    )


async def request(client: LanguageClient, method: str, params: Any) -> Any:
    return await client.protocol.send_request_async(method, params)


def plain(value: Any) -> Any:
    """pygls decodes unknown result objects as namedtuples; turn them back into dicts."""
    if hasattr(value, "_asdict"):
        return {k: plain(v) for k, v in value._asdict().items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


async def status(client: LanguageClient) -> dict[str, Any]:
    return plain(await request(client, "radixLs/status", {}))


async def wait_for(client: LanguageClient, predicate: Any, within: float = 60.0) -> dict:
    """Poll radixLs/status until `predicate(status)` holds (at most `within` seconds)."""
    deadline = time.monotonic() + within
    while True:
        current = await status(client)
        if predicate(current):
            return current
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting; last status {current}")
        await asyncio.sleep(0.01)


@contextlib.asynccontextmanager
async def running_server(
    workspace: Path,
    options: dict[str, Any] | None = None,
    *,
    encodings: list[str] | None = None,
    configuration: dict[str, Any] | None = None,
    wait_ready: bool = True,
    resolve: bool = True,
    rewrite_prompt: bool = False,
) -> AsyncIterator[LanguageClient]:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    config = ClientServerConfig(server_command=SERVER, server_env=env)
    client = await config.start()
    assert isinstance(client, LanguageClient)
    _fix_code_action_decoding(client)
    if configuration is not None:
        client.set_configuration(configuration, section="radix-ls")
    try:
        client.initialize_result = await client.initialize_session(  # type: ignore[attr-defined]
            types.InitializeParams(
                capabilities=capabilities(
                    encodings,
                    configuration=configuration is not None,
                    resolve=resolve,
                    rewrite_prompt=rewrite_prompt,
                ),
                root_uri=workspace.as_uri(),
                initialization_options=options,
            )
        )
        if wait_ready:
            # the engine, and the workspace index where there is one, done loading
            await wait_for(
                client,
                lambda s: (
                    s["state"] in ("ready", "error")
                    and s["index"]["state"] in ("ready", "error", "off")
                ),
            )
        yield client
    finally:
        server = client._server
        with contextlib.suppress(Exception):
            await asyncio.wait_for(client.shutdown_session(), 20)
        if server is not None and server.returncode is None:
            server.kill()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(client.stop(), 10)


def _fix_code_action_decoding(client: LanguageClient) -> None:
    """lsprotocol (2025.0) decodes every code action that has a `command` as a Command (it
    checks for the key, not its type), so a CodeAction carrying a command loses its fields in
    this Python client. Real editors are unaffected; tell the two apart by the key's type."""
    converter = client.protocol._converter

    def hook(obj: Any, _: type) -> types.Command | types.CodeAction:
        if isinstance(obj.get("command"), str):
            return converter.structure(obj, types.Command)
        return converter.structure(obj, types.CodeAction)

    converter.register_structure_hook(types.Command | types.CodeAction, hook)
    converter.register_structure_hook(Union[types.Command, types.CodeAction], hook)  # noqa: UP007


def open_document(
    client: LanguageClient, path: Path, text: str, version: int = 1, language: str = "python"
) -> str:
    uri = path.as_uri()
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri=uri, language_id=language, version=version, text=text
            )
        )
    )
    return uri


def change(
    client: LanguageClient,
    uri: str,
    version: int,
    start: tuple[int, int],
    end: tuple[int, int],
    text: str,
) -> None:
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
            content_changes=[
                types.TextDocumentContentChangePartial(
                    range=types.Range(
                        start=types.Position(line=start[0], character=start[1]),
                        end=types.Position(line=end[0], character=end[1]),
                    ),
                    text=text,
                )
            ],
        )
    )


def inline_params(uri: str, line: int, character: int) -> types.InlineCompletionParams:
    return types.InlineCompletionParams(
        text_document=types.TextDocumentIdentifier(uri=uri),
        position=types.Position(line=line, character=character),
        context=types.InlineCompletionContext(
            trigger_kind=types.InlineCompletionTriggerKind.Invoked
        ),
    )


async def inline(client: LanguageClient, uri: str, line: int, character: int) -> Any:
    return await client.text_document_inline_completion_async(inline_params(uri, line, character))


def record_applied_edits(client: LanguageClient) -> list[types.WorkspaceEdit]:
    """Answer the server's workspace/applyEdit requests as applied and keep their edits (the
    list returned grows as they arrive)."""
    applied: list[types.WorkspaceEdit] = []

    @client.feature(types.WORKSPACE_APPLY_EDIT)
    def apply_edit(params: types.ApplyWorkspaceEditParams) -> types.ApplyWorkspaceEditResult:
        applied.append(params.edit)
        return types.ApplyWorkspaceEditResult(applied=True)

    return applied
