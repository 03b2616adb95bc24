"""initialize / initialized / shutdown: settings, capabilities and the engine's lifecycle."""

from __future__ import annotations

import logging

from lsprotocol import types

from radix_ls.lsp.capabilities import ClientFeatures
from radix_ls.lsp.server import RadixServer, path_of

log = logging.getLogger("radix_ls")


def register(server: RadixServer) -> None:
    @server.feature(types.INITIALIZE)
    def initialize(ls: RadixServer, params: types.InitializeParams) -> None:
        ls.features = ClientFeatures.from_capabilities(params.capabilities)
        root = params.root_uri or (
            params.workspace_folders[0].uri if params.workspace_folders else None
        )
        session = ls.session
        session.set_root(path_of(root) if root else None)
        ls.attach_client_logging()
        session.apply_settings(params.initialization_options)
        session.base_settings = session.settings
        log.info(
            "radix-ls %s initializing (root %s, position encoding %s)",
            ls.version,
            session.root,
            ls.position_encoding,
        )

    @server.feature(types.INITIALIZED)
    async def initialized(ls: RadixServer, params: types.InitializedParams) -> None:
        pulled = await ls.pull_configuration()
        if pulled is not None:
            ls.session.apply_settings(pulled)
        ls.session.start()

    @server.feature(types.SHUTDOWN)
    async def shutdown(ls: RadixServer, params: None) -> None:
        log.info("shutting down")
        await ls.session.close()
