"""The radix-ls language server: pygls wiring, server state and the shared request helpers.

Handlers live one per LSP method under `lsp/handlers/`; this module holds what they share: the
document store, the settings, the engine's lifecycle (loaded off the event loop, reported with
work-done progress) and the completion runner (cancellation on `$/cancelRequest` and on edits
to the same document, stale-version checks).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import uuid
from collections.abc import Generator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.exceptions import (
    FeatureNotificationError,
    JsonRpcException,
    JsonRpcInvalidParams,
    JsonRpcInvalidRequest,
    JsonRpcParseError,
)
from pygls.lsp.server import LanguageServer
from pygls.protocol import LanguageServerProtocol
from pygls.protocol.language_server import lsp_method
from pygls.uris import to_fs_path

from radix_ls import __version__
from radix_ls.config import Settings, resolve
from radix_ls.context.repo import RepoContext
from radix_ls.engine.base import Engine, EngineError
from radix_ls.engine.factory import load_engine
from radix_ls.features.actions import ActionFailed, ActionRequest, ActionResult, ActionService
from radix_ls.features.completion import Completion, CompletionService
from radix_ls.lsp import convert
from radix_ls.workspace.documents import DocumentError, DocumentSnapshot, DocumentStore

log = logging.getLogger("radix_ls")

# Completions skip documents larger than this (minified bundles, generated data): building
# context for them on every keystroke would cost more than it could help.
MAX_DOCUMENT_CHARS = 4 * 1024 * 1024


class RequestFailed(JsonRpcException):
    """LSP's RequestFailed: the request was valid but the server could not do it."""

    CODE = -32803
    MESSAGE = "Request failed"


class _Rejected:
    """Stands in for a message that could not be decoded and was already answered."""

    jsonrpc = "rejected"


class RadixProtocol(LanguageServerProtocol):
    """pygls' protocol with radix-ls' choices where the defaults do not fit.

    - Position encoding: prefer UTF-8 whenever the client offers it, else UTF-16.
    - Text sync: radix-ls keeps its own document store (lsp/handlers/did_*.py), so pygls'
      workspace copy of every document is not maintained (it would apply each edit twice).
    - Requests whose params do not decode get an InvalidParams error response instead of
      being dropped silently.
    """

    @lsp_method(types.INITIALIZE)
    def lsp_initialize(
        self, params: types.InitializeParams
    ) -> Generator[Any, Any, types.InitializeResult]:
        general = params.capabilities.general
        if general is not None and general.position_encodings:
            offered = list(general.position_encodings)
            preferred = [
                e
                for e in (types.PositionEncodingKind.Utf8, types.PositionEncodingKind.Utf16)
                if e in offered
            ]
            general.position_encodings = preferred or [types.PositionEncodingKind.Utf16]
        return (yield from super().lsp_initialize(params))

    def _user_handler(self, method: str, params: Any) -> Generator[Any, Any, None]:
        if (handler := self.fm.features.get(method)) is not None:
            yield handler, (params,), None

    @lsp_method(types.TEXT_DOCUMENT_DID_OPEN)
    def lsp_text_document__did_open(
        self, params: types.DidOpenTextDocumentParams
    ) -> Generator[Any, Any, None]:
        yield from self._user_handler(types.TEXT_DOCUMENT_DID_OPEN, params)

    @lsp_method(types.TEXT_DOCUMENT_DID_CHANGE)
    def lsp_text_document__did_change(
        self, params: types.DidChangeTextDocumentParams
    ) -> Generator[Any, Any, None]:
        yield from self._user_handler(types.TEXT_DOCUMENT_DID_CHANGE, params)

    @lsp_method(types.TEXT_DOCUMENT_DID_CLOSE)
    def lsp_text_document__did_close(
        self, params: types.DidCloseTextDocumentParams
    ) -> Generator[Any, Any, None]:
        yield from self._user_handler(types.TEXT_DOCUMENT_DID_CLOSE, params)

    def structure_message(self, data: dict[str, Any]) -> Any:
        try:
            return super().structure_message(data)
        except JsonRpcException as exc:
            method = data.get("method", "?")
            if "id" in data and "method" in data:
                cause = exc.__cause__ or exc
                self._send_response(
                    data["id"],
                    error=JsonRpcInvalidParams(
                        f"invalid params for {method}: {str(cause).splitlines()[0]}"
                    ).to_response_error(),
                )
            log.warning("rejected malformed %s message", method)
            return _Rejected()

    def handle_message(self, message: Any) -> None:
        if isinstance(message, _Rejected):
            return
        if not hasattr(message, "jsonrpc"):
            # Valid JSON that is no JSON-RPC object at all (e.g. a bare list or number).
            self._send_response(
                None, error=JsonRpcInvalidRequest("not a JSON-RPC message").to_response_error()
            )
            return
        super().handle_message(message)


