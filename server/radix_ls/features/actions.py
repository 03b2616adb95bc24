"""Code actions: what is offered where (instant, no model), and computing an action's edit.

Listing (`offers`) only parses: tree-sitter finds the function, class, statements or local
name an action applies to. Computing (`ActionService.run`) builds an instruction prompt
(repository context, the file, then the task: most stable first, so a batch over one file
reuses the cached prefix), streams the model's answer, turns it into the rewritten region,
and checks it: the edited file must parse with no new syntax errors and still hold what the
action promised (the function, now async; a new function next to the old one...). A failed
check gets one retry with the parser's complaint; then the action fails with a message and
no edit. Edits are minimal: a line diff of the region, never the whole file.

Both the LSP handlers and `radix-ls batch` run actions through here.
"""

from __future__ import annotations

import keyword
import re
import textwrap
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from radix_ls.config import ACTION_IDS, Settings
from radix_ls.context.builder import LineTokenCounter
from radix_ls.context.repo import RepoContext
from radix_ls.context.retrieval import as_files
from radix_ls.engine.base import Engine, GenerationRequest, GenerationStats
from radix_ls.engine.templates import instruct
from radix_ls.features import edits as E
from radix_ls.features.syntax import Definition, SyntaxDocument, SyntaxUnavailable, language_of
from radix_ls.workspace.documents import DocumentSnapshot, TextEdit
from radix_ls.workspace.paths import display as relative_path

KINDS = {
    "fix": "quickfix",
    "docstring": "refactor.rewrite",
    "annotate": "refactor.rewrite",
    "tests": "source",
    "simplify": "refactor.rewrite",
    "rewrite": "refactor.rewrite",
    "extract-function": "refactor.extract",
    "rename-local": "refactor.rewrite",
    "to-async": "refactor.rewrite",
}
assert set(KINDS) == set(ACTION_IDS)

ANNOTATED_LANGUAGES = frozenset({"python", "typescript", "tsx"})
ASYNC_LANGUAGES = frozenset({"python", "javascript", "typescript", "tsx", "rust"})
TEST_LANGUAGES = frozenset({"python", "javascript", "typescript", "tsx", "go"})
_FENCE_LANG = {"tsx": "tsx", "cpp": "cpp", "c": "c"}
_DISPLAY = {
    "python": "Python",
    "javascript": "JavaScript",
    "typescript": "TypeScript",
    "tsx": "TypeScript (TSX)",
    "go": "Go",
    "rust": "Rust",
    "java": "Java",
    "c": "C",
    "cpp": "C++",
}
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,39}")
_MAX_DOC_LINES = 12
SYSTEM = (
    "You are a careful senior software engineer editing code in the user's editor. You "
    "change exactly what the task asks, keep everything else as it is, follow the file's "
    "style, and answer with code only unless the task says otherwise."
)


class ActionFailed(Exception):
    """An action could not produce a correct edit; the message says why (for the user)."""


@dataclass(frozen=True)
class Diagnostic:
    """A problem reported by another tool (linter, type checker), in string offsets."""

    start: int
    end: int
    message: str
    source: str = ""
    code: str = ""


