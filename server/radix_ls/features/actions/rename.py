"""The rename-local action: a better name for a local variable, applied at every use.

The model only proposes the name (constrained to an identifier where the engine can); the
syntax tree finds the binding's uses inside the function, and a name that is not an
identifier, is reserved or is already taken in the scope is rejected.
"""

from __future__ import annotations

import keyword
import re

from radix_ls.features import edits as E
from radix_ls.features.actions import base
from radix_ls.workspace.documents import TextEdit

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,39}")


class RenameLocal(base.Action):
    """Rename the local variable under the cursor."""

    id = "rename-local"
    kind = "refactor.rewrite"

    def offer(self, place: base.Place) -> base.Offer | None:
        function = place.function
        if function is None:
            return None
        ident = place.doc.identifier_at(place.start)
        if ident is None or ident[0] not in place.doc.local_bindings(function):
            return None
        name, start, end = ident
        title = f"radix-ls: Rename local {name} to a better name"
        return self.offered(title, base.ActionRequest(self.id, start, end, name))

    def task(self, inp: base.ActionInput) -> base.Task:
        first, _ = inp.lines
        return base.Task(
            f"In the {inp.language_name} code above, the local name `{inp.request.name}` (line"
            f" {first}) could be more descriptive. Suggest a better name for it, in the file's"
            " naming style. Reply with the new name only.",
            stop=("\n", " ", "`"),
            regex=_IDENTIFIER.pattern,
            gbnf="root ::= [A-Za-z_] [A-Za-z0-9_]{0,39}",
        )

    def apply(self, inp: base.ActionInput, answer: str) -> base.ActionResult:
        doc, r = inp.doc, inp.request
        function = doc.enclosing(r.start, r.end, "function")
        if function is None or doc.text[r.start : r.end] != r.name:
            raise base.ActionFailed(f"`{r.name}` is no longer at the action's place")
        new = answer.strip().strip("`").strip()
        if not _IDENTIFIER.fullmatch(new):
            raise base.Rejected(f"{new[:40]!r} is not a valid name")
        if new == r.name:
            raise base.ActionFailed(f"rename-local: the model kept the name `{r.name}`")
        if doc.language == "python" and (keyword.iskeyword(new) or new in ("self", "cls")):
            raise base.Rejected(f"`{new}` is a reserved word")
        taken = doc.identifiers_in(function.start, function.end) | {
            d.name for d in doc.definitions()
        }
        if new in taken:
            raise base.Rejected(f"`{new}` is already used in this scope")
        places = doc.occurrences(function, r.name)
        edits = [TextEdit(s, e, new) for s, e in places]
        new_text = E.apply_all(inp.snapshot.text, edits)
        base.check_parse(new_text, doc.language, inp.errors_before)
        return base.ActionResult(
            self.id,
            (base.change(inp.snapshot, new_text, edits),),
            (),
            0,
            summary=f"renamed {r.name} -> {new} ({len(places)} places)",
        )
