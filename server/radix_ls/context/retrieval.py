"""Cross-file retrieval: the code a cursor depends on, chosen under a token budget.

In order of priority:
1. definitions of the names used near the cursor (or in the headers of the enclosing function
   and class: parameters, annotations, return type, decorators, bases) that the file imports,
   resolved through the language's import rules to their defining files (signature and body,
   trimmed to fit; a class too big for its share as its header and the members used nearby,
   `classview.py`);
2. the outline of the class or function around the cursor (member signatures), where the
   prefix window does not already show it;
3. definitions elsewhere in the workspace of other names used near the cursor (only when the
   name is defined in few places, so the match means something, and not in another test
   module);
4. definitions of the other names the file imports: those it uses nowhere yet first, then by
   their nearest use;
5. similar code: BM25 over tree-sitter chunks, queried with the lines before the cursor.

Breadth first: every definition of 1, 3 and 4 is first taken as its first lines (at most
`budget.FIRST_LINES_CAP` tokens: the signature, the start of its docstring), so that the
names the line being written may use all have their header in the prompt; then, in order,
those of 1 and 3 are given their whole body (or their class view) and those of 4 up to
ELSEWHERE_CAP tokens, while the budget lasts; similar code takes what is left. Whole bodies
first let a few long definitions crowd out the header of the one the next line calls, at
the small budgets a CPU model works with.

The choice depends only on completed lines (the line being typed is left out of the query),
and the chosen snippets are emitted sorted by (path, line), not by score: typing does not
reshuffle the repository part of the prompt, which sits before the current file and so must
stay put for prefix caching (CONVENTIONS.md). The line being typed is served apart, by
`typed`: its definitions are appended after the others (context/sticky.py).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence

from radix_ls.context.budget import Budget, IndexQueries, Snippet
from radix_ls.context.similar import SimilarIndex
from radix_ls.index.languages import language_for_path
from radix_ls.index.model import CLASS_KINDS, Definition
from radix_ls.index.reexports import Follower, import_bindings

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# `pkg.get`, `mod.Class.method`: names reached through a module or a class
_DOTTED = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)+")

# Lines around the cursor whose names count as "used near the cursor".
NEAR_BEFORE = 40
NEAR_AFTER = 8
# Names defined in more places than this are too ambiguous to pull in by name alone.
MAX_NAME_MATCHES = 3
SIMILAR_QUERY_LINES = 12
# The most tokens one definition of a name imported but not used near the cursor may take.
ELSEWHERE_CAP = 96
# Similar chunks are counted (tokenized) to be packed, the main cost of a request on a large
# workspace: at most SIMILAR_TRIES are, and none once less than SIMILAR_MIN_ROOM tokens are left.
SIMILAR_TRIES = 8
SIMILAR_MIN_ROOM = 32
# Names in the headers of the enclosing definitions rank among the names used near the cursor
# as if they were on a line this far from it.
HEADER_DISTANCE = 2
_HEADER_KINDS = CLASS_KINDS | {"function", "method"}
# The name being typed is looked up by prefix from this many characters on, and only when the
# prefix narrows the workspace's names to at most MAX_PREFIX_MATCHES (each definition it adds
# changes the prompt after the pinned snippets: the current file's text is evaluated again).
MIN_PREFIX = 3
MAX_PREFIX_MATCHES = 3
# Definitions added for the line being typed, at most.
MAX_TYPED_NAMES = 2
_TAIL = re.compile(r"[A-Za-z_][A-Za-z0-9_]*$")
# Languages whose strings may be in single quotes (elsewhere `'` is a character or a
# lifetime), and those whose line comments start with `#` (elsewhere `//`).
_SINGLE_QUOTE_STRINGS = frozenset({"python", "javascript", "typescript", "tsx"})
_HASH_COMMENTS = frozenset({"python"})


def _outline(cls: Definition, members: Iterable[Definition]) -> str:
    lines = [cls.signature]
    lines += [f"    {m.signature.strip()}" for m in members if m.container == cls.qualified_name]
    return "\n".join(lines)


def header_names(
    definitions: Sequence[Definition], lines: Sequence[str], cursor_line: int
) -> list[str]:
    """Identifiers in the headers of the functions and classes around the cursor, innermost
    first: decorators, parameters and their annotations, the return type, base classes. The
    code being written uses them even when its `def` line is far above the cursor."""
    found: list[str] = []
    around = [
        d
        for d in definitions
        if d.start_line < cursor_line <= d.end_line and d.kind in _HEADER_KINDS
    ]
    for d in sorted(around, key=lambda d: -d.start_line):
        first = d.start_line - 1  # 0-based: the `def` line; decorators are above it
        while first > 0 and lines[first - 1].lstrip().startswith("@"):
            first -= 1
        decorators = "\n".join(lines[first : d.start_line - 1])
        for name in _IDENTIFIER.findall(decorators + "\n" + d.signature):
            if name != d.name and name not in found:
                found.append(name)
    return found


def names_near(
    lines: Sequence[str],
    cursor_line: int,
    headers: Sequence[str] = (),
    pattern: re.Pattern[str] = _IDENTIFIER,
    reach: tuple[int, int] = (NEAR_BEFORE, NEAR_AFTER),
) -> list[str]:
    """Identifiers (or what else `pattern` finds) on the lines around the cursor (`reach`:
    lines before and after), nearest first; the cursor line itself is left out (it is being
    typed: what it holds changes with every keystroke). `headers` (the enclosing definitions'
    `header_names`) rank as if HEADER_DISTANCE lines away."""
    distance, _ = _uses(lines, cursor_line, pattern, reach)
    for name in headers:
        distance[name] = min(distance.get(name, HEADER_DISTANCE), HEADER_DISTANCE)
    return sorted(distance, key=lambda n: (distance[n], n))


def _uses(
    lines: Sequence[str],
    cursor_line: int,
    pattern: re.Pattern[str],
    reach: tuple[int, int] | None = None,
) -> tuple[dict[str, int], Counter[str]]:
    """What `pattern` finds on the lines within `reach` (lines before and after; None: the
    whole file) of the cursor line, itself left out: each name's distance (in lines) from
    the cursor line to its nearest occurrence, and how often it occurs."""
    before, after = reach if reach is not None else (len(lines), len(lines))
    first = max(1, cursor_line - before)
    last = min(len(lines), cursor_line + after)
    distance: dict[str, int] = {}
    counts: Counter[str] = Counter()
    for number in range(first, last + 1):
        if number == cursor_line:
            continue
        d = abs(number - cursor_line)
        for name in pattern.findall(lines[number - 1]):
            counts[name] += 1
            if distance.get(name, d + 1) > d:
                distance[name] = d
    return distance, counts


def retrieve(
    path: str,
    text: str,
    definitions: Sequence[Definition],
    cursor_line: int,
    index: IndexQueries,
    *,
    budget: int,
    count: Callable[[str], int],
    window: tuple[int, int] | None = None,
    similar: SimilarIndex | None = None,
) -> list[Snippet]:
    """Snippets for a cursor on `cursor_line` (1-based) of the file `path` (workspace-relative,
    current text `text`, its `definitions`), at most `budget` tokens, sorted by (path, line).
    `window` is the span of this file's lines the prompt already shows (not repeated)."""
    if budget <= 0:
        return []
    lines = text.split("\n")
    near = names_near(lines, cursor_line, header_names(definitions, lines, cursor_line))
    chosen = Budget(budget, count, near=near)
    shown = window or (0, -1)
    imported = _imported_names(index, path)
    # in order of priority (the module docstring), first lines first
    dotted = names_near(lines, cursor_line, pattern=_DOTTED)
    chosen.expanding = True  # definitions as their first lines (the outline is one already)
    _imported_near(chosen, index, path, [*near, *dotted])
    _enclosing_outline(chosen, path, definitions, cursor_line, shown)
    _used_near(chosen, index, path, near, imported, cursor_line, shown)
    _imported_elsewhere(chosen, index, path, imported, near, lines, cursor_line)
    chosen.expanding = False
    chosen.expand(index)
    if similar is not None and len(similar.bm25):
        query = "\n".join(lines[max(0, cursor_line - 1 - SIMILAR_QUERY_LINES) : cursor_line - 1])
        _similar(chosen, similar, path, query)
    return sorted(chosen.chosen, key=lambda s: (s.path, s.start_line))


