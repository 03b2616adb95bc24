"""End-to-end code actions: the real server over stdio, a real LSP client, the tiny model.

The tiny random-weight model writes nonsense, which makes it a good judge of the safety
rules: actions whose answer is formatted by radix-ls itself (a docstring's text, a new local
name forced by a grammar) come back as clean edits, and actions whose answer must be code
(simplify) are rejected with a message, leaving the document untouched.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

import pytest
from lsprotocol import types
from pygls.exceptions import JsonRpcException, JsonRpcRequestCancelled

from radix_ls.features.syntax import SyntaxDocument

from .harness import (
    open_document,
    plain,
    record_applied_edits,
    request,
    running_server,
    status,
    wait_for,
)

SOURCE = """import math

LIMIT = 10


class Circle:
    def __init__(self, radius):
        self.radius = radius

    async def grow(self, by: float) -> None:
        self.radius += by

    def area(self):
        r = self.radius
        value = math.pi * r * r
        return value


def total(items, scale=1):
    s = 0
    for x in items:
        s += x * scale
    return s


def test_total():
    assert total([1]) == 1
"""


def pos(text: str, needle: str, delta: int = 0) -> types.Position:
    offset = text.index(needle) + delta
    line = text.count("\n", 0, offset)
    return types.Position(line=line, character=offset - (text.rfind("\n", 0, offset) + 1))


def at(text: str, needle: str, delta: int = 0) -> types.Range:
    p = pos(text, needle, delta)
    return types.Range(start=p, end=p)


async def list_actions(
    client: Any, uri: str, rng: types.Range, **context: Any
) -> list[types.CodeAction]:
    result = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=rng,
            context=types.CodeActionContext(diagnostics=context.pop("diagnostics", []), **context),
        )
    )
    return list(result or [])


def ids(found: list[types.CodeAction]) -> list[str]:
    return [plain(a.data)["action"] for a in found]


def offset_of(text: str, p: types.Position) -> int:
    lines = text.split("\n")
    return sum(len(line) + 1 for line in lines[: p.line]) + p.character


def apply_lsp_edits(text: str, edits: list[types.TextEdit]) -> str:
    """Apply a TextEdit[] the LSP way (all relative to the original text)."""
    spans = sorted(
        ((offset_of(text, e.range.start), offset_of(text, e.range.end), e.new_text) for e in edits),
        reverse=True,
    )
    for start, end, new in spans:
        text = text[:start] + new + text[end:]
    return text


def single_document_edits(edit: types.WorkspaceEdit, uri: str) -> list[types.TextEdit]:
    changes = edit.document_changes or []
    assert len(changes) == 1, changes
    assert changes[0].text_document.uri == uri
    return list(changes[0].edits)


async def test_actions_are_listed_where_they_apply_and_never_call_the_model(tmp_path, tiny_model):
    path = tmp_path / "shapes.py"
    path.write_text(SOURCE)
    async with running_server(tmp_path, {"model": str(tiny_model)}, rewrite_prompt=True) as client:
        uri = open_document(client, path, SOURCE)
        caps = client.initialize_result.capabilities
        assert caps.code_action_provider.resolve_provider is True

        on_local = ids(await list_actions(client, uri, at(SOURCE, "s = 0")))
        assert on_local == [
            "docstring", "annotate", "simplify", "rewrite", "rename-local", "to-async", "tests",
        ]  # fmt: skip
        # an attribute, a module-level import, a module constant: no function actions
        assert "rename-local" not in ids(
            await list_actions(client, uri, at(SOURCE, "radius = radius"))
        )
        assert ids(await list_actions(client, uri, at(SOURCE, "import math"))) == []
        assert ids(await list_actions(client, uri, at(SOURCE, "LIMIT"))) == []
        # already async / already annotated / a test function
        on_grow = ids(await list_actions(client, uri, at(SOURCE, "self.radius += by")))
        assert "to-async" not in on_grow and "annotate" not in on_grow
        assert "tests" not in ids(await list_actions(client, uri, at(SOURCE, "assert total")))
        # on the class line: only the docstring
        assert ids(await list_actions(client, uri, at(SOURCE, "class Circle"))) == ["docstring"]
        # a selection of whole statements in a function: extract and simplify the selection
        selection = types.Range(
            start=pos(SOURCE, "        r = self"), end=pos(SOURCE, "        return value")
        )
        selected = await list_actions(client, uri, selection)
        assert "extract-function" in ids(selected)
        assert any(a.title == "radix-ls: Simplify selection" for a in selected)
        # fix only with a diagnostic from another tool, and it carries that diagnostic
        diagnostic = types.Diagnostic(
            range=types.Range(start=pos(SOURCE, "x * scale"), end=pos(SOURCE, "x * scale", 9)),
            message="Operator * not supported for types",
            source="pyright",
        )
        fixes = await list_actions(client, uri, at(SOURCE, "x * scale"), diagnostics=[diagnostic])
        assert fixes[0].kind == types.CodeActionKind.QuickFix
        assert fixes[0].diagnostics[0].message == diagnostic.message
        # `only` filters by kind
        extract_only = await list_actions(
            client, uri, selection, only=[types.CodeActionKind.RefactorExtract]
        )
        assert ids(extract_only) == ["extract-function"]
        # rewrite carries the client-side prompt command
        rewrite = next(a for a in await list_actions(client, uri, at(SOURCE, "s = 0")) if
                       plain(a.data)["action"] == "rewrite")  # fmt: skip
        assert rewrite.command.command == "radix-ls.rewrite"
        # listing is lazy: no edit, and the model never ran
        assert all(a.edit is None for a in selected)
        info = await status(client)
    assert info["lastCompletion"] is None


async def test_settings_choose_the_actions_and_rewrite_needs_a_prompting_client(
    tmp_path, tiny_model
):
    path = tmp_path / "shapes.py"
    path.write_text(SOURCE)
    options = {"model": str(tiny_model), "codeActions": ["docstring", "rewrite"]}
    async with running_server(tmp_path, options) as client:
        uri = open_document(client, path, SOURCE)
        # this client declares no radix-ls.rewrite command: no rewrite offered
        assert ids(await list_actions(client, uri, at(SOURCE, "s = 0"))) == ["docstring"]


async def test_docstring_resolves_to_a_minimal_edit_that_parses(tmp_path, tiny_model):
    path = tmp_path / "shapes.py"
    path.write_text(SOURCE)
    async with running_server(tmp_path, {"model": str(tiny_model)}) as client:
        uri = open_document(client, path, SOURCE)
        offered = await list_actions(client, uri, at(SOURCE, "s = 0"))
        docstring = next(a for a in offered if plain(a.data)["action"] == "docstring")
        resolved = await client.code_action_resolve_async(docstring)
        edits = single_document_edits(resolved.edit, uri)
    # one insertion right under `def total(...)`, nothing else touched
    assert len(edits) == 1
    edit = edits[0]
    assert edit.range.start == edit.range.end == pos(SOURCE, "    s = 0")
    new_text = apply_lsp_edits(SOURCE, edits)
    assert new_text.replace(edit.new_text, "", 1) == SOURCE
    assert edit.new_text.startswith('    """') and edit.new_text.rstrip().endswith('"""')
    assert SyntaxDocument(new_text, "python").errors() == []


async def test_rename_local_renames_every_occurrence_in_scope(tmp_path, tiny_model):
    path = tmp_path / "shapes.py"
    path.write_text(SOURCE)
    async with running_server(tmp_path, {"model": str(tiny_model)}) as client:
        uri = open_document(client, path, SOURCE)
        offered = await list_actions(client, uri, at(SOURCE, "s = 0"))
        rename = next(a for a in offered if plain(a.data)["action"] == "rename-local")
        resolved = await client.code_action_resolve_async(rename)
        edits = single_document_edits(resolved.edit, uri)
    new_name = edits[0].new_text
    assert re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", new_name) and new_name != "s"
    # the three uses of `s` in total(), and nothing outside it (e.g. `self`, `scale`)
    assert len(edits) == 3 and {e.new_text for e in edits} == {new_name}
    new_text = apply_lsp_edits(SOURCE, edits)
    function = new_text[new_text.index("def total") : new_text.index("def test_total")]
    assert f"    {new_name} = 0" in function and f"return {new_name}" in function
    assert new_text[: new_text.index("def total")] == SOURCE[: SOURCE.index("def total")]
    assert SyntaxDocument(new_text, "python").errors() == []


async def test_an_answer_that_does_not_parse_is_rejected_and_nothing_changes(tmp_path, tiny_model):
    path = tmp_path / "shapes.py"
    path.write_text(SOURCE)
    async with running_server(tmp_path, {"model": str(tiny_model)}) as client:
        uri = open_document(client, path, SOURCE)
        offered = await list_actions(client, uri, at(SOURCE, "s = 0"))
        simplify = next(a for a in offered if plain(a.data)["action"] == "simplify")
        with pytest.raises(JsonRpcException) as failure:
            await client.code_action_resolve_async(simplify)
        document = plain(await request(client, "radixLs/documentText", {"uri": uri}))
        await asyncio.sleep(0.1)  # the showMessage notification follows the response
        shown = [m.message for m in client.messages if m.type == types.MessageType.Error]
    message = str(failure.value)
    assert "rejected twice" in message and "does not parse" in message
    assert any("Simplify total failed" in m for m in shown)
    assert document["text"] == SOURCE and document["version"] == 1


async def test_cancelling_a_resolve_stops_the_model(tmp_path, tiny_model):
    path = tmp_path / "shapes.py"
    path.write_text(SOURCE)
    options = {"model": str(tiny_model), "actionMaxTokens": 2500, "actionContextTokens": 1024}
    async with running_server(tmp_path, options) as client:
        uri = open_document(client, path, SOURCE)
        offered = await list_actions(client, uri, at(SOURCE, "s = 0"))
        simplify = next(a for a in offered if plain(a.data)["action"] == "simplify")
        pending = asyncio.ensure_future(
            client.protocol.send_request_async(
                types.CODE_ACTION_RESOLVE, simplify, msg_id="resolve-to-cancel"
            )
        )
        await wait_for(client, lambda s: s["activeGenerations"] == 1, within=30)
        client.protocol.notify(types.CANCEL_REQUEST, types.CancelParams(id="resolve-to-cancel"))
        with pytest.raises(JsonRpcRequestCancelled):
            await pending
        after = await wait_for(client, lambda s: s["activeGenerations"] == 0, within=30)
    stats = after["lastCompletion"]
    assert stats["finishReason"] == "cancelled"
    assert stats["completionTokens"] < 2500


async def test_progress_is_reported_while_an_action_runs(tmp_path, tiny_model):
    path = tmp_path / "shapes.py"
    path.write_text(SOURCE)
    async with running_server(tmp_path, {"model": str(tiny_model)}) as client:
        uri = open_document(client, path, SOURCE)
        offered = await list_actions(client, uri, at(SOURCE, "s = 0"))
        docstring = next(a for a in offered if plain(a.data)["action"] == "docstring")
        await client.code_action_resolve_async(docstring)
        await asyncio.sleep(0.1)
    titles = [
        v.title
        for values in client.progress_reports.values()
        for v in values
        if isinstance(v, types.WorkDoneProgressBegin)
    ]
    assert "radix-ls: Add docstring for total" in titles


async def test_apply_command_computes_and_applies_through_workspace_apply_edit(
    tmp_path, tiny_model
):
    """For clients without resolve (and for scripts): workspace/executeCommand with an LSP
    range; the server sends workspace/applyEdit and the client's document changes."""
    path = tmp_path / "shapes.py"
    path.write_text(SOURCE)
    async with running_server(tmp_path, {"model": str(tiny_model)}, resolve=False) as client:
        applied = record_applied_edits(client)

        uri = open_document(client, path, SOURCE)
        offered = await list_actions(client, uri, at(SOURCE, "s = 0"))
        # without resolve support every action carries the apply command
        assert all(a.command and a.command.command == "radixLs.applyAction" for a in offered)
        result = await client.workspace_execute_command_async(
            types.ExecuteCommandParams(
                command="radixLs.applyAction",
                arguments=[{"uri": uri, "action": "docstring", "range": at(SOURCE, "s = 0")}],
            )
        )
        # a rewrite without an instruction is refused before the model runs
        with pytest.raises(JsonRpcException, match="instruction"):
            await client.workspace_execute_command_async(
                types.ExecuteCommandParams(
                    command="radixLs.applyAction",
                    arguments=[{"uri": uri, "action": "rewrite", "range": at(SOURCE, "s = 0")}],
                )
            )
    assert plain(result)["applied"] is True
    edits = single_document_edits(applied[0], uri)
    assert '"""' in edits[0].new_text
