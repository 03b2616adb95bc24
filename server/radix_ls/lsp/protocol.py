"""radix-ls' pygls protocol: where pygls' defaults do not fit the server (position encoding,
its own document store, the protocol's states, errors for every message that is not valid).

Every message arrives through `receive` (frames from `lsp.framing`), which applies the JSON-RPC
and LSP rules pygls leaves out, so that a request always gets exactly one answer:

- invalid JSON-RPC (not an object, jsonrpc not "2.0", an id that is not an integer or a
  string, a method that is not a string, params that are neither object nor array) -> -32600,
  with the id where it is valid and null where not; bytes that are no JSON -> -32700, id null;
- a request before `initialize` -> -32002 ServerNotInitialized, after `shutdown` -> -32600;
  notifications then are dropped, except `exit`; `initialize` a second time -> -32600;
- a notification method sent with an id is a request for a method that does not exist
  -> -32601, and is not run;
- responses are never answered, not even malformed ones: two peers answering each other's
  errors would never stop.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Generator
from typing import Any

import attrs
from lsprotocol import types
from pygls.exceptions import (
    JsonRpcException,
    JsonRpcInvalidParams,
    JsonRpcInvalidRequest,
    JsonRpcMethodNotFound,
    JsonRpcServerNotInitialized,
)
from pygls.protocol import LanguageServerProtocol
from pygls.protocol.language_server import lsp_method

from radix_ls.lsp import framing

log = logging.getLogger("radix_ls")


class _Rejected:
    """Stands in for a message that could not be decoded and was already answered."""

    jsonrpc = "rejected"


def _valid_id(value: Any) -> bool:
    return isinstance(value, int | str) and not isinstance(value, bool)


def envelope_problem(data: Any) -> str | None:
    """Why `data` is not a valid JSON-RPC 2.0 request or notification; None if it is one."""
    if not isinstance(data, dict):
        return "a message is a JSON object (LSP has no batches)"
    if data.get("jsonrpc") != "2.0":
        return 'jsonrpc must be "2.0"'
    if "id" in data and not _valid_id(data["id"]):
        return "id must be an integer or a string"
    if "method" not in data:
        return "a request needs a method"
    if not isinstance(data["method"], str):
        return "method must be a string"
    if data.get("params") is not None and not isinstance(data["params"], dict | list):
        return "params must be an object or an array"
    return None


@functools.lru_cache(maxsize=1024)  # bounded: method names come from the client
def is_notification_method(method: str) -> bool:
    """Whether LSP defines `method` as a notification (its message type has no id)."""
    message_types = types.METHOD_TO_TYPES.get(method)
    if message_types is None:
        return False
    return "id" not in attrs.fields_dict(message_types[0])


class RadixProtocol(LanguageServerProtocol):
    """pygls' protocol with radix-ls' choices where the defaults do not fit.

    - Position encoding: prefer UTF-8 whenever the client offers it, else UTF-16.
    - Text sync: radix-ls keeps its own document store (lsp/handlers/did_*.py), so pygls'
      workspace copy of every document is not maintained (it would apply each edit twice).
    - Requests whose params do not decode get an InvalidParams error response instead of
      being dropped silently.
    - Protocol states and invalid messages as the module docstring says.
    """

    # Set when the request is accepted, not when its handler ends: a request that arrives
    # while `shutdown` is still running is already after it.
    _initialize_seen = False
    _shutdown_seen = False

    def receive(self, item: framing.Frame | framing.FrameError) -> None:
        """One frame from the client (or the framing's reason why it is none)."""
        try:
            data = framing.decode(item.body) if isinstance(item, framing.Frame) else item
            if isinstance(data, framing.FrameError):
                log.warning("rejected a message: %s", data.message)
                self._reply_error(None, data.code, data.message)
                return
            self.handle_payload(data)
        except Exception:  # a bug here must not end the server; the log says what it was
            log.exception("could not handle a message")

    def handle_payload(self, data: Any) -> None:
        """A decoded JSON value: checked, then structured (its top level only) and run."""
        if (
            isinstance(data, dict)
            and "method" not in data
            and ("result" in data or "error" in data)
        ):
            self._receive_response(data)
            return
        msg_id = data.get("id") if isinstance(data, dict) else None
        if (problem := envelope_problem(data)) is not None:
            log.warning("rejected an invalid message: %s", problem)
            self._reply_error(msg_id if _valid_id(msg_id) else None, -32600, problem)
            return
        method = data["method"]
        if "id" in data:
            if (refusal := self._refusal(method)) is not None:
                self._send_response(msg_id, error=refusal.to_response_error())
                return
        elif method != types.EXIT and (not self._initialize_seen or self._shutdown_seen):
            log.debug("dropped %s: the server is not serving (initialize/shutdown)", method)
            return
        # JSON-RPC lets params be left out; pygls' generic message types require the field.
        message = self.structure_message({"params": None, **data})
        if isinstance(message, _Rejected):
            return
        if "id" in data:
            self._initialize_seen |= method == types.INITIALIZE
            self._shutdown_seen |= method == types.SHUTDOWN
        self.handle_message(message)

    def _refusal(self, method: str) -> JsonRpcException | None:
        """The error a request for `method` gets in the current state, if any."""
        if is_notification_method(method):
            return JsonRpcMethodNotFound(f"{method} is a notification: it is never sent with an id")
        if method == types.INITIALIZE and self._initialize_seen:
            return JsonRpcInvalidRequest("initialize may be sent only once")
        if not self._initialize_seen and method != types.INITIALIZE:
            return JsonRpcServerNotInitialized(f"{method} before initialize")
        if self._shutdown_seen:
            return JsonRpcInvalidRequest(f"{method} after shutdown")
        return None

    def _receive_response(self, data: dict[str, Any]) -> None:
        if data.get("jsonrpc") != "2.0" or not _valid_id(data.get("id")):
            log.warning("ignored a malformed response from the client: %.200s", data)
            return
        message = self.structure_message(data)
        if not isinstance(message, _Rejected):
            self.handle_message(message)

    def _reply_error(self, msg_id: Any, code: int, message: str) -> None:
        self._send_response(msg_id, error=types.ResponseError(code=code, message=message))

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
        super().handle_message(message)
