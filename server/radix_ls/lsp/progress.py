"""The session's events over LSP: messages as window/showMessage, long work as work-done
progress (`$/progress` begin/report/end), cancellable from the client's progress display."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING

from lsprotocol import types

from radix_ls.session.events import Level, Progress

if TYPE_CHECKING:
    from radix_ls.lsp.server import RadixServer

log = logging.getLogger("radix_ls")

_KINDS = {
    "error": types.MessageType.Error,
    "warning": types.MessageType.Warning,
    "info": types.MessageType.Info,
}


class _NoProgress:
    def report(self, message: str, percentage: int | None = None) -> None:
        pass

    def end(self) -> None:
        pass


class _WorkDone:
    """One work-done progress token; `report` is safe from any thread."""

    def __init__(self, server: RadixServer, token: str, loop: asyncio.AbstractEventLoop) -> None:
        self._server, self._token, self._loop = server, token, loop

    def report(self, message: str, percentage: int | None = None) -> None:
        report = types.WorkDoneProgressReport(message=message, percentage=percentage)
        self._loop.call_soon_threadsafe(self._send, report)

    def _send(self, report: types.WorkDoneProgressReport) -> None:
        with contextlib.suppress(Exception):  # the client may have gone
            self._server.work_done_progress.report(self._token, report)

    def end(self) -> None:
        self._loop.call_soon_threadsafe(self._send_end)

    def _send_end(self) -> None:
        with contextlib.suppress(Exception):
            self._server.work_done_progress.end(self._token, types.WorkDoneProgressEnd())


class LspEvents:
    """`session.events.Events` for a language server."""

    def __init__(self, server: RadixServer) -> None:
        self._server = server

    def show(self, level: Level, message: str) -> None:
        self._server.window_show_message(
            types.ShowMessageParams(type=_KINDS[level], message=message)
        )

    async def begin(
        self, title: str, *, percentage: bool = False, cancel: Callable[[], None] | None = None
    ) -> Progress:
        server = self._server
        if not server.features.progress:
            return _NoProgress()
        token = f"radix-ls/{uuid.uuid4()}"
        try:
            await server.work_done_progress.create_async(token)
            server.work_done_progress.begin(
                token,
                types.WorkDoneProgressBegin(
                    title=title,
                    cancellable=cancel is not None or None,
                    percentage=0 if percentage else None,
                ),
            )
        except Exception as exc:  # the client may refuse progress tokens
            log.debug("no work-done progress: %s", exc)
            return _NoProgress()
        if cancel is not None:
            cancelled = server.work_done_progress.tokens.get(token)
            if cancelled is not None:
                cancelled.add_done_callback(lambda f: cancel() if f.cancelled() else None)
        return _WorkDone(server, token, asyncio.get_running_loop())
