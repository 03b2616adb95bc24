"""The rewrite family: actions whose answer is new code for a region of the document (fix,
annotate, simplify, rewrite, to-async, extract-function).

They share the prompt's shape (the task, the region quoted, then "reply with the complete new
code") and the check of the answer: the code is re-indented to where it goes, the edited file
must parse with no new errors, and the region must still define what the action promised (the
function, by its name; now async; a new function next to the old one). Each action says when
it is offered, what it asks, which region it replaces and what it checks on top.
"""

from __future__ import annotations

import abc
import re

from radix_ls.features import edits as E
from radix_ls.features.actions import base
from radix_ls.features.syntax import Definition, SyntaxDocument


def _functions(doc: SyntaxDocument) -> list[Definition]:
    return [d for d in doc.definitions() if d.kind == "function"]


def _outermost(action: base.Action, picked: list[Definition]) -> list[base.ActionRequest]:
    """`action`'s requests for the picked definitions; rewrites replace whole functions, so of
    nested ones only the outermost is kept."""
    out: list[Definition] = []
    for d in picked:
        if out and d.start < out[-1].end:
            continue
        out.append(d)
    return [action.about(d) for d in out]


def has_annotations(doc: SyntaxDocument, d: Definition) -> bool:
    """Whether every parameter and the return type are annotated (Python, TypeScript)."""
    header = doc.text[d.start : d.body_start]
    inner = header[header.find("(") + 1 : header.rfind(")")]
    params = [
        p.strip()
        for p in re.split(r",(?![^\[\(\{<]*[\]\)\}>])", inner)
        if p.strip() and p.strip() not in ("self", "cls", "*", "/")
    ]
    typed = all(":" in p.split("=")[0] for p in params)
    if doc.language == "python":
        return typed and "->" in header[header.rfind(")") :]
    return typed and ":" in header[header.rfind(")") :]


class RewriteAction(base.Action):
    """An action whose answer replaces the whole lines of a region with new code."""

    kind = "refactor.rewrite"
    #: a rewrite of a whole function must still define a function of the same name
    keeps_name = False

    #: the task's first sentence(s): {what} names the target ("`name`" or its lines),
    #: {first} and {last} are its lines, {name} the request's name, {instruction} the user's
    prompt: str

    def instruction(self, inp: base.ActionInput) -> str:
        first, last = inp.lines
        r = inp.request
        return self.prompt.format(
            what=inp.what, first=first, last=last, name=r.name, instruction=r.instruction
        )

    def quote(self, inp: base.ActionInput) -> str:
        """The code the task is about, as the prompt shows it after the instruction."""
        return inp.quoted

    def task(self, inp: base.ActionInput) -> base.Task:
        return base.Task(
            f"{self.instruction(inp)}\n{self.quote(inp)}Reply with the complete new code for"
            " exactly that part in one code block, nothing else.",
            inp.fence,
            base.CODE_STOP,
        )

    def span(self, inp: base.ActionInput) -> tuple[int, int]:
        """The region the answer replaces (its whole lines)."""
        return inp.request.start, inp.request.end

    def check(self, inp: base.ActionInput, found: list[Definition]) -> None:
        """Raise Rejected if the new region (whose definitions are `found`) breaks a promise."""
        r = inp.request
        whole = any(
            d.kind == "function" and (d.start, d.end) == (r.start, r.end)
            for d in inp.doc.definitions()
        )
        if self.keeps_name and whole and not any(d.name == r.name for d in found):
            raise base.Rejected(f"the answer no longer defines `{r.name}`")

    def apply(self, inp: base.ActionInput, answer: str) -> base.ActionResult:
        text = inp.snapshot.text
        span = self.span(inp)
        start = E.line_start(text, span[0])
        end = E.line_end(text, span[1])
        old_region = text[start:end]
        code = E.extract_code(answer)
        if not code.strip():
            raise base.Rejected("the answer held no code")
        newline = "\r\n" if "\r\n" in old_region else "\n"
        new_region = E.fit_indent(code, E.indentation_at(text, span[0]), newline)
        if new_region == old_region:
            raise base.ActionFailed(f"{self.id}: the model proposed no change")
        new_text = text[:start] + new_region + text[end:]
        after = base.check_parse(new_text, inp.doc.language, inp.errors_before)
        region_end = start + len(new_region)
        found = [d for d in after.definitions() if start <= d.start and d.end <= region_end]
        self.check(inp, found)
        edits = E.minimal_edits(old_region, new_region, base=start)
        return base.ActionResult(self.id, (base.change(inp.snapshot, new_text, edits),), (), 0)


class Fix(RewriteAction):
    """Fix the problems other tools reported (the diagnostics at the cursor)."""

    id = "fix"
    kind = "quickfix"

    def offer(self, place: base.Place) -> base.Offer | None:
        diagnostics, start, end = place.diagnostics, place.start, place.end
        touching = [
            i
            for i, d in enumerate(diagnostics)
            if d.start <= max(end, start + 1) and start <= max(d.end, d.start + 1)
        ]
        if not touching:
            return None
        doc = place.doc
        first = diagnostics[touching[0]]
        lo = min(diagnostics[i].start for i in touching)
        hi = max(diagnostics[i].end for i in touching)
        around = doc.enclosing(lo, hi, "function")
        span = (around.start, around.end) if around else doc.statements(lo, hi) or (lo, hi)
        label = first.message.splitlines()[0][:60] if first.message else "problem"
        more = f" (+{len(touching) - 1} more)" if len(touching) > 1 else ""
        request = base.ActionRequest(
            self.id,
            *span,
            name=around.name if around else "",
            diagnostics=tuple(diagnostics[i] for i in touching),
        )
        title = f"radix-ls: Fix: {label}{more}"
        return base.Offer(title, self.kind, request, fixes=tuple(touching))

    def instruction(self, inp: base.ActionInput) -> str:
        return "Fix these problems in the code below, changing only what the fix needs:\n" + (
            "\n".join(
                f"- line {inp.doc.line_of(d.start) + 1}: {d.message}"
                + (f" [{d.source}{' ' + d.code if d.code else ''}]" if d.source else "")
                for d in inp.request.diagnostics
            )
        )


