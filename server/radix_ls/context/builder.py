"""Context v1: windows of the current file around the cursor, under a token budget.

The prefix window is anchored at line numbers that are multiples of `ANCHOR_LINES`, so it
moves in large steps: while the user types, consecutive prompts share everything up to the
cursor and the engine's prefix cache serves it (CONVENTIONS.md, "Prompt layout"). A window
that slid with the cursor would change the prompt's first token on every keystroke.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass

from radix_ls.engine.templates import (
    DEFAULT_LAYOUT,
    NEAR_SUFFIX_TOKENS,
    PromptParts,
    PromptTemplate,
)
from radix_ls.workspace.documents import DocumentSnapshot

ANCHOR_LINES = 64
# When the prefix outgrows a window kept from the last request, the new window is chosen to
# fill this share of the budget: the rest is room to type before it has to move again (every
# move re-evaluates the whole window).
REANCHOR_SHARE = 0.75
# Per-line token counts do not add up exactly to the count of the joined text; keep headroom.
_SAFETY = 0.95


@dataclass(frozen=True)
class Segment:
    """One piece of the prompt, for `radix-ls context`-style reports."""

    kind: str  # "file-prefix" | "file-suffix" | retrieval kinds ("definition", "outline", ...)
    path: str
    start_line: int  # 1-based, inclusive
    end_line: int  # 1-based, inclusive
    tokens: int
    # why other files' code is there ("imported Request", "uses send", "typing pars: ...",
    # "similar (bm25 7.2)"); "" for the current file's windows
    reason: str = ""


@dataclass(frozen=True)
class CursorText:
    """The text around the cursor, with line breaks normalised to "\\n"."""

    line_prefix: str  # the cursor line up to the cursor
    line_suffix: str  # the cursor line after the cursor, without its line break
    following: str  # the lines after the cursor line (for trimming repeated suffix)
    eol: str  # the document's line break, to write completions back with


@dataclass(frozen=True)
class BuiltContext:
    prompt: str
    parts: PromptParts
    segments: tuple[Segment, ...]
    cursor: CursorText


class LineTokenCounter:
    """Counts tokens line by line with a bounded cache: a keystroke changes one line only.
    Retrieval counts with it too: the same definitions, and their lines, come back request
    after request."""

    def __init__(self, count: Callable[[str], int], max_entries: int = 50_000) -> None:
        self._count = count
        self._cache: dict[str, int] = {}
        self._max = max_entries

    def __call__(self, line: str) -> int:
        n = self._cache.get(line)
        if n is None:
            if len(self._cache) >= self._max:
                self._cache.clear()
            n = self._cache[line] = self._count(line)
        return n

    def text(self, text: str) -> int:
        return self._count(text)


def detect_eol(text: str) -> str:
    crlf = text.count("\r\n")
    return "\r\n" if crlf and crlf >= text.count("\n") - crlf else "\n"


def split_cursor(text: str, offset: int) -> tuple[str, str, CursorText]:
    """(prefix, suffix, cursor text) with line breaks normalised to "\\n"."""
    eol = detect_eol(text)
    prefix = text[:offset].replace("\r\n", "\n").replace("\r", "\n")
    suffix = text[offset:].replace("\r\n", "\n").replace("\r", "\n")
    line_prefix = prefix[prefix.rfind("\n") + 1 :]
    nl = suffix.find("\n")
    line_suffix = suffix if nl < 0 else suffix[:nl]
    following = "" if nl < 0 else suffix[nl + 1 :]
    return prefix, suffix, CursorText(line_prefix, line_suffix, following, eol)


def _prefix_window(lines: list[str], budget: int, count: LineTokenCounter) -> int:
    """Index of the first prefix line to keep: the smallest anchor that fits the budget."""
    limit = int(budget * _SAFETY)
    # suffix sums of per-line counts, computed from the end (the cursor) backwards
    total = 0
    fits_from = len(lines)
    for i in range(len(lines) - 1, -1, -1):
        total += count(lines[i]) + 1
        if total > limit:
            break
        fits_from = i
    if fits_from == 0:
        return 0
    # Round the start up to a multiple of a large step; halve the step only when rounding would
    # throw away more than half of what fits (short budgets, long lines).
    fit_lines = len(lines) - fits_from
    step = ANCHOR_LINES
    while step > 1:
        anchor = -(-fits_from // step) * step
        if len(lines) - anchor >= fit_lines / 2:
            return anchor
        step //= 2
    return min(fits_from, len(lines) - 1)  # the cursor line is always kept


def _kept_window(
    lines: list[str], budget: int, count: LineTokenCounter, start: int | None
) -> int | None:
    """`start` if the lines from there to the cursor still fit the budget, else None."""
    if start is None or not 0 <= start < len(lines):
        return None
    limit = int(budget * _SAFETY)
    total = 0
    for line in lines[start:]:
        total += count(line) + 1
        if total > limit:
            return None
    return start


def _suffix_window(lines: list[str], budget: int, count: LineTokenCounter, start: int = 0) -> int:
    """How many suffix lines from `start` fit the budget (at least one)."""
    limit = int(budget * _SAFETY)
    total = 0
    for i, line in enumerate(lines[start:]):
        total += count(line) + 1
        if total > limit:
            return max(i, 1)
    return len(lines) - start


def _suffix_parts(
    suffix: str, budget: int, layout: str, count: LineTokenCounter
) -> tuple[str, int, str, int]:
    """(near suffix, its line count, text below it, its line count) within `budget` tokens.

    "psm": the whole window is the near suffix. "split": the near suffix is the rest of the
    cursor line and the next lines up to NEAR_SUFFIX_TOKENS; the rest of the window goes below.
    Both cuts depend only on the text after the cursor, so typing does not move them.
    """
    lines = suffix.split("\n")
    n = _suffix_window(lines, budget, count)
    if layout == "split":
        near_n = min(n, _suffix_window(lines, NEAR_SUFFIX_TOKENS, count))
        below_lines = lines[near_n:n]
        near = "\n".join(lines[:near_n]) + ("\n" if below_lines or near_n < len(lines) else "")
        return near, near_n, "\n".join(below_lines), len(below_lines)
    near = "\n".join(lines[:n]) + ("\n" if n < len(lines) else "")
    return near, n, "", 0


def build(
    snapshot: DocumentSnapshot,
    offset: int,
    *,
    template: PromptTemplate,
    context_tokens: int,
    suffix_tokens: int,
    count: LineTokenCounter,
    path: str,
    repo_name: str,
    layout: str = DEFAULT_LAYOUT,
    window_start: int | None = None,
) -> BuiltContext:
    """Assemble the prompt for a cursor at `offset` (code points) in `snapshot`, with the
    current file's windows under `context_tokens` (other files come with `with_files`), the
    text after the cursor laid out as `layout` says (engine/templates.py, LAYOUTS).
    `window_start`: the prefix window's first line (0-based) in the last prompt for this
    document, kept while the prefix from there still fits."""
    if not 0 <= offset <= len(snapshot.text):
        raise ValueError(f"offset {offset} outside document of length {len(snapshot.text)}")
    prefix, suffix, cursor = split_cursor(snapshot.text, offset)
    suffix_budget = suffix_tokens if template.uses_suffix else 0
    overhead = count.text(
        template.render(PromptParts(repo_name, path, snapshot.language_id, "", ""))
    )
    prefix_budget = max(context_tokens - suffix_budget - overhead, 16)

    prefix_lines = prefix.split("\n")
    first = _kept_window(prefix_lines, prefix_budget, count, window_start)
    if first is None:
        share = REANCHOR_SHARE if window_start is not None else 1.0
        first = _prefix_window(prefix_lines, int(prefix_budget * share), count)
    window_prefix = "\n".join(prefix_lines[first:])
    if count.text(window_prefix) > prefix_budget:
        # One enormous line (minified code): keep its end, cut at a stable 1 kB boundary.
        keep = prefix_budget * 2
        cut = max(0, (len(window_prefix) - keep) // 1024 * 1024 + 1024)
        window_prefix = window_prefix[cut:]

    segments = [
        Segment("file-prefix", path, first + 1, len(prefix_lines), count.text(window_prefix))
    ]
    window_suffix = below = ""
    if suffix_budget > 0 and suffix:
        window_suffix, n, below, below_n = _suffix_parts(suffix, suffix_budget, layout, count)
        if count.text(window_suffix) > suffix_budget:
            window_suffix = window_suffix[: suffix_budget * 2]  # one enormous line
        cursor_line = len(prefix_lines)
        suffix_tokens_used = count.text(window_suffix)
        segments.append(
            Segment("file-suffix", path, cursor_line, cursor_line + n - 1, suffix_tokens_used)
        )
        if below:
            first_below = cursor_line + n
            segments.insert(
                0,
                Segment(
                    "file-below", path, first_below, first_below + below_n - 1, count.text(below)
                ),
            )
    parts = PromptParts(
        repo_name, path, snapshot.language_id, window_prefix, window_suffix, below=below
    )
    return BuiltContext(template.render(parts), parts, tuple(segments), cursor)


def with_files(
    context: BuiltContext,
    template: PromptTemplate,
    files: tuple[tuple[str, str], ...],
    segments: tuple[Segment, ...],
) -> BuiltContext:
    """`context` with other files' code (within its own budget, described by `segments`)
    placed before the current file. The current file's windows stay as they were, so they do
    not depend on what retrieval found."""
    parts = dataclasses.replace(context.parts, files=files)
    own = context.segments
    # in prompt order: the current file's text after the cursor, the other files, the rest
    below = own[:1] if own and own[0].kind == "file-below" else ()
    ordered = below + segments + own[len(below) :]
    return dataclasses.replace(
        context, prompt=template.render(parts), parts=parts, segments=ordered
    )


def shown_lines(context: BuiltContext) -> tuple[int, int]:
    """The current file's lines the prompt shows (1-based, inclusive): retrieval skips them."""
    own = [s for s in context.segments if s.kind.startswith("file-")]
    return min(s.start_line for s in own), max(s.end_line for s in own)


def cursor_line(context: BuiltContext) -> int:
    """The cursor's line (1-based): where the prefix window ends."""
    return next(s.end_line for s in context.segments if s.kind == "file-prefix")
