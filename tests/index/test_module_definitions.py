"""Module-level definitions (type aliases, constants, variables) as first-class definitions:
found by name, with a signature that shows their value (issue 15 item 1)."""

import pytest

from radix_ls.index.extract import VALUE_SIGNATURE_MAX_CHARS, extract
from radix_ls.index.indexer import Indexer

PYTHON = b"""import typing
from typing import Union, TypeVar

QueryParamTypes = Union[
    "QueryParams",
    typing.Mapping[str, str],
    str,
]
USE_CLIENT_DEFAULT = UseClientDefault()
T = TypeVar("T", bound="Base")
Headers: typing.TypeAlias = "dict[str, str]"
type Point = tuple[float, float]
low, high = 0, 10
if typing.TYPE_CHECKING:
    Guarded = Union[int, str]
else:
    Guarded = object
try:
    import fast
except ImportError:
    fast = None
    FAST = False


def f(params: QueryParamTypes) -> None:
    local = 1
"""


def _signatures(source: bytes, language: str) -> dict[str, tuple[str, str]]:
    """qualified name -> (kind, signature); the last one wins for names defined twice."""
    index = extract("m", source, language)
    return {d.qualified_name: (d.kind, d.signature) for d in index.definitions}


def test_python_module_values_are_definitions_with_their_value():
    """issue 15 item 1: aliases and constants, their whole value (collapsed onto one line) in
    the signature; module-level `if`/`try` blocks count; locals do not."""
    found = _signatures(PYTHON, "python")
    assert found["QueryParamTypes"] == (
        "variable",
        'QueryParamTypes = Union["QueryParams", typing.Mapping[str, str], str]',
    )
    assert found["USE_CLIENT_DEFAULT"] == (
        "constant",
        "USE_CLIENT_DEFAULT = UseClientDefault()",
    )
    assert found["T"] == ("constant", 'T = TypeVar("T", bound="Base")')
    assert found["Headers"] == ("type", 'Headers: typing.TypeAlias = "dict[str, str]"')
    assert found["Point"] == ("type", "type Point = tuple[float, float]")
    assert found["low"][1] == found["high"][1] == "low, high = 0, 10"
    assert found["Guarded"] == ("variable", "Guarded = object")
    assert found["FAST"] == ("constant", "FAST = False")
    assert "local" not in found and "f.local" not in found
    guarded = [d for d in extract("m", PYTHON, "python").definitions if d.name == "Guarded"]
    assert [d.start_line for d in guarded] == [15, 17]


def test_value_signature_is_bounded():
    """issue 15 item 1: a huge value does not make a huge signature."""
    source = b"BIG = [\n" + b"".join(b"    %d,\n" % i for i in range(5000)) + b"]\n"
    (d,) = extract("m.py", source, "python").definitions
    assert len(d.signature) <= VALUE_SIGNATURE_MAX_CHARS
    assert d.signature.startswith("BIG = [0, 1, 2,") and d.signature.endswith("...")
    assert d.end_line == 5002  # the definition itself is whole


@pytest.mark.parametrize(
    ("language", "source", "expected"),
    [
        (
            "go",
            b"package p\n\nconst (\n\tK, L = 1, 2\n\tM\n)\n\nvar (\n\tx, y = 1, 2\n\tz int\n)\n"
            b'var Table = map[string]int{\n\t"a": 1,\n}\n\ntype Alias = int\n',
            {
                "K": ("constant", "K, L = 1, 2"),
                "L": ("constant", "K, L = 1, 2"),
                "M": ("constant", "M"),
                "x": ("variable", "x, y = 1, 2"),
                "y": ("variable", "x, y = 1, 2"),
                "z": ("variable", "z int"),
                "Table": ("variable", 'Table = map[string]int{"a": 1}'),
                "Alias": ("type", "type Alias = int"),
            },
        ),
        (
            "rust",
            b'pub const MAX: usize = 10;\nstatic NAME: &str = "x";\n'
            b"pub type Res<T> = Result<\n    T,\n    Error,\n>;\n",
            {
                "MAX": ("constant", "pub const MAX: usize = 10;"),
                "NAME": ("constant", 'static NAME: &str = "x";'),
                "Res": ("type", "pub type Res<T> = Result<T, Error>;"),
            },
        ),
        (
            "typescript",
            b"export type Id = string | number;\nexport const LIMIT = 10;\n"
            b"declare const VERSION: string;\n"
            b"export declare let config: {\n  debug: boolean;\n};\n",
            {
                "Id": ("type", "type Id = string | number;"),
                "LIMIT": ("constant", "const LIMIT = 10;"),
                "VERSION": ("constant", "declare const VERSION: string;"),
                "config": ("variable", "declare let config: {debug: boolean;};"),
            },
        ),
    ],
    ids=["go", "rust", "typescript"],
)
def test_module_values_in_other_languages(language, source, expected):
    """issue 15 item 1: Go `const`/`var` lists (every name), Rust `const`/`static`/`type`,
    TypeScript `type`, `export const` and ambient `declare` variables."""
    found = _signatures(source, language)
    assert {name: found.get(name) for name in expected} == expected


def test_index_lookup_by_name_finds_alias_and_constant(tmp_path):
    """issue 15 item 1: through the real indexer, a lookup by name finds the module-level
    alias and constant with their values."""
    root = tmp_path / "ws"
    (root / "pkg").mkdir(parents=True)
    (root / "pkg" / "__init__.py").write_text("")
    (root / "pkg" / "_types.py").write_bytes(PYTHON)
    with Indexer(root, tmp_path / "cache") as indexer:
        indexer.refresh()
        (alias,) = indexer.definitions_named("QueryParamTypes")
        (constant,) = indexer.definitions_named("USE_CLIENT_DEFAULT")
    assert alias.path == constant.path == "pkg/_types.py"
    assert alias.signature.endswith("typing.Mapping[str, str], str]")
    assert (alias.start_line, alias.end_line) == (4, 8)
    assert constant.signature == "USE_CLIENT_DEFAULT = UseClientDefault()"
