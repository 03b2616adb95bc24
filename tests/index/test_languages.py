"""The grammar manifest and our query files against the installed grammar wheels."""

import json

import pytest
import tree_sitter as ts

from radix_ls.index import languages
from radix_ls.index.languages import ROLES

MANIFEST = json.loads((languages.grammars_dir() / "manifest.json").read_text())["languages"]


def test_manifest_has_the_issue_languages():
    assert set(MANIFEST) >= {"python", "javascript", "typescript", "tsx", "go", "rust", "java"}
    assert {"c", "cpp"} <= set(MANIFEST)


@pytest.mark.parametrize("name", sorted(MANIFEST))
def test_every_query_file_compiles_alone(name):
    spec = languages.specs()[name]
    loaded = languages.load(name)
    for role in ROLES:
        files = spec.queries[role]
        assert files, f"{name} has no {role} query"
        for rel in files:
            query = ts.Query(loaded.language, (languages.grammars_dir() / rel).read_text())
            assert query.pattern_count > 0, rel


@pytest.mark.parametrize("name", sorted(MANIFEST))
def test_combined_query_knows_each_patterns_role(name):
    loaded = languages.load(name)
    assert len(loaded.roles) == loaded.query.pattern_count
    assert set(loaded.roles) == {languages.DEFINITIONS, languages.IMPORTS}
    # roles come in file order: definitions, then imports
    assert list(loaded.roles) == sorted(loaded.roles)


@pytest.mark.parametrize(
    ("path", "language"),
    [
        ("a/b.py", "python"),
        ("x.pyi", "python"),
        ("x.JS", "javascript"),
        ("x.mjs", "javascript"),
        ("x.jsx", "javascript"),
        ("x.ts", "typescript"),
        ("x.tsx", "tsx"),
        ("x.go", "go"),
        ("x.rs", "rust"),
        ("X.java", "java"),
        ("x.c", "c"),
        ("x.h", "cpp"),
        ("x.hpp", "cpp"),
        ("x.cc", "cpp"),
        ("README.md", None),
        ("Makefile", None),
        (".py", None),
        ("dir.py/file", None),
    ],
)
def test_language_for_path(path, language):
    assert languages.language_for_path(path) == language


def test_unknown_language_is_a_clear_error():
    with pytest.raises(languages.ManifestError, match="unknown language 'cobol'"):
        languages.load("cobol")


def test_parsers_are_per_thread():
    import threading

    loaded = languages.load("python")
    mine = loaded.parser()
    assert loaded.parser() is mine
    other = []
    thread = threading.Thread(target=lambda: other.append(loaded.parser()))
    thread.start()
    thread.join()
    assert other[0] is not mine
