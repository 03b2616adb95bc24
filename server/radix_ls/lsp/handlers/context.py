"""`radixLs/context`: what the model would see for a cursor (segments and the prompt), the
LSP twin of `radix-ls context`, for editor debugging views and tests."""

from __future__ import annotations

from typing import Any

from lsprotocol import types
from pygls.exceptions import JsonRpcInvalidParams

from radix_ls.lsp.server import RadixServer

CONTEXT = "radixLs/context"


def register(server: RadixServer) -> None:
    @server.feature(CONTEXT)
    def context(ls: RadixServer, params: Any) -> dict[str, Any] | None:
        try:
            raw = params._asdict() if hasattr(params, "_asdict") else dict(params)
            document = types.TextDocumentIdentifier(uri=raw["textDocument"].uri)
            position = types.Position(
                line=raw["position"].line, character=raw["position"].character
            )
        except (AttributeError, KeyError, TypeError, ValueError) as exc:
            raise JsonRpcInvalidParams(
                "radixLs/context needs {textDocument: {uri}, position: {line, character}}"
            ) from exc
        snapshot, offset = ls.snapshot_at(document, position)
        view = ls.session.context(snapshot, offset)
        if view is None:
            return None  # engine not ready: no tokenizer to count with yet
        return {
            "template": view.template,
            "layout": view.layout,
            "tokens": view.tokens,
            "segments": [
                {
                    "kind": s.kind,
                    "path": s.path,
                    "startLine": s.start_line,
                    "endLine": s.end_line,
                    "tokens": s.tokens,
                }
                for s in view.plan.context.segments
            ],
            # where secrets were taken out of the prompt (never the secrets)
            "redactions": [
                {"path": r.path, "line": r.line, "kind": r.kind} for r in view.plan.redactions
            ],
            "prompt": view.plan.request.prompt,
        }
