"""radix-ls' pygls protocol: where pygls' defaults do not fit the server (position encoding,
its own document store, errors for messages that do not decode)."""

from __future__ import annotations

import logging
from collections.abc import Generator
from typing import Any

from lsprotocol import types
from pygls.exceptions import JsonRpcException, JsonRpcInvalidParams, JsonRpcInvalidRequest
from pygls.protocol import LanguageServerProtocol
from pygls.protocol.language_server import lsp_method

log = logging.getLogger("radix_ls")


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
