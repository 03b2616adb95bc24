"""textDocument/didOpen: start tracking a document."""

from __future__ import annotations

from lsprotocol import types

from radix_ls.lsp.server import RadixServer, path_of
from radix_ls.workspace.documents import DocumentSnapshot


def register(server: RadixServer) -> None:
    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: RadixServer, params: types.DidOpenTextDocumentParams) -> None:
        doc = params.text_document
        snapshot = DocumentSnapshot(
            doc.uri, doc.version, doc.language_id, doc.text, path_of(doc.uri)
        )
        ls.session.open_document(snapshot)
