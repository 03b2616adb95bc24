"""Sticky cross-file snippets: once in a document's prompt, they stay there, in the same order,
while the cursor stays in the same region of the file.

Retrieval picks other files' code from the lines around the cursor, so a finished line can
change its answer; every change in the middle of the prompt invalidates the engine's cache
from there on (the current file's text after it included), which the typing replay measured
as 490-1,470 re-evaluated tokens at each line end. Here the snippets chosen when the cursor
entered a region are kept as they were; a definition of an imported name that a later line
uses is appended at the end (where it invalidates least; cut to its first lines when the
budget has less room left than it needs, or left out when not even its header fits), and so
is the definition of a name on the line being typed (`retrieval.typed`: once the name, or
enough of it, is typed): they change the prompt only after the pinned snippets, once each;
everything is chosen afresh only when the cursor moves to another region. Choosing afresh
when an addition does not fit was tried: it re-chose the snippets several times in one
function on real files, each costing the whole prompt after them.

A region is the stretch of a file from just after the last complete sibling definition before
the cursor: the function being typed, from before its `def` line is even parsed, until its
end, is one region; so is a method among its class's siblings.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from radix_ls.context.budget import Snippet
from radix_ls.index.model import CLASS_KINDS, Definition

# Part of the snippet budget the first choice of a region may use: the rest is for definitions
# that lines typed later need (appending them changes nothing before them).
FIRST_SHARE = 0.75
# Regions remembered (one per recently edited file).
_MAX_FILES = 64

log = logging.getLogger("radix_ls")


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" \t"))


def region_start(definitions: Sequence[Definition], lines: Sequence[str], cursor_line: int) -> int:
    """The first line (1-based) of the cursor's region: just after the last sibling definition
    that ends before the cursor and that the cursor does not continue (a blank or indented
    line after a definition's last line, with only blank lines between, still belongs to it:
    that is where the next statement of a function being typed goes)."""
    container, start = "", 1
    for d in definitions:
        if d.kind in CLASS_KINDS and d.start_line < cursor_line <= d.end_line:
            container, start = d.qualified_name, d.start_line + 1  # the innermost class
    line = lines[cursor_line - 1] if 0 < cursor_line <= len(lines) else ""
    for d in definitions:
        if d.container != container or d.end_line >= cursor_line or d.end_line + 1 <= start:
            continue
        between = lines[d.end_line : cursor_line - 1]
        header = lines[d.start_line - 1] if d.start_line <= len(lines) else ""
        # a blank cursor line has not decided yet: it goes on with what is above it
        deeper = not line.strip() or _indent(line) > _indent(header)
        continued = deeper and not any(x.strip() for x in between)
        if not continued:
            start = d.end_line + 1
    return start


def _key(s: Snippet) -> tuple[str, str, int, int]:
    return (s.kind, s.path, s.start_line, s.end_line)


def _fit(s: Snippet, room: int, count: Callable[[str], int]) -> Snippet | None:
    """`s`, or its first lines (the header first) within `room` tokens; None if not even its
    first line fits."""
    if s.tokens <= room:
        return s
    kept: list[str] = []
    for line in s.text.split("\n"):
        if count("\n".join([*kept, line, "..."])) > room:
            break
        kept.append(line)
    if not kept:
        return None
    text = "\n".join([*kept, "..."])
    return replace(s, text=text, end_line=s.start_line + len(kept) - 1, tokens=count(text))


def _append(
    kept: tuple[Snippet, ...],
    wanted: Sequence[Snippet],
    budget: int,
    count: Callable[[str], int],
) -> tuple[Snippet, ...]:
    """`kept`, then what of `wanted` is not there yet (by file and first line), each cut to
    the room left in `budget` (left out when not even its header fits)."""
    room = budget - sum(s.tokens for s in kept)
    have = {(s.path, s.start_line) for s in kept}
    added: list[Snippet] = []
    for s in wanted:
        if (s.path, s.start_line) in have:
            continue
        fitted = _fit(s, room, count)
        if fitted is not None:
            added.append(fitted)
            have.add((s.path, s.start_line))
            room -= fitted.tokens
    return kept + tuple(added)


@dataclass(frozen=True)
class _Pinned:
    region: int
    snippets: tuple[Snippet, ...]
    line: int | None = None  # the cursor line of the request that left them
    enclosing: frozenset[str] = frozenset()  # the definitions around it then


class StickySnippets:
    """The snippets in each file's prompt, kept while the cursor stays in one region."""

    def __init__(self) -> None:
        self._pinned: dict[str, _Pinned] = {}
        self._lock = threading.Lock()

    def choose(
        self,
        path: str,
        region: int,
        fresh: Sequence[Snippet],
        needed: set[str],
        budget: int,
        count: Callable[[str], int],
        *,
        commit: bool = True,
        typed: Sequence[Snippet] = (),
        line: int | None = None,
        enclosing: frozenset[str] = frozenset(),
    ) -> list[Snippet]:
        """The snippets for a request in `region` of `path`, given what retrieval found now
        (`fresh`, chosen under FIRST_SHARE of `budget`), the imported names the lines near
        the cursor use (`needed`) and the definitions the line being typed asks for (`typed`,
        appended like needed ones); `count` counts tokens. `commit=False` answers without
        remembering (a preview). `line`, `enclosing`: the cursor line and the qualified names
        of the definitions around it; while the cursor stays on the line of the last request,
        a parse in which some of the definitions that were around it are gone does not
        change the region (a half-typed `def` line can make the parser lose the class or
        function around it for a few keystrokes: the snippets were chosen afresh there twice,
        out of the region and back, each time re-evaluating the file's text after them)."""
        with self._lock:
            pinned = self._pinned.get(path)
        if (
            pinned is not None
            and line is not None
            and line == pinned.line
            and not pinned.enclosing <= enclosing
        ):
            region, enclosing = pinned.region, pinned.enclosing  # a passing misparse
        if pinned is None or pinned.region != region:
            chosen = _append(tuple(fresh), typed, budget, count)
            why = f"region at line {region}"
        else:
            have = {_key(s) for s in pinned.snippets}
            wanted = [
                s
                for s in fresh
                if _key(s) not in have
                and s.kind == "definition"
                and s.reason.removeprefix("imported ") in needed
            ]
            chosen = _append(pinned.snippets, [*wanted, *typed], budget, count)
            added = len(chosen) - len(pinned.snippets)
            why = f"{added} appended" if added else ""
        if why and commit:
            log.debug("snippets for %s: %s", path, why)
        if commit:
            with self._lock:
                if path not in self._pinned and len(self._pinned) >= _MAX_FILES:
                    self._pinned.pop(next(iter(self._pinned)))
                self._pinned[path] = _Pinned(region, chosen, line, enclosing)
        return list(chosen)

    def forget(self, path: str | None = None) -> None:
        """Drop the pinned snippets of `path` (all files when None): the index changed."""
        with self._lock:
            if path is None:
                self._pinned.clear()
            else:
                self._pinned.pop(path, None)
