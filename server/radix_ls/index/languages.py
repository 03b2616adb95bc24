"""The languages the index understands, loaded from `grammars/manifest.json`.

The manifest maps file extensions to a language: the grammar (an installed Python module and
the function returning its tree-sitter language) and our query files, by role: the index's
`definitions` and `imports`, and the code actions' `actions` (see grammars/README.md for the
capture names). Adding a language is adding a folder of queries and a manifest entry; no code
changes.

The index's two roles are compiled into one tree-sitter query per language, so extracting a
file walks its tree once (a query run costs about a quarter of the parse).
`LoadedLanguage.roles[pattern_index]` tells the roles apart, and
`LoadedLanguage.patterns[pattern_index]` says which capture holds the definition or import
statement, read once from the query text instead of searched for in every match.

Loading is on the cold-index path of every pool worker: the combined query is compiled once
(the files alone only when it fails, to name the broken file).
"""

from __future__ import annotations

import importlib
import json
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path, PurePath

import tree_sitter as ts

ROLES = ("definitions", "imports")
# every query role a manifest entry may name: the index's two, and the code actions' own
QUERY_ROLES = (*ROLES, "actions")
DEFINITIONS, IMPORTS = range(2)

# A wheel carries the grammars inside the package (radix_ls/grammars); a checkout has them at
# the repository root.
_CANDIDATE_DIRS = (
    Path(__file__).resolve().parent.parent / "grammars",
    Path(__file__).resolve().parents[3] / "grammars",
)


@dataclass(frozen=True)
class LanguageSpec:
    """One manifest entry."""

    name: str
    extensions: tuple[str, ...]
    grammar_module: str
    grammar_function: str
    queries: Mapping[str, tuple[str, ...]]  # role -> query files relative to the grammars dir
    # the language ids editors send for it (VS Code's and Neovim's are the same names)
    language_ids: tuple[str, ...] = ()
    display: str = ""


@dataclass(frozen=True, slots=True)
class PatternInfo:
    """What one pattern of the combined query is, from its text.

    `key` is the capture of the definition (`definition.<kind>`, `scope.<kind>`) or the
    import statement (`import`, `import.<kind>`); "" for a pattern that has none (its matches
    are ignored). `kind` is the part after the dot.
    """

    role: int
    key: str
    kind: str
    scope: bool  # a `scope.<kind>` (names a scope, is not itself a definition)


class ManifestError(ValueError):
    """grammars/manifest.json or a query file is missing or wrong (the message says where)."""


_CAPTURE = re.compile(r"@([A-Za-z_][\w.\-]*)")
# strings are kept whole (they may hold `;` or `@`), comments dropped
_STRING_OR_COMMENT = re.compile(r'"(?:\\.|[^"\\])*"|;[^\n]*')


def _captures_in(pattern_text: str) -> list[str]:
    """The capture names a pattern's text uses, in order (not those in comments or strings)."""
    code = _STRING_OR_COMMENT.sub(lambda m: " " if m.group(0)[0] == ";" else '""', pattern_text)
    return _CAPTURE.findall(code)


class LoadedLanguage:
    """A language ready to parse: the tree-sitter language and our compiled query.

    `query` has the definitions and imports patterns (what the index extracts from every
    file, and an open document after each edit). Shared between threads: a compiled `Query`
    is read-only. Parsers are not thread-safe, so `parser()` hands out one per thread.
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
        self.query, self.roles, self.patterns = _combine(language, sources)
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
) -> tuple[ts.Query, tuple[int, ...], tuple[PatternInfo, ...]]:
    """One query from several files, the role of each of its patterns and what it captures."""
    bounds: list[tuple[int, int]] = []  # (start byte of the file's text, role)
    offset = 0
    for role, text in sources:
        bounds.append((offset, role))
        offset += len(text.encode("utf-8"))
    source = "".join(text for _, text in sources)
    query = ts.Query(language, source)
    raw = source.encode("utf-8")
    roles = []
    patterns = []
    for pattern in range(query.pattern_count):
        start = query.start_byte_for_pattern(pattern)
        role = next(role for begin, role in reversed(bounds) if start >= begin)
        roles.append(role)
        text = raw[start : query.end_byte_for_pattern(pattern)].decode("utf-8", "replace")
        patterns.append(pattern_info(role, _captures_in(text)))
    return query, tuple(roles), tuple(patterns)


def pattern_info(role: int, captures: list[str]) -> PatternInfo:
    """The info of a pattern of `role` that uses `captures` (the first matching one counts)."""
    prefixes = ("definition.", "scope.") if role == DEFINITIONS else ("import.",)
    for capture in captures:
        if capture == "import" and role == IMPORTS:
            return PatternInfo(role, capture, "", False)
        if capture.startswith(prefixes):
            head, _, kind = capture.partition(".")
            return PatternInfo(role, capture, kind, head == "scope")
    return PatternInfo(role, "", "", False)


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
            queries = {role: tuple(entry["queries"].get(role, ())) for role in QUERY_ROLES}
            out[name] = LanguageSpec(
                name=name,
                extensions=tuple(ext.lower() for ext in entry["extensions"]),
                grammar_module=entry["grammar"]["module"],
                grammar_function=entry["grammar"]["function"],
                queries=queries,
                language_ids=tuple(entry["language_ids"]),
                display=entry["display"],
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


@cache
def _by_language_id() -> dict[str, str]:
    return {lid: spec.name for spec in specs().values() for lid in spec.language_ids}


def language_for(language_id: str, path: str | PurePath | None = None) -> str | None:
    """The language of a document: by the editor's language id, else by the path's extension
    (a client may send a generic id such as "plaintext" for a file we do know)."""
    name = _by_language_id().get(language_id)
    if name is None and path is not None:
        name = language_for_path(path)
    return name


def editor_language_id(path: str | PurePath) -> str:
    """The language id an editor would send for `path` (for documents opened without an
    editor, e.g. by the CLI); "plaintext" for files of no language we know."""
    name = language_for_path(path)
    return specs()[name].language_ids[0] if name is not None else "plaintext"


def editor_language_ids() -> tuple[str, ...]:
    """Every editor language id radix-ls serves, in manifest order (the editors' lists)."""
    return tuple(_by_language_id())


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
    sources: list[tuple[int, str, str]] = []  # (role, file, text)
    for role_index, role in enumerate(ROLES):
        for rel in spec.queries.get(role, ()):
            try:
                text = (directory / rel).read_text(encoding="utf-8")
            except OSError as exc:
                raise ManifestError(f"{name}: query file {rel}: {exc.strerror}") from None
            sources.append((role_index, rel, text + "\n"))
    try:
        return LoadedLanguage(spec, language, tuple((role, text) for role, _, text in sources))
    except (ts.QueryError, ValueError) as combined:
        # compile the files alone, for an error naming the broken one
        for _, rel, text in sources:
            try:
                ts.Query(language, text)
            except (ts.QueryError, ValueError) as exc:
                raise ManifestError(f"{name}: {rel}: {exc}") from None
        raise ManifestError(f"{name}: the combined query: {combined}") from None


def load(name: str) -> LoadedLanguage:
    """The loaded language (cached; raises ManifestError for unknown names or bad queries)."""
    with _load_lock:  # compile each language once even when threads race for it
        return _load(name)


def names() -> tuple[str, ...]:
    return tuple(specs())
