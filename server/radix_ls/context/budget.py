"""Choosing other files' code under a token budget: what retrieval (`retrieval.py`) keeps.

`Budget` holds the snippets chosen so far and what they cost. Definitions are taken breadth
first: while `expanding`, each is taken as its first lines only (FIRST_LINES_CAP tokens: its
signature, the start of its docstring) and remembered; `expand` then gives them, in the order
they were taken, their whole body (a class too big for the cap: its class view,
`classview.py`), each while it fits.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Protocol

from radix_ls.context.classview import class_view
from radix_ls.index.model import CLASS_KINDS, Definition, Import

# One snippet may take at most this share of the budget before it is trimmed.
MAX_SNIPPET_SHARE = 0.4
# and never more than this: with a large budget, many definitions' first lines help the model
# more than a few whole bodies
MAX_SNIPPET_TOKENS = 768
_CHARS_PER_TOKEN = 8
# The first pass takes each definition (of priorities 1, 3 and 4) as at most this many tokens
# of its first lines; the second gives it its whole body while the budget lasts.
FIRST_LINES_CAP = 32


class IndexQueries(Protocol):
    """What retrieval needs from the workspace index."""

    def imports_of(self, path: str) -> Sequence[Import]: ...

    def definitions_named(self, name: str) -> Sequence[Definition]: ...

    def definitions_in(self, path: str) -> Sequence[Definition]: ...

    def file_bytes(self, path: str) -> bytes | None: ...


@dataclass(frozen=True)
class Snippet:
    kind: str  # "definition" | "outline" | "similar"
    path: str
    start_line: int  # 1-based, inclusive
    end_line: int
    text: str
    tokens: int
    reason: str  # why it was chosen (shown by `radix-ls context` and radixLs/context)


@dataclass
class Budget:
    total: int
    count: Callable[[str], int]
    used: int = 0
    chosen: list[Snippet] = field(default_factory=list)
    seen: set[tuple[str, int]] = field(default_factory=set)
    # names used near the cursor, nearest first: which members of a big class to show
    near: Sequence[str] = ()
    # a lower cap for the snippets being added now (None: the share of the total)
    cap_limit: int | None = None
    # definitions taken as their first lines that may get their whole body later (`expand`)
    expandable: list[tuple[Snippet, Definition, int | None]] = field(default_factory=list)
    expanding: bool = False  # whether definitions added now are expandable

    @property
    def cap(self) -> int:
        """The most tokens one snippet may take."""
        cap = min(max(int(self.total * MAX_SNIPPET_SHARE), 32), MAX_SNIPPET_TOKENS)
        return cap if self.cap_limit is None else min(cap, self.cap_limit)

    def has(self, path: str, start: int, end: int) -> bool:
        """Whether lines `start`-`end` of `path` were chosen already (or a span holding them)."""
        return (path, start) in self.seen or any(
            s.path == path and s.start_line <= start and end <= s.end_line for s in self.chosen
        )

    def over_cap(self, text: str) -> bool:
        # Counting tokens is the cost of retrieval (a 50 kB function takes tens of ms): a text
        # longer than _CHARS_PER_TOKEN characters per token of the cap is taken as over it
        # without counting it whole; code averages 3-4 characters per token.
        return len(text) > self.cap and (
            len(text) > self.cap * _CHARS_PER_TOKEN or self.count(text) > self.cap
        )

    def add(
        self,
        kind: str,
        path: str,
        start: int,
        end: int,
        text: str,
        why: str,
        tokens: int | None = None,
    ) -> bool:
        """Choose `text` (lines `start`-`end` of `path`; `tokens`: its count, if known) if it
        fits, cut to the cap first."""
        if self.used >= self.total or self.has(path, start, end):
            return False
        if (tokens is not None and tokens > self.cap) or (tokens is None and self.over_cap(text)):
            text, end = trim(text, start, self.cap, self.count)
            tokens = None
        tokens = self.count(text) if tokens is None else tokens
        if self.used + tokens > self.total:
            return False
        self.used += tokens
        self.seen.add((path, start))
        self.chosen.append(Snippet(kind, path, start, end, text, tokens, why))
        return True

    def replace(self, old: Snippet, new: Snippet) -> bool:
        """Put `new` in the place of `old` (the same definition shown longer) if it fits,
        dropping what was chosen inside its lines (a member the class view now shows)."""
        inside = [
            s
            for s in self.chosen
            if s is not old
            and s.path == new.path
            and new.start_line <= s.start_line
            and s.end_line <= new.end_line
        ]
        if self.used - old.tokens - sum(s.tokens for s in inside) + new.tokens > self.total:
            return False
        self.chosen[self.chosen.index(old)] = new
        for s in inside:
            self.chosen.remove(s)
            self.seen.discard((s.path, s.start_line))
        self.used += new.tokens - old.tokens - sum(s.tokens for s in inside)
        return True

    def add_definition(self, index: IndexQueries, d: Definition, why: str) -> None:
        """Choose definition `d`: its first lines while `expanding` (remembered for
        `expand`), else its whole body (or its class view), cut to the cap."""
        body = definition_text(index, d)
        if body is None or self.has(d.path, d.start_line, d.end_line):
            return
        if self.expanding:
            text, end = trim(body, d.start_line, FIRST_LINES_CAP, self.count)
            added = self.add("definition", d.path, d.start_line, end, text, why)
            if added and end < d.end_line:
                self.expandable.append((self.chosen[-1], d, self.cap_limit))
            return
        self.add("definition", d.path, d.start_line, d.end_line, self._view(index, d, body), why)

    def expand(self, index: IndexQueries) -> None:
        """The definitions taken as their first lines, in the order they were taken, given
        their whole body (trimmed to the cap they were taken under) or their class view,
        each while it fits."""
        for first, d, cap_limit in self.expandable:
            body = definition_text(index, d)
            if body is None:
                continue
            self.cap_limit = cap_limit
            body, end = self._view(index, d, body), d.end_line
            if self.over_cap(body):
                body, end = trim(body, d.start_line, self.cap, self.count)
            tokens = self.count(body)
            if first in self.chosen and tokens > first.tokens:
                self.replace(first, replace(first, end_line=end, text=body, tokens=tokens))
        self.cap_limit = None
        self.expandable.clear()

    def _view(self, index: IndexQueries, d: Definition, body: str) -> str:
        """`body`, or for a class too big to show whole, its header and the members used
        near the cursor."""
        if d.kind not in CLASS_KINDS or not self.over_cap(body):
            return body
        data = index.file_bytes(d.path) or b""
        members = index.definitions_in(d.path)
        view = class_view(d, members, data, self.near, self.cap, self.count)
        return view if view is not None else body


def trim(text: str, start: int, cap: int, count: Callable[[str], int]) -> tuple[str, int]:
    """Keep whole leading lines that fit `cap` tokens (the signature comes first)."""
    kept: list[str] = []
    used = 0
    for line in text.split("\n"):
        cost = count(line) + 1
        if used + cost > cap and kept:
            break
        kept.append(line)
        used += cost
    return "\n".join(kept), start + len(kept) - 1


def definition_text(index: IndexQueries, d: Definition) -> str | None:
    """`d`'s text from the start of its first line (None: the file cannot be read)."""
    data = index.file_bytes(d.path)
    if data is None:
        return None
    start = data.rfind(b"\n", 0, d.start_byte) + 1  # from the start of its first line
    return data[start : d.end_byte].decode("utf-8", errors="replace")
