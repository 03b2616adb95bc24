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

from radix_ls.context.builder import BuiltContext
from radix_ls.context.retrieval import Snippet
from radix_ls.engine.templates import PromptTemplate
from radix_ls.secrets import Redaction, SecretFilter, Span, apply


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


def _split(line: str, spans: Sequence[Span], cut: int) -> tuple[str, str]:
    """`line` redacted and split at `cut` (the cursor). A secret across the cursor goes whole:
    the left part ends with the marker, the right one starts after the secret."""
    left = [(s, min(e, cut), k) for s, e, k in spans if s < cut]
    right_start = max((e for s, e, _ in spans if s < cut < e), default=cut)
    right = [(s - right_start, e - right_start, k) for s, e, k in spans if s >= right_start]
    return apply(line[:cut], left), apply(line[right_start:], right)


def redact_own(
    context: BuiltContext, template: PromptTemplate, secrets: SecretFilter
) -> tuple[BuiltContext, list[Redaction]]:
    """`context` with secrets taken out of the current file's windows (the prefix up to the
    cursor, the suffix, the text below it), the prompt rendered again if anything changed.

    The cursor line is checked whole (the text before the cursor and after it), so that a
    secret the cursor sits in is found."""
    parts = context.parts
    segments = {s.kind: s for s in context.segments}
    prefix = segments["file-prefix"]
    path, line = prefix.path, prefix.end_line
    *head, typed = parts.prefix.split("\n")
    found: list[Redaction] = []
    new_head, where = secrets.text("\n".join(head), path, prefix.start_line)
    found += where if head else []
    spans = secrets.spans(typed + context.cursor.line_suffix)
    found += [Redaction(path, line, kind) for _, _, kind in spans]
    left, right = _split(typed + context.cursor.line_suffix, spans, len(typed))
    new_prefix = f"{new_head}\n{left}" if head else left

    suffix = parts.suffix
    if suffix.startswith(context.cursor.line_suffix) and suffix:
        rest = suffix[len(context.cursor.line_suffix) :]
        rest_text, where = secrets.text(rest, path, line)
        suffix = right + rest_text
        found += where
    elif suffix:
        suffix, where = secrets.text(suffix, path, line)
        found += where
    below = parts.below
    if below:
        below, where = secrets.text(below, path, segments["file-below"].start_line)
        found += where
    if not found:
        return context, []
    parts = dataclasses.replace(parts, prefix=new_prefix, suffix=suffix, below=below)
    return dataclasses.replace(context, prompt=template.render(parts), parts=parts), found
