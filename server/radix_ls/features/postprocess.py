"""Post-processing of raw model output into the text an editor should insert. Pure.

- Mid-line cursors get one line; a cursor on an empty line, or at the end of a line that opens
  a block (`:`, `{`, `(`, `[`, `=>`), gets a block that ends where the code dedents.
- Text that repeats what already follows the cursor is trimmed.
- Whitespace-only answers become None.

`cut` is prefix-stable: once `cut(text)` reports `done`, any longer output gives the same
result. The completion pipeline uses that to stop generation early without changing the answer.
"""

from __future__ import annotations

from dataclasses import dataclass

from radix_ls.context.builder import CursorText

_BLOCK_OPENERS = (":", "{", "(", "[", "=>", "->")
_CLOSERS = ")]}>\"'`;,: \t"


@dataclass(frozen=True)
class Cut:
    text: str
    done: bool  # True when no further output could change `text`


def _indent_width(line: str) -> int:
    width = 0
    for ch in line:
        if ch == " ":
            width += 1
        elif ch == "\t":
            width += 4
        else:
            break
    return width


def mode_for(cursor: CursorText) -> str:
    """ "line" for mid-line cursors, "block" for empty lines and block openers."""
    if cursor.line_suffix.strip():
        return "line"
    stripped = cursor.line_prefix.rstrip()
    if not stripped or stripped.endswith(_BLOCK_OPENERS):
        return "block"
    return "line"


def cut(raw: str, cursor: CursorText, max_lines: int) -> Cut:
    """Where the useful part of `raw` ends, and whether that end is final."""
    if mode_for(cursor) == "line":
        nl = raw.find("\n")
        return Cut(raw, False) if nl < 0 else Cut(raw[:nl], True)

    on_blank_line = not cursor.line_prefix.strip()
    base = _indent_width(cursor.line_prefix)
    # A line dedented below this ends the block: on an empty line, below the cursor's column;
    # after a block opener, at or below the opener line's indentation.
    min_indent = base if on_blank_line else base + 1
    lines = raw.split("\n")
    kept = [lines[0]]
    for i, line in enumerate(lines[1:], start=1):
        complete = i < len(lines) - 1
        if len(kept) >= max_lines:
            return Cut("\n".join(kept), True)
        if not line.strip():
            kept.append(line)
            continue
        if _indent_width(line) < min_indent:
            closing = line.strip()
            if not on_blank_line and _indent_width(line) == base and closing[0] in ")]}":
                if not complete:
                    return Cut("\n".join(kept), False)  # the closing line may still grow
                if not _starts_with_line(cursor.following, closing):
                    kept.append(line)  # the block's own closing bracket, missing in the document
            return Cut("\n".join(kept), True)
        kept.append(line)
    return Cut("\n".join(kept), False)


def _starts_with_line(text: str, line: str) -> bool:
    for existing in text.split("\n"):
        if existing.strip():
            return existing.strip() == line
    return False


def _trim_line_suffix(text: str, line_suffix: str) -> str:
    """Drop the end of `text` that the cursor line already has after the cursor."""
    wanted = line_suffix.rstrip()
    if not wanted:
        return text
    for k in range(min(len(wanted), len(text)), 0, -1):
        overlap = wanted[:k]
        if text.endswith(overlap) and (k == len(wanted) or all(c in _CLOSERS for c in overlap)):
            return text[: len(text) - k]
    return text


def _trim_following_lines(text: str, following: str) -> str:
    """Drop trailing lines of `text` that repeat the lines after the cursor line."""
    lines = text.split("\n")
    existing = [line.strip() for line in following.split("\n") if line.strip()]
    if len(lines) < 2 or not existing:
        return text
    for k in range(min(len(lines) - 1, len(existing)), 0, -1):
        tail = [line.strip() for line in lines[-k:]]
        if tail == existing[:k] and any(tail):
            return "\n".join(lines[:-k])
    return text


def unwrap_chat(text: str, cursor: CursorText) -> str:
    """A chat-mode answer as plain continuation text: no Markdown fence, no echo of the
    cursor line. Prefix-stable like `cut`: while the answer could still turn out to be a fence
    or an echo, nothing is returned yet."""
    stripped = text.lstrip()
    if stripped.startswith("```") or "```".startswith(stripped):
        nl = stripped.find("\n")
        if nl < 0:
            return ""
        text = stripped[nl + 1 :]
    fence = text.find("\n```")
    if fence >= 0:
        text = text[:fence]
    echo = cursor.line_prefix.strip()
    if echo:
        body = text.lstrip()
        if echo.startswith(body):
            return ""  # so far only (part of) the line the user already typed
        if body.startswith(echo):
            text = body[len(echo) :]
    return text.replace("<CURSOR>", "")


def finish(raw: str, cursor: CursorText, max_lines: int) -> str | None:
    """The text to insert at the cursor for model output `raw`, or None for nothing useful."""
    text = cut(raw, cursor, max_lines).text
    lines = [line.rstrip() for line in text.split("\n")]
    while len(lines) > 1 and not lines[-1].strip():
        lines.pop()
    text = "\n".join(lines)
    if "\n" in text:
        text = _trim_following_lines(text, cursor.following)
    text = _trim_line_suffix(text, cursor.line_suffix)
    if not text.strip():
        return None
    if cursor.line_suffix.strip() and text.strip() == cursor.line_suffix.strip():
        return None  # the model only repeated what is already there
    if cursor.eol != "\n":
        text = text.replace("\n", cursor.eol)
    return text
