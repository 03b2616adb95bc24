"""Extraction semantics and robustness (bad input never breaks it)."""

import itertools

import pytest

from radix_ls.index.extract import CHUNK_MAX_LINES, extract, extract_record, to_file_index
from radix_ls.index.languages import names


def _by_name(index):
    return {d.qualified_name: d for d in index.definitions}


@pytest.mark.parametrize("language", names())
@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\n\n\n",
        b"\xff\xfe\x00garbage\x80\x81",
        b"(((((((((({{{{{{{[[[[[[",
        b"x" * 200_000,
        "caf\u00e9 = '\u00e9t\u00e9' // \U0001f600\n".encode(),
    ],
    ids=["empty", "newlines", "binary-ish", "unbalanced", "huge-line", "unicode"],
)
def test_any_bytes_extract_without_error(language, data):
    index = extract("f", data, language)
    assert index.line_count == data.count(b"\n") + (1 if data and not data.endswith(b"\n") else 0)
    for chunk in index.chunks:
        assert 1 <= chunk.start_line <= chunk.end_line <= max(index.line_count, 1)


def test_syntax_errors_keep_the_rest():
    source = (
        b"def ok():\n    return 1\n\ndef broken(:\n    pass\n\nclass Fine:\n    def m(self): ...\n"
    )
    index = extract("x.py", source, "python")
    assert index.has_errors
    names = {d.qualified_name for d in index.definitions}
    assert {"ok", "Fine", "Fine.m"} <= names


def test_non_utf8_bytes_decode_with_replacement_but_offsets_stay_bytes():
    source = b'# caf\xe9\ndef f(x="\xe9\xe9"):\n    return 1\n'
    index = extract("x.py", source, "python")
    (d,) = index.definitions
    assert d.name == "f"
    assert source[d.start_byte : d.end_byte].startswith(b'def f(x="\xe9\xe9")')
    assert d.signature == 'def f(x="\ufffd\ufffd"):'
    assert index.chunks[0].text.startswith("# caf\ufffd\n")


def test_crlf_and_bom():
    source = "\ufeffimport os\r\n\r\nclass A:\r\n    def m(self):\r\n        pass\r\n".encode()
    index = extract("x.py", source, "python")
    assert [d.qualified_name for d in index.definitions] == ["A", "A.m"]
    assert index.definitions[0].signature == "class A:"
    assert index.imports[0].module == "os"


def test_qualified_names_kinds_and_signatures():
    source = b'''
import os

LIMIT = 3
counter = 0

@decorator
class Outer(Base):
    """Doc."""

    class Inner:
        def deep(self, x: int,
                 y: int = 2) -> int:
            def local():
                pass
            return x

    async def method(self): ...

def function(a, *args, **kw) -> "Outer":
    return Outer()
'''
    index = extract("m.py", source, "python")
    defs = _by_name(index)
    assert defs["LIMIT"].kind == "constant"
    assert defs["counter"].kind == "variable"
    assert defs["Outer"].kind == "class"
    assert defs["Outer"].signature == "class Outer(Base):"
    assert defs["Outer.Inner"].container == "Outer"
    assert defs["Outer.Inner.deep"].kind == "method"
    assert defs["Outer.Inner.deep"].signature == (
        "def deep(self, x: int,\n                 y: int = 2) -> int:"
    )
    assert defs["Outer.Inner.deep.local"].kind == "function"
    assert defs["Outer.method"].signature == "async def method(self):"
    assert defs["function"].kind == "function"
    outer = defs["Outer"]
    assert source[outer.body_start_byte : outer.body_end_byte].startswith(b'"""Doc."""')
    # the decorator belongs to the class's chunk
    (chunk,) = [c for c in index.chunks if c.name == "Outer"]
    assert chunk.text.startswith("@decorator\nclass Outer(Base):")


def test_long_class_is_split_per_member():
    methods = "".join(
        f"    # method {i}\n    def m{i}(self):\n" + "        x = 1\n" * 20 + "\n" for i in range(8)
    )
    source = ("import os\n\n\nclass Big:\n    attr = 1\n\n" + methods + "\nx = Big()\n").encode()
    index = extract("big.py", source, "python")
    chunks = index.chunks
    names = [c.name for c in chunks]
    assert names[0] == "" and chunks[0].kind == "code"
    assert names[1] == "Big"  # the header: class line and attributes
    assert names[2:10] == [f"Big.m{i}" for i in range(8)]
    assert chunks[2].text.lstrip().startswith("# method 0")  # comments travel with a member
    assert chunks[-1].kind == "code" and chunks[-1].text == "x = Big()"
    # contiguous: nothing between the first and the last line is lost
    for a, b in itertools.pairwise(chunks[1:-1]):
        assert b.start_line == a.end_line + 1


def test_long_function_is_windowed():
    source = ("def long():\n" + "    x = 1\n" * (CHUNK_MAX_LINES * 2) + "    return x\n").encode()
    chunks = extract("f.py", source, "python").chunks
    assert len(chunks) == 3
    assert all(c.name == "long" and c.kind == "definition" for c in chunks)
    assert chunks[0].end_line - chunks[0].start_line + 1 == CHUNK_MAX_LINES


def test_record_round_trip_and_chunk_text_option():
    source = b"def f():\n    return 1\n"
    record = extract_record(source, "python", chunk_text=False, row_prefix=(7,))
    assert record.chunks == [(7, 1, 2, "definition", "f")]
    assert record.definitions[0][:3] == (7, "f", "function")
    full = to_file_index("f.py", extract_record(source, "python"))
    assert full == extract("f.py", source, "python")


@pytest.mark.parametrize(
    ("language", "source", "expected"),
    [
        ("go", b"package p\nfunc (r *List[T]) Push(v T) {}\n", ["List.Push"]),
        (
            "cpp",
            b"namespace a { namespace b { struct S { void f(); }; } }\n",
            ["a", "a.b", "a.b.S", "a.b.S.f"],
        ),
        ("cpp", b"void ns::C::run() {}\n", ["ns.C.run"]),
        ("rust", b"impl<T> Stack<T> { fn push(&mut self) {} }\n", ["Stack.push"]),
        ("java", b"enum E { A; void f() {} }\n", ["E", "E.f"]),
        ("typescript", b"const a = () => 1, b = () => 2;\n", ["a", "b"]),
        ("javascript", b"class A { #p() {} static s() {} }\n", ["A", "A.#p", "A.s"]),
    ],
)
def test_containers_per_language(language, source, expected):
    index = extract("f", source, language)
    assert [d.qualified_name for d in index.definitions] == expected
