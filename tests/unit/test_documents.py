"""Document store, edits and 1-based CLI positions."""

import pytest

from radix_ls.workspace.documents import (
    DocumentError,
    DocumentSnapshot,
    DocumentStore,
    TextEdit,
    apply_edits,
    join_surrogates,
    offset_at,
)


def test_edits_apply_in_order():
    text = apply_edits("hello world", [TextEdit(0, 5, "goodbye"), TextEdit(8, 13, "moon")])
    assert text == "goodbye moon"


def test_edit_outside_document_is_an_error():
    with pytest.raises(DocumentError, match="outside the document"):
        apply_edits("abc", [TextEdit(2, 9, "x")])


HI, LO, EMOJI = "\ud83d", "\ude00", "\U0001f600"


@pytest.mark.parametrize(
    ("text", "edits", "result"),
    [
        ("ab", [TextEdit(1, 1, HI), TextEdit(2, 2, LO)], f"a{EMOJI}b"),  # high, then low after it
        ("ab", [TextEdit(1, 1, LO), TextEdit(1, 1, HI)], f"a{EMOJI}b"),  # low, then high before
        (f"a{HI}x{LO}b", [TextEdit(2, 3, "")], f"a{EMOJI}b"),  # a deletion brings them together
        (f"a{HI}", [TextEdit(2, 2, LO + "c")], f"a{EMOJI}c"),
        (f"{HI}b", [TextEdit(1, 1, "x")], f"{HI}xb"),  # a lone half stays as it is
        (f"a{EMOJI}b", [TextEdit(2, 2, "x")], f"a{EMOJI}xb"),
    ],
)
def test_surrogate_halves_in_separate_edits_join(text, edits, result):
    """issue 14 item 21: halves joined into one code point, whatever order they came in."""
    assert apply_edits(text, edits) == result


def test_join_surrogates_widens_the_edit_over_the_other_half():
    assert join_surrogates(f"a{HI}b", TextEdit(2, 2, LO)) == TextEdit(1, 2, EMOJI)
    unchanged = TextEdit(1, 1, "x")
    assert join_surrogates("ab", unchanged) is unchanged


def test_for_model_replaces_lone_halves_only():
    snapshot = DocumentSnapshot("file:///a.py", 1, "python", f"{HI}a{EMOJI}{LO}")
    assert snapshot.for_model().text == "\ufffda" + EMOJI + "\ufffd"
    assert snapshot.for_model().text.encode("utf-8")  # what a tokenizer needs
    whole = DocumentSnapshot("file:///b.py", 1, "python", f"a{EMOJI}")
    assert whole.for_model() is whole


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
