"""What a batch writes for one source file (a unit), and writing it safely.

An action's result may change the source file and other files (the tests action appends to
a test file). The source file's edits are merged by the runner; `merge_other_files` merges
the other files' changes of all the unit's places (appends at one point go in place order,
a blank line apart) and `commit_unit` writes the unit: every file checked first (confined
to the workspace, not a symlink, no uncommitted changes unless forced, still the text the
edits were computed from), then the journal's `writing` line, the checked atomic replaces
(`journal.write_checked`, which checks again right before each), and `done`. A refusal
names the file and why and leaves everything as it was.
"""

from __future__ import annotations

import itertools
import os
import shutil
import subprocess
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from radix_ls.batch.journal import (
    ABSENT,
    Journal,
    WriteRefused,
    current_digest,
    digest,
    write_checked,
)
from radix_ls.features import edits as E
from radix_ls.features.actions import FileChange
from radix_ls.features.syntax import SyntaxDocument, SyntaxUnavailable, language_of
from radix_ls.workspace.confine import ConfinementError, check_write, real_path
from radix_ls.workspace.documents import TextEdit

Who = TypeVar("Who", bound=Hashable)


@dataclass(frozen=True)
class Planned:
    """One file's write: `old` (what the edits were computed from) -> `new`."""

    path: Path
    rel: str  # how messages and the journal name it
    old: str
    new: str
    create: bool

    @property
    def expected(self) -> str:
        """The digest the file must still have right before it is replaced."""
        return ABSENT if self.create else digest(self.old)

    def diff(self) -> str:
        return E.unified_diff(self.old, self.new, self.rel, created=self.create)


def display(path: Path, root: Path) -> str:
    """A path as the batch names it: relative to the root (`../x` outside it)."""
    return Path(os.path.relpath(os.path.abspath(path), root)).as_posix()


