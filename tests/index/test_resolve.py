"""Import resolution rules per language, on small synthetic workspaces."""

import pytest

from radix_ls.index.model import Import
from radix_ls.index.resolve import DiskFileSet, PathSet, Resolver


def _workspace(tmp_path, files):
    for path, text in files.items():
        target = tmp_path / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    return tmp_path


def _resolvers(root, files):
    """The same workspace seen through the index's file list and through the disk."""
    return [Resolver(root, PathSet(files)), Resolver(root, DiskFileSet(root))]


CASES = [
    # (language, files, importing file, Import, expected)
    (
        "python",
        ["pkg/__init__.py", "pkg/a.py", "pkg/sub/__init__.py", "pkg/sub/b.py"],
        "pkg/sub/b.py",
        Import("..a", ("x",), 1),
        ["pkg/a.py"],
    ),
    (
        "python",
        ["pkg/__init__.py", "pkg/a.py", "pkg/sub/__init__.py", "pkg/sub/b.py"],
        "pkg/sub/b.py",
        Import(".", ("b",), 1),
        [],  # b imports itself
    ),
    (
        "python",
        ["pkg/__init__.py", "pkg/a.py", "pkg/c.py"],
        "pkg/a.py",
        Import(".", ("c", "missing"), 1),
        ["pkg/__init__.py", "pkg/c.py"],  # `missing` may be defined in __init__
    ),
    ("python", ["pkg/__init__.py", "pkg/a.py"], "pkg/a.py", Import("...", ("x",), 1), []),
    (
        "python",
        ["src/app/__init__.py", "src/app/core.py", "tests/test_core.py"],
        "tests/test_core.py",
        Import("app.core", ("run",), 1),
        ["src/app/core.py"],  # the src/ layout
    ),
    (
        "python",
        ["lib/x/__init__.py", "lib/x/y.py", "lib/x/z.py"],
        "lib/x/y.py",
        Import("x.z", (), 1),
        ["lib/x/z.py"],  # the root above the importing file's top package
    ),
    ("python", ["stubs.pyi", "main.py"], "main.py", Import("stubs", (), 1), ["stubs.pyi"]),
    ("python", ["ns/mod.py", "main.py"], "main.py", Import("ns", ("mod",), 1), ["ns/mod.py"]),
    ("python", ["os.py", "main.py"], "main.py", Import("json", (), 1), []),
    (
        "typescript",
        ["src/a.ts", "src/b.ts", "src/c/index.tsx", "src/d.d.ts"],
        "src/a.ts",
        Import("./b.js", (), 1),
        ["src/b.ts"],
    ),
    (
        "typescript",
        ["src/a.ts", "src/c/index.tsx"],
        "src/a.ts",
        Import("./c", (), 1),
        ["src/c/index.tsx"],
    ),
    ("typescript", ["src/a.ts", "src/d.d.ts"], "src/a.ts", Import("./d", (), 1), ["src/d.d.ts"]),
    ("javascript", ["a.js", "b.json"], "a.js", Import("./b.json", (), 1), ["b.json"]),
    ("javascript", ["a.js"], "a.js", Import("react", (), 1), []),
    ("javascript", ["a.js"], "a.js", Import("../outside", (), 1), []),
    ("javascript", ["x/a.mjs", "x/b.cjs"], "x/a.mjs", Import("./b?raw", (), 1), ["x/b.cjs"]),
    (
        "go",
        ["go.mod", "cmd/main.go", "lib/a.go", "lib/b.go", "lib/a_test.go", "lib/sub/c.go"],
        "cmd/main.go",
        Import("example.com/m/lib", (), 1),
        ["lib/a.go", "lib/b.go"],
    ),
    (
        "go",
        ["go.mod", "cmd/main.go", "main.go"],
        "cmd/main.go",
        Import("example.com/m", (), 1),
        ["main.go"],
    ),
    ("go", ["go.mod", "cmd/main.go"], "cmd/main.go", Import("example.com/other/lib", (), 1), []),
    (
        "rust",
        [
            "Cargo.toml",
            "src/main.rs",
            "src/a.rs",
            "src/a/b.rs",
            "src/bin/tool.rs",
            "src/bin/helper.rs",
        ],
        "src/bin/tool.rs",
        Import("helper", (), 1, "mod"),
        ["src/bin/helper.rs"],
    ),
    (
        "rust",
        ["Cargo.toml", "src/main.rs", "src/a.rs", "src/a/b.rs"],
        "src/a/b.rs",
        Import("super::super", ("a",), 1),
        ["src/a.rs"],
    ),
    (
        "rust",
        ["Cargo.toml", "src/main.rs", "src/a.rs", "src/a/b.rs"],
        "src/a.rs",
        Import("self::b", ("Thing",), 1),
        ["src/a/b.rs"],
    ),
    (
        "rust",
        ["Cargo.toml", "src/main.rs", "src/a.rs", "src/a/b.rs"],
        "src/main.rs",
        Import("a::b", ("Thing",), 1),
        ["src/a/b.rs"],  # a path starting at a module declared here
    ),
    ("rust", ["Cargo.toml", "src/main.rs"], "src/main.rs", Import("serde", ("Serialize",), 1), []),
    (
        "java",
        ["app/src/main/java/com/x/A.java", "app/src/main/java/com/x/B.java"],
        "app/src/main/java/com/x/A.java",
        Import("com.x.B.Inner", ("Inner",), 1),
        ["app/src/main/java/com/x/B.java"],
    ),
    (
        "java",
        ["src/main/java/com/x/A.java", "src/main/java/com/y/B.java", "src/main/java/com/y/C.java"],
        "src/main/java/com/x/A.java",
        Import("com.y", ("*",), 1),
        ["src/main/java/com/y/B.java", "src/main/java/com/y/C.java"],
    ),
    (
        "java",
        ["src/main/java/com/x/A.java", "src/main/java/com/y/B.java"],
        "src/main/java/com/x/A.java",
        Import("com.y.B", ("*",), 1),
        ["src/main/java/com/y/B.java"],  # static import of a class's members
    ),
    (
        "c",
        ["src/a.c", "src/a.h", "include/lib/x.h", "mod/include/m.h", "mod/src/m.c"],
        "src/a.c",
        Import("a.h", (), 1, "local"),
        ["src/a.h"],
    ),
    (
        "c",
        ["src/a.c", "include/lib/x.h"],
        "src/a.c",
        Import("lib/x.h", (), 1, "system"),
        ["include/lib/x.h"],
    ),
    (
        "cpp",
        ["mod/include/m.h", "mod/src/m.cc"],
        "mod/src/m.cc",
        Import("m.h", (), 1, "local"),
        ["mod/include/m.h"],
    ),
    ("c", ["src/a.c"], "src/a.c", Import("stdio.h", (), 1, "system"), []),
    ("c", ["src/a.c", "x.h"], "src/a.c", Import("../../x.h", (), 1, "local"), []),
]