@dataclass(frozen=True)
class ActionRequest:
    """What an action works on; everything `run` needs besides the document."""

    action: str
    start: int  # the target region (string offsets)
    end: int
    name: str = ""  # the function, class or local name the action is about
    instruction: str = ""  # for "rewrite"
    diagnostics: tuple[Diagnostic, ...] = ()

    def to_json(self) -> dict[str, object]:
        return {
            "action": self.action,
            "start": self.start,
            "end": self.end,
            "name": self.name,
            "instruction": self.instruction,
            "diagnostics": [
                {"start": d.start, "end": d.end, "message": d.message, "source": d.source,
                 "code": d.code}
                for d in self.diagnostics
            ],
        }  # fmt: skip

    @classmethod
    def from_json(cls, data: object) -> ActionRequest:
        if not isinstance(data, dict):
            raise ValueError("action data must be an object")
        action = data.get("action")
        if action not in ACTION_IDS:
            raise ValueError(f"unknown action {action!r} (known: {', '.join(ACTION_IDS)})")
        start, end = data.get("start"), data.get("end")
        if not isinstance(start, int) or not isinstance(end, int) or not 0 <= start <= end:
            raise ValueError("action data needs 0 <= start <= end (integers)")
        diagnostics = tuple(
            Diagnostic(int(d["start"]), int(d["end"]), str(d["message"]),
                       str(d.get("source") or ""), str(d.get("code") or ""))
            for d in data.get("diagnostics") or ()
        )  # fmt: skip
        return cls(
            action=str(action),
            start=start,
            end=end,
            name=str(data.get("name") or ""),
            instruction=str(data.get("instruction") or ""),
            diagnostics=diagnostics,
        )


@dataclass(frozen=True)
class Offer:
    """One action offered for a place in a document."""

    title: str
    kind: str
    request: ActionRequest
    # indices into the request's diagnostics list this action fixes (quickfix)
    fixes: tuple[int, ...] = ()


@dataclass(frozen=True)
class FileChange:
    """The edit of one file: `edits` (relative to `old_text`, non-overlapping) -> `new_text`."""

    path: Path | None  # None: the document the action ran on, when it has no path
    create: bool  # the file does not exist yet
    old_text: str
    new_text: str
    edits: tuple[TextEdit, ...]


@dataclass(frozen=True)
class ActionResult:
    title: str
    changes: tuple[FileChange, ...]
    stats: tuple[GenerationStats, ...]
    attempts: int
    summary: str = ""  # e.g. "renamed x -> total (4 places)"


# -- listing ---------------------------------------------------------------------------------


def parse(snapshot: DocumentSnapshot) -> SyntaxDocument | None:
    language = language_of(snapshot.language_id, snapshot.path)
    if language is None:
        return None
    try:
        return SyntaxDocument(snapshot.text, language)
    except SyntaxUnavailable:
        return None


def test_file_for(path: Path | None, language: str, root: Path | None) -> Path | None:
    """Where tests for code in `path` go: an existing test file if there is one, else the
    conventional new one (Python: tests/test_<module>.py when the workspace has tests/)."""
    if path is None or language not in TEST_LANGUAGES:
        return None
    stem, suffix = path.stem, path.suffix
    if language == "python":
        if stem.startswith("test_"):
            return None
        candidates = [path.with_name(f"test_{stem}.py")]
        if root is not None:
            candidates.insert(0, root / "tests" / f"test_{stem}.py")
        for candidate in candidates:
            if candidate.is_file():
                return candidate
        if root is not None and (root / "tests").is_dir():
            return candidates[0]
        return candidates[-1]
    if language == "go":
        return None if stem.endswith("_test") else path.with_name(f"{stem}_test.go")
    if stem.endswith((".test", ".spec")):
        return None
    return path.with_name(f"{stem}.test{suffix}")


def _has_annotations(doc: SyntaxDocument, d: Definition) -> bool:
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