def _imported_names(index: IndexQueries, path: str) -> dict[str, list[str]]:
    """The names `path` imports -> the files each import resolves to."""
    imported: dict[str, list[str]] = {}
    for imp in index.imports_of(path):
        for name in imp.names:
            imported.setdefault(name, []).extend(imp.resolved)
    return imported


def _imported_near(
    chosen: Budget, index: IndexQueries, path: str, near: list[str], why: str = "imported"
) -> None:
    """1. Imported names used near the cursor (also `pkg.name`, `alias.Class.method`),
    followed through re-exports to their definitions (the longest dotted prefix that has
    one)."""
    follower = Follower(index)
    for name in near:
        parts = name.split(".")
        for end in range(len(parts), min(len(parts), 2) - 1, -1):
            found = follower.imported(path, ".".join(parts[:end]))
            for d in found:
                chosen.add_definition(index, d, f"{why} {name}")
            if found:
                break


def _enclosing_outline(
    chosen: Budget,
    path: str,
    definitions: Sequence[Definition],
    cursor_line: int,
    shown: tuple[int, int],
) -> None:
    """2. The enclosing class: its members' signatures, when not all visible in the window."""
    enclosing = [
        d
        for d in definitions
        if d.kind in CLASS_KINDS and d.start_line <= cursor_line <= d.end_line
    ]
    if not enclosing:
        return
    cls = enclosing[-1]
    members = [d for d in definitions if d.container == cls.qualified_name]
    if any(not (shown[0] <= m.start_line <= shown[1]) for m in members):
        outline = _outline(cls, members)
        why = f"enclosing {cls.kind} {cls.name}"
        chosen.add("outline", path, cls.start_line, cls.end_line, outline, why)