@dataclass
class ServiceStatus:
    state: str = "starting"  # starting | loading | ready | error | stopped
    detail: str = ""


class RadixServer(LanguageServer):
    """Server state shared by the handlers. Mutated only on the event loop."""

    def __init__(self) -> None:
        super().__init__("radix-ls", __version__, protocol_cls=RadixProtocol)
        self.settings = Settings()
        # initializationOptions resolved; workspace/configuration is layered over these
        self.base_settings = Settings()
        self.documents = DocumentStore()
        self.workspace_root: Path | None = None
        self.engine: Engine | None = None
        self.completions: CompletionService | None = None
        self.actions: ActionService | None = None
        self.engine_status = ServiceStatus()
        self.supports_configuration = False
        self.supports_progress = False
        # what the client can do with code actions (initialize)
        self.supports_action_resolve = False
        self.supports_document_changes = False
        self.supports_create_files = False
        self.supports_rewrite_prompt = False
        self._inflight: dict[str, set[asyncio.Future[Any]]] = {}
        self._engine_task: asyncio.Task[None] | None = None
        self._engine_generation = 0
        self._engine_key: tuple[Any, ...] | None = None
        self._index_key: tuple[Any, ...] | None = None
        self._too_large: set[str] = set()
        # workspace index (None until started; absent without a workspace folder)
        self.repo: RepoContext | None = None
        self.index_status = ServiceStatus("off", "")
        self._index_task: asyncio.Task[None] | None = None
        self._watcher: Any = None

    # -- errors ------------------------------------------------------------------------------

    def report_server_error(self, error: Exception, source: type[Exception]) -> None:
        if isinstance(error, json.JSONDecodeError):
            log.warning("could not parse a message as JSON: %s", error)
            self.protocol._send_response(
                None, error=JsonRpcParseError(f"parse error: {error}").to_response_error()
            )
            return
        log.error("%s", error)
        if source is FeatureNotificationError:
            # A notification has no response to carry the error: tell the user.
            self.show_message(f"radix-ls: {error}", types.MessageType.Error)

    # -- messages to the user ----------------------------------------------------------------

    def attach_client_logging(self) -> None:
        """Mirror radix-ls' log records to the client's log (window/logMessage)."""
        from radix_ls.lsp.log_bridge import ClientLogHandler

        logger = logging.getLogger("radix_ls")
        if not any(isinstance(h, ClientLogHandler) for h in logger.handlers):
            logger.addHandler(ClientLogHandler(self, asyncio.get_event_loop()))

    def show_message(self, message: str, kind: types.MessageType) -> None:
        self.window_show_message(types.ShowMessageParams(type=kind, message=message))

    # -- settings ----------------------------------------------------------------------------

    def apply_settings(self, raw: Any) -> None:
        """Resolve client settings over `base_settings` (from initializationOptions); invalid
        entries are reported and replaced by their defaults."""
        resolved = resolve(raw, base=self.base_settings)
        for error in resolved.errors:
            log.warning("settings: %s", error)
        if resolved.errors:
            self.show_message(
                "radix-ls: invalid settings, using defaults for them: "
                + "; ".join(resolved.errors),
                types.MessageType.Warning,
            )
        self.settings = resolved.settings
        logging.getLogger("radix_ls").setLevel(self.settings.log_level.upper())
        if self._engine_task is None:
            return  # not started yet: `initialized` starts it with these settings
        if self._engine_key != self.settings.engine_key():
            self.start_engine()
        elif self.engine is not None:
            self.rebuild_service()
        if self._index_task is not None and self._index_key != self.settings.index_key():
            self.start_index()

    async def pull_configuration(self) -> Any:
        """The `radix-ls` section from `workspace/configuration`, or None."""
        if not self.supports_configuration:
            return None
        try:
            result = await self.workspace_configuration_async(
                types.ConfigurationParams(items=[types.ConfigurationItem(section="radix-ls")])
            )
        except Exception as exc:
            log.warning("workspace/configuration failed: %s", exc)
            return None
        return result[0] if result else None

    # -- engine lifecycle --------------------------------------------------------------------

    def start_engine(self) -> None:
        """(Re)load the engine in the background; completions answer empty until it is ready.

        A load still running is not cancelled (its thread cannot be): it sees it was
        superseded when it finishes and closes what it loaded.
        """
        self._engine_generation += 1
        self._engine_key = self.settings.engine_key()
        self._engine_task = asyncio.ensure_future(self._load_engine(self._engine_generation))

    async def _load_engine(self, generation: int) -> None:
        old, self.engine, self.completions, self.actions = self.engine, None, None, None
        if old is not None:
            await old.close()
        settings = self.settings
        self.engine_status = ServiceStatus("loading", "loading model")
        token = f"radix-ls/engine/{uuid.uuid4()}" if self.supports_progress else None
        loop = asyncio.get_running_loop()

        def progress(message: str) -> None:
            log.info("%s", message)
            if token is not None:
                loop.call_soon_threadsafe(
                    self.work_done_progress.report,
                    token,
                    types.WorkDoneProgressReport(message=message),
                )

        if token is not None:
            try:
                await self.work_done_progress.create_async(token)
                self.work_done_progress.begin(
                    token, types.WorkDoneProgressBegin(title="radix-ls: loading model")
                )
            except Exception as exc:  # the client may refuse progress tokens
                log.debug("no work-done progress: %s", exc)
                token = None
        try:
            engine = await load_engine(settings, progress)
        except EngineError as exc:
            if generation != self._engine_generation:
                return  # a newer settings change is loading; its outcome is what counts
            self.engine_status = ServiceStatus("error", str(exc))
            log.error("engine failed to start: %s", exc)
            self.show_message(f"radix-ls: {exc}", types.MessageType.Error)
            return
        finally:
            if token is not None:
                self.work_done_progress.end(token, types.WorkDoneProgressEnd())
        if generation != self._engine_generation:
            await engine.close()  # superseded by a newer settings change while loading
            return
        self.engine = engine
        self.rebuild_service()
        self.engine_status = ServiceStatus("ready", "")
        log.info(
            "engine ready: %s, model %s, template %s",
            engine.name,
            engine.model_name,
            self.completions.template.name,
        )

    def rebuild_service(self) -> None:
        if self.engine is not None:
            self.completions = CompletionService(self.engine, self.settings, self.repo)
            self.actions = ActionService(self.engine, self.settings, self.repo)

    async def stop_engine(self) -> None:
        if self._engine_task is not None and not self._engine_task.done():
            self._engine_task.cancel()
        engine, self.engine, self.completions, self.actions = self.engine, None, None, None
        self.engine_status = ServiceStatus("stopped", "")
        if engine is not None:
            await engine.close()

    # -- workspace index ---------------------------------------------------------------------

    def start_index(self) -> None:
        """(Re)build the workspace index in the background: the import closures of the open
        documents first (their cross-file context is ready soonest), then everything, then
        keep it current from file events. Requests are served throughout."""
        if self._index_task is not None and not self._index_task.done():
            self._index_task.cancel()
        self._index_key = self.settings.index_key()
        self.index_status = ServiceStatus("indexing", "starting")
        self._index_task = asyncio.ensure_future(self._run_index())

    async def _run_index(self) -> None:
        from radix_ls.index.indexer import Indexer
        from radix_ls.index.watcher import Watcher

        await self.stop_index()
        settings, root = self.settings, self.workspace_root
        if not settings.index or root is None:
            self.index_status = ServiceStatus("off", "no workspace folder" if root else "")
            return
        loop = asyncio.get_running_loop()
        token = f"radix-ls/index/{uuid.uuid4()}" if self.supports_progress else None

        def progress(p: Any) -> None:
            if token is not None and p.total:
                report = types.WorkDoneProgressReport(
                    message=f"{p.phase} {p.done}/{p.total}",
                    percentage=min(100, p.done * 100 // p.total),
                )
                loop.call_soon_threadsafe(self._progress_report, token, report)

        self.index_status = ServiceStatus("indexing", "opening the index")
        try:
            indexer = await asyncio.to_thread(
                Indexer,
                root,
                settings.resolved_cache_dir,
                exclude=settings.index_exclude,
                max_file_bytes=settings.max_file_bytes,
                progress=progress,
            )
        except Exception as exc:  # a broken cache dir must not take completions down
            self.index_status = ServiceStatus("error", str(exc))
            log.error("workspace index unavailable: %s", exc)
            return
        repo = RepoContext(indexer, open_text=self._open_text)
        self.repo = repo
        for snapshot in self.documents.snapshots():
            self.document_opened(snapshot)
        self.rebuild_service()
        if token is not None:
            with contextlib.suppress(Exception):
                await self.work_done_progress.create_async(token)
                self.work_done_progress.begin(
                    token, types.WorkDoneProgressBegin(title="radix-ls: indexing", percentage=0)
                )
        try:
            for rel in list(repo.documents):
                await asyncio.to_thread(indexer.closure, rel, 2)
            repo.invalidate()
            stats = await asyncio.to_thread(indexer.refresh)
            repo.invalidate()
            await asyncio.to_thread(repo.rebuild_similar)
            summary = indexer.stats()
            self.index_status = ServiceStatus(
                "ready", f"{summary.files} files, {summary.definitions} definitions"
            )
            log.info(
                "workspace index ready: %d files (%d parsed) in %.2f s",
                summary.files,
                stats.parsed,
                stats.seconds,
            )
        except Exception as exc:
            self.index_status = ServiceStatus("error", str(exc))
            log.error("indexing failed: %s", exc)
            return
        finally:
            if token is not None:
                with contextlib.suppress(Exception):
                    self.work_done_progress.end(token, types.WorkDoneProgressEnd())

        def on_files(changed: list[str], removed: list[str]) -> None:
            # on the watcher's thread: index there, then tell the loop
            indexer.index_files([*changed, *removed])
            loop.call_soon_threadsafe(repo.invalidate)
            repo.rebuild_similar()

        self._watcher = Watcher(
            root, on_files, ignore=indexer.ignore, exclude_dirs=[settings.resolved_cache_dir]
        )
        self._watcher.start()

    def _progress_report(self, token: str, report: types.WorkDoneProgressReport) -> None:
        with contextlib.suppress(Exception):
            self.work_done_progress.report(token, report)

    async def stop_index(self) -> None:
        watcher, self._watcher = self._watcher, None
        if watcher is not None:
            await asyncio.to_thread(watcher.stop)
        repo, self.repo = self.repo, None
        if repo is not None:
            await asyncio.to_thread(repo.indexer.close)

    def _open_text(self, rel: str) -> str | None:
        """The editor's text of an open workspace file (newer than the disk)."""
        repo = self.repo
        doc = repo.documents.get(rel) if repo else None
        return doc.text if doc is not None else None

    def document_opened(self, snapshot: DocumentSnapshot) -> None:
        """Parse an open document incrementally for the index (if it is in the workspace);
        also how a document that got out of step is parsed afresh."""
        from radix_ls.index.incremental import IncrementalDocument
        from radix_ls.index.languages import language_for_path

        repo = self.repo
        if repo is None or snapshot.path is None:
            return
        rel = repo.relative(snapshot.path)
        language = language_for_path(rel) if rel else None
        if rel is None or language is None or len(snapshot.text) > MAX_DOCUMENT_CHARS:
            return
        repo.documents[rel] = IncrementalDocument(language, snapshot.text, rel)

    def document_edited(self, snapshot: DocumentSnapshot, edits: list[Any]) -> None:
        """Apply didChange's edits (in order) to the document's incremental parse."""
        repo = self.repo
        rel = repo.relative(snapshot.path) if repo and snapshot.path else None
        doc = repo.documents.get(rel) if repo and rel else None
        if doc is None:
            return
        try:
            for edit in edits:
                doc.apply_text_edit(edit.start, edit.end, edit.text)
        except ValueError:
            doc = None
        if doc is None or doc.text != snapshot.text:
            self.document_opened(snapshot)  # out of step: parse the new text afresh

    def document_closed(self, snapshot: DocumentSnapshot | None) -> None:
        repo = self.repo
        if repo is None or snapshot is None or snapshot.path is None:
            return
        rel = repo.relative(snapshot.path)
        if rel is not None and repo.documents.pop(rel, None) is not None:
            # the disk copy is what counts again
            repo.invalidate()

    # -- documents and positions -------------------------------------------------------------

    @property
    def position_encoding(self) -> str:
        encoding = self.workspace.position_encoding or types.PositionEncodingKind.Utf16
        return encoding.value if isinstance(encoding, types.PositionEncodingKind) else encoding

    def snapshot_at(
        self, document: types.TextDocumentIdentifier, position: types.Position
    ) -> tuple[DocumentSnapshot, int]:
        """The open document and the offset of `position` in it; InvalidParams otherwise."""
        try:
            snapshot = self.documents.get(document.uri)
            offset = convert.position_to_offset(snapshot.text, position, self.position_encoding)
        except (DocumentError, convert.PositionError) as exc:
            raise JsonRpcInvalidParams(str(exc)) from exc
        return snapshot, offset

    def snapshot_range(
        self, document: types.TextDocumentIdentifier, rng: types.Range
    ) -> tuple[DocumentSnapshot, int, int]:
        """The open document and a range's offsets (ordered). Columns past a line's end
        clamp to it, as the spec says (Neovim sends an inclusive selection's end one past)."""
        try:
            snapshot = self.documents.get(document.uri)
            encoding = self.position_encoding
            start = convert.position_to_offset(snapshot.text, rng.start, encoding, strict=False)
            end = convert.position_to_offset(snapshot.text, rng.end, encoding, strict=False)
        except (DocumentError, convert.PositionError) as exc:
            raise JsonRpcInvalidParams(str(exc)) from exc
        return snapshot, min(start, end), max(start, end)

    def cancel_inflight(self, uri: str) -> None:
        """Abort generations for `uri`: the document changed, their answers would be stale."""
        for future in self._inflight.pop(uri, set()):
            future.cancel()

    async def complete(self, snapshot: DocumentSnapshot, offset: int) -> Completion | None:
        """Run the completion pipeline; None when there is no engine or the answer is stale.

        Cancelling the calling task ($/cancelRequest) cancels the generation with it.
        """
        service = self.completions
        if service is None:
            return None
        if len(snapshot.text) > MAX_DOCUMENT_CHARS:
            if snapshot.uri not in self._too_large:
                self._too_large.add(snapshot.uri)
                log.warning(
                    "%s has %d characters, over the %d limit: no completions for it",
                    snapshot.uri,
                    len(snapshot.text),
                    MAX_DOCUMENT_CHARS,
                )
            return None
        job = asyncio.ensure_future(service.complete(snapshot, offset, self.workspace_root))
        jobs = self._inflight.setdefault(snapshot.uri, set())
        jobs.add(job)
        try:
            result = await job
        except asyncio.CancelledError:
            task = asyncio.current_task()
            if job.cancelled() and task is not None and not task.cancelling():
                log.debug(
                    "completion for %s v%d dropped: document changed",
                    snapshot.uri,
                    snapshot.version,
                )
                return None  # cancelled by an edit, not by the client
            raise
        except EngineError as exc:
            log.error("completion failed: %s", exc)
            raise RequestFailed(f"radix-ls engine error: {exc}") from exc
        finally:
            jobs.discard(job)
        current = self.documents.find(snapshot.uri)
        if current is None or current.version != snapshot.version:
            log.debug("completion for %s v%d is stale", snapshot.uri, snapshot.version)
            return None
        log.debug("completion %s", result.stats.to_json())
        return result

    async def run_action(
        self, snapshot: DocumentSnapshot, request: ActionRequest, title: str
    ) -> ActionResult:
        """Compute a code action's edit, with work-done progress (cancellable from the
        client's progress UI) and cancellation on `$/cancelRequest` or an edit of the document.
        Failures are shown to the user and raised as RequestFailed: nothing is applied."""
        service = self.actions
        if service is None:
            state = self.engine_status
            detail = f": {state.detail}" if state.detail else ""
            raise RequestFailed(f"radix-ls: the model is not ready ({state.state}{detail})")
        token = f"radix-ls/action/{uuid.uuid4()}" if self.supports_progress else None
        why: list[str] = []  # who cancelled, when it was not $/cancelRequest
        job = asyncio.ensure_future(
            service.run(
                snapshot,
                request,
                root=self.workspace_root,
                progress=(
                    lambda m: self._progress_report(token, types.WorkDoneProgressReport(message=m))
                )
                if token
                else None,
                test_text=lambda path: (
                    doc.text if (doc := self.documents.find(path.as_uri())) else None
                ),
            )
        )
        if token is not None:
            try:
                await self.work_done_progress.create_async(token)
                self.work_done_progress.begin(
                    token, types.WorkDoneProgressBegin(title=title, cancellable=True)
                )
                cancelled = self.work_done_progress.tokens.get(token)
                if cancelled is not None:
                    cancelled.add_done_callback(
                        lambda f: (
                            (why.append("by the user"), job.cancel()) if f.cancelled() else None
                        )
                    )
            except Exception as exc:  # the client may refuse progress tokens
                log.debug("no work-done progress: %s", exc)
                token = None
        jobs = self._inflight.setdefault(snapshot.uri, set())
        jobs.add(job)
        try:
            result = await job
        except asyncio.CancelledError:
            task = asyncio.current_task()
            if task is not None and task.cancelling():
                raise  # $/cancelRequest: pygls answers RequestCancelled
            reason = why[0] if why else "the document changed"
            raise RequestFailed(f"{title}: cancelled ({reason})") from None
        except ActionFailed as exc:
            log.warning("%s failed: %s", title, exc)
            self.show_message(f"{title} failed: {exc}", types.MessageType.Error)
            raise RequestFailed(f"{title} failed: {exc}") from exc
        except EngineError as exc:
            log.error("%s: engine error: %s", title, exc)
            self.show_message(f"{title} failed: {exc}", types.MessageType.Error)
            raise RequestFailed(f"radix-ls engine error: {exc}") from exc
        finally:
            jobs.discard(job)
            if token is not None:
                with contextlib.suppress(Exception):
                    self.work_done_progress.end(token, types.WorkDoneProgressEnd())
        current = self.documents.find(snapshot.uri)
        if current is None or current.version != snapshot.version:
            raise RequestFailed(f"{title}: the document changed while it ran; try again")
        log.info(
            "%s: done in %d attempt(s)%s",
            title,
            result.attempts,
            f" ({result.summary})" if result.summary else "",
        )
        return result


def path_of(uri: str) -> Path | None:
    if not uri.startswith("file:"):
        return None
    fs = to_fs_path(uri)
    return Path(fs) if fs else None


def create_server() -> RadixServer:
    from radix_ls.lsp.handlers import register_all

    server = RadixServer()
    register_all(server)
    return server
