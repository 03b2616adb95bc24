"""Incremental parsing of open documents: after any edits, the same as a fresh parse."""

import random

import pytest

from radix_ls.index.extract import extract
from radix_ls.index.incremental import IncrementalDocument
from tests.index.conftest import REPOS

SOURCES = [
    ("python", "py_pkg/src/shapes/circle.py"),
    ("python", "py_pkg/src/shapes/base.py"),
    ("javascript", "js_app/src/index.js"),
    ("typescript", "js_app/src/util/dates.ts"),
    ("tsx", "js_app/src/components/App.tsx"),
    ("go", "go_mod/internal/store/store.go"),
    ("rust", "rust_crate/src/lib.rs"),
    ("java", "java_app/src/main/java/com/acme/app/Main.java"),
    ("c", "c_proj/src/list.c"),
    ("cpp", "cpp_proj/include/shape.hpp"),
]
ALPHABET = "abc xyz_():\n\t{}[]\"'#=.,;/*<>"


def _random_edit(rng, text):
    start = rng.randrange(len(text) + 1)
    kind = rng.random()
    if kind < 0.4:
        return start, start, rng.choice(ALPHABET)
    if kind < 0.65:
        return start, min(len(text), start + rng.randrange(1, 4)), ""
    if kind < 0.85:
        end = min(len(text), start + rng.randrange(0, 30))
        return start, end, "".join(rng.choice(ALPHABET) for _ in range(rng.randrange(0, 10)))
    snippet_start = rng.randrange(len(text) + 1)  # paste a piece of the file elsewhere
    return start, start, text[snippet_start : snippet_start + rng.randrange(0, 200)]


def _assert_same_as_fresh(doc, language):
    fresh = extract(doc.path, doc.data, language, chunks=False)
    assert doc.definitions() == fresh.definitions
    assert doc.imports() == fresh.imports
    return fresh


@pytest.mark.parametrize(("language", "path"), SOURCES, ids=[p for _, p in SOURCES])
def test_random_edits_match_a_fresh_parse(language, path):
    rng = random.Random(f"{path}-7")
    text = (REPOS / path).read_text()
    doc = IncrementalDocument(language, text, path)
    _assert_same_as_fresh(doc, language)
    for _ in range(120):
        start, end, new = _random_edit(rng, doc.text)
        doc.apply_text_edit(start, end, new)
        text = text[:start] + new + text[end:]
        assert doc.text == text
        if rng.random() < 0.5:  # sometimes several edits before looking
            _assert_same_as_fresh(doc, language)
    _assert_same_as_fresh(doc, language)
    assert doc.tree.root_node.end_byte == len(doc.data)


@pytest.mark.parametrize(("language", "path"), SOURCES, ids=[p for _, p in SOURCES])
def test_typos_taken_back_and_undone_match_a_fresh_parse(language, path):
    """An edit that brings back the text before the last edit restores that state: after a
    backspace, an undo and a redo the outline is still the one a fresh parse gives."""
    rng = random.Random(f"{path}-undo")
    text = (REPOS / path).read_text()
    doc = IncrementalDocument(language, text, path)
    for _ in range(80):
        start, end, new = _random_edit(rng, doc.text)
        before = doc.text
        doc.apply_text_edit(start, end, new)
        after = doc.text
        if rng.random() < 0.5:
            _assert_same_as_fresh(doc, language)
        if rng.random() < 0.6:  # take it back (backspace / undo), sometimes redo it
            doc.apply_text_edit(start, start + len(new), before[start:end])
            assert doc.text == before
            _assert_same_as_fresh(doc, language)
            if rng.random() < 0.5:
                doc.apply_text_edit(start, end, new)
                assert doc.text == after
                _assert_same_as_fresh(doc, language)
    _assert_same_as_fresh(doc, language)


def test_nesting_follows_an_enclosing_definition_that_breaks():
    """Breaking a class's header leaves its methods at the top level; fixing it nests them
    again (the outline is re-nested whenever a definition disappears)."""
    source = "class A:\n    def m(self):\n        return 1\n\n    def n(self):\n        pass\n"
    doc = IncrementalDocument("python", source, "a.py")
    assert [d.qualified_name for d in doc.definitions()] == ["A", "A.m", "A.n"]
    doc.apply_text_edit(0, 5, "klass")  # `klass A:` is no class
    fresh = extract("a.py", doc.data, "python", chunks=False)
    assert doc.definitions() == fresh.definitions
    doc.apply_text_edit(0, 5, "class")
    assert [d.qualified_name for d in doc.definitions()] == ["A", "A.m", "A.n"]
    body = doc.text.index("return 1")
    doc.apply_text_edit(body, body, "x = 2; ")  # inside a method: nothing moves but ends
    assert doc.definitions() == extract("a.py", doc.data, "python", chunks=False).definitions


def test_multibyte_text_and_byte_level_edits():
    doc = IncrementalDocument("python", "s = 'é'\ndef f():\n    return '😀'\n")
    doc.apply_text_edit(6, 6, "ü")  # after the é: offsets are code points
    assert doc.text == "s = 'éü'\ndef f():\n    return '😀'\n"
    s, f = doc.definitions()
    assert s.signature == "s = 'éü'"
    assert f.start_line == 2 and f.start_byte == len("s = 'éü'\n".encode())
    doc.apply_text_edit(len(doc.text), len(doc.text), "class C:\n    pass\n")
    assert [d.name for d in doc.definitions()] == ["s", "f", "C"]
    # the tree-sitter level API: replace `f` by `go`
    data = doc.data
    at = data.index(b"def f") + 4
    new = data[:at] + b"go" + data[at + 1 :]
    doc.apply_edit(at, at + 1, at + 2, (1, 4), (1, 5), (1, 6), new)
    assert [d.name for d in doc.definitions()] == ["s", "go", "C"]
    assert doc.text == new.decode()


def test_enclosing_and_imports():
    source = "import os\n\nclass A:\n    def m(self):\n        x = 1\n"
    doc = IncrementalDocument("python", source, "a.py")
    inside = source.index("x = 1")
    assert [d.qualified_name for d in doc.enclosing(inside)] == ["A", "A.m"]
    assert doc.imports()[0].module == "os"


def test_bad_edit_is_rejected():
    doc = IncrementalDocument("go", "package p\n")
    with pytest.raises(ValueError, match="outside the document"):
        doc.apply_text_edit(5, 50, "x")
