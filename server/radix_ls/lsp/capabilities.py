"""What the client can do, resolved once from `initialize` into one frozen record."""

from __future__ import annotations

from dataclasses import dataclass

from lsprotocol import types


@dataclass(frozen=True)
class ClientFeatures:
    """The client capabilities radix-ls acts on."""

    configuration: bool = False  # workspace/configuration (pull settings)
    progress: bool = False  # window/workDoneProgress
    action_resolve: bool = False  # codeAction/resolve can fill in `edit`
    document_changes: bool = False  # versioned TextDocumentEdits in a WorkspaceEdit
    create_files: bool = False  # CreateFile resource operations
    rewrite_prompt: bool = False  # experimental.radixLs.rewritePrompt: the radix-ls.rewrite command
    inline_completion: bool = False  # textDocument/inlineCompletion (LSP 3.18)
    markdown_documentation: bool = False  # completion items may carry Markdown

    @classmethod
    def from_capabilities(cls, caps: types.ClientCapabilities) -> ClientFeatures:
        text = caps.text_document
        action_caps = text.code_action if text else None
        resolve = action_caps.resolve_support if action_caps else None
        edit_caps = caps.workspace.workspace_edit if caps.workspace else None
        document_changes = bool(edit_caps and edit_caps.document_changes)
        experimental = caps.experimental if isinstance(caps.experimental, dict) else {}
        ours = experimental.get("radixLs")
        item = text.completion.completion_item if text and text.completion else None
        formats = (item.documentation_format if item else None) or []
        return cls(
            configuration=bool(caps.workspace and caps.workspace.configuration),
            progress=bool(caps.window and caps.window.work_done_progress),
            action_resolve=bool(resolve and "edit" in resolve.properties),
            document_changes=document_changes,
            create_files=document_changes
            and bool(
                edit_caps
                and edit_caps.resource_operations
                and types.ResourceOperationKind.Create in edit_caps.resource_operations
            ),
            rewrite_prompt=bool(isinstance(ours, dict) and ours.get("rewritePrompt")),
            inline_completion=bool(text and text.inline_completion is not None),
            markdown_documentation=types.MarkupKind.Markdown in formats,
        )
