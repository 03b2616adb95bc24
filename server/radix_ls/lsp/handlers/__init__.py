"""One module per LSP method; each registers its handler on the server."""

from __future__ import annotations

from radix_ls.lsp.handlers import (
    code_action,
    completion,
    configuration,
    context,
    did_change,
    did_close,
    did_open,
    execute_command,
    initialize,
    inline_completion,
    status,
)
from radix_ls.lsp.server import RadixServer

_MODULES = (
    initialize,
    configuration,
    did_open,
    did_change,
    did_close,
    inline_completion,
    completion,
    status,
    context,
    code_action,
    execute_command,
)


def register_all(server: RadixServer) -> None:
    for module in _MODULES:
        module.register(server)
