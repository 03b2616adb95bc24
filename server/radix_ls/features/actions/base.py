"""What every code action shares: the `Action` protocol and the records that cross it.

An action is one object (see `Action`) that knows its id, its LSP kind, the languages it
applies to, when it is offered (`offer`, given a `Place`), which places a batch run gives it
(`targets`), the task it asks of the model (`task`, a `Task`), and how it checks the model's
answer and turns it into a `FileChange` (`apply`, given an `ActionInput`). The records here
are plain data in editor terms (string offsets, paths): the LSP layer converts them.
"""

from __future__ import annotations

import abc
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from radix_ls.config import ACTION_IDS
from radix_ls.engine.base import GenerationStats
from radix_ls.features import edits as E
from radix_ls.features.syntax import Definition, SyntaxDocument, SyntaxUnavailable, language_of
from radix_ls.index import languages
from radix_ls.workspace import paths
from radix_ls.workspace.confine import ConfinementError, check_write
from radix_ls.workspace.documents import DocumentSnapshot, TextEdit

# The extra stop of every task whose answer is a code block the prompt has opened.
CODE_STOP = ("\n```",)


class ActionFailed(Exception):
    """An action could not produce a correct edit; the message says why (for the user)."""


class Rejected(Exception):
    """The answer failed a check; the message goes back to the model on the retry."""


@dataclass(frozen=True)
class Diagnostic:
    """A problem reported by another tool (linter, type checker), in string offsets."""

    start: int
    end: int
    message: str
    source: str = ""
    code: str = ""


@dataclass(frozen=True)
class ActionRequest:
    """What an action works on; everything `run` needs besides the document."""

    action: str
    start: int  # the target region (string offsets)
    end: int
    name: str = ""  # the function, class or local name the action is about
    instruction: str = ""  # for "rewrite"
    diagnostics: tuple[Diagnostic, ...] = ()

    def to_json(self) -> dict[str, object]:
        """The request as a code action's `data` (JSON: the diagnostics as a list)."""
        return {**asdict(self), "diagnostics": [asdict(d) for d in self.diagnostics]}

    @classmethod
    def from_json(cls, data: object) -> ActionRequest:
        """The request back from a client's `data`; ValueError says what is wrong with it."""
        if not isinstance(data, dict):
            raise ValueError("action data must be an object")
        action = data.get("action")
        if action not in ACTION_IDS:
            raise ValueError(f"unknown action {action!r} (known: {', '.join(ACTION_IDS)})")
        start, end = data.get("start"), data.get("end")
        if not isinstance(start, int) or not isinstance(end, int) or not 0 <= start <= end:
            raise ValueError("action data needs 0 <= start <= end (integers)")
        diagnostics = tuple(
            Diagnostic(int(d["start"]), int(d["end"]), str(d["message"]),
                       str(d.get("source") or ""), str(d.get("code") or ""))
            for d in data.get("diagnostics") or ()
        )  # fmt: skip
        return cls(
            action=str(action),
            start=start,
            end=end,
            name=str(data.get("name") or ""),
            instruction=str(data.get("instruction") or ""),
            diagnostics=diagnostics,
        )


@dataclass(frozen=True)
class Offer:
    """One action offered for a place in a document."""

    title: str
    kind: str
    request: ActionRequest
    # indices into the request's diagnostics list this action fixes (quickfix)
    fixes: tuple[int, ...] = ()


@dataclass(frozen=True)
class FileChange:
    """The edit of one file: `edits` (relative to `old_text`, non-overlapping) -> `new_text`."""

    path: Path | None  # None: the document the action ran on, when it has no path
    create: bool  # the file does not exist yet
    old_text: str
    new_text: str
    edits: tuple[TextEdit, ...]


@dataclass(frozen=True)
class ActionResult:
    title: str
    changes: tuple[FileChange, ...]
    stats: tuple[GenerationStats, ...]
    attempts: int
    summary: str = ""  # e.g. "renamed x -> total (4 places)"


@dataclass(frozen=True)
class Task:
    """What an action asks of the model: the task text (after the repository context and the
    file), how the answer begins (e.g. an opened code fence), extra stop strings, and a
    constraint on the answer's shape for engines that have constrained decoding."""

    text: str
    answer_start: str = ""
    stop: tuple[str, ...] = ()
    regex: str | None = None
    gbnf: str | None = None


@dataclass(frozen=True)
class Place:
    """Where actions are asked for (a cursor or a selection), with what the offers look at;
    computed once per listing (`Place.at`), before any action looks."""

    snapshot: DocumentSnapshot
    doc: SyntaxDocument
    start: int
    end: int
    diagnostics: tuple[Diagnostic, ...]
    can_prompt: bool  # the client can ask the user for an instruction ("rewrite")
    can_create_files: bool
    root: Path | None
    function: Definition | None  # the innermost function around start..end
    target: Definition | None  # the innermost function or class around it
    # the complete statements a non-blank selection covers, all in one block
    statements: tuple[int, int] | None

    @classmethod
    def at(
        cls,
        snapshot: DocumentSnapshot,
        doc: SyntaxDocument,
        start: int,
        end: int,
        *,
        diagnostics: tuple[Diagnostic, ...] = (),
        can_prompt: bool = False,
        can_create_files: bool = True,
        root: Path | None = None,
    ) -> Place:
        selection = end > start and bool(snapshot.text[start:end].strip())
        return cls(
            snapshot,
            doc,
            start,
            end,
            diagnostics,
            can_prompt,
            can_create_files,
            root,
            function=doc.enclosing(start, end, "function"),
            target=doc.enclosing(start, end),
            statements=doc.statements(start, end) if selection else None,
        )

    @property
    def region(self) -> tuple[int, int] | None:
        """What a rewrite of "this" covers: the selected statements, else the function."""
        if self.statements is not None:
            return self.statements
        return (self.function.start, self.function.end) if self.function else None

    @property
    def region_name(self) -> str:
        return self.function.name if self.function else ""


