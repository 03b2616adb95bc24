"""The docstring action: write or update the docstring (or doc comment) of a function or class.

The model writes only the text; radix-ls formats it in the language's style (a Python
docstring with its quotes escaped, `///` in Rust, `// Name ...` in Go, `/** */` elsewhere),
so even a weak model's answer becomes a well-formed edit.
"""

from __future__ import annotations

import re
import textwrap

from radix_ls.features import edits as E
from radix_ls.features.actions import base
from radix_ls.features.syntax import Definition, SyntaxDocument

_MAX_DOC_LINES = 12
_DOC_MARKERS = re.compile(r'^\s*(?:"""|\'\'\'|/\*\*|/\*|\*/|///|//|#|\*(?!\*))\s?')


def _one_line_body(doc: SyntaxDocument, d: Definition) -> bool:
    """A body on the definition's own line (`def f(): return 1`) has no room for a docstring
    without restructuring it; Python is the only language where that matters."""
    return doc.language == "python" and doc.line_of(d.body_start) == d.start_line


class Docstring(base.Action):
    """Add or update the docstring of the function or class around the cursor."""

    id = "docstring"
    kind = "refactor.rewrite"

    def offer(self, place: base.Place) -> base.Offer | None:
        target = place.target
        if target is None or _one_line_body(place.doc, target):
            return None
        verb = "Update" if target.docstring else "Add"
        title = f"radix-ls: {verb} docstring for {target.name}"
        return self.offered(title, self.about(target))

    def targets(self, doc: SyntaxDocument) -> list[base.ActionRequest] | None:
        wanted = [
            d for d in doc.definitions() if d.docstring is None and not _one_line_body(doc, d)
        ]
        return [self.about(d) for d in wanted]

    def task(self, inp: base.ActionInput) -> base.Task:
        r = inp.request
        target = inp.doc.enclosing(r.start, r.end)
        kind = target.kind if target else "function"
        first, last = inp.lines
        return base.Task(
            f"Write a docstring for the {inp.language_name} {kind} {inp.what} (lines"
            f" {first}-{last} above). First line: a one-sentence summary. Then, if useful, a"
            " blank line and a short description of the parameters, return value and errors."
            " Reply with the docstring's text only: no quotes, no comment markers, no code.",
            stop=("```", '"""', "\n\n\n"),
        )

    def apply(self, inp: base.ActionInput, answer: str) -> base.ActionResult:
        doc, r = inp.doc, inp.request
        target = next(
            (d for d in doc.definitions() if (d.start, d.end) == (r.start, r.end)),
            doc.enclosing(r.start, r.end),
        )
        if target is None:
            raise base.ActionFailed("the definition is no longer there")
        body = _doc_text(answer)
        if not body:
            raise base.Rejected("the answer held no docstring text")
        text = inp.snapshot.text
        newline = "\r\n" if "\r\n" in text else "\n"
        if doc.language == "python":
            # a Python docstring is the body's first statement, indented like it
            anchor = target.body_start
            indent = E.indentation_at(text, target.docstring[0] if target.docstring else anchor)
            rendered = _python_docstring(body, indent, newline)
        else:
            # a doc comment goes above the whole declaration (`export`, `const f =` ...)
            anchor = target.outer_start
            indent = E.indentation_at(text, anchor)
            rendered = _comment_docstring(body, doc.language, target.name, indent, newline)
        if target.docstring:
            start, end = E.line_start(text, target.docstring[0]), target.docstring[1]
            replacement = rendered
        else:
            start = end = E.line_start(text, anchor)
            replacement = rendered + newline
        new_text = text[:start] + replacement + text[end:]
        base.check_parse(new_text, doc.language, inp.errors_before)
        old_region = text[start : E.line_end(text, end)]
        new_region = new_text[start : E.line_end(new_text, start + len(replacement))]
        edits = E.minimal_edits(old_region, new_region, base=start)
        return base.ActionResult(self.id, (base.change(inp.snapshot, new_text, edits),), (), 0)


def _doc_text(answer: str) -> list[str]:
    """The docstring's lines from an answer, with quotes and comment markers removed."""
    text = answer.replace("\r\n", "\n").strip()
    text = re.sub(r"^```[^\n]*\n?|```$", "", text).strip()
    lines = []
    for line in text.split("\n"):
        line = _DOC_MARKERS.sub("", line.rstrip()).replace("*/", "* /")
        line = line.replace('"""', "'''").rstrip("\\")
        line = "".join(ch for ch in line if ch == "\t" or ch >= " ").rstrip()
        if line or (lines and lines[-1]):  # one blank line between paragraphs at most
            lines.append(line)
    while lines and not lines[-1].strip():
        lines.pop()
    while lines and not lines[0].strip():
        lines.pop(0)
    return lines[:_MAX_DOC_LINES]


def _wrap(lines: list[str], width: int) -> list[str]:
    """Long lines wrapped to `width` (the model's own short lines and blank lines kept)."""
    out: list[str] = []
    for line in lines:
        if len(line) <= width:
            out.append(line)
            continue
        lead = line[: len(line) - len(line.lstrip())]
        out.extend(textwrap.wrap(line, width, initial_indent="", subsequent_indent=lead))
    out = out[:_MAX_DOC_LINES]
    while out and not out[-1].strip():
        out.pop()
    return out


def _python_docstring(lines: list[str], indent: str, newline: str) -> str:
    lines = _wrap(lines, max(40, 88 - len(indent) - 3))
    prefix = "r" if any("\\" in line for line in lines) else ""
    if lines[-1].endswith('"'):
        lines[-1] += " "  # a quote right before the closing quotes would end the string early
    if len(lines) == 1:
        return f'{indent}{prefix}"""{lines[0].strip()}"""'
    body = newline.join((indent + line) if line.strip() else "" for line in lines[1:])
    return f'{indent}{prefix}"""{lines[0].strip()}{newline}{body}{newline}{indent}"""'


def _comment_docstring(lines: list[str], language: str, name: str, indent: str, nl: str) -> str:
    lines = _wrap(lines, max(40, 96 - len(indent) - 4))
    if language == "rust":
        return nl.join(f"{indent}///" + (f" {line}" if line else "") for line in lines)
    if language == "go":
        first = (
            lines[0]
            if lines[0].split(" ")[0] == name  # Go doc comments start with the name
            else f"{name} {lines[0][:1].lower()}{lines[0][1:]}"
        )
        return nl.join(f"{indent}//" + (f" {line}" if line else "") for line in [first, *lines[1:]])
    body = nl.join(f"{indent} *" + (f" {line}" if line else "") for line in lines)
    return f"{indent}/**{nl}{body}{nl}{indent} */"
