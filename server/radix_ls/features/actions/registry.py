"""The registry: every code action, by id, in the order they are offered.

This is the one table of actions: listing, batch runs, prompts and answer checks all look an
action up here. Adding an action is a module with its `Action` class and a line below (plus
its id in `config.ACTION_IDS`, the ids the settings accept; the assertion keeps the two
lists in step).
"""

from __future__ import annotations

from radix_ls.config import ACTION_IDS
from radix_ls.features.actions.base import Action
from radix_ls.features.actions.docstring import Docstring
from radix_ls.features.actions.rename import RenameLocal
from radix_ls.features.actions.rewrite import (
    Annotate,
    ExtractFunction,
    Fix,
    Rewrite,
    Simplify,
    ToAsync,
)
from radix_ls.features.actions.tests import Tests

REGISTRY: dict[str, Action] = {
    action.id: action
    for action in (
        Fix(),
        Docstring(),
        Annotate(),
        ExtractFunction(),
        Simplify(),
        Rewrite(),
        RenameLocal(),
        ToAsync(),
        Tests(),
    )
}
assert set(REGISTRY) == set(ACTION_IDS), "config.ACTION_IDS and the registry differ"

# Each action's LSP kind (what the server advertises in its codeActionKinds).
KINDS = {action_id: action.kind for action_id, action in REGISTRY.items()}