class FunctionRewrite(RewriteAction):
    """A rewrite of the whole function around the cursor, offered (and run by a batch) only
    where the function `needs` it."""

    keeps_name = True
    #: the offer's title; {name} is the function's
    title: str

    @abc.abstractmethod
    def needs(self, doc: SyntaxDocument, function: Definition) -> bool:
        """Whether the action has something to do on `function`."""

    def offer(self, place: base.Place) -> base.Offer | None:
        function = place.function
        if function is None or not self.needs(place.doc, function):
            return None
        return self.offered(self.title.format(name=function.name), self.about(function))

    def targets(self, doc: SyntaxDocument) -> list[base.ActionRequest] | None:
        if not self.applies_to(doc.language):
            return []
        return _outermost(self, [d for d in _functions(doc) if self.needs(doc, d)])


class Annotate(FunctionRewrite):
    """Add type annotations to a function's parameters and return type."""

    id = "annotate"
    languages = frozenset({"python", "typescript", "tsx"})
    title = "radix-ls: Add type annotations to {name}"

    def needs(self, doc: SyntaxDocument, function: Definition) -> bool:
        return not has_annotations(doc, function)

    prompt = (
        "Add type annotations to every parameter and the return type of {what}."
        " Change nothing else."
    )


class ExtractFunction(RewriteAction):
    """Move the selected statements into a new function called from where they were."""

    id = "extract-function"
    kind = "refactor.extract"

    def offer(self, place: base.Place) -> base.Offer | None:
        statements, function = place.statements, place.function
        if (
            statements is None
            or function is None
            or not function.body_start <= statements[0]
            or not statements[1] <= function.body_end
        ):
            return None
        title = f"radix-ls: Extract function from {function.name}"
        return self.offered(title, base.ActionRequest(self.id, *statements, function.name))

    prompt = (
        "Extract lines {first}-{last} of `{name}` into a new, well-named function and call it"
        " from `{name}`. Reply with the new function followed by the rewritten `{name}`,"
        " nothing else."
    )

    def quote(self, inp: base.ActionInput) -> str:
        r, text = inp.request, inp.doc.text
        function = inp.doc.enclosing(r.start, r.end, "function")
        if function is None:
            return inp.quoted
        region = text[E.line_start(text, function.start) : function.end]
        lines = text[E.line_start(text, r.start) : r.end]
        return (
            f"\nThe function:\n{inp.fence}{region}\n```\nThe lines to extract:\n"
            f"{inp.fence}{lines}\n```\n"
        )

    def span(self, inp: base.ActionInput) -> tuple[int, int]:
        # the answer is the new function and the rewritten old one: it replaces the old one
        r = inp.request
        function = inp.doc.enclosing(r.start, r.end, "function")
        if function is None:
            raise base.ActionFailed("the selection is no longer inside a function")
        return function.start, function.end

    def check(self, inp: base.ActionInput, found: list[Definition]) -> None:
        if len([d for d in found if d.kind == "function"]) < 2:
            raise base.Rejected("the answer must hold the new function and the rewritten one")


class Simplify(RewriteAction):
    """Simplify the selected statements, or the function around the cursor."""

    id = "simplify"
    keeps_name = True

    def offer(self, place: base.Place) -> base.Offer | None:
        if place.region is None:
            return None
        what = "selection" if place.statements else place.region_name
        request = base.ActionRequest(self.id, *place.region, place.region_name)
        return self.offered(f"radix-ls: Simplify {what}", request)

    def targets(self, doc: SyntaxDocument) -> list[base.ActionRequest] | None:
        return _outermost(self, _functions(doc))

    prompt = (
        "Simplify {what} without changing what it does: remove redundancy and use clearer"
        " constructs. Keep names, signatures and comments that still apply."
    )


class Rewrite(RewriteAction):
    """Rewrite the region as the user's instruction says (the client asks for it)."""

    id = "rewrite"

    def offer(self, place: base.Place) -> base.Offer | None:
        if place.region is None or not place.can_prompt:
            return None
        request = base.ActionRequest(self.id, *place.region, place.region_name)
        return self.offered("radix-ls: Rewrite with instruction…", request)

    def targets(self, doc: SyntaxDocument) -> list[base.ActionRequest] | None:
        return _outermost(self, _functions(doc))

    prompt = "Rewrite {what} as follows: {instruction}"


class ToAsync(FunctionRewrite):
    """Make a function async (async/await), keeping its name."""

    id = "to-async"
    languages = frozenset({"python", "javascript", "typescript", "tsx", "rust"})
    title = "radix-ls: Convert {name} to async"

    def needs(self, doc: SyntaxDocument, function: Definition) -> bool:
        return not function.is_async

    prompt = (
        "Convert {what} to an async function using async/await, keeping its name; change its"
        " body as needed."
    )

    def check(self, inp: base.ActionInput, found: list[Definition]) -> None:
        super().check(inp, found)
        name = inp.request.name
        if not any(d.kind == "function" and d.name == name and d.is_async for d in found):
            raise base.Rejected(f"`{name}` is still not async")
