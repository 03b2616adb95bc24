"""workspace/executeCommand `radixLs.applyAction`: compute a code action and apply it with
workspace/applyEdit. Used by clients without codeAction/resolve, by the editor plugins'
"rewrite with instruction" prompt, and by anything scripting the server.

Arguments: one object, either a code action's `data` (as listed, plus `instruction` for
rewrite) or `{uri, action, range, instruction?}` with an LSP range, for which the server
picks the target the way it does when listing actions.
"""

from __future__ import annotations

from typing import Any

from lsprotocol import types
from pygls.exceptions import JsonRpcInvalidParams

from radix_ls.features import actions
from radix_ls.lsp.handlers.code_action import APPLY_COMMAND, to_workspace_edit
from radix_ls.lsp.server import RadixServer, RequestFailed, failures


def _request_from_range(ls: RadixServer, args: dict[str, Any]) -> actions.ActionRequest:
    raw = args.get("range")
    try:
        rng = ls.protocol._converter.structure(raw, types.Range)
    except Exception as exc:
        raise JsonRpcInvalidParams(f"{APPLY_COMMAND}: invalid range {raw!r}") from exc
    doc = types.TextDocumentIdentifier(uri=args["uri"])
    snapshot, start, end = ls.snapshot_range(doc, rng)
    offers = ls.session.offers(snapshot, start, end, can_prompt=True)
    wanted = args.get("action")
    for offer in offers:
        if offer.request.action == wanted:
            return offer.request
    raise RequestFailed(f"{wanted} does not apply there (available: "
                        f"{', '.join(o.request.action for o in offers) or 'none'})")  # fmt: skip


def register(server: RadixServer) -> None:
    @server.command(APPLY_COMMAND)
    async def apply_action(ls: RadixServer, *arguments: Any) -> dict[str, Any]:
        args = arguments[0] if arguments else None
        if hasattr(args, "_asdict"):
            args = args._asdict()
        if not isinstance(args, dict) or not isinstance(args.get("uri"), str):
            raise JsonRpcInvalidParams(f"{APPLY_COMMAND} takes one object with a uri")
        uri = args["uri"]
        snapshot = ls.session.documents.find(uri)
        if snapshot is None:
            raise RequestFailed(f"{uri} is not open")
        if "range" in args and "start" not in args:
            request = _request_from_range(ls, args)
        else:
            if args.get("version") not in (None, snapshot.version):
                raise RequestFailed("the document changed since the action was offered")
            try:
                request = actions.ActionRequest.from_json(args)
            except ValueError as exc:
                raise JsonRpcInvalidParams(f"{APPLY_COMMAND}: {exc}") from exc
        instruction = args.get("instruction")
        if isinstance(instruction, str) and instruction.strip():
            request = actions.ActionRequest(
                request.action, request.start, request.end, request.name,
                instruction.strip(), request.diagnostics,
            )  # fmt: skip
        if request.action == "rewrite" and not request.instruction:
            raise JsonRpcInvalidParams("rewrite needs an instruction")
        title = f"radix-ls: {request.action}"
        with failures():
            result = await ls.session.run_action(snapshot, request, title)
        edit = to_workspace_edit(ls, uri, snapshot.version, result)
        applied = await ls.workspace_apply_edit_async(
            types.ApplyWorkspaceEditParams(edit=edit, label=title)
        )
        if not applied.applied:
            raise RequestFailed(
                f"{title}: the editor did not apply the edit ({applied.failure_reason})"
            )
        return {"applied": True, "summary": result.summary, "attempts": result.attempts}
