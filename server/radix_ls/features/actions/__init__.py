"""Code actions: what is offered where (instant, no model), and computing an action's edit.

Both the LSP handlers and `radix-ls batch` run actions through this package.

Layout:
- `base.py`: the `Action` protocol and the records around it. An action is one object that
  holds everything about it: `id`, LSP `kind`, the `languages` it applies to, `offer(place)`
  (when it is listed for a cursor or selection), `targets(doc)` (its places in a whole file,
  for batch runs; None when it needs a place chosen in an editor), `task(inp)` (the prompt's
  task, answer start, extra stops and regex/GBNF constraint, as a `Task`) and
  `apply(inp, answer)` (check the answer, raising `Rejected` for a retry, and build the
  `FileChange`s). Also the shared records (`ActionRequest`, `Offer`, `FileChange`,
  `ActionResult`, `Diagnostic`) and `parse`, which reuses the snapshot's tree.
- `registry.py`: `REGISTRY`, every action by id in offer order (and `KINDS`, derived).
- one module per family: `rewrite.py` (fix, annotate, simplify, rewrite, to-async,
  extract-function: the answer is new code for a region), `docstring.py`, `rename.py`
  (rename-local), `tests.py` (tests, and where test files go).
- `offers.py`: `offers` (an editor's list) and `batch_targets` (a whole file), by asking
  each registered action; they only parse.
- `service.py`: `ActionService.run`, which builds the prompt (repository context, the file
  or an anchored `window` of it, then the task: most stable first, for the prefix cache),
  generates with the engine, and retries once with the complaint when the answer is rejected.

Adding an action: a class implementing `Action` in its family's module (or a new module),
one line in `registry.py`, and its id in `config.ACTION_IDS` (the ids settings accept).

Edits are minimal (a line diff of the region, never the whole file) and checked: the edited
file must parse with no new syntax errors and still hold what the action promised.
"""

from radix_ls.features.actions.base import (
    Action,
    ActionFailed,
    ActionInput,
    ActionRequest,
    ActionResult,
    Diagnostic,
    FileChange,
    Offer,
    Place,
    Rejected,
    Task,
    confined,
    parse,
)
from radix_ls.features.actions.offers import batch_targets, offers
from radix_ls.features.actions.registry import KINDS, REGISTRY
from radix_ls.features.actions.service import ActionService, apply_answer, window
from radix_ls.features.actions.tests import checked_test_file, test_file_for

__all__ = [
    "KINDS",
    "REGISTRY",
    "Action",
    "ActionFailed",
    "ActionInput",
    "ActionRequest",
    "ActionResult",
    "ActionService",
    "Diagnostic",
    "FileChange",
    "Offer",
    "Place",
    "Rejected",
    "Task",
    "apply_answer",
    "batch_targets",
    "checked_test_file",
    "confined",
    "offers",
    "parse",
    "test_file_for",
    "window",
]
