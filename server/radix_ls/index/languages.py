"""The languages the index understands, loaded from `grammars/manifest.json`.

The manifest maps file extensions to a language: the grammar (an installed Python module and
the function returning its tree-sitter language) and our query files, by role:
`definitions`, `imports`, `references` (see grammars/README.md for the capture names). Adding
a language is adding a folder of queries and a manifest entry; no code changes.

The three roles are compiled into one tree-sitter query per language, so extracting a file
walks its tree once (a query run costs about a quarter of the parse; three would cost as
much as the parse again). `LoadedLanguage.roles[pattern_index]` tells the roles apart.
"""

from __future__ import annotations

import importlib
import json
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path, PurePath

import tree_sitter as ts

ROLES = ("definitions", "imports", "references")
DEFINITIONS, IMPORTS, REFERENCES = range(3)

# A wheel carries the grammars inside the package (radix_ls/grammars); a checkout has them at
# the repository root.
_CANDIDATE_DIRS = (
    Path(__file__).resolve().parent.parent / "grammars",
    Path(__file__).resolve().parents[3] / "grammars",
)


class ManifestError(ValueError):
    """grammars/manifest.json or a query file is missing or wrong (the message says where)."""


@dataclass(frozen=True)
class LanguageSpec:
    """One manifest entry."""

    name: str
    extensions: tuple[str, ...]
    grammar_module: str
    grammar_function: str
    queries: Mapping[str, tuple[str, ...]]  # role -> query files relative to the grammars dir


class LoadedLanguage:
    """A language ready to parse: the tree-sitter language and our compiled queries.

    `query` has every role; `outline_query` only definitions and imports (what an open
    document re-extracts after each edit). Shared between threads: a compiled `Query` is
    read-only. Parsers are not thread-safe, so `parser()` hands out one per thread.
    """

    def __init__(
        self,
        spec: LanguageSpec,
        language: ts.Language,
        sources: tuple[tuple[int, str], ...],  # (role, query text) per query file
    ) -> None:
        self.spec = spec
        self.name = spec.name
        self.language = language
        self.query, self.roles = _combine(language, sources)
        # patterns come in role order: from this index on, all are references
        self.first_reference = next(
            (i for i, role in enumerate(self.roles) if role == REFERENCES), len(self.roles)
        )
        self.outline_query, self.outline_roles = _combine(
            language, tuple(s for s in sources if s[0] != REFERENCES)
        )
        self._local = threading.local()

    def parser(self) -> ts.Parser:
        parser = getattr(self._local, "parser", None)
        if parser is None:
            parser = self._local.parser = ts.Parser(self.language)
        return parser

    def __repr__(self) -> str:
        return f"LoadedLanguage({self.name!r})"


def _combine(
    language: ts.Language, sources: tuple[tuple[int, str], ...]
) -> tuple[ts.Query, tuple[int, ...]]:
    """One query from several files, and the role of each of its patterns."""
    bounds: list[tuple[int, int]] = []  # (start byte of the file's text, role)
    offset = 0
    for role, text in sources:
        bounds.append((offset, role))
        offset += len(text.encode("utf-8"))
    query = ts.Query(language, "".join(text for _, text in sources))
    roles = []
    for pattern in range(query.pattern_count):
        start = query.start_byte_for_pattern(pattern)
        roles.append(next(role for begin, role in reversed(bounds) if start >= begin))
    return query, tuple(roles)


def grammars_dir() -> Path:
    for candidate in _CANDIDATE_DIRS:
        if (candidate / "manifest.json").is_file():
            return candidate
    raise ManifestError(
        "grammars/manifest.json not found (looked in " + ", ".join(map(str, _CANDIDATE_DIRS)) + ")"
    )


@cache
def specs() -> dict[str, LanguageSpec]:
    """Every language in the manifest, by name."""
    directory = grammars_dir()
    path = directory / "manifest.json"
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
        entries = manifest["languages"]
        out: dict[str, LanguageSpec] = {}
        for name, entry in entries.items():
            queries = {role: tuple(entry["queries"].get(role, ())) for role in ROLES}
            out[name] = LanguageSpec(
                name=name,
                extensions=tuple(ext.lower() for ext in entry["extensions"]),
                grammar_module=entry["grammar"]["module"],
                grammar_function=entry["grammar"]["function"],
                queries=queries,
            )
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ManifestError(f"{path}: {type(exc).__name__}: {exc}") from None
    return out


@cache
def _by_extension() -> dict[str, str]:
    return {ext: spec.name for spec in specs().values() for ext in spec.extensions}


def language_for_path(path: str | PurePath) -> str | None:
    """The index language of a file by its extension (`None`: not a language we index)."""
    name = str(path).rpartition("/")[2]
    dot = name.rfind(".")
    return _by_extension().get(name[dot:].lower()) if dot > 0 else None


def extensions() -> frozenset[str]:
    return frozenset(_by_extension())


_load_lock = threading.Lock()


@cache
def _load(name: str) -> LoadedLanguage:
    spec = specs().get(name)
    if spec is None:
        raise ManifestError(f"unknown language {name!r} (the manifest has {', '.join(specs())})")
    try:
        module = importlib.import_module(spec.grammar_module)
        language = ts.Language(getattr(module, spec.grammar_function)())
    except (ImportError, AttributeError) as exc:
        raise ManifestError(
            f"{name}: grammar {spec.grammar_module}.{spec.grammar_function} unavailable: {exc}"
        ) from None
    directory = grammars_dir()
    sources: list[tuple[int, str]] = []
    for role_index, role in enumerate(ROLES):
        for rel in spec.queries.get(role, ()):
            try:
                text = (directory / rel).read_text(encoding="utf-8")
            except OSError as exc:
                raise ManifestError(f"{name}: query file {rel}: {exc.strerror}") from None
            try:
                ts.Query(language, text)  # compile alone first, for an error naming the file
            except (ts.QueryError, ValueError) as exc:
                raise ManifestError(f"{name}: {rel}: {exc}") from None
            sources.append((role_index, text + "\n"))
    return LoadedLanguage(spec, language, tuple(sources))


def load(name: str) -> LoadedLanguage:
    """The loaded language (cached; raises ManifestError for unknown names or bad queries)."""
    with _load_lock:  # compile each language once even when threads race for it
        return _load(name)


def names() -> tuple[str, ...]:
    return tuple(specs())
