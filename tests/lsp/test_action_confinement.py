"""Code actions never target a file outside the workspace or a symlink (issue 14 item 4), on
the real server over stdio with the tiny model: through codeAction/resolve and through
`radixLs.applyAction`, whose workspace/applyEdit must then never be sent."""

from __future__ import annotations

from pathlib import Path

import pytest
from lsprotocol import types
from pygls.exceptions import JsonRpcException

from .harness import open_document, record_applied_edits, running_server
from .test_code_actions import SOURCE, at, ids, list_actions

CALC = "def add(a, b):\n    return a + b\n"


def workspace(tmp_path: Path) -> tuple[Path, Path]:
    root = tmp_path / "ws"
    (root / "pkg").mkdir(parents=True)
    (root / "pkg" / "calc.py").write_text(CALC)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "other.py").write_text(CALC)
    return root, outside


async def test_documents_outside_the_root_are_refused_as_targets(tmp_path, tiny_model):
    """issue 14 item 4: a document outside the workspace root, also one named by a URI with
    `..` that leads out of it, is refused with a reason before the model runs; no
    workspace/applyEdit is sent."""
    root, outside = workspace(tmp_path)
    (outside / "shapes.py").write_text(SOURCE)
    async with running_server(root, {"model": str(tiny_model)}, resolve=False) as client:
        applied = record_applied_edits(client)

        far = (outside / "shapes.py").as_uri()
        dotted = root.as_uri() + "/pkg/../../outside/shapes.py"
        for uri in (far, dotted):
            client.text_document_did_open(
                types.DidOpenTextDocumentParams(
                    text_document=types.TextDocumentItem(
                        uri=uri, language_id="python", version=1, text=SOURCE
                    )
                )
            )
            with pytest.raises(JsonRpcException, match=r"shapes\.py: .*outside the workspace"):
                await client.workspace_execute_command_async(
                    types.ExecuteCommandParams(
                        command="radixLs.applyAction",
                        arguments=[{"uri": uri, "action": "docstring",
                                    "range": at(SOURCE, "s = 0")}],
                    )
                )  # fmt: skip
    assert applied == []
    assert (outside / "shapes.py").read_text() == SOURCE


@pytest.mark.parametrize("case", ["folder", "file"])
async def test_tests_are_not_offered_or_written_through_symlinks(tmp_path, tiny_model, case):
    """issue 14 item 4: with tests/ a symlink to a folder elsewhere, or tests/test_calc.py a
    symlink to an outside file, the tests action is not offered, and asked for anyway (by its
    data) it fails naming the test file and why, before the model runs."""
    root, outside = workspace(tmp_path)
    if case == "folder":
        (root / "tests").symlink_to(outside, target_is_directory=True)
        why = "outside the workspace"
    else:
        (root / "tests").mkdir()
        (root / "tests" / "test_calc.py").symlink_to(outside / "other.py")
        why = "is a symlink"
    async with running_server(root, {"model": str(tiny_model)}) as client:
        uri = open_document(client, root / "pkg" / "calc.py", CALC)
        offered = await list_actions(client, uri, at(CALC, "return"))
        assert "docstring" in ids(offered) and "tests" not in ids(offered)
        data = {"uri": uri, "version": 1, "action": "tests", "start": 0, "end": len(CALC),
                "name": "add"}  # fmt: skip
        action = types.CodeAction(title="radix-ls: Generate tests for add", data=data)
        with pytest.raises(JsonRpcException, match=f"tests/test_calc.py: {why}"):
            await client.code_action_resolve_async(action)
    assert sorted(p.name for p in outside.iterdir()) == ["other.py"]
    assert (outside / "other.py").read_text() == CALC