def offers(
    snapshot: DocumentSnapshot,
    start: int,
    end: int,
    *,
    diagnostics: tuple[Diagnostic, ...] = (),
    enabled: tuple[str, ...] = ACTION_IDS,
    can_prompt: bool = False,
    can_create_files: bool = True,
    root: Path | None = None,
) -> list[Offer]:
    """The actions for the range start..end (a cursor when equal). Never calls the model.

    `can_prompt`: the client can ask the user for an instruction ("rewrite").
    """
    doc = parse(snapshot)
    if doc is None:
        return []
    out: list[Offer] = []
    selection = end > start and bool(snapshot.text[start:end].strip())
    function = doc.enclosing(start, end, "function")
    target = doc.enclosing(start, end)
    on = enabled.__contains__

    if on("fix") and diagnostics:
        touching = [
            i
            for i, d in enumerate(diagnostics)
            if d.start <= max(end, start + 1) and start <= max(d.end, d.start + 1)
        ]
        if touching:
            first = diagnostics[touching[0]]
            lo = min(diagnostics[i].start for i in touching)
            hi = max(diagnostics[i].end for i in touching)
            around = doc.enclosing(lo, hi, "function")
            span = (around.start, around.end) if around else doc.statements(lo, hi) or (lo, hi)
            label = first.message.splitlines()[0][:60] if first.message else "problem"
            more = f" (+{len(touching) - 1} more)" if len(touching) > 1 else ""
            out.append(
                Offer(
                    f"radix-ls: Fix: {label}{more}",
                    KINDS["fix"],
                    ActionRequest(
                        "fix",
                        *span,
                        name=around.name if around else "",
                        diagnostics=tuple(diagnostics[i] for i in touching),
                    ),
                    fixes=tuple(touching),
                )
            )
    if target is not None and on("docstring") and not _one_line_body(doc, target):
        verb = "Update" if target.docstring else "Add"
        out.append(
            Offer(
                f"radix-ls: {verb} docstring for {target.name}",
                KINDS["docstring"],
                ActionRequest("docstring", target.start, target.end, target.name),
            )
        )
    if (
        function is not None
        and on("annotate")
        and doc.language in ANNOTATED_LANGUAGES
        and not _has_annotations(doc, function)
    ):
        out.append(
            Offer(
                f"radix-ls: Add type annotations to {function.name}",
                KINDS["annotate"],
                ActionRequest("annotate", function.start, function.end, function.name),
            )
        )
    statements = doc.statements(start, end) if selection else None
    if (
        on("extract-function")
        and statements is not None
        and function is not None
        and function.body_start <= statements[0]
        and statements[1] <= function.body_end
    ):
        out.append(
            Offer(
                f"radix-ls: Extract function from {function.name}",
                KINDS["extract-function"],
                ActionRequest("extract-function", statements[0], statements[1], function.name),
            )
        )
    region = statements or ((function.start, function.end) if function else None)
    region_name = function.name if function else ""
    if region is not None and on("simplify"):
        what = "selection" if statements else region_name
        out.append(
            Offer(
                f"radix-ls: Simplify {what}",
                KINDS["simplify"],
                ActionRequest("simplify", *region, name=region_name),
            )
        )
    if region is not None and on("rewrite") and can_prompt:
        out.append(
            Offer(
                "radix-ls: Rewrite with instruction…",
                KINDS["rewrite"],
                ActionRequest("rewrite", *region, name=region_name),
            )
        )
    if function is not None and on("rename-local"):
        ident = doc.identifier_at(start)
        if ident is not None and ident[0] in doc.local_bindings(function):
            out.append(
                Offer(
                    f"radix-ls: Rename local {ident[0]} to a better name",
                    KINDS["rename-local"],
                    ActionRequest("rename-local", ident[1], ident[2], ident[0]),
                )
            )
    if (
        function is not None
        and on("to-async")
        and doc.language in ASYNC_LANGUAGES
        and not function.is_async
    ):
        out.append(
            Offer(
                f"radix-ls: Convert {function.name} to async",
                KINDS["to-async"],
                ActionRequest("to-async", function.start, function.end, function.name),
            )
        )
    if function is not None and on("tests") and not function.name.startswith("test"):
        tests = test_file_for(snapshot.path, doc.language, root)
        if tests is not None and (can_create_files or tests.is_file()):
            out.append(
                Offer(
                    f"radix-ls: Generate tests for {function.name}",
                    KINDS["tests"],
                    ActionRequest("tests", function.start, function.end, function.name),
                )
            )
    return out


def _one_line_body(doc: SyntaxDocument, d: Definition) -> bool:
    """A body on the definition's own line (`def f(): return 1`) has no room for a docstring
    without restructuring it; Python is the only language where that matters."""
    return doc.language == "python" and doc.line_of(d.body_start) == d.start_line


