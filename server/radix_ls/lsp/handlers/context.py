"""`radixLs/context`: what the model would see for a cursor (segments and the prompt), the
LSP twin of `radix-ls context`, for editor debugging views, tests and benchmarks (params:
textDocument, position and an optional `budget` in tokens, as `radix-ls context --budget`)."""

from __future__ import annotations

from typing import Any

from lsprotocol import types
from pygls.exceptions import JsonRpcInvalidParams

from radix_ls.lsp.server import RadixServer
from radix_ls.session import SessionError

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
            budget = raw.get("budget")  # optional: a prompt budget instead of the settings'
        except (AttributeError, KeyError, TypeError, ValueError) as exc:
            raise JsonRpcInvalidParams(
                "radixLs/context needs {textDocument: {uri}, position: {line, character}}"
                " and an optional budget"
            ) from exc
        if budget is not None and (
            isinstance(budget, bool) or not isinstance(budget, int) or budget < 64
        ):
            raise JsonRpcInvalidParams(
                f"radixLs/context: budget must be an integer >= 64, got {budget!r}"
            )
        snapshot, offset = ls.snapshot_at(document, position)
        try:
            view = ls.session.context(snapshot, offset, budget)
        except SessionError as exc:
            raise JsonRpcInvalidParams(f"radixLs/context: {exc}") from exc
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
                    "reason": s.reason,
                }
                for s in view.plan.context.segments
            ],
            # where secrets were taken out of the prompt (never the secrets)
            "redactions": [
                {"path": r.path, "line": r.line, "kind": r.kind} for r in view.plan.redactions
            ],
            "prompt": view.plan.request.prompt,
        }
