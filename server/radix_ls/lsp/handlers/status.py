"""radix-ls' own requests: `radixLs/status` (engine state, last request's stats) and
`radixLs/documentText` (the server's copy of a document, to check sync from a client).
"""

from __future__ import annotations

from typing import Any

from pygls.exceptions import JsonRpcInvalidParams

from radix_ls.lsp.server import RadixServer
from radix_ls.workspace.documents import DocumentError

STATUS = "radixLs/status"
DOCUMENT_TEXT = "radixLs/documentText"


def _get(params: Any, key: str) -> Any:
    if isinstance(params, dict):
        return params.get(key)
    return getattr(params, key, None)


def register(server: RadixServer) -> None:
    @server.feature(STATUS)
    def status(ls: RadixServer, params: Any) -> dict[str, Any]:
        return {
            "version": ls.version,
            "positionEncoding": ls.position_encoding,
            **ls.session.status(),
        }

    @server.feature(DOCUMENT_TEXT)
    def document_text(ls: RadixServer, params: Any) -> dict[str, Any]:
        uri = _get(params, "uri")
        if not isinstance(uri, str):
            raise JsonRpcInvalidParams("radixLs/documentText needs {uri: string}")
        try:
            doc = ls.session.documents.get(uri)
        except DocumentError as exc:
            raise JsonRpcInvalidParams(str(exc)) from exc
        return {"uri": uri, "version": doc.version, "text": doc.text}
