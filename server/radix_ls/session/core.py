"""`Session`: one workspace served by one engine, the same for the language server and the CLI.

It owns the settings, the open documents (each version parsed once, incrementally), the engine
and index lifecycles, and the services built on them, and exposes what the front ends ask for:
`complete`, `offers` (listing code actions), `run_action`, `context` and `status`. Requests
are cancellable (cancelling the calling task aborts the model), answers for a document version
that has since changed are dropped, and long work reports through `Events`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from radix_ls.config import Settings, resolve
from radix_ls.engine.base import Engine, EngineError
from radix_ls.session.engine import EngineHost
from radix_ls.session.events import Events, LogEvents, SessionError
from radix_ls.session.index import IndexHost
from radix_ls.session.typing import Running, Suggestion, TypingState, rest_of
from radix_ls.workspace.documents import (
    MAX_DOCUMENT_CHARS,
    DocumentSnapshot,
    DocumentStore,
    TextEdit,
)

if TYPE_CHECKING:
    # imported where used: `radix-ls index` never loads the completion and action code
    from radix_ls.features.actions import (
        ActionRequest,
        ActionResult,
        ActionService,
        Diagnostic,
        Offer,
    )
    from radix_ls.features.completion import Completion, CompletionPlan, CompletionService

log = logging.getLogger("radix_ls")


@dataclass(frozen=True)
class ContextView:
    """What the model would see for a cursor: the plan, its token count and the template."""

    plan: CompletionPlan
    tokens: int
    template: str
    model: str
    layout: str  # the promptLayout in use


class Session:
    """Server state shared by the front end's handlers. Mutated only on the event loop."""

    def __init__(
        self,
        root: Path | None = None,
        settings: Settings | None = None,
        events: Events | None = None,
    ) -> None:
        self.root = root
        self.settings = settings or Settings()
        # initializationOptions (or the command line) resolved; later settings layer over them
        self.base_settings = self.settings
        self.events: Events = events or LogEvents()
        self.documents = DocumentStore(root)
        self.engine_host = EngineHost(self.events, self._services_changed)
        self.index_host = IndexHost(self.events, self.documents, self._services_changed)
        self.completions: CompletionService | None = None
        self.actions: ActionService | None = None
        self._inflight: dict[str, set[asyncio.Future[Any]]] = {}
        # completion requests, and how they were answered (radixLs/status; the typing bench)
        self.counters = {"requests": 0, "modelCalls": 0, "typedThrough": 0, "joined": 0}
        self._too_large: set[str] = set()
        self.typing = TypingState()

    # -- lifecycle ---------------------------------------------------------------------------

    @property
    def engine(self) -> Engine | None:
        return self.engine_host.engine

    def set_root(self, root: Path | None) -> None:
        self.root = root
        self.documents.root = root

    def apply_settings(self, raw: Any) -> list[str]:
        """Resolve client settings over `base_settings`; invalid entries are reported (and
        returned) and replaced by their defaults. Reloads the engine or index if needed."""
        resolved = resolve(raw, base=self.base_settings)
        for error in resolved.errors:
            log.warning("settings: %s", error)
        if resolved.errors:
            self.events.show(
                "warning",
                "radix-ls: invalid settings, using defaults for them: "
                + "; ".join(resolved.errors),
            )
        self.settings = resolved.settings
        logging.getLogger("radix_ls").setLevel(self.settings.log_level.upper())
        if self.engine_host.started:
            if self.engine_host.key != self.settings.engine_key():
                self.engine_host.start(self.settings)
            else:
                self._services_changed()
        if self.index_host.started and self.index_host.key != self.settings.index_key():
            self.index_host.start(self.settings, self.root)
        return list(resolved.errors)

    def start(self) -> None:
        """Load the engine and build the index in the background (the server)."""
        self.engine_host.start(self.settings)
        self.index_host.start(self.settings, self.root)

    async def load_engine(self, *, tokenizer_only: bool = False) -> Engine:
        """Load the engine and wait for it (a CLI command); raises EngineError."""
        return await self.engine_host.load(self.settings, tokenizer_only=tokenizer_only)

    async def open_index(self, *, similar: bool = True) -> Any:
        """Open and refresh the persisted index now (a CLI command); the refresh's stats."""
        if self.root is None:
            raise SessionError("no workspace folder to index")
        return await self.index_host.open(self.settings, self.root, similar=similar)

    async def close(self) -> None:
        await self.engine_host.stop()
        await self.index_host.stop()

    def _services_changed(self) -> None:
        from radix_ls.features.actions import ActionService
        from radix_ls.features.completion import CompletionService

        engine, repo = self.engine, self.index_host.repo
        if engine is None:
            self.completions = self.actions = None
            return
        self.completions = CompletionService(engine, self.settings, repo)
        self.actions = ActionService(engine, self.settings, repo)
        if self.engine_host.status.state != "ready":
            return
        log.info("engine ready: %s, model %s, template %s", engine.name, engine.model_name,
                 self.completions.template.name)  # fmt: skip

    # -- documents ---------------------------------------------------------------------------

    def open_document(self, snapshot: DocumentSnapshot) -> DocumentSnapshot:
        self.typing.closed(snapshot.uri)  # opened again: nothing earlier applies
        return self.documents.open(snapshot)

    def edit_document(
        self, uri: str, version: int, edits: list[TextEdit], text: str | None = None
    ) -> DocumentSnapshot:
        """Apply didChange's edits (`text`: their result, if the caller has it already).
        Code actions on the older text are aborted; a completion generation too, unless the
        edit only typed at its cursor what it may still answer (session/typing.py)."""
        self.cancel_inflight(uri)
        snapshot = self.documents.edit(uri, version, edits, text)
        self.typing.edited(uri, snapshot.text)
        return snapshot

    def close_document(self, uri: str) -> None:
        self.cancel_inflight(uri)
        self.typing.closed(uri)
        snapshot = self.documents.find(uri)
        in_repo = snapshot is not None and self.documents.relative(snapshot) is not None
        parsed = self.documents.parsed(uri) is not None
        self.documents.close(uri)
        repo = self.index_host.repo
        if repo is not None and in_repo and parsed:
            repo.invalidate()  # the disk copy is what counts again

    def open_file(self, path: Path, text: str) -> DocumentSnapshot:
        """A file read from disk as an open document (the CLI's single document)."""
        from radix_ls.index.languages import editor_language_id

        resolved = path.resolve()
        snapshot = DocumentSnapshot(resolved.as_uri(), 0, editor_language_id(path), text, resolved)
        return self.documents.open(snapshot)

    def cancel_inflight(self, uri: str) -> None:
        """Abort the code actions running on `uri`: the document changed, their edits would
        not apply (completions follow the rules in session/typing.py)."""
        for future in self._inflight.pop(uri, set()):
            future.cancel()

    @contextlib.contextmanager
    def _tracked(self, uri: str, job: asyncio.Future[Any]) -> Iterator[None]:
        jobs = self._inflight.setdefault(uri, set())
        jobs.add(job)
        try:
            yield
        finally:
            jobs.discard(job)

    def is_current(self, snapshot: DocumentSnapshot) -> bool:
        current = self.documents.find(snapshot.uri)
        return current is not None and current.version == snapshot.version

    # -- requests ----------------------------------------------------------------------------

    async def engine_ready(self, title: str) -> None:
        """Wait for a loading engine (an explicit request), with cancellable progress;
        SessionError with the reason if there is none to wait for (EngineHost.ready)."""
        if self.engine_host.engine is None:
            await self.engine_host.ready(title)

    async def complete(
        self, snapshot: DocumentSnapshot, offset: int, *, wait: bool = False
    ) -> Completion | None:
        """Run the completion pipeline; None when there is no engine or the answer is stale.
        `wait`: an explicit request, which waits for a loading engine (`engine_ready`);
        if the load fails, or no engine is loading, the answer is None.

        Text typed through the last suggestion is answered with the rest of it, and a request
        whose prefix only extends a running generation's joins it (session/typing.py): no
        new model call for either. Cancelling the calling task ($/cancelRequest) aborts the
        generation unless text was typed at its cursor since (a later request may join it);
        an edit that does not fit it aborts it too, and then the answer is None. Engine
        failures raise SessionError.
        """
        if wait and self.completions is None:
            # no engine after all: no completion (the engine's error state says why)
            with contextlib.suppress(SessionError):
                await self.engine_ready("radix-ls: completion")
        service = self.completions
        if service is None:
            return None
        self.counters["requests"] += 1
        uri, text = snapshot.uri, snapshot.text
        if len(text) > MAX_DOCUMENT_CHARS:
            if uri not in self._too_large:
                self._too_large.add(uri)
                log.warning("%s has %d characters, over the %d limit: no completions for it",
                            uri, len(text), MAX_DOCUMENT_CHARS)  # fmt: skip
            return None
        from radix_ls.features.completion import Completion

        before, after = text[:offset], text[offset:]
        rest = self.typing.continuation(uri, before, after)
        if rest is not None:
            self.counters["typedThrough"] += 1
            return Completion.without_model(rest, "typed-through")
        running = self.typing.joinable(uri, before, after)
        if running is not None:
            joined = await self._join(snapshot, running, before)
            if joined is not None:
                return joined
        result = await self._generate(service, snapshot, offset, before, after)
        if result is None or not self.is_current(snapshot):
            log.debug("completion for %s v%d is stale", uri, snapshot.version)
            return None
        log.debug("completion %s", result.stats.to_json())
        return result

    async def _join(
        self, snapshot: DocumentSnapshot, running: Running, before: str
    ) -> Completion | None:
        """Wait for the running generation and answer with what is left after the text typed
        since it started; None if it cannot answer this request."""
        try:
            result = await asyncio.shield(running.job)
        except (asyncio.CancelledError, EngineError):
            task = asyncio.current_task()
            if task is not None and task.cancelling():
                raise
            return None  # it was aborted (or failed): a new generation will answer
        typed = before[len(running.before) :]
        # asked again at its very place (the first request was cancelled): the same question
        rest = result.text if not typed else rest_of(result.text, typed)
        if rest is None or not self.is_current(snapshot):
            return None
        self.counters["joined"] += 1
        from radix_ls.features.completion import Completion

        return Completion.without_model(rest, "joined")

    async def _generate(
        self,
        service: CompletionService,
        snapshot: DocumentSnapshot,
        offset: int,
        before: str,
        after: str,
    ) -> Completion | None:
        uri = snapshot.uri
        self.typing.abort(uri)  # one generation per document
        running = Running(before, after, asyncio.Future())
        job = asyncio.ensure_future(
            service.complete(snapshot, offset, self.root, watch=running.watch)
        )
        running.job = job
        self.typing.running[uri] = running
        self.counters["modelCalls"] += 1
        job.add_done_callback(lambda _job: self._finished(uri, running))
        try:
            return await asyncio.shield(job)
        except asyncio.CancelledError:
            task = asyncio.current_task()
            if task is None or not task.cancelling():
                log.debug("completion for %s v%d dropped: document changed", uri,
                          snapshot.version)  # fmt: skip
                return None  # aborted by an edit, not by the client
            current = self.documents.find(uri)
            if current is None or current.text == before + after:
                self.typing.abort(uri)  # cancelled with nothing typed: the user dismissed it
            raise
        except EngineError as exc:
            log.error("completion failed: %s", exc)
            raise SessionError(f"radix-ls engine error: {exc}") from exc

    def _finished(self, uri: str, running: Running) -> None:
        """A generation ended: keep its answer as the document's suggestion."""
        if self.typing.running.get(uri) is running:
            del self.typing.running[uri]
        job = running.job
        if job.cancelled() or job.exception() is not None:
            return
        text = job.result().text
        if text is not None and uri in self.documents:
            self.typing.suggestions[uri] = Suggestion(running.before, running.after, text)

    def offers(
        self,
        snapshot: DocumentSnapshot,
        start: int,
        end: int,
        *,
        diagnostics: tuple[Diagnostic, ...] = (),
        can_prompt: bool = False,
        can_create_files: bool = False,
    ) -> list[Offer]:
        """The code actions that apply to a range (tree-sitter only: the model never runs)."""
        from radix_ls.features.actions import offers

        return offers(
            snapshot,
            start,
            end,
            diagnostics=diagnostics,
            enabled=self.settings.code_actions,
            can_prompt=can_prompt,
            can_create_files=can_create_files,
            root=self.root,
        )

    async def run_action(
        self, snapshot: DocumentSnapshot, request: ActionRequest, title: str
    ) -> ActionResult:
        """Compute a code action's edit, with progress (cancellable from the front end's
        progress display) and cancellation on the calling task's cancel or an edit of the
        document. Failures are shown to the user and raised as SessionError."""
        from radix_ls.features.actions import ActionFailed

        await self.engine_ready(title)
        service = self.actions
        if service is None:
            raise SessionError("radix-ls: the model went away; try again")
        why: list[str] = []  # who cancelled, when it was not the calling task's cancel
        job: asyncio.Future[ActionResult] | None = None

        def cancel() -> None:
            why.append("by the user")
            if job is not None:
                job.cancel()

        progress = await self.events.begin(title, cancel=cancel)
        job = asyncio.ensure_future(
            service.run(
                snapshot,
                request,
                root=self.root,
                progress=progress.report,
                test_text=lambda path: (
                    doc.text if (doc := self.documents.find(path.as_uri())) else None
                ),
            )
        )
        with self._tracked(snapshot.uri, job):
            try:
                result = await job
            except asyncio.CancelledError:
                task = asyncio.current_task()
                if task is not None and task.cancelling():
                    raise  # the caller's cancel ($/cancelRequest)
                reason = why[0] if why else "the document changed"
                raise SessionError(f"{title}: cancelled ({reason})") from None
            except (ActionFailed, EngineError) as exc:
                engine_fault = isinstance(exc, EngineError)
                log.log(logging.ERROR if engine_fault else logging.WARNING, "%s: %s: %s", title,
                        "engine error" if engine_fault else "failed", exc)  # fmt: skip
                self.events.show("error", f"{title} failed: {exc}")
                reply = (
                    f"radix-ls engine error: {exc}" if engine_fault else f"{title} failed: {exc}"
                )
                raise SessionError(reply) from exc
            finally:
                progress.end()
        if not self.is_current(snapshot):
            raise SessionError(f"{title}: the document changed while it ran; try again")
        log.info("%s: done in %d attempt(s)%s", title, result.attempts,
                 f" ({result.summary})" if result.summary else "")  # fmt: skip
        return result

    def context(
        self, snapshot: DocumentSnapshot, offset: int, budget: int | None = None
    ) -> ContextView | None:
        """What the model would see for a cursor (with a prompt budget of `budget` tokens
        instead of the settings' when given); None while there is no engine to count tokens
        with. SessionError when `budget` does not fit the engine's context window."""
        service, engine = self.completions, self.engine
        if service is None or engine is None:
            return None
        # the window it runs with, or (llama.cpp) what the model was trained for, if smaller
        windows = [
            w for w in (engine.context_window, getattr(engine, "trained_context", None)) if w
        ]
        window = min(windows, default=None)
        if budget is not None and window is not None and budget + self.settings.max_tokens > window:
            raise SessionError(
                f"a budget of {budget} tokens does not fit the engine's context window: "
                f"{window} tokens, less maxTokens ({self.settings.max_tokens}) for the answer"
            )
        plan = service.plan(snapshot, offset, self.root, commit=False, context_tokens=budget)
        tokens = engine.count_tokens(plan.request.prompt)
        layout = self.settings.prompt_layout if service.template.uses_suffix else "prefix-only"
        return ContextView(plan, tokens, service.template.name, engine.model_name, layout)

    async def batch(self, options: Any) -> Any:
        """`radix-ls batch`: one code action over many files (`batch.runner`), on this
        session's engine and index; the engine must be loaded."""
        from radix_ls.batch.runner import run_batch

        if self.engine is None:
            raise SessionError("the engine is not loaded")
        return await run_batch(
            self.engine,
            self.settings,
            options,
            repo=self.index_host.repo,
            journal_dir=self.settings.resolved_cache_dir / "batch",
        )

    def status(self) -> dict[str, Any]:
        """The engine's and the index's state, the last request's stats and the settings."""
        from radix_ls.config import to_wire

        engine = self.engine
        return {
            "state": self.engine_host.status.state,
            "detail": self.engine_host.status.detail,
            "engine": engine.name if engine else None,
            "model": engine.model_name if engine else None,
            "template": self.completions.template.name if self.completions else None,
            "activeGenerations": engine.active_generations if engine else 0,
            "queue": engine.queue.to_json() if engine else None,
            "openDocuments": len(self.documents),
            "completions": dict(self.counters),
            "index": {
                "state": self.index_host.status.state,
                "detail": self.index_host.status.detail,
            },
            "lastCompletion": (
                engine.last_stats.to_json() if engine and engine.last_stats else None
            ),
            "settings": to_wire(self.settings),
        }
