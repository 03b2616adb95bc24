"""textDocument/didClose: forget a document and abort its generations."""

from __future__ import annotations

from lsprotocol import types

from radix_ls.lsp.server import RadixServer


def register(server: RadixServer) -> None:
    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: RadixServer, params: types.DidCloseTextDocumentParams) -> None:
        ls.session.close_document(params.text_document.uri)