def _used_near(
    chosen: Budget,
    index: IndexQueries,
    path: str,
    near: list[str],
    imported: dict[str, list[str]],
    cursor_line: int,
    shown: tuple[int, int],
) -> None:
    """3. Other names used near the cursor, defined in a few places elsewhere (not in test
    modules: code reaches their names only by importing them)."""
    for name in near:
        if name in imported:
            continue
        matches = [
            d
            for d in index.definitions_named(name)
            if not (d.path == path and shown[0] <= d.start_line <= shown[1])
            and (d.path == path or not is_test_module(d.path))
        ]
        if not 0 < len(matches) <= MAX_NAME_MATCHES:
            continue
        for d in matches:
            if d.path == path and d.start_line <= cursor_line <= d.end_line:
                continue  # the definition the cursor is in
            chosen.add_definition(index, d, f"uses {name}")


def is_test_module(path: str) -> bool:
    """Whether `path` is a test module no other file imports: Python `test_*.py` and
    `*_test.py`, JavaScript/TypeScript `*.test.*` and `*.spec.*` (Go's `_test.go` files are
    not: they share their package's names)."""
    name = path.rpartition("/")[2]
    if name.endswith(".py"):
        return name.startswith("test_") or name.endswith("_test.py")
    return ".test." in name or ".spec." in name


def _imported_elsewhere(
    chosen: Budget,
    index: IndexQueries,
    path: str,
    imported: dict[str, list[str]],
    near: list[str],
    lines: Sequence[str],
    cursor_line: int,
) -> None:
    """4. What the file imports but does not use near the cursor (the import is a hint: the
    file uses it somewhere, maybe on the line being written), and the `pkg.name` uses of
    imported packages elsewhere in the file: names not used anywhere yet first, then by their
    nearest use; followed through re-exports like the names used near the cursor."""
    taken = set(near)
    language = language_for_path(path)
    imports = index.imports_of(path)
    bound = {  # what the imports bind (`import pkg` binds `pkg`, `import a.b` binds `a`)
        local.partition(".")[0] for imp in imports for local, _ in import_bindings(imp, language)
    }
    direct, direct_uses = _uses(lines, cursor_line, _IDENTIFIER)
    dotted, _ = _uses(lines, cursor_line, _DOTTED)
    named = Counter(n for imp in imports for n in imp.names)
    # Names imported and used nowhere else in the file (their import statement is their only
    # mention) first: the import was written for code not written yet, likely the line at
    # the cursor. Then the others, and the `pkg.name` uses of imported packages, by how near
    # their nearest use is.
    rest = {
        n: (direct_uses[n] > named[n], direct.get(n, 0))
        for n in imported
        if n not in taken and n != "*"
    }
    rest |= {
        n: (True, d) for n, d in dotted.items() if n not in taken and n.partition(".")[0] in bound
    }
    order = sorted(rest, key=lambda n: rest[n])
    # each as its first lines (the signature, the start of its docstring): many names that
    # may be used, rather than the whole bodies of the first few
    chosen.cap_limit = ELSEWHERE_CAP
    try:
        _imported_near(chosen, index, path, order)
    finally:
        chosen.cap_limit = None


def _similar(chosen: Budget, similar: SimilarIndex, path: str, query: str) -> None:
    """5. Similar code elsewhere (BM25 over chunks), while the budget lasts."""
    exclude = similar.chunks_of(path)
    hits = similar.bm25.search(query, limit=SIMILAR_TRIES, exclude=exclude)
    for hit in hits:
        chunk = similar.chunks[hit.index]
        if chosen.total - chosen.used < SIMILAR_MIN_ROOM:
            break
        why = f"similar (bm25 {hit.score:.1f})"
        tokens = similar.tokens(hit.index, chosen.count)
        if tokens <= chosen.cap and chosen.used + tokens > chosen.total:
            continue  # does not fit (known without counting it again)
        chosen.add("similar", chunk.path, chunk.start_line, chunk.end_line, chunk.text, why, tokens)