@pytest.mark.parametrize(
    ("language", "files", "path", "imp", "expected"),
    CASES,
    ids=[f"{c[0]}-{c[3].module}-{i}" for i, c in enumerate(CASES)],
)
def test_resolution(tmp_path, language, files, path, imp, expected):
    contents = {f: "" for f in files}
    contents.setdefault("go.mod", "")
    if any(f == "go.mod" for f in files):
        contents["go.mod"] = "// comment\nmodule example.com/m\n\ngo 1.22\n"
    root = _workspace(tmp_path, contents)
    for resolver in _resolvers(root, files):
        assert list(resolver.resolve(path, language, imp)) == expected, type(resolver.files)


def test_unknown_language_resolves_nothing(tmp_path):
    assert Resolver(tmp_path).resolve("a.kt", "kotlin", Import("x", (), 1)) == ()


def test_resolution_is_memoised_per_directory(tmp_path):
    root = _workspace(tmp_path, {"pkg/__init__.py": "", "pkg/a.py": "", "pkg/b.py": ""})
    files = PathSet(["pkg/__init__.py", "pkg/a.py", "pkg/b.py"])
    resolver = Resolver(root, files)
    first = resolver.resolve("pkg/a.py", "python", Import(".b", (), 1))
    # the memo answers for a sibling too, except that a file never imports itself
    assert resolver.resolve("pkg/b.py", "python", Import(".b", (), 1)) == ()
    assert first == ("pkg/b.py",)
