"""initialize / initialized / shutdown: settings, capabilities and the engine's lifecycle."""

from __future__ import annotations

import logging

from lsprotocol import types

from radix_ls.lsp.server import RadixServer, path_of

log = logging.getLogger("radix_ls")


def register(server: RadixServer) -> None:
    @server.feature(types.INITIALIZE)
    def initialize(ls: RadixServer, params: types.InitializeParams) -> None:
        caps = params.capabilities
        ls.supports_configuration = bool(caps.workspace and caps.workspace.configuration)
        ls.supports_progress = bool(caps.window and caps.window.work_done_progress)
        text = caps.text_document
        action_caps = text.code_action if text else None
        resolve = action_caps.resolve_support if action_caps else None
        ls.supports_action_resolve = bool(resolve and "edit" in resolve.properties)
        edit_caps = caps.workspace.workspace_edit if caps.workspace else None
        ls.supports_document_changes = bool(edit_caps and edit_caps.document_changes)
        ls.supports_create_files = ls.supports_document_changes and bool(
            edit_caps
            and edit_caps.resource_operations
            and types.ResourceOperationKind.Create in edit_caps.resource_operations
        )
        # `experimental.radixLs.rewritePrompt`: the client has the radix-ls.rewrite command
        experimental = caps.experimental if isinstance(caps.experimental, dict) else {}
        ours = experimental.get("radixLs") if isinstance(experimental, dict) else None
        ls.supports_rewrite_prompt = bool(isinstance(ours, dict) and ours.get("rewritePrompt"))
        root = params.root_uri or (
            params.workspace_folders[0].uri if params.workspace_folders else None
        )
        ls.workspace_root = path_of(root) if root else None
        ls.attach_client_logging()
        ls.apply_settings(params.initialization_options)
        ls.base_settings = ls.settings
        log.info(
            "radix-ls %s initializing (root %s, position encoding %s)",
            ls.version,
            ls.workspace_root,
            ls.position_encoding,
        )

    @server.feature(types.INITIALIZED)
    async def initialized(ls: RadixServer, params: types.InitializedParams) -> None:
        pulled = await ls.pull_configuration()
        if pulled is not None:
            ls.apply_settings(pulled)
        ls.start_engine()
        ls.start_index()

    @server.feature(types.SHUTDOWN)
    async def shutdown(ls: RadixServer, params: None) -> None:
        log.info("shutting down")
        await ls.stop_engine()
        await ls.stop_index()
