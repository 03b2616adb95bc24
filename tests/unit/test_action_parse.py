"""One parse per document version: code actions read the tree the document store keeps for
an open document's snapshot instead of parsing its text again, and get the same answers."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from radix_ls.features import actions as A
from radix_ls.features.syntax import SyntaxDocument
from radix_ls.workspace.documents import DocumentSnapshot, DocumentStore, TextEdit

from .test_actions import SOURCE


def offered(snapshot: DocumentSnapshot, at: int, root: Path) -> list[A.Offer]:
    return A.offers(snapshot, at, at, root=root)


def test_a_snapshot_with_a_tree_is_not_parsed_again(tmp_path):
    path = tmp_path / "shop.py"
    path.write_text(SOURCE)
    store = DocumentStore(tmp_path)
    snapshot = store.open(DocumentSnapshot(path.as_uri(), 1, "python", SOURCE, path))
    assert snapshot.tree is not None
    at = SOURCE.index("total = 0")

    before = SyntaxDocument.parses
    doc = A.parse(snapshot)
    listed = offered(snapshot, at, tmp_path)
    assert SyntaxDocument.parses == before, "the store's tree is used, not a new parse"
    assert doc is not None and doc.tree is snapshot.tree

    # the same answers as a snapshot without a tree, which is parsed (once)
    bare = replace(snapshot, tree=None)
    fresh = A.parse(bare)
    assert SyntaxDocument.parses == before + 1
    assert fresh is not None and fresh.definitions() == doc.definitions()
    assert offered(bare, at, tmp_path) == listed
    assert SyntaxDocument.parses == before + 2


def test_an_edited_documents_incremental_tree_gives_the_same_offers(tmp_path):
    path = tmp_path / "shop.py"
    path.write_text(SOURCE)
    store = DocumentStore(tmp_path)
    uri = path.as_uri()
    store.open(DocumentSnapshot(uri, 1, "python", SOURCE, path))
    at = SOURCE.index("    def price")
    edited = store.edit(uri, 2, [TextEdit(at, at, "    async def fetch(self):\n        pass\n\n")])
    assert edited.tree is not None
    at = edited.text.index("total = 0")

    before = SyntaxDocument.parses
    listed = offered(edited, at, tmp_path)
    assert SyntaxDocument.parses == before
    assert listed == offered(replace(edited, tree=None), at, tmp_path)
    assert "radix-ls: Convert price to async" in [o.title for o in listed]
    # the new async method is seen in the incremental tree too
    inside = edited.text.index("pass")
    assert "to-async" not in {o.request.action for o in offered(edited, inside, tmp_path)}
