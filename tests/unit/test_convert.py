"""Position conversion between LSP encodings and string offsets (data: tests/data/convert)."""

import json
from pathlib import Path

import pytest
from lsprotocol import types

from radix_ls.features.actions import FileChange
from radix_ls.lsp import convert
from radix_ls.workspace.documents import TextEdit

CASES = json.loads((Path(__file__).parent.parent / "data/convert/positions.json").read_text())[
    "cases"
]


@pytest.mark.parametrize(
    "case", CASES, ids=lambda c: f"{c['text']!r}@{c['line']}:{c['character']}/{c['encoding']}"
)
def test_position_to_offset(case):
    pos = types.Position(line=case["line"], character=case["character"])
    if "error" in case:
        with pytest.raises(convert.PositionError, match=case["error"]):
            convert.position_to_offset(case["text"], pos, case["encoding"])
    else:
        assert convert.position_to_offset(case["text"], pos, case["encoding"]) == case["offset"]


@pytest.mark.parametrize("case", [c for c in CASES if "offset" in c], ids=lambda c: repr(c["text"]))
def test_offset_round_trip(case):
    pos = convert.offset_to_position(case["text"], case["offset"], case["encoding"])
    assert convert.position_to_offset(case["text"], pos, case["encoding"]) == case["offset"]


def test_lenient_positions_clamp_like_the_spec_says():
    text = "ab\ncd"
    far_column = types.Position(line=0, character=99)
    far_line = types.Position(line=9, character=0)
    assert convert.position_to_offset(text, far_column, "utf-16", strict=False) == 2
    assert convert.position_to_offset(text, far_line, "utf-16", strict=False) == len(text)


def test_workspace_edit_creates_new_files_and_versions_the_document():
    doc = FileChange(Path("/p/shop.py"), False, "a\nb\n", "a\nx\nb\n", (TextEdit(2, 2, "x\n"),))
    new_file = FileChange(
        Path("/p/tests/test_shop.py"),
        True,
        "",
        "def t(): ...\n",
        (TextEdit(0, 0, "def t(): ...\n"),),
    )
    # the editor has shop.py open at version 7; the test file is not open
    targets = {
        doc.path: convert.EditTarget("file:///p/shop.py", 7),
        new_file.path: convert.EditTarget("file:///p/tests/test_shop.py", None),
    }
    edit = convert.workspace_edit(
        [doc, new_file], "utf-16", document_changes=True, target=lambda c: targets[c.path]
    )
    first, create, second = edit.document_changes
    assert first.text_document.uri == "file:///p/shop.py" and first.text_document.version == 7
    assert first.edits[0].range.start == types.Position(line=1, character=0)
    assert isinstance(create, types.CreateFile) and create.uri == "file:///p/tests/test_shop.py"
    assert create.options.ignore_if_exists and not create.options.overwrite
    assert second.text_document.version is None and second.edits[0].new_text == "def t(): ...\n"
    # clients without documentChanges get the plain map (radix-ls offers them no file creation)
    plain = convert.workspace_edit(
        [doc], "utf-16", document_changes=False, target=lambda c: targets[c.path]
    )
    assert plain.changes["file:///p/shop.py"][0].new_text == "x\n"
