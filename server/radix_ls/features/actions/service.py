"""Computing an action's edit: the prompt, the model's answer, and one retry.

The prompt is ordered most stable first, so a batch over one file reuses the cached prefix:
the system text, repository context (definitions the file uses), the file (or a window of
it anchored at fixed line blocks around the target), then the action's task. The engine's
own `generate` streams the answer (closing the stream aborts the model when the request is
cancelled); the action checks it and builds the edit. An answer that fails a check gets one
retry with the complaint; then the action fails with a message and no edit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from radix_ls.config import Settings
from radix_ls.context.builder import LineTokenCounter
from radix_ls.context.repo import RepoContext
from radix_ls.context.retrieval import as_files
from radix_ls.engine.base import Chunk, Engine, GenerationRequest, GenerationStats
from radix_ls.engine.queue import Priority
from radix_ls.engine.templates import instruct
from radix_ls.features.actions import base
from radix_ls.features.actions.registry import REGISTRY
from radix_ls.features.syntax import SyntaxDocument
from radix_ls.secrets import REDACTED, secret_filter
from radix_ls.workspace import paths
from radix_ls.workspace.documents import DocumentSnapshot

SYSTEM = (
    "You are a careful senior software engineer editing code in the user's editor. You "
    "change exactly what the task asks, keep everything else as it is, follow the file's "
    "style, and answer with code only unless the task says otherwise."
)
# Progress is reported every this many chunks of streamed text.
_PROGRESS_EVERY = 16

ProgressFn = Callable[[str], None]


@dataclass
class _Attempt:
    """What the tries so far left: their stats, and the last rejected answer and why."""

    stats: list[GenerationStats] = field(default_factory=list)
    complaint: str = ""
    previous: str = ""
    redacted: bool = False  # a secret was taken out of the prompt (radix_ls/secrets.py)


def apply_answer(
    doc: SyntaxDocument,
    snapshot: DocumentSnapshot,
    r: base.ActionRequest,
    answer: str,
    errors_before: int,
    root: Path | None,
    test_text: Callable[[Path], str | None] | None,
) -> base.ActionResult:
    """A model's answer to `r` as the action's edit (pure: no model). Raises Rejected when
    the answer fails a check, ActionFailed when the action cannot be done."""
    inp = base.ActionInput(doc, snapshot, r, root, errors_before, test_text)
    return REGISTRY[r.action].apply(inp, answer)


def check_redacted(action: str, answer: str, redacted: bool, text: str) -> None:
    """Refuse an answer that would write the redaction marker where the code has a secret:
    the model never saw the secret, so applying its answer would lose it."""
    if redacted and REDACTED in answer and REDACTED not in text:
        raise base.ActionFailed(
            f"{action}: the code holds a secret, which is never sent to the model (it was "
            f"redacted), and the answer would replace it with {REDACTED}; nothing was changed"
        )


def _reporter(progress: ProgressFn) -> Callable[[Chunk], None]:
    """A chunk callback that reports how much the model has written, now and then."""
    chunks = 0

    def on_chunk(chunk: Chunk) -> None:
        nonlocal chunks
        if chunk.stats is None and chunk.text:
            chunks += 1
            if chunks % _PROGRESS_EVERY == 0:
                progress(f"generating: {chunks} chunks")

    return on_chunk


class ActionService:
    """Runs actions on one engine under one set of settings."""

    def __init__(
        self,
        engine: Engine,
        settings: Settings,
        repo: RepoContext | None = None,
        *,
        priority: Priority = Priority.ACTION,
    ) -> None:
        self.engine = engine
        self.settings = settings
        self.repo = repo
        # in the engine's queue: an action the user waits for, or batch work (Priority.BATCH)
        self.priority = priority
        self._count = LineTokenCounter(engine.count_tokens)
        self._secrets = secret_filter(settings.secret_patterns)

    async def run(
        self,
        snapshot: DocumentSnapshot,
        request: base.ActionRequest,
        *,
        root: Path | None = None,
        progress: ProgressFn | None = None,
        test_text: Callable[[Path], str | None] | None = None,
        doc: SyntaxDocument | None = None,
    ) -> base.ActionResult:
        """Compute the action's edit. Raises ActionFailed with a message for the user.

        `test_text(path)`: an open editor's text of a file (newer than the disk), if any.
        `doc`: the snapshot already parsed (a batch runs many actions on one file).
        """
        if doc is None:
            doc = base.parse(snapshot)
        if doc is None:
            raise base.ActionFailed(f"no syntax support for {snapshot.language_id} documents")
        if not 0 <= request.start <= request.end <= len(snapshot.text):
            raise base.ActionFailed("the action's range is outside the document")
        action = REGISTRY.get(request.action)
        if action is None:
            raise base.ActionFailed(f"unknown action {request.action!r}")
        if snapshot.path is not None and root is not None:
            # a document outside the workspace (a uri with `..` too) or a symlink is not a
            # target; refused before the model runs
            base.confined(snapshot.path, root)
        inp = base.ActionInput(doc, snapshot, request, root, len(doc.errors()), test_text)
        task = action.task(inp)
        attempt = _Attempt()
        for number in (1, 2):
            answer = await self._generate(inp, task, attempt, progress)
            check_redacted(request.action, answer, attempt.redacted, snapshot.text)
            try:
                result = action.apply(inp, answer)
            except base.Rejected as rejected:
                attempt.complaint = str(rejected)
                attempt.previous = answer
                if progress:
                    progress(f"answer rejected ({rejected}); retrying")
                continue
            for change in result.changes:  # every file the edit touches, checked once more
                if change.path is not None:
                    base.confined(change.path, root, snapshot.path)
            return replace(result, stats=tuple(attempt.stats), attempts=number)
        raise base.ActionFailed(
            f"{request.action}: the model's answer was rejected twice, nothing was changed "
            f"(last: {attempt.complaint})"
        )

    async def _generate(
        self, inp: base.ActionInput, task: base.Task, attempt: _Attempt, progress: ProgressFn | None
    ) -> str:
        """One answer from the model (the retry's prompt says what was wrong last time)."""
        text = task.text
        if attempt.complaint:
            text += (
                f"\n\nYour previous answer was:\n```\n{attempt.previous[:2000]}\n```\n"
                f"It was rejected: {attempt.complaint}. Answer again, correctly."
            )
        user, found = self._secrets.text(self._context(inp, text) + text)
        attempt.redacted = attempt.redacted or bool(found)
        prompt = instruct(self.engine.model_family, SYSTEM, user, task.answer_start)
        request = GenerationRequest(
            prompt=prompt.prompt,
            max_tokens=self.settings.action_max_tokens,
            stop=prompt.stop + task.stop,
            temperature=self.settings.temperature,
            regex=task.regex,
            gbnf=task.gbnf,
            priority=self.priority,
        )
        result = await self.engine.generate(
            request, on_chunk=_reporter(progress) if progress else None
        )
        attempt.stats.append(result.stats)
        if result.stats.finish_reason == "cancelled":
            raise base.ActionFailed("cancelled")
        return result.text

    def _context(self, inp: base.ActionInput, task: str) -> str:
        """Repository context, then the file (or a window of it around the target)."""
        doc, snapshot, r = inp.doc, inp.snapshot, inp.request
        budget = self.settings.action_context_tokens - self._count.text(task) - 64
        text = snapshot.text
        lines = text.split("\n")
        first, last = doc.line_of(r.start), doc.line_of(r.end)
        lo, hi = window(lines, first, last, budget * 3 // 4, self._count.text)
        shown = "\n".join(lines[lo:hi])
        rel = paths.display(snapshot.path, inp.root, snapshot.display_path)
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
