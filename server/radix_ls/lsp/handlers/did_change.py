"""textDocument/didChange: apply incremental edits in the negotiated position encoding."""

from __future__ import annotations

import logging

from lsprotocol import types

from radix_ls.lsp import convert
from radix_ls.lsp.server import RadixServer
from radix_ls.workspace.documents import DocumentError, apply_edits, join_surrogates

log = logging.getLogger("radix_ls")


def register(server: RadixServer) -> None:
    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: RadixServer, params: types.DidChangeTextDocumentParams) -> None:
        uri = params.text_document.uri
        snapshot = ls.session.documents.find(uri)
        if snapshot is None:
            log.warning("didChange for a document that is not open: %s", uri)
            return
        text = snapshot.text
        edits = []
        try:
            for change in params.content_changes:
                edit = convert.content_change_to_edit(text, change, ls.position_encoding)
                # joined here too, so the incremental parse gets the edit the text got
                edit = join_surrogates(text, edit)
                text = apply_edits(text, [edit])
                edits.append(edit)
        except (DocumentError, convert.PositionError) as exc:
            # Keep the last good text rather than a guess; the next full sync repairs it.
            log.error("didChange for %s v%d rejected: %s", uri, params.text_document.version, exc)
            raise
        ls.session.edit_document(uri, params.text_document.version, edits, text)
