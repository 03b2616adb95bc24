"""Names followed from the file that uses them to the file that defines them, through
re-exports (issue 15 item 2), on small workspaces indexed by the real indexer."""

import pytest

from radix_ls.index.indexer import Indexer
from radix_ls.index.reexports import exported_definitions, imported_definitions

PYTHON = {
    "pkg/__init__.py": (
        "from ._api import get, Client as Client, USE_CLIENT_DEFAULT\n"
        "from . import sub\n"
        "from ._types import *\n"
        "__all__ = ['get', 'Client', 'sub']\n"
    ),
    "pkg/_api.py": "from ._impl import get\nfrom ._impl import Client, USE_CLIENT_DEFAULT\n",
    "pkg/_impl.py": (
        "USE_CLIENT_DEFAULT = object()\n\n\n"
        "def get(url: str) -> str:\n    return url\n\n\n"
        "class Client:\n    def send(self, request: str) -> str:\n        return request\n"
    ),
    "pkg/_types.py": (
        "from typing import Union\n\nQueryParamTypes = Union[\n    str,\n    bytes,\n]\n"
    ),
    "pkg/sub.py": "def helper() -> int:\n    return 1\n",
    "pkg/log.py": "import logging\n\nlog = logging.getLogger('pkg')\n",
    "pkg/loop_a.py": "from .loop_b import spin\n",
    "pkg/loop_b.py": "from .loop_a import spin\n",
    "main.py": (
        "import pkg\n"
        "import pkg.sub as s\n"
        "from pkg import sub\n"
        "from pkg import get as fetch, QueryParamTypes, USE_CLIENT_DEFAULT\n"
        "from pkg.loop_a import spin\n"
        "from pkg.log import log\n\n\n"
        "def call(params: QueryParamTypes) -> str:\n"
        "    return pkg.get(str(params)) + fetch('x')\n"
    ),
}


def _index(tmp_path, files):
    root = tmp_path / "ws"
    for path, text in files.items():
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    indexer = Indexer(root, tmp_path / "cache")
    indexer.refresh()
    return indexer


@pytest.fixture
def python_index(tmp_path):
    with _index(tmp_path, PYTHON) as indexer:
        yield indexer


def _where(definitions):
    return sorted((d.path, d.qualified_name) for d in definitions)


def test_two_hop_reexport(python_index):
    """issue 15 item 2: `from pkg import get as fetch` -> pkg/__init__.py -> pkg/_api.py ->
    pkg/_impl.py, the file that defines it (the `as` name followed too)."""
    found = imported_definitions(python_index, "main.py", "fetch")
    assert _where(found) == [("pkg/_impl.py", "get")]
    assert found[0].signature == "def get(url: str) -> str:"
    assert _where(exported_definitions(python_index, "pkg/__init__.py", "get")) == [
        ("pkg/_impl.py", "get")
    ]


def test_import_pkg_then_pkg_name(python_index):
    """issue 15 item 2: `import pkg` then `pkg.get(...)`, `pkg.Client.send`, and submodules
    reached as `pkg.sub.helper`, `sub.helper` (`from pkg import sub`), `s.helper`
    (`import pkg.sub as s`)."""
    assert _where(imported_definitions(python_index, "main.py", "pkg.get")) == [
        ("pkg/_impl.py", "get")
    ]
    assert _where(imported_definitions(python_index, "main.py", "pkg.Client.send")) == [
        ("pkg/_impl.py", "Client.send")
    ]
    for dotted in ("pkg.sub.helper", "sub.helper", "s.helper"):
        assert _where(imported_definitions(python_index, "main.py", dotted)) == [
            ("pkg/sub.py", "helper")
        ], dotted


def test_alias_in_annotation_and_constant_through_package(python_index):
    """issue 15 items 1 and 2: an alias used in an annotation (`params: QueryParamTypes`),
    re-exported with `from ._types import *`, and a constant re-exported by name, resolve to
    their module-level definitions, values shown."""
    (alias,) = imported_definitions(python_index, "main.py", "QueryParamTypes")
    assert (alias.path, alias.kind) == ("pkg/_types.py", "variable")
    assert alias.signature == "QueryParamTypes = Union[str, bytes]"
    (constant,) = imported_definitions(python_index, "main.py", "USE_CLIENT_DEFAULT")
    assert (constant.path, constant.kind) == ("pkg/_impl.py", "constant")


def test_a_name_like_its_module_is_the_name(python_index):
    """issue 15 item 2: `from pkg.log import log` is the variable `log` in pkg/log.py (not
    the module pkg/log.py, as `from pkg import sub` is pkg/sub.py)."""
    assert _where(imported_definitions(python_index, "main.py", "log")) == [("pkg/log.py", "log")]


def test_cycles_and_unknown_names_end(python_index):
    """issue 15 item 2: a re-export cycle ends with nothing; a name no import binds, or one
    the package does not have, gives nothing."""
    assert imported_definitions(python_index, "main.py", "spin") == []
    assert imported_definitions(python_index, "main.py", "nowhere") == []
    assert imported_definitions(python_index, "main.py", "pkg.nothing") == []