def batch_targets(doc: SyntaxDocument, action: str) -> list[ActionRequest]:
    """Every place `action` applies to in a whole file (for `radix-ls batch`): e.g. every
    function and class without a docstring. Non-overlapping, in document order."""
    defs = doc.definitions()
    functions = [d for d in defs if d.kind == "function"]
    picked: list[Definition]
    if action == "docstring":
        return [
            ActionRequest("docstring", d.start, d.end, d.name)
            for d in defs
            if d.docstring is None and not _one_line_body(doc, d)
        ]
    if action == "annotate":
        if doc.language not in ANNOTATED_LANGUAGES:
            return []
        picked = [d for d in functions if not _has_annotations(doc, d)]
    elif action == "to-async":
        if doc.language not in ASYNC_LANGUAGES:
            return []
        picked = [d for d in functions if not d.is_async]
    elif action == "tests":
        return [
            ActionRequest("tests", d.start, d.end, d.name)
            for d in functions
            if not d.name.startswith(("test", "_"))
        ]
    elif action in ("simplify", "rewrite"):
        picked = functions
    else:
        raise ActionFailed(
            f"{action} needs a place chosen in an editor (a selection, a diagnostic or a name);"
            " batch runs take docstring, annotate, tests, simplify, rewrite or to-async"
        )
    # Rewrites replace whole functions: keep the outermost of nested ones.
    out: list[Definition] = []
    for d in picked:
        if out and d.start < out[-1].end:
            continue
        out.append(d)
    return [ActionRequest(action, d.start, d.end, d.name) for d in out]


# -- computing -------------------------------------------------------------------------------


@dataclass
class _Attempt:
    stats: list[GenerationStats] = field(default_factory=list)
    complaint: str = ""
    previous: str = ""


ProgressFn = Callable[[str], None]


