"""The radix-ls language server: pygls wiring around one `Session`.

Handlers live one per LSP method under `lsp/handlers/`; the session (`radix_ls.session`) holds
the state and does the work. This module keeps what is about the protocol: the client's
resolved capabilities, positions in the negotiated encoding, configuration pulls, server
errors, and the translation of session failures into LSP errors. The server reads its stream
with radix-ls' own bounded framing (`lsp.framing`), not pygls' loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, BinaryIO

from lsprotocol import types
from pygls.exceptions import FeatureNotificationError, JsonRpcException, JsonRpcInvalidParams
from pygls.io_ import StdoutWriter
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path

from radix_ls import __version__
from radix_ls.lsp import convert, framing
from radix_ls.lsp.capabilities import ClientFeatures
from radix_ls.lsp.progress import LspEvents
from radix_ls.lsp.protocol import RadixProtocol
from radix_ls.session import Session, SessionError
from radix_ls.workspace.documents import DocumentError, DocumentSnapshot

log = logging.getLogger("radix_ls")


class RequestFailed(JsonRpcException):
    """LSP's RequestFailed: the request was valid but the server could not do it."""

    CODE = -32803
    MESSAGE = "Request failed"


@contextlib.contextmanager
def failures() -> Iterator[None]:
    """Session failures as RequestFailed responses."""
    try:
        yield
    except SessionError as exc:
        raise RequestFailed(str(exc)) from exc


class RadixServer(LanguageServer):
    """The pygls server; `session` holds radix-ls' state. Mutated only on the event loop."""

    def __init__(self) -> None:
        super().__init__("radix-ls", __version__, protocol_cls=RadixProtocol)
        self.session = Session(events=LspEvents(self))
        self.features = ClientFeatures()

    protocol: RadixProtocol

    def start_io(self, stdin: BinaryIO | None = None, stdout: BinaryIO | None = None) -> None:
        """Serve one client on a byte stream until `exit` or the end of the stream (pygls'
        own loop replaced by `lsp.framing`). `exit` raises SystemExit, which ends it too."""
        source = stdin or sys.stdin.buffer
        read_chunk = getattr(source, "read1", source.read)
        # One thread blocks in the read; never joined, so a read still waiting when the client
        # says `exit` does not hold the process (the CLI leaves with os._exit).
        reader = ThreadPoolExecutor(max_workers=1, thread_name_prefix="radix-ls-stdin")
        self._stop_event = threading.Event()
        self.protocol.set_writer(StdoutWriter(stdout or sys.stdout.buffer))

        async def read() -> bytes:
            return await asyncio.get_running_loop().run_in_executor(reader, read_chunk, 65536)

        try:
            asyncio.run(framing.serve(read, self.protocol.receive, self._stop_event))
        except BrokenPipeError:
            log.error("the client's stream is closed; stopping")
        except (KeyboardInterrupt, SystemExit):
            pass
        finally:
            reader.shutdown(wait=False)
            self.shutdown()

    def report_server_error(self, error: Exception, source: type[Exception]) -> None:
        log.error("%s", error)
        if source is FeatureNotificationError:
            # A notification has no response to carry the error: tell the user.
            self.session.events.show("error", f"radix-ls: {error}")

    def attach_client_logging(self) -> None:
        """Mirror radix-ls' log records to the client's log (window/logMessage)."""
        from radix_ls.lsp.log_bridge import ClientLogHandler

        logger = logging.getLogger("radix_ls")
        if not any(isinstance(h, ClientLogHandler) for h in logger.handlers):
            logger.addHandler(ClientLogHandler(self, asyncio.get_event_loop()))

    async def pull_configuration(self) -> Any:
        """The `radix-ls` section from `workspace/configuration`, or None."""
        if not self.features.configuration:
            return None
        try:
            result = await self.workspace_configuration_async(
                types.ConfigurationParams(items=[types.ConfigurationItem(section="radix-ls")])
            )
        except Exception as exc:
            log.warning("workspace/configuration failed: %s", exc)
            return None
        return result[0] if result else None

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
            snapshot = self.session.documents.get(document.uri)
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
            snapshot = self.session.documents.get(document.uri)
            encoding = self.position_encoding
            start = convert.position_to_offset(snapshot.text, rng.start, encoding, strict=False)
            end = convert.position_to_offset(snapshot.text, rng.end, encoding, strict=False)
        except (DocumentError, convert.PositionError) as exc:
            raise JsonRpcInvalidParams(str(exc)) from exc
        return snapshot, min(start, end), max(start, end)


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
