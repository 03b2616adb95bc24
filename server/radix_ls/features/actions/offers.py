"""Where actions apply: the offers for a cursor or selection (an editor's code action list)
and every place in a whole file (`radix-ls batch`). Both only parse, never call the model."""

from __future__ import annotations

from pathlib import Path

from radix_ls.config import ACTION_IDS
from radix_ls.features.actions import base
from radix_ls.features.actions.registry import REGISTRY
from radix_ls.features.syntax import SyntaxDocument
from radix_ls.workspace.documents import DocumentSnapshot


def offers(
    snapshot: DocumentSnapshot,
    start: int,
    end: int,
    *,
    diagnostics: tuple[base.Diagnostic, ...] = (),
    enabled: tuple[str, ...] = ACTION_IDS,
    can_prompt: bool = False,
    can_create_files: bool = True,
    root: Path | None = None,
) -> list[base.Offer]:
    """The actions for the range start..end (a cursor when equal), in the registry's order.
    Never calls the model.

    `can_prompt`: the client can ask the user for an instruction ("rewrite").
    """
    doc = base.parse(snapshot)
    if doc is None:
        return []
    place = base.Place.at(
        snapshot,
        doc,
        start,
        end,
        diagnostics=diagnostics,
        can_prompt=can_prompt,
        can_create_files=can_create_files,
        root=root,
    )
    out: list[base.Offer] = []
    for action in REGISTRY.values():
        if action.id in enabled and action.applies_to(doc.language):
            offer = action.offer(place)
            if offer is not None:
                out.append(offer)
    return out


def batch_targets(doc: SyntaxDocument, action: str) -> list[base.ActionRequest]:
    """Every place `action` applies to in a whole file (for `radix-ls batch`): e.g. every
    function and class without a docstring. Non-overlapping, in document order."""
    chosen = REGISTRY.get(action)
    found = chosen.targets(doc) if chosen is not None else None
    if found is not None:
        return found
    batchable = [i for i in ACTION_IDS if REGISTRY[i].targets(doc) is not None]
    raise base.ActionFailed(
        f"{action} needs a place chosen in an editor (a selection, a diagnostic or a name);"
        f" batch runs take {', '.join(batchable[:-1])} or {batchable[-1]}"
    )