class ActionService:
    """Runs actions on one engine under one set of settings."""

    def __init__(self, engine: Engine, settings: Settings, repo: RepoContext | None = None) -> None:
        self.engine = engine
        self.settings = settings
        self.repo = repo
        self._count = LineTokenCounter(engine.count_tokens)

    async def run(
        self,
        snapshot: DocumentSnapshot,
        request: ActionRequest,
        *,
        root: Path | None = None,
        progress: ProgressFn | None = None,
        test_text: Callable[[Path], str | None] | None = None,
        doc: SyntaxDocument | None = None,
    ) -> ActionResult:
        """Compute the action's edit. Raises ActionFailed with a message for the user.

        `test_text(path)`: an open editor's text of a file (newer than the disk), if any.
        `doc`: the snapshot already parsed (a batch runs many actions on one file).
        """
        if doc is None:
            doc = parse(snapshot)
        if doc is None:
            raise ActionFailed(f"no syntax support for {snapshot.language_id} documents")
        if not 0 <= request.start <= request.end <= len(snapshot.text):
            raise ActionFailed("the action's range is outside the document")
        before = len(doc.errors())
        attempt = _Attempt()
        for number in (1, 2):
            answer = await self._generate(doc, snapshot, request, attempt, root, progress)
            try:
                result = apply_answer(doc, snapshot, request, answer, before, root, test_text)
            except _Rejected as rejected:
                attempt.complaint = str(rejected)
                attempt.previous = answer
                if progress:
                    progress(f"answer rejected ({rejected}); retrying")
                continue
            return replace(result, stats=tuple(attempt.stats), attempts=number)
        raise ActionFailed(
            f"{request.action}: the model's answer was rejected twice, nothing was changed "
            f"(last: {attempt.complaint})"
        )

    # prompt -> answer

    async def _generate(
        self,
        doc: SyntaxDocument,
        snapshot: DocumentSnapshot,
        request: ActionRequest,
        attempt: _Attempt,
        root: Path | None,
        progress: ProgressFn | None,
    ) -> str:
        task, answer_start, stop, regex, gbnf = self._task(doc, snapshot, request, root)
        if attempt.complaint:
            task += (
                f"\n\nYour previous answer was:\n```\n{attempt.previous[:2000]}\n```\n"
                f"It was rejected: {attempt.complaint}. Answer again, correctly."
            )
        user = self._context(doc, snapshot, request, root, task) + task
        prompt = instruct(self.engine.model_family, SYSTEM, user, answer_start)
        gen = GenerationRequest(
            prompt=prompt.prompt,
            max_tokens=self.settings.action_max_tokens,
            stop=prompt.stop + stop,
            temperature=self.settings.temperature,
            regex=regex,
            gbnf=gbnf,
        )
        parts: list[str] = []
        tokens = 0
        stream = self.engine.stream(gen)
        try:
            async for chunk in stream:
                parts.append(chunk.text)
                if chunk.stats is not None:
                    attempt.stats.append(chunk.stats)
                    if chunk.stats.finish_reason == "cancelled":
                        raise ActionFailed("cancelled")
                elif chunk.text:
                    tokens += 1
                    if progress and tokens % 16 == 0:
                        progress(f"generating: {tokens} chunks")
        finally:
            await stream.aclose()  # type: ignore[attr-defined]
        return "".join(parts)

    def _task(
        self, doc: SyntaxDocument, snapshot: DocumentSnapshot, r: ActionRequest, root: Path | None
    ) -> tuple[str, str, tuple[str, ...], str | None, str | None]:
        """(task text, answer start, extra stops, regex, gbnf) for the action."""
        lang = _DISPLAY.get(doc.language, doc.language)
        fence = "```" + _FENCE_LANG.get(doc.language, doc.language) + "\n"
        first, last = doc.line_of(r.start) + 1, doc.line_of(max(r.start, r.end - 1)) + 1
        region = doc.text[E.line_start(doc.text, r.start) : E.line_end(doc.text, r.end)]
        code_stop = ("\n```",)
        quoted = f"\n{fence}{region}\n```\n"
        what = f"`{r.name}`" if r.name else f"lines {first}-{last}"
        if r.action == "docstring":
            target = doc.enclosing(r.start, r.end)
            kind = target.kind if target else "function"
            return (
                f"Write a docstring for the {lang} {kind} {what} (lines {first}-{last} above)."
                " First line: a one-sentence summary. Then, if useful, a blank line and a short"
                " description of the parameters, return value and errors. Reply with the"
                " docstring's text only: no quotes, no comment markers, no code.",
                "",
                ("```", '"""', "\n\n\n"),
                None,
                None,
            )
        if r.action == "rename-local":
            return (
                f"In the {lang} code above, the local name `{r.name}` (line {first}) could be"
                " more descriptive. Suggest a better name for it, in the file's naming style."
                " Reply with the new name only.",
                "",
                ("\n", " ", "`"),
                _IDENTIFIER.pattern,
                "root ::= [A-Za-z_] [A-Za-z0-9_]{0,39}",
            )
        if r.action == "tests":
            path = test_file_for(snapshot.path, doc.language, root)
            name = path.name if path else "the test file"
            framework = {"python": "pytest", "go": "the testing package"}.get(
                doc.language, "the project's test framework (describe/it/expect)"
            )
            return (
                f"Write {framework} tests for {what} (lines {first}-{last} above):{quoted}"
                f"They go at the end of {name}. Cover normal cases and edge cases. Include the"
                " imports the tests need unless the file already has them. Reply with the test"
                " code only.",
                fence,
                code_stop,
                None,
                None,
            )
        tasks = {
            "fix": "Fix these problems in the code below, changing only what the fix needs:\n"
            + "\n".join(
                f"- line {doc.line_of(d.start) + 1}: {d.message}"
                + (f" [{d.source}{' ' + d.code if d.code else ''}]" if d.source else "")
                for d in r.diagnostics
            ),
            "annotate": f"Add type annotations to every parameter and the return type of {what}."
            " Change nothing else.",
            "simplify": f"Simplify {what} without changing what it does: remove redundancy and"
            " use clearer constructs. Keep names, signatures and comments that still apply.",
            "rewrite": f"Rewrite {what} as follows: {r.instruction}",
            "to-async": f"Convert {what} to an async function using async/await, keeping its"
            " name; change its body as needed.",
            "extract-function": f"Extract lines {first}-{last} of `{r.name}` into a new,"
            f" well-named function and call it from `{r.name}`. Reply with the new function"
            f" followed by the rewritten `{r.name}`, nothing else.",
        }
        if r.action == "extract-function":
            function = doc.enclosing(r.start, r.end, "function")
            if function is not None:
                region = doc.text[E.line_start(doc.text, function.start) : function.end]
                quoted = (
                    f"\nThe function:\n{fence}{region}\n```\nThe lines to extract:\n"
                    f"{fence}{doc.text[E.line_start(doc.text, r.start) : r.end]}\n```\n"
                )
        return (
            f"{tasks[r.action]}\n{quoted}Reply with the complete new code for exactly that part"
            " in one code block, nothing else.",
            fence,
            code_stop,
            None,
            None,
        )

    def _context(
        self,
        doc: SyntaxDocument,
        snapshot: DocumentSnapshot,
        r: ActionRequest,
        root: Path | None,
        task: str,
    ) -> str:
        """Repository context, then the file (or a window of it around the target)."""
        budget = self.settings.action_context_tokens - self._count.text(task) - 64
        text = snapshot.text
        lines = text.split("\n")
        first, last = doc.line_of(r.start), doc.line_of(r.end)
        lo, hi = window(lines, first, last, budget * 3 // 4, self._count.text)
        shown = "\n".join(lines[lo:hi])
        rel = relative_path(snapshot.path, root, snapshot.display_path)
        head = ""
        left = budget - self._count.text(shown)
        if self.repo is not None and snapshot.path is not None and left > 128:
            repo_rel = self.repo.relative(snapshot.path)
            if repo_rel is not None:
                snippets = self.repo.snippets(
                    repo_rel,
                    text,
                    self.repo.definitions_of(repo_rel, text),
                    first + 1,
                    budget=min(left, self.settings.action_context_tokens // 3),
                    count=self._count.text,
                    window=(lo + 1, hi),
                )
                for path, body in as_files(snippets):
                    head += f"From {path}:\n```\n{body}\n```\n"
        span = f" (lines {lo + 1}-{hi})" if (lo, hi) != (0, len(lines)) else ""
        return f"{head}File {rel}{span}:\n```\n{shown}\n```\n\n"


def window(
    lines: list[str], first: int, last: int, budget: int, count: Callable[[str], int]
) -> tuple[int, int]:
    """The lines [lo, hi) of a file to show for a target on lines first..last (0-based):
    the whole file if it fits `budget` tokens, else the widest window of fixed blocks around
    the target that fits, so that nearby targets (a batch over one file) get the same window
    and share the cached prompt prefix. The target itself is always shown, even when it alone
    is over the budget."""
    if count("\n".join(lines)) <= budget:
        return 0, len(lines)
    for step in (1000, 500, 200, 100, 50, 25):
        # the block of `step` lines the target starts in, with one block before and after
        # (more after when the target is long): every target starting in the same block
        # gets the very same window
        block = first // step
        lo = max(0, (block - 1) * step)
        hi = min(len(lines), max(block + 2, -(-(last + 1) // step) + 1) * step)
        if count("\n".join(lines[lo:hi])) <= budget:
            return lo, hi
    return first, last + 1


# -- answer -> edit (pure: no model) --------------------------------------------------------


def apply_answer(
    doc: SyntaxDocument,
    snapshot: DocumentSnapshot,
    r: ActionRequest,
    answer: str,
    errors_before: int,
    root: Path | None,
    test_text: Callable[[Path], str | None] | None,
) -> ActionResult:
    if r.action == "docstring":
        return _docstring(doc, snapshot, r, answer, errors_before)
    if r.action == "rename-local":
        return _rename(doc, snapshot, r, answer, errors_before)
    if r.action == "tests":
        return _tests(doc, snapshot, r, answer, root, test_text)
    return _rewrite(doc, snapshot, r, answer, errors_before)


def _change(snapshot: DocumentSnapshot, new_text: str, base_edits: list[TextEdit]) -> FileChange:
    return FileChange(
        path=snapshot.path,
        create=False,
        old_text=snapshot.text,
        new_text=new_text,
        edits=tuple(base_edits),
    )


def _rewrite(
    doc: SyntaxDocument,
    snapshot: DocumentSnapshot,
    r: ActionRequest,
    answer: str,
    errors_before: int,
) -> ActionResult:
    text = snapshot.text
    span = (r.start, r.end)
    if r.action == "extract-function":
        function = doc.enclosing(r.start, r.end, "function")
        if function is None:
            raise ActionFailed("the selection is no longer inside a function")
        span = (function.start, function.end)
    start = E.line_start(text, span[0])
    end = E.line_end(text, span[1])
    old_region = text[start:end]
    code = E.extract_code(answer)
    if not code.strip():
        raise _Rejected("the answer held no code")
    newline = "\r\n" if "\r\n" in old_region else "\n"
    new_region = E.fit_indent(code, E.indentation_at(text, span[0]), newline)
    if new_region == old_region:
        raise ActionFailed(f"{r.action}: the model proposed no change")
    new_text = text[:start] + new_region + text[end:]
    after = _check_parse(new_text, doc.language, errors_before)
    region_end = start + len(new_region)
    found = [d for d in after.definitions() if start <= d.start and d.end <= region_end]
    functions = [d for d in found if d.kind == "function"]
    if r.action == "extract-function" and len(functions) < 2:
        raise _Rejected("the answer must hold the new function and the rewritten one")
    whole = any(
        d.kind == "function" and (d.start, d.end) == (r.start, r.end) for d in doc.definitions()
    )
    if (
        r.action in ("annotate", "to-async", "simplify")
        and whole
        and not any(d.name == r.name for d in found)
    ):
        raise _Rejected(f"the answer no longer defines `{r.name}`")
    if r.action == "to-async" and not any(d.name == r.name and d.is_async for d in functions):
        raise _Rejected(f"`{r.name}` is still not async")
    edits = E.minimal_edits(old_region, new_region, base=start)
    return ActionResult(r.action, (_change(snapshot, new_text, edits),), (), 0)


def _docstring(
    doc: SyntaxDocument,
    snapshot: DocumentSnapshot,
    r: ActionRequest,
    answer: str,
    errors_before: int,
) -> ActionResult:
    target = next(
        (d for d in doc.definitions() if (d.start, d.end) == (r.start, r.end)),
        doc.enclosing(r.start, r.end),
    )
    if target is None:
        raise ActionFailed("the definition is no longer there")
    body = _doc_text(answer)
    if not body:
        raise _Rejected("the answer held no docstring text")
    text = snapshot.text
    newline = "\r\n" if "\r\n" in text else "\n"
    if doc.language == "python":
        first_statement = target.docstring[0] if target.docstring else target.body_start
        indent = E.indentation_at(text, first_statement)
        rendered = _python_docstring(body, indent, newline)
        if target.docstring:
            start, end = E.line_start(text, target.docstring[0]), target.docstring[1]
            replacement = rendered
        else:
            start = end = E.line_start(text, target.body_start)
            replacement = rendered + newline
    else:
        indent = E.indentation_at(text, target.outer_start)
        rendered = _comment_docstring(body, doc.language, target.name, indent, newline)
        if target.docstring:
            start, end = E.line_start(text, target.docstring[0]), target.docstring[1]
            replacement = rendered
        else:
            start = end = E.line_start(text, target.outer_start)
            replacement = rendered + newline
    new_text = text[:start] + replacement + text[end:]
    _check_parse(new_text, doc.language, errors_before)
    old_region = text[start : E.line_end(text, end)]
    new_region = new_text[start : E.line_end(new_text, start + len(replacement))]
    edits = E.minimal_edits(old_region, new_region, base=start)
    return ActionResult("docstring", (_change(snapshot, new_text, edits),), (), 0)


def _rename(
    doc: SyntaxDocument,
    snapshot: DocumentSnapshot,
    r: ActionRequest,
    answer: str,
    errors_before: int,
) -> ActionResult:
    function = doc.enclosing(r.start, r.end, "function")
    if function is None or doc.text[r.start : r.end] != r.name:
        raise ActionFailed(f"`{r.name}` is no longer at the action's place")
    new = answer.strip().strip("`").strip()
    if not _IDENTIFIER.fullmatch(new):
        raise _Rejected(f"{new[:40]!r} is not a valid name")
    if new == r.name:
        raise ActionFailed(f"rename-local: the model kept the name `{r.name}`")
    if doc.language == "python" and (keyword.iskeyword(new) or new in ("self", "cls")):
        raise _Rejected(f"`{new}` is a reserved word")
    taken = doc.identifiers_in(function.start, function.end) | {d.name for d in doc.definitions()}
    if new in taken:
        raise _Rejected(f"`{new}` is already used in this scope")
    places = doc.occurrences(function, r.name)
    edits = [TextEdit(s, e, new) for s, e in places]
    new_text = E.apply_all(snapshot.text, edits)
    _check_parse(new_text, doc.language, errors_before)
    return ActionResult(
        "rename-local",
        (_change(snapshot, new_text, edits),),
        (),
        0,
        summary=f"renamed {r.name} -> {new} ({len(places)} places)",
    )


def _tests(
    doc: SyntaxDocument,
    snapshot: DocumentSnapshot,
    r: ActionRequest,
    answer: str,
    root: Path | None,
    test_text: Callable[[Path], str | None] | None,
) -> ActionResult:
    path = test_file_for(snapshot.path, doc.language, root)
    if path is None:
        raise ActionFailed("tests: no test file location for this document")
    code = E.extract_code(answer)
    if not code.strip():
        raise _Rejected("the answer held no test code")
    existing = test_text(path) if test_text else None
    if existing is None and path.is_file():
        try:
            existing = path.read_text("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ActionFailed(f"cannot read {path}: {exc}") from exc
    old = existing or ""
    sep = (
        ""
        if not old
        else ("\n" if old.endswith("\n\n") else "\n\n" if old.endswith("\n") else "\n\n\n")
    )
    new_text = old + sep + E.fit_indent(code, "") + "\n"
    language = language_of("", path) or doc.language
    before = len(SyntaxDocument(old, language).errors()) if old else 0
    _check_parse(new_text, language, before)
    change = FileChange(
        path=path,
        create=existing is None,
        old_text=old,
        new_text=new_text,
        edits=(TextEdit(len(old), len(old), new_text[len(old) :]),),
    )
    return ActionResult("tests", (change,), (), 0, summary=f"tests added to {path.name}")


class _Rejected(Exception):
    """The answer failed a check; the message goes back to the model on the retry."""


def _check_parse(text: str, language: str, errors_before: int) -> SyntaxDocument:
    after = SyntaxDocument(text, language)
    errors = after.errors()
    if len(errors) > errors_before:
        raise _Rejected(f"the edited file does not parse: {errors[0].describe()}")
    return after


_DOC_MARKERS = re.compile(r'^\s*(?:"""|\'\'\'|/\*\*|/\*|\*/|///|//|#|\*(?!\*))\s?')


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