def in_text(line_prefix: str, language: str | None) -> bool:
    """Whether the end of `line_prefix` is inside a string or a line comment (as far as one
    line tells: a string opened on an earlier line is not seen). The `{...}` of a Python
    f-string and the `${...}` of a JavaScript template are code."""
    quotes = "\"'`" if language in _SINGLE_QUOTE_STRINGS else '"`'
    comment = "#" if language in _HASH_COMMENTS else "//"
    quote = ""  # the open string's quote, "" outside strings
    holes = False  # whether the open string has code in braces (f-string, template)
    depth = 0  # braces open inside such a string
    i = 0
    while i < len(line_prefix):
        c = line_prefix[i]
        if quote and depth:
            depth += (c == "{") - (c == "}")
        elif quote:
            if c == "\\":
                i += 1  # an escaped character
            elif c == quote:
                quote = ""
            elif holes and quote == "`":
                if line_prefix.startswith("${", i):
                    depth, i = 1, i + 1
            elif holes and line_prefix.startswith("{{", i):
                i += 1  # a literal brace in an f-string
            elif holes and c == "{":
                depth = 1
        elif c in quotes:
            quote = c
            before = line_prefix[max(0, i - 2) : i].lower()
            holes = c == "`" or (language == "python" and "f" in before.lstrip("br"))
        elif line_prefix.startswith(comment, i):
            return True
        i += 1
    return bool(quote) and not depth


def split_typed(line_prefix: str, language: str | None = None) -> tuple[list[str], str]:
    """The cursor line before the cursor, as (the identifiers complete on it, nearest first;
    the identifier the cursor is at the end of, "" if none, if it is an attribute, or if it
    is a word in a string or a comment: `get("head` is not the start of a name `head...`)."""
    tail = _TAIL.search(line_prefix)
    partial = tail.group(0) if tail else ""
    head = line_prefix[: len(line_prefix) - len(partial)]
    complete = list(dict.fromkeys(reversed(_IDENTIFIER.findall(head))))
    if head.endswith(".") or (head and head[-1].isdigit()) or in_text(head, language):
        partial = ""  # a member (looked up by the class view), part of a number, or text
    return complete, partial


def typed(
    path: str,
    line_prefix: str,
    index: IndexQueries,
    near: Sequence[str],
    *,
    budget: int,
    count: Callable[[str], int],
    similar: SimilarIndex | None = None,
) -> list[Snippet]:
    """Definitions for the line being typed (`line_prefix`: it up to the cursor), at most
    `budget` tokens: those of the imported names complete on it, then those of the name being
    typed, matched by prefix (imported names first, then the workspace's top-level names when
    the prefix narrows them to a few), so the definition arrives while the name is typed.
    `near`: the names used around the cursor (a prefix of one that is not imported is
    probably that local name).
    Not memoised per line as `retrieve` is: this changes with every keystroke; it is a few
    index look-ups."""
    complete, partial = split_typed(line_prefix, language_for_path(path))
    imported = _imported_names(index, path)
    chosen = Budget(budget, count, near=[*complete, *near])
    _imported_near(chosen, index, path, [n for n in complete if n in imported][:MAX_TYPED_NAMES])
    if len(partial) < MIN_PREFIX or any(n.startswith(partial) and n not in imported for n in near):
        return chosen.chosen  # too short, or probably a local name used nearby
    names = sorted(n for n in imported if n.startswith(partial))
    if names:  # imported: followed through re-exports like the names used near the cursor
        for name in names[:MAX_TYPED_NAMES]:
            _imported_near(chosen, index, path, [name], f"typing {partial}:")
        return chosen.chosen
    if similar is not None:
        names = similar.names_with_prefix(partial, MAX_PREFIX_MATCHES + 1)
        if len(names) > MAX_PREFIX_MATCHES:
            return chosen.chosen  # too many to mean something yet: wait for more letters
    targets = {t for ts in imported.values() for t in ts}
    folder = path.rpartition("/")[0]
    found = [d for n in names for d in index.definitions_named(n) if not d.container]
    found = [d for d in found if d.path != path]
    # the files this one imports first, then its own folder, then the closest names
    found.sort(key=lambda d: (d.path not in targets, d.path.rpartition("/")[0] != folder,
                              len(d.name), d.path))  # fmt: skip
    for d in found[:MAX_TYPED_NAMES]:
        chosen.add_definition(index, d, f"typing {partial}: {d.name}")
    return chosen.chosen


def as_files(snippets: Sequence[Snippet]) -> tuple[tuple[str, str], ...]:
    """Snippets grouped per file for the prompt template, in (path, line) order."""
    files: list[tuple[str, list[str]]] = []
    for s in snippets:
        if files and files[-1][0] == s.path:
            files[-1][1].append(s.text)
        else:
            files.append((s.path, [s.text]))
    return tuple((path, "\n...\n".join(parts)) for path, parts in files)
