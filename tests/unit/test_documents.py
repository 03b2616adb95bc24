"""Document store, edits and 1-based CLI positions."""

import pytest

from radix_ls.workspace.documents import (
    DocumentError,
    DocumentSnapshot,
    DocumentStore,
    TextEdit,
    apply_edits,
    offset_at,
)


def test_edits_apply_in_order():
    text = apply_edits("hello world", [TextEdit(0, 5, "goodbye"), TextEdit(8, 13, "moon")])
    assert text == "goodbye moon"


def test_edit_outside_document_is_an_error():
    with pytest.raises(DocumentError, match="outside the document"):
        apply_edits("abc", [TextEdit(2, 9, "x")])


@pytest.mark.parametrize(
    ("text", "line", "col", "offset"),
    [
        ("ab\r\ncd\re\nf", 0, 2, 2),
        ("ab\r\ncd\re\nf", 1, 0, 4),
        ("ab\r\ncd\re\nf", 2, 1, 8),
        ("ab\r\ncd\re\nf", 3, 1, 10),
        ("x", 0, 1, 1),
    ],
)
def test_offset_at(text, line, col, offset):
    assert offset_at(text, line, col) == offset


@pytest.mark.parametrize(
    ("line", "col", "message"),
    [(5, 0, "past the end of the file"), (0, 3, "past the end of line 1")],
)
def test_offset_at_errors(line, col, message):
    with pytest.raises(DocumentError, match=message):
        offset_at("ab\ncd", line, col)


def test_store_versions_and_unknown_documents():
    store = DocumentStore()
    store.open(DocumentSnapshot("file:///a.py", 1, "python", "x"))
    first = store.get("file:///a.py")
    second = store.replace("file:///a.py", 2, "xy")
    assert (first.version, first.text) == (1, "x")  # snapshots never change
    assert (second.version, second.text) == (2, "xy")
    with pytest.raises(DocumentError, match="not open"):
        store.get("file:///b.py")
