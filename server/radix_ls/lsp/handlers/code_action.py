"""textDocument/codeAction and codeAction/resolve: AI code actions, listed instantly and
computed only when the user picks one (resolve), with progress and cancellation.

Clients without resolve support get a command instead (`radixLs.applyAction`, see
execute_command.py), which computes the edit and applies it with workspace/applyEdit.
"""

from __future__ import annotations

from typing import Any

from lsprotocol import types
from pygls.exceptions import JsonRpcInvalidParams

from radix_ls.features import actions
from radix_ls.lsp import convert
from radix_ls.lsp.server import RadixServer, RequestFailed, failures, path_of

APPLY_COMMAND = "radixLs.applyAction"
# A client-side command (the editor plugins define it): ask the user for an instruction, then
# run APPLY_COMMAND with it. Offered only to clients that say they have it.
REWRITE_PROMPT_COMMAND = "radix-ls.rewrite"
_KINDS = sorted({types.CodeActionKind(k) for k in actions.KINDS.values()})


def action_data(uri: str, version: int, request: actions.ActionRequest) -> dict[str, Any]:
    return {"uri": uri, "version": version, **request.to_json()}


def to_workspace_edit(
    ls: RadixServer, uri: str, version: int, result: actions.ActionResult
) -> types.WorkspaceEdit:
    """An action's file changes as one WorkspaceEdit: the document it ran on at the version
    it was computed for (the client rejects the edit if the text moved on), other files at
    their open version, if open, and created first when new."""

    def target(change: actions.FileChange) -> convert.EditTarget:
        if change.path is None:
            return convert.EditTarget(uri, version)
        other = change.path.as_uri()
        doc = ls.session.documents.find(other)
        if other == uri or (doc is None and change.path == path_of(uri)):
            return convert.EditTarget(uri, version)
        return convert.EditTarget(other, doc.version if doc else None)

    return convert.workspace_edit(
        result.changes,
        ls.position_encoding,
        document_changes=ls.features.document_changes,
        target=target,
    )


def register(server: RadixServer) -> None:
    @server.feature(
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(code_action_kinds=_KINDS, resolve_provider=True),
    )
    def code_action(ls: RadixServer, params: types.CodeActionParams) -> list[types.CodeAction]:
        snapshot, start, end = ls.snapshot_range(params.text_document, params.range)
        given = list(params.context.diagnostics or [])
        diagnostics = tuple(
            actions.Diagnostic(
                *convert.diagnostic_span(snapshot.text, d, ls.position_encoding),
                message=d.message,
                source=d.source or "",
                code=str(d.code) if d.code is not None else "",
            )
            for d in given
        )
        offers = ls.session.offers(
            snapshot,
            start,
            end,
            diagnostics=diagnostics,
            can_prompt=ls.features.rewrite_prompt,
            can_create_files=ls.features.create_files,
        )
        only = params.context.only
        out = []
        for offer in offers:
            if only and not any(offer.kind == k or offer.kind.startswith(f"{k}.") for k in only):
                continue
            data = action_data(snapshot.uri, snapshot.version, offer.request)
            action = types.CodeAction(
                title=offer.title,
                kind=types.CodeActionKind(offer.kind),
                diagnostics=[given[i] for i in offer.fixes] or None,
                is_preferred=True if offer.fixes else None,
                data=data,
            )
            if offer.request.action == "rewrite":
                action.command = types.Command(
                    title=offer.title, command=REWRITE_PROMPT_COMMAND, arguments=[data]
                )
            elif not ls.features.action_resolve:
                action.command = types.Command(
                    title=offer.title, command=APPLY_COMMAND, arguments=[data]
                )
            out.append(action)
        return out

    @server.feature(types.CODE_ACTION_RESOLVE)
    async def resolve(ls: RadixServer, action: types.CodeAction) -> types.CodeAction:
        data = action.data
        if not isinstance(data, dict) or not isinstance(data.get("uri"), str):
            raise JsonRpcInvalidParams("codeAction/resolve: not a radix-ls code action")
        try:
            request = actions.ActionRequest.from_json(data)
        except ValueError as exc:
            raise JsonRpcInvalidParams(f"codeAction/resolve: {exc}") from exc
        uri = data["uri"]
        snapshot = ls.session.documents.find(uri)
        if snapshot is None:
            raise RequestFailed(f"{uri} is not open")
        if snapshot.version != data.get("version"):
            raise RequestFailed(
                f"{action.title}: the document changed since the action was offered; ask again"
            )
        if request.action == "rewrite" and not request.instruction:
            # Its command asks for the instruction and then applies the edit itself.
            return action
        with failures():
            result = await ls.session.run_action(snapshot, request, action.title)
        action.edit = to_workspace_edit(ls, uri, snapshot.version, result)
        return action
