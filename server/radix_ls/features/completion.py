"""The completion pipeline: snapshot + cursor -> context -> engine -> post-processed text.

The LSP handlers and the `radix-ls complete` command both run `CompletionService.complete`, so
what the CLI prints is what an editor would show.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from radix_ls.config import Settings, context_tokens_for
from radix_ls.context.budget import Snippet
from radix_ls.context.builder import (
    BuiltContext,
    CursorText,
    LineTokenCounter,
    Segment,
    build,
    cursor_line,
    shown_lines,
    with_files,
)
from radix_ls.context.redact import redact_own, redact_snippets
from radix_ls.context.repo import RepoContext
from radix_ls.context.retrieval import as_files, names_near
from radix_ls.context.sticky import FIRST_SHARE, StickySnippets, region_start
from radix_ls.engine.base import Engine, GenerationRequest, GenerationStats, new_request_id
from radix_ls.engine.queue import Priority
from radix_ls.engine.templates import PromptTemplate, choose_template
from radix_ls.features import postprocess
from radix_ls.secrets import Redaction, secret_filter
from radix_ls.workspace import paths
from radix_ls.workspace.documents import DocumentSnapshot


@dataclass(frozen=True)
class CompletionPlan:
    """Everything sent to the engine for one completion."""

    request: GenerationRequest
    context: BuiltContext
    mode: str  # "line" | "block"
    max_lines: int
    # where secrets were taken out of the prompt (radix_ls/secrets.py): other files, then this one
    redactions: tuple[Redaction, ...] = ()


@dataclass(frozen=True)
class Completion:
    text: str | None  # None: nothing worth showing
    raw: str
    stats: GenerationStats
    plan: CompletionPlan | None  # None for an answer that needed no model call

    @classmethod
    def without_model(cls, text: str, how: str) -> Completion:
        """An answer made without a model call (`how`: "typed-through" or "joined")."""
        stats = GenerationStats(new_request_id(), 0, 0, 0, None, 0.0, how)
        return cls(text, text, stats, None)


def _is_done(cursor: CursorText, max_lines: int, chat: bool, text: str) -> bool:
    if chat:
        text = postprocess.unwrap_chat(text, cursor)
    return postprocess.cut(text, cursor, max_lines).done


class CompletionService:
    """Completions from one engine under one set of settings."""

    def __init__(self, engine: Engine, settings: Settings, repo: RepoContext | None = None) -> None:
        self.engine = engine
        self.settings = settings
        self.repo = repo
        self.template: PromptTemplate = choose_template(
            settings.prompt_template, engine.model_name, engine.has_token
        )
        # the prompt budget sized to the engine (config.ENGINE_CONTEXT_TOKENS)
        self.context_tokens = context_tokens_for(settings, engine.name, engine.context_window)
        self._counter = LineTokenCounter(engine.count_tokens)
        self._secrets = secret_filter(settings.secret_patterns)
        self._sticky = StickySnippets()
        # each document's prefix window start in its last prompt (kept while it fits)
        self._window_starts: dict[str, int] = {}

    def _snippets(
        self,
        snapshot: DocumentSnapshot,
        rel: str,
        context: BuiltContext,
        budget: int,
        commit: bool,
    ) -> list[Snippet]:
        """Other files' code for the prompt: retrieval's choice, kept in place while the
        cursor stays in its region (context/sticky.py)."""
        assert self.repo is not None
        line = cursor_line(context)
        definitions = self.repo.definitions_of(rel, snapshot.text)
        fresh = self.repo.snippets(
            rel,
            snapshot.text,
            definitions,
            line,
            budget=int(budget * FIRST_SHARE),
            count=self._counter,
            window=shown_lines(context),
        )
        typed = self.repo.typed(
            rel,
            snapshot.text,
            definitions,
            line,
            context.cursor.line_prefix,
            budget=budget - int(budget * FIRST_SHARE),
            count=self._counter,
        )
        lines = snapshot.text.split("\n")
        region = region_start(definitions, lines, line)
        needed = set(names_near(lines, line))
        around = frozenset(
            d.qualified_name for d in definitions if d.start_line < line <= d.end_line
        )
        return self._sticky.choose(
            rel,
            region,
            fresh,
            needed,
            budget,
            self._counter,
            commit=commit,
            typed=typed,
            line=line,
            enclosing=around,
        )

    def plan(
        self,
        snapshot: DocumentSnapshot,
        offset: int,
        workspace_root: Path | None = None,
        *,
        commit: bool = True,
        context_tokens: int | None = None,
    ) -> CompletionPlan:
        """The prompt and generation request for a cursor. `commit=False` previews it
        (`radix-ls context`, radixLs/context) without moving the sticky snippets.
        `context_tokens`: a budget for this prompt instead of the service's."""
        snapshot = snapshot.for_model()
        s = self.settings
        budget = context_tokens or self.context_tokens
        path = paths.display(snapshot.path, workspace_root, snapshot.display_path)
        repo_name = workspace_root.name if workspace_root else ""
        rel = self.repo.relative(snapshot.path) if self.repo and snapshot.path else None
        repo_budget = int(budget * s.repo_context_share) if rel is not None else 0
        context = build(
            snapshot,
            offset,
            template=self.template,
            context_tokens=budget - repo_budget,
            suffix_tokens=s.suffix_tokens,
            count=self._counter,
            path=path,
            repo_name=repo_name,
            layout=s.prompt_layout,
            window_start=self._window_starts.get(snapshot.uri),
        )
        if commit:
            if len(self._window_starts) >= 256:
                self._window_starts.clear()
            prefix = next(x for x in context.segments if x.kind == "file-prefix")
            self._window_starts[snapshot.uri] = prefix.start_line - 1
        if rel is not None and repo_budget:  # repoContextShare 0: no cross-file context
            repo_budget += _spare(budget - repo_budget, context.segments)
        redacted: list[Redaction] = []
        if self.repo is not None and rel is not None and repo_budget:
            snippets = self._snippets(snapshot, rel, context, repo_budget, commit)
            snippets, redacted = redact_snippets(snippets, self._secrets)
            segments = tuple(
                Segment(x.kind, x.path, x.start_line, x.end_line, x.tokens, x.reason)
                for x in snippets
            )
            context = with_files(context, self.template, as_files(snippets), segments)
        context, own = redact_own(context, self.template, self._secrets)
        mode = postprocess.mode_for(context.cursor)
        stop = self.template.stop + (("\n",) if mode == "line" else ())
        request = GenerationRequest(
            prompt=context.prompt,
            max_tokens=s.max_tokens,
            stop=stop,
            temperature=s.temperature,
            priority=Priority.COMPLETION,  # ahead of code actions and batch work
            # Stop as soon as post-processing has its answer: the rest would be thrown away.
            stop_check=functools.partial(
                _is_done, context.cursor, s.max_lines, self.template.mode == "chat"
            ),
        )
        return CompletionPlan(request, context, mode, s.max_lines, (*redacted, *own))

    async def complete(
        self,
        snapshot: DocumentSnapshot,
        offset: int,
        workspace_root: Path | None = None,
        *,
        watch: Callable[[str], bool] | None = None,
    ) -> Completion:
        """Generate and post-process a completion. `watch(raw_text_so_far)`, called after
        each token on the engine's thread, ends the generation early when it returns True."""
        plan = self.plan(snapshot, offset, workspace_root)
        request = plan.request
        if watch is not None:
            done = request.stop_check
            request = dataclasses.replace(
                request, stop_check=lambda text: watch(text) or bool(done and done(text))
            )
        result = await self.engine.generate(request)
        raw = (
            postprocess.unwrap_chat(result.text, plan.context.cursor)
            if (self.template.mode == "chat")
            else result.text
        )
        text = postprocess.finish(raw, plan.context.cursor, plan.max_lines)
        return Completion(text, result.text, result.stats, plan)


# What the current file leaves of its share goes to other files' code, in SPARE_STEP steps so
# that it changes only now and then while the file grows, SPARE_MARGIN kept back for the
# template and file headers. A new budget does not reshuffle the pinned snippets (sticky.py:
# only a new region chooses afresh), so the steps can be small: 512-token steps left up to
# half of a 1,024-token budget unused (the typing replay's cost did not change with 128).
SPARE_STEP = 128
SPARE_MARGIN = 128


def _spare(file_budget: int, segments: tuple[Segment, ...]) -> int:
    """The tokens of the current file's share (`file_budget`) that its windows leave unused."""
    used = sum(x.tokens for x in segments)
    return max(0, (file_budget - used - SPARE_MARGIN) // SPARE_STEP * SPARE_STEP)
