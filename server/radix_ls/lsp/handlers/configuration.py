"""workspace/didChangeConfiguration: re-read settings; reload the engine only if needed."""

from __future__ import annotations

from lsprotocol import types

from radix_ls.lsp.server import RadixServer


def register(server: RadixServer) -> None:
    @server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
    async def did_change_configuration(
        ls: RadixServer, params: types.DidChangeConfigurationParams
    ) -> None:
        # Clients that support pull configuration often send an empty notification as a
        # "settings changed" signal; pull the section then, else take what was pushed.
        raw = await ls.pull_configuration() if ls.features.configuration else params.settings
        if raw is None:
            raw = params.settings
        ls.session.apply_settings(raw)
