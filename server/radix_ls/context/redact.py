"""Secrets out of prompts: the glue between prompt assembly and `radix_ls.secrets`.

Two calls in the completion pipeline: `redact_snippets` on other files' code before it is
placed in the prompt, and `redact_own` on the current file's windows once the prompt is built.
Both report where they took something out (`Redaction`: path, line, kind), which `radix-ls
context`, `complete --json` and `radixLs/context` show. Neither reorders nor moves anything,
and both depend only on the text, so consecutive prompts stay byte-identical where the text
is (prefix caching).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from radix_ls.context.budget import Snippet
from radix_ls.context.builder import BuiltContext
from radix_ls.engine.templates import PromptTemplate
from radix_ls.secrets import Redaction, SecretFilter, Span, apply

# What the rules read of the cursor line beyond what the prompt shows: a secret's length.
_MARGIN = 1024


def redact_snippets(
    snippets: Sequence[Snippet], secrets: SecretFilter
) -> tuple[list[Snippet], list[Redaction]]:
    """`snippets` with secrets taken out of their text, and where."""
    out: list[Snippet] = []
    found: list[Redaction] = []
    for s in snippets:
        text, where = secrets.text(s.text, s.path, s.start_line)
        out.append(dataclasses.replace(s, text=text) if where else s)
        found += where
    return out, found


def _split(line: str, spans: Sequence[Span], cut: int, end: int) -> tuple[str, str]:
    """`line[:end]` redacted and split at `cut` (the cursor). A secret across the cursor goes
    whole: the left part ends with the marker, the right one starts after the secret."""
    left = [(s, min(e, cut), k) for s, e, k in spans if s < cut]
    start = max((e for s, e, _ in spans if s < cut < e), default=cut)
    right = [(s - start, min(e, end) - start, k) for s, e, k in spans if start <= s < end]
    return apply(line[:cut], left), apply(line[start:end], right)


def redact_own(
    context: BuiltContext, template: PromptTemplate, secrets: SecretFilter
) -> tuple[BuiltContext, list[Redaction]]:
    """`context` with secrets taken out of the current file's windows (the prefix up to the
    cursor, the suffix, the text below it), the prompt rendered again if anything changed.

    The cursor line is checked across the cursor, so that a secret the cursor sits in is
    found: the part the prompt shows and a secret's length more (what follows the cursor can
    be a megabyte of minified code, and the rules cost time linear in what they read)."""
    parts = context.parts
    segments = {s.kind: s for s in context.segments}
    prefix = segments["file-prefix"]
    path, line = prefix.path, prefix.end_line
    *head, typed = parts.prefix.split("\n")
    near, newline, rest = parts.suffix.partition("\n")  # near: the cursor line after the cursor
    found: list[Redaction] = []
    new_head, where = secrets.text("\n".join(head), path, prefix.start_line)
    found += where if head else []
    checked = typed + context.cursor.line_suffix[: len(near) + _MARGIN]
    shown = len(typed) + len(near)
    spans = [span for span in secrets.spans(checked) if span[0] < shown]
    found += [Redaction(path, line, kind) for _, _, kind in spans]
    left, right = _split(checked, spans, len(typed), shown)
    new_prefix = f"{new_head}\n{left}" if head else left
    rest, where = secrets.text(rest, path, line + 1) if rest else (rest, [])
    found += where
    below = parts.below
    if below:
        below, where = secrets.text(below, path, segments["file-below"].start_line)
        found += where
    if not found:
        return context, []
    parts = dataclasses.replace(
        parts, prefix=new_prefix, suffix=right + newline + rest, below=below
    )
    return dataclasses.replace(context, prompt=template.render(parts), parts=parts), found