def dirty_files(root: Path) -> set[Path] | None:
    """The workspace's files with uncommitted changes (modified, staged or untracked), as
    `confine.real_path` names them; None outside git."""
    git = shutil.which("git")
    if git is None:
        return None
    try:
        done = subprocess.run(
            [git, "status", "--porcelain=v1", "-z", "--untracked-files=all", "--", "."],
            cwd=root,
            capture_output=True,
            timeout=120,
            check=False,
        )
        top = subprocess.run(
            [git, "rev-parse", "--show-toplevel"],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if done.returncode != 0 or top.returncode != 0:
        return None
    base = Path(top.stdout.strip()).resolve()
    dirty: set[Path] = set()
    entries = done.stdout.decode("utf-8", "surrogateescape").split("\0")
    skip_next = False
    for entry in entries:
        if skip_next:  # the source path of a rename
            skip_next = False
            continue
        if len(entry) < 4:
            continue
        status, name = entry[:2], entry[3:]
        if status[0] in "RC":
            skip_next = True
        dirty.add(real_path(base / name))
    return dirty


def merge_other_files(
    source: Path, root: Path, pairs: Sequence[tuple[Who, FileChange]]
) -> tuple[list[Planned], dict[Who, str]]:
    """The writes of files other than `source`, merged over the unit's places (in place
    order), and the places that cannot be merged with why (their changes are left out)."""
    by_path: dict[Path, list[tuple[Who, FileChange]]] = {}
    for who, change in pairs:
        if change.path is not None and change.path != source:
            by_path.setdefault(change.path, []).append((who, change))
    planned: list[Planned] = []
    failed: dict[Who, str] = {}
    for path, changes in by_path.items():
        rel = display(path, root)
        first = changes[0][1]
        edits: list[TextEdit] = []
        used: list[Who] = []
        for who, change in changes:
            if (change.old_text, change.create) != (first.old_text, first.create):
                failed[who] = f"{rel} changed while this run computed its edits; run again"
                continue
            if any(_clash(e, mine) for e in edits for mine in change.edits):
                failed[who] = f"overlaps another edit in {rel}; run again"
                continue
            edits.extend(change.edits)
            used.append(who)
        if not used:
            continue
        new = E.apply_all(first.old_text, _spaced(edits))
        problem = _new_errors(first.old_text, new, path)
        if problem:
            failed.update((who, f"the combined edits of {rel} do not parse ({problem})")
                          for who in used)  # fmt: skip
            continue
        planned.append(Planned(path, rel, first.old_text, new, first.create))
    return planned, failed


def _clash(a: TextEdit, b: TextEdit) -> bool:
    """Edits that touch the same text; insertions at one point do not (they go in order)."""
    return b.start < a.end and a.start < b.end


def _spaced(edits: list[TextEdit]) -> list[TextEdit]:
    """Insertions at one point, kept in place order (the sort is stable), a blank line apart."""
    out: list[TextEdit] = []
    ordered = sorted(edits, key=lambda e: (e.start, e.end))
    for _point, group in itertools.groupby(ordered, key=lambda e: (e.start, e.end)):
        same = list(group)
        for i in range(1, len(same)):
            prev, this = same[i - 1], same[i]
            if prev.start == prev.end and not prev.text.endswith("\n\n"):
                gap = "\n" if prev.text.endswith("\n") else "\n\n"
                same[i] = TextEdit(this.start, this.end, gap + this.text.lstrip("\n"))
        out.extend(same)
    return out


def _new_errors(old: str, new: str, path: Path) -> str:
    """A description of the first new syntax error in `new`; "" if it has no new ones."""
    language = language_of("", path)
    if language is None:
        return ""
    try:
        before = len(SyntaxDocument(old, language).errors()) if old else 0
        errors = SyntaxDocument(new, language).errors()
    except SyntaxUnavailable:
        return ""
    return errors[0].describe() if len(errors) > before else ""


def commit_unit(
    journal: Journal,
    root: Path,
    unit: str,
    unit_text: str,
    writes: Sequence[Planned],
    dirty: set[Path] | None,
) -> None:
    """Write a unit's files (`unit`: the source file's name in the journal, `unit_text` the
    text its edits were computed from), journalled; `dirty`: files with uncommitted changes
    to refuse (None: forced). Raises WriteRefused, leaving the files as they were."""
    for plan in writes:  # everything checked before anything is written
        try:
            check_write(plan.path, root)
        except ConfinementError as exc:
            raise WriteRefused(f"{plan.rel}: {str(exc).removeprefix(f'{plan.path}: ')}") from None
        if dirty is not None and not plan.create and real_path(plan.path) in dirty:
            raise WriteRefused(
                f"{plan.rel}: has uncommitted changes (commit or stash them, or pass --force)"
            )
        if current_digest(plan.path) != plan.expected:
            raise WriteRefused(
                f"{plan.rel}: changed on disk while the model ran (it no longer has the text "
                "the edits were computed from); not written: run again"
            )
    source = next((p for p in writes if p.rel == unit), None)
    before = digest(unit_text)
    after = digest(source.new) if source else before
    others = [p for p in writes if p is not source]
    planned = tuple((p.rel, p.expected, digest(p.new)) for p in others)
    journal.record(unit, "writing", before, after, planned)
    done: list[Planned] = []
    try:
        for plan in [*others, *([source] if source else [])]:  # the source file last
            write_checked(plan.path, root, plan.new, plan.expected, plan.rel)
            done.append(plan)
    except WriteRefused:
        if not done:
            journal.record(unit, "dropped", before, after, planned)
        else:  # what this run changed stays recorded, so a re-run leaves it alone
            # (a file refused here keeps after == before: reported now, not redone later)
            written = {p.rel for p in done}
            journal.record(
                unit, "done", before, after if source in done else before,
                tuple((r, b, a if r in written else b) for r, b, a in planned),
            )  # fmt: skip
        raise
    journal.record(unit, "done", before, after, planned)
