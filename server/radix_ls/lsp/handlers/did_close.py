"""textDocument/didClose: forget a document and abort its generations."""

from __future__ import annotations

from lsprotocol import types

from radix_ls.lsp.server import RadixServer


def register(server: RadixServer) -> None:
    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: RadixServer, params: types.DidCloseTextDocumentParams) -> None:
        ls.cancel_inflight(params.text_document.uri)
        ls.document_closed(ls.documents.find(params.text_document.uri))
        ls.documents.close(params.text_document.uri)
