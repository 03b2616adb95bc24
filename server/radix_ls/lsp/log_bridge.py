"""Forwards radix-ls log records to the client as `window/logMessage`."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from lsprotocol import types
from pygls.lsp.server import LanguageServer

_TYPES = {
    logging.DEBUG: types.MessageType.Debug,
    logging.INFO: types.MessageType.Info,
    logging.WARNING: types.MessageType.Warning,
    logging.ERROR: types.MessageType.Error,
}


class ClientLogHandler(logging.Handler):
    """Thread-safe: records from worker threads are sent from the event loop."""

    def __init__(self, server: LanguageServer, loop: asyncio.AbstractEventLoop) -> None:
        super().__init__()
        self._server = server
        self._loop = loop
        self.setFormatter(logging.Formatter("%(levelname)s %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        try:
            kind = _TYPES.get(record.levelno, types.MessageType.Log)
            params = types.LogMessageParams(type=kind, message=self.format(record))
            self._loop.call_soon_threadsafe(self._send, params)
        except Exception:  # the loop may be closed during shutdown; never raise from logging
            self.handleError(record)

    def _send(self, params: types.LogMessageParams) -> None:
        if self._server.protocol.writer is None:
            return
        # The client may be gone; stderr still has the record.
        with contextlib.suppress(Exception):
            self._server.window_log_message(params)
