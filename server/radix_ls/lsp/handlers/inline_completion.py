"""textDocument/inlineCompletion (LSP 3.18): ghost text at the cursor."""

from __future__ import annotations

from lsprotocol import types

from radix_ls.lsp.server import RadixServer, failures


def register(server: RadixServer) -> None:
    # pygls advertises inlineCompletionProvider only when options are given.
    @server.feature(types.TEXT_DOCUMENT_INLINE_COMPLETION, types.InlineCompletionOptions())
    async def inline_completion(
        ls: RadixServer, params: types.InlineCompletionParams
    ) -> types.InlineCompletionList:
        snapshot, offset = ls.snapshot_at(params.text_document, params.position)
        if not ls.session.settings.inline_completion:
            return types.InlineCompletionList(items=[])
        # asked for explicitly (not while typing): worth waiting for a model still loading
        explicit = params.context.trigger_kind == types.InlineCompletionTriggerKind.Invoked
        with failures():
            result = await ls.session.complete(snapshot, offset, wait=explicit)
        if result is None or result.text is None:
            return types.InlineCompletionList(items=[])
        at = types.Range(start=params.position, end=params.position)
        return types.InlineCompletionList(
            items=[types.InlineCompletionItem(insert_text=result.text, range=at)]
        )
