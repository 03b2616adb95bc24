"""The editors' language lists agree with the one language registry (grammars/manifest.json).

VS Code names its languages twice (activationEvents in package.json and the document selector
in src/common/server.ts) and Neovim once (filetypes in lsp/radix_ls.lua); a language added to
the manifest but not to an editor would never be sent to the server there.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from radix_ls.index import languages

ROOT = Path(__file__).resolve().parents[2]
EXPECTED = list(languages.editor_language_ids())


def _quoted_list(text: str, start: str) -> list[str]:
    """The quoted strings of the first bracketed list after `start` in `text`."""
    head = text.index(start)
    body = text[head : text.index("}" if "{" in start else "]", head)]
    return re.findall(r"'([^']+)'", body)


def test_registry_knows_every_language_once():
    assert len(EXPECTED) == len(set(EXPECTED))
    assert set(EXPECTED) >= {"python", "typescriptreact", "javascriptreact", "cpp"}
    for language_id in EXPECTED:
        assert languages.language_for(language_id) in languages.names()


def test_vscode_activation_events():
    package = json.loads((ROOT / "editors/vscode/package.json").read_text("utf-8"))
    events = [e.removeprefix("onLanguage:") for e in package["activationEvents"]]
    assert events == EXPECTED


def test_vscode_document_selector():
    source = (ROOT / "editors/vscode/src/common/server.ts").read_text("utf-8")
    assert _quoted_list(source, "export const LANGUAGES = [") == EXPECTED


def test_neovim_filetypes():
    source = (ROOT / "editors/nvim/lsp/radix_ls.lua").read_text("utf-8")
    assert _quoted_list(source, "filetypes = {") == EXPECTED


def test_language_of_a_document():
    # the editor's id decides; an id we do not know falls back to the extension
    assert languages.language_for("typescriptreact", "a.tsx") == "tsx"
    assert languages.language_for("javascriptreact") == "javascript"
    assert languages.language_for("plaintext", "x/y.go") == "go"
    assert languages.language_for("markdown", "README.md") is None
    assert languages.editor_language_id("a/b.pyi") == "python"
    assert languages.editor_language_id("notes.txt") == "plaintext"