def test_typescript_barrel(tmp_path):
    """issue 15 item 2: an `index.ts` barrel: `export { x as y } from`, `export * from`,
    `export * as ns from`, and `import * as lib` then `lib.Circle`."""
    files = {
        "src/lib/index.ts": (
            "export { makeId as newId } from './ids';\n"
            "export * from './shapes';\n"
            "export * as util from './util';\n"
        ),
        "src/lib/ids.ts": "export function makeId(): string {\n  return 'x';\n}\n",
        "src/lib/shapes.ts": "export class Circle {\n  r = 1;\n}\nexport type Id = string;\n",
        "src/lib/util.ts": "export const LIMIT = 3;\n",
        "src/app.ts": (
            "import { newId, Circle, Id } from './lib';\n"
            "import * as lib from './lib';\n"
            "const c: Circle = new lib.Circle();\n"
        ),
    }
    with _index(tmp_path, files) as indexer:
        expected = {
            "newId": [("src/lib/ids.ts", "makeId")],
            "Circle": [("src/lib/shapes.ts", "Circle")],
            "Id": [("src/lib/shapes.ts", "Id")],
            "lib.Circle": [("src/lib/shapes.ts", "Circle")],
            "lib.util.LIMIT": [("src/lib/util.ts", "LIMIT")],
        }
        found = {n: _where(imported_definitions(indexer, "src/app.ts", n)) for n in expected}
    assert found == expected


def test_rust_pub_use_chain(tmp_path):
    """issue 15 item 2: Rust `pub use` re-exports, two hops (crate root -> net.rs ->
    net/inner.rs), and a module imported by name (`use crate::net;` then `net::connect`)."""
    files = {
        "Cargo.toml": '[package]\nname = "demo"\nversion = "0.1.0"\n',
        "src/lib.rs": "pub mod net;\npub mod app;\npub use net::Client;\n",
        "src/net.rs": "mod inner;\npub use self::inner::Client;\n\npub fn connect() {}\n",
        "src/net/inner.rs": "pub struct Client {\n    pub port: u16,\n}\n",
        "src/app.rs": "use crate::Client;\nuse crate::net;\n\nfn run(c: Client) {}\n",
    }
    with _index(tmp_path, files) as indexer:
        assert _where(imported_definitions(indexer, "src/app.rs", "Client")) == [
            ("src/net/inner.rs", "Client")
        ]
        assert _where(imported_definitions(indexer, "src/app.rs", "net.connect")) == [
            ("src/net.rs", "connect")
        ]


def test_go_package_is_its_directory(tmp_path):
    """issue 15 item 2: a Go import names a package, every file of its directory: `util.X`
    finds X in whichever file defines it, also under a local name."""
    files = {
        "go.mod": "module example.com/m\n\ngo 1.22\n",
        "util/a.go": "package util\n\nconst Limit = 3\n",
        "util/b.go": "package util\n\nfunc Do() int { return Limit }\n",
        "main.go": (
            'package main\n\nimport (\n\t"example.com/m/util"\n\tu "example.com/m/util"\n)\n'
        ),
    }
    with _index(tmp_path, files) as indexer:
        assert _where(imported_definitions(indexer, "main.go", "util.Limit")) == [
            ("util/a.go", "Limit")
        ]
        assert _where(imported_definitions(indexer, "main.go", "u.Do")) == [("util/b.go", "Do")]
        assert imported_definitions(indexer, "main.go", "Limit") == []


@pytest.mark.parametrize(
    ("language", "source", "expected"),
    [
        (
            "python",
            b"import a.b as m\nimport c\nfrom .x import y as z, w\n",
            [("a.b", (), (("m", ""),)), ("c", (), ()), (".x", ("y", "w"), (("z", "y"),))],
        ),
        (
            "typescript",
            b"import { a as b, c } from './x';\nimport * as ns from './y';\n"
            b"export { d as e } from './z';\nexport * as u from './u';\nexport * from './v';\n",
            [
                ("./x", ("a", "c"), (("b", "a"),)),
                ("./y", ("*",), (("ns", ""),)),
                ("./z", ("d",), (("e", "d"),)),
                ("./u", (), (("u", ""),)),
                ("./v", (), ()),
            ],
        ),
        (
            "rust",
            b"use crate::net::Client as C;\nuse crate::a::B;\n",
            [("crate::net", ("Client",), (("C", "Client"),)), ("crate::a", ("B",), ())],
        ),
    ],
    ids=["python", "typescript", "rust"],
)
def test_import_aliases_are_recorded_and_stored(tmp_path, language, source, expected):
    """issue 15 item 2: `as` names (of a name, or of the module itself) are extracted and
    come back from the index's store unchanged."""
    from radix_ls.index.extract import extract

    extension = {"python": "py", "typescript": "ts", "rust": "rs"}[language]
    imports = extract(f"f.{extension}", source, language).imports
    assert [(i.module, i.names, i.aliases) for i in imports] == expected
    with _index(tmp_path, {f"f.{extension}": source.decode()}) as indexer:
        stored = indexer.imports_of(f"f.{extension}")
    assert [(i.module, i.names, i.aliases) for i in stored] == expected
    if language == "typescript":
        assert [i.kind for i in stored] == ["", "", "export", "export", "export"]


def test_retrieval_brings_the_definition_behind_a_package(python_index):
    """issue 15 item 2: completion context for a line after `pkg.get(...)` and
    `fetch(...)` (`from pkg import get as fetch`) holds `get` from pkg/_impl.py, two
    re-export hops away, and `sub.helper` brings pkg/sub.py."""
    from radix_ls.context.repo import RepoContext
    from radix_ls.context.retrieval import retrieve

    text = (python_index.root / "main.py").read_text() + "    sub.helper()\n\n"
    lines = text.split("\n")
    snippets = retrieve(
        "main.py",
        text,
        [],
        len(lines),
        RepoContext(python_index),
        budget=400,
        count=lambda s: len(s) // 4 + 1,
        window=(1, len(lines)),
    )
    shown = {(s.path, s.start_line) for s in snippets}
    assert ("pkg/_impl.py", 4) in shown  # def get
    assert ("pkg/sub.py", 1) in shown  # def helper
