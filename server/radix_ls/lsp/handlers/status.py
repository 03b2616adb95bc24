"""radix-ls' own requests: `radixLs/status` (engine state, last request's stats) and
`radixLs/documentText` (the server's copy of a document, to check sync from a client).
"""

from __future__ import annotations

from typing import Any

from pygls.exceptions import JsonRpcInvalidParams

from radix_ls.config import to_wire
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
        engine = ls.engine
        return {
            "version": ls.version,
            "state": ls.engine_status.state,
            "detail": ls.engine_status.detail,
            "engine": engine.name if engine else None,
            "model": engine.model_name if engine else None,
            "template": ls.completions.template.name if ls.completions else None,
            "activeGenerations": engine.active_generations if engine else 0,
            "positionEncoding": ls.position_encoding,
            "openDocuments": len(ls.documents),
            "index": {"state": ls.index_status.state, "detail": ls.index_status.detail},
            "lastCompletion": (
                engine.last_stats.to_json() if engine and engine.last_stats else None
            ),
            "settings": to_wire(ls.settings),
        }

    @server.feature(DOCUMENT_TEXT)
    def document_text(ls: RadixServer, params: Any) -> dict[str, Any]:
        uri = _get(params, "uri")
        if not isinstance(uri, str):
            raise JsonRpcInvalidParams("radixLs/documentText needs {uri: string}")
        try:
            doc = ls.documents.get(uri)
        except DocumentError as exc:
            raise JsonRpcInvalidParams(str(exc)) from exc
        return {"uri": uri, "version": doc.version, "text": doc.text}