@dataclass(frozen=True)
class ActionInput:
    """Everything an action's `task` and `apply` read: the parsed document, the request, and
    (for `apply`) the syntax errors the document had before and open editors' texts."""

    doc: SyntaxDocument
    snapshot: DocumentSnapshot
    request: ActionRequest
    root: Path | None = None
    errors_before: int = 0
    # an open editor's text of a file (newer than the disk), if any
    test_text: Callable[[Path], str | None] | None = None

    @property
    def language_name(self) -> str:
        """The language as the prompt names it ("TypeScript (TSX)")."""
        return languages.specs()[self.doc.language].display or self.doc.language

    @property
    def fence(self) -> str:
        return f"```{self.doc.language}\n"

    @property
    def lines(self) -> tuple[int, int]:
        """The request's first and last line (1-based)."""
        r = self.request
        return self.doc.line_of(r.start) + 1, self.doc.line_of(max(r.start, r.end - 1)) + 1

    @property
    def what(self) -> str:
        """How the task names its target: "`name`", else its lines."""
        first, last = self.lines
        return f"`{self.request.name}`" if self.request.name else f"lines {first}-{last}"

    @property
    def quoted(self) -> str:
        """The request's whole lines, fenced."""
        text, r = self.doc.text, self.request
        region = text[E.line_start(text, r.start) : E.line_end(text, r.end)]
        return f"\n{self.fence}{region}\n```\n"


class Action(abc.ABC):
    """One code action: everything about it in one object (see the package docstring)."""

    #: the short id of the CLI, the `codeActions` setting and a code action's data
    id: str
    #: the LSP CodeActionKind it is listed under
    kind: str
    #: the languages it applies to (index language names); None: every one with a grammar
    languages: frozenset[str] | None = None

    def applies_to(self, language: str) -> bool:
        return self.languages is None or language in self.languages

    def about(self, d: Definition) -> ActionRequest:
        """A request of this action for a whole function or class."""
        return ActionRequest(self.id, d.start, d.end, d.name)

    def offered(self, title: str, request: ActionRequest) -> Offer:
        return Offer(title, self.kind, request)

    @abc.abstractmethod
    def offer(self, place: Place) -> Offer | None:
        """This action for `place`, if it applies there (instant: no model)."""

    def targets(self, doc: SyntaxDocument) -> list[ActionRequest] | None:
        """Every place this action applies to in a whole file (`radix-ls batch`), in document
        order and not overlapping; None for actions that need a place chosen in an editor."""
        return None

    @abc.abstractmethod
    def task(self, inp: ActionInput) -> Task:
        """What to ask the model."""

    @abc.abstractmethod
    def apply(self, inp: ActionInput, answer: str) -> ActionResult:
        """Check the model's answer and turn it into the edit. Raises Rejected when the
        answer is wrong in a way the model may fix on a retry, ActionFailed otherwise."""


# -- helpers the actions share --------------------------------------------------------------


def parse(snapshot: DocumentSnapshot) -> SyntaxDocument | None:
    """The snapshot's syntax, reusing the tree its document store made (one parse per document
    version); None for a language without a grammar or action queries."""
    language = language_of(snapshot.language_id, snapshot.path)
    if language is None:
        return None
    try:
        return SyntaxDocument(snapshot.text, language, tree=snapshot.tree)
    except SyntaxUnavailable:
        return None


def change(snapshot: DocumentSnapshot, new_text: str, edits: list[TextEdit]) -> FileChange:
    """The change of the document the action ran on."""
    return FileChange(
        path=snapshot.path,
        create=False,
        old_text=snapshot.text,
        new_text=new_text,
        edits=tuple(edits),
    )


def confined(path: Path, root: Path | None, document: Path | None = None) -> Path:
    """`path` if an action may change it: a regular file (or a new one) inside the workspace
    root after resolving symlinks, and not a symlink (`workspace.confine.check_write`). With
    no root, the folder of the document the action runs on stands in for it. Raises
    ActionFailed naming the file (relative to the root) and why."""
    scope = root if root is not None else (document or path).parent
    try:
        return check_write(path, scope)
    except ConfinementError as exc:
        shown = paths.relative(path, scope) or str(path)
        reason = str(exc).removeprefix(f"{path}: ")
        raise ActionFailed(f"{shown}: {reason}") from None


def check_parse(text: str, language: str, errors_before: int) -> SyntaxDocument:
    """The edited text, parsed; Rejected if it has more syntax errors than before."""
    after = SyntaxDocument(text, language)
    errors = after.errors()
    if len(errors) > errors_before:
        raise Rejected(f"the edited file does not parse: {errors[0].describe()}")
    return after
