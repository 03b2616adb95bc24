"""Turning a model's answer into edits: code out of the answer, indentation fitted to where it
goes, and minimal text edits (a line diff, never a whole-file replacement).
"""

from __future__ import annotations

import difflib
import itertools
import re
import textwrap

from radix_ls.workspace.documents import TextEdit

_FENCE = re.compile(r"^[ \t]*```[^\n]*\n(.*?)(?:\n[ \t]*```|\Z)", re.DOTALL | re.MULTILINE)


def extract_code(answer: str) -> str:
    """The code in a model's answer: the first fenced block if there is one (the prompt
    usually opens the fence itself, so the answer then is the code up to the closing one)."""
    text = answer.replace("\r\n", "\n")
    match = _FENCE.search(text)
    if match and text.lstrip().startswith("```"):
        text = match.group(1)
    else:
        closing = re.search(r"^[ \t]*```", text, re.MULTILINE)
        if closing:
            text = text[: closing.start()]
    return text.strip("\n").rstrip()


def line_start(text: str, offset: int) -> int:
    return text.rfind("\n", 0, offset) + 1


def line_end(text: str, offset: int) -> int:
    end = text.find("\n", offset)
    return len(text) if end < 0 else end


def indentation_at(text: str, offset: int) -> str:
    start = line_start(text, offset)
    line = text[start : line_end(text, start)]
    return line[: len(line) - len(line.lstrip(" \t"))]


def fit_indent(code: str, indent: str, newline: str = "\n") -> str:
    """`code` re-indented so its least-indented lines start at `indent` (tabs kept as the
    model wrote them); blank lines stay empty."""
    code = textwrap.dedent(code.expandtabs(4) if "\t" in code and " " in indent else code)
    lines = [(indent + line) if line.strip() else "" for line in code.split("\n")]
    return newline.join(lines)


def minimal_edits(old: str, new: str, base: int = 0) -> list[TextEdit]:
    """The line-level differences between `old` and `new` as edits of `old` (offsets shifted
    by `base`, for a region of a larger text). Unchanged lines are never touched."""
    old_lines = old.splitlines(keepends=True)
    new_lines = new.splitlines(keepends=True)
    starts = [0]
    for line in old_lines:
        starts.append(starts[-1] + len(line))
    edits: list[TextEdit] = []
    matcher = difflib.SequenceMatcher(a=old_lines, b=new_lines, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        edits.append(TextEdit(base + starts[i1], base + starts[i2], "".join(new_lines[j1:j2])))
    return edits


def apply_all(text: str, edits: list[TextEdit]) -> str:
    """Apply edits that are all relative to `text` and do not overlap (LSP's TextEdit[]
    rule; `workspace.documents.apply_edits` is didChange's one-after-another rule)."""
    ordered = sorted(edits, key=lambda e: (e.start, e.end))
    for before, after in itertools.pairwise(ordered):
        if after.start < before.end:
            raise ValueError(f"overlapping edits at {before.start}..{before.end}")
    for edit in reversed(ordered):
        text = text[: edit.start] + edit.text + text[edit.end :]
    return text


def unified_diff(old: str, new: str, path: str, *, created: bool = False) -> str:
    """A git-style unified diff of `path` (`created`: a new file, from /dev/null)."""
    lines = difflib.unified_diff(
        old.splitlines(keepends=True),
        new.splitlines(keepends=True),
        fromfile="/dev/null" if created else f"a/{path}",
        tofile=f"b/{path}",
    )
    out = []
    for line in lines:
        out.append(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n")
    return "".join(out)
