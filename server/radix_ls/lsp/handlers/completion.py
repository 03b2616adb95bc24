"""textDocument/completion: the AI completion as one item, for clients without inline support.

The item replaces the word before the cursor with that word plus the completion, so clients
that filter items by the typed word keep it.
"""

from __future__ import annotations

import re

from lsprotocol import types

from radix_ls.lsp import convert
from radix_ls.lsp.server import RadixServer, failures

_WORD_END = re.compile(r"\w+$")


def _documentation(ls: RadixServer, code: str) -> types.MarkupContent | str:
    if ls.features.markdown_documentation:
        return types.MarkupContent(kind=types.MarkupKind.Markdown, value=f"```\n{code}\n```")
    return code  # a plain string is valid for every client


def _wanted(ls: RadixServer) -> bool:
    mode = ls.session.settings.completion_item
    if mode != "auto":
        return mode == "always"
    # Clients that show inline completions would otherwise run the model twice per keystroke.
    return not ls.features.inline_completion


def register(server: RadixServer) -> None:
    @server.feature(types.TEXT_DOCUMENT_COMPLETION, types.CompletionOptions())
    async def completion(ls: RadixServer, params: types.CompletionParams) -> types.CompletionList:
        snapshot, offset = ls.snapshot_at(params.text_document, params.position)
        empty = types.CompletionList(is_incomplete=True, items=[])
        if not _wanted(ls):
            return empty
        with failures():
            result = await ls.session.complete(snapshot, offset)
        if result is None or result.text is None:
            return empty
        line_start = snapshot.text.rfind("\n", 0, offset) + 1
        word = _WORD_END.search(snapshot.text, line_start, offset)
        start = word.start() if word else offset
        typed = snapshot.text[start:offset]
        new_text = typed + result.text
        first_line = result.text.splitlines()[0] if result.text.strip() else result.text
        item = types.CompletionItem(
            label=(typed + first_line).strip()[:80] or "radix-ls",
            kind=types.CompletionItemKind.Text,
            detail=f"radix-ls ({result.stats.completion_tokens} tokens)",
            documentation=_documentation(ls, new_text),
            filter_text=new_text,
            sort_text="0",
            text_edit=types.TextEdit(
                range=convert.range_of(snapshot.text, start, offset, ls.position_encoding),
                new_text=new_text,
            ),
            insert_text_format=types.InsertTextFormat.PlainText,
        )
        # Incomplete: the client asks again as the user types instead of filtering a stale one.
        return types.CompletionList(is_incomplete=True, items=[item])
