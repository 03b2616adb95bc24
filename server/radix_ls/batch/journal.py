"""The batch journal and the one way a batch writes a file: checked, atomic, journalled.

A unit of work is one source file the batch ran on; its edits may also change other files
(the tests action appends to a test file). Each unit goes through two journal lines:
`writing` (with the hashes of every file's text before and after) just before the first
atomic replace, then `done`. On a re-run a unit whose files all hash to their recorded
`after` was finished (even if the run died between a replace and `done`), one whose files
all still hash to `before` was not written and is done again, and anything else was changed
by someone since and is left alone. A unit whose write was refused is `dropped`: it is done
again next time. Lines are appended and flushed to disk one by one, so a kill at any point
loses nothing.

`write_checked` is the only writer: a regular file inside the workspace (symlinks resolved,
never a symlink itself, `workspace.confine`), replaced only if it still holds the text the
edits were computed from (its hash compared immediately before the replace).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import stat
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from radix_ls.workspace.confine import ConfinementError, check_write

# The digest recorded for a file that does not exist (a file the unit creates).
ABSENT = ""


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(frozen=True)
class Entry:
    path: str
    state: str  # "writing" | "done" | "dropped"
    before: str
    after: str
    # the other files the unit writes: (workspace-relative path, before, after)
    others: tuple[tuple[str, str, str], ...] = ()

    def to_json(self) -> dict[str, object]:
        return {**self.__dict__, "others": [list(o) for o in self.others]}


def _entry(raw: dict[str, object]) -> Entry:
    listed = raw.get("others") or ()
    if not isinstance(listed, list | tuple):
        raise TypeError("others: not a list")
    others = tuple((str(p), str(b), str(a)) for p, b, a in listed)
    return Entry(str(raw["path"]), str(raw["state"]), str(raw["before"]), str(raw["after"]), others)


class Journal:
    """An append-only JSON-lines file; the last entry per path wins."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.entries: dict[str, Entry] = {}
        if path.is_file():
            for line in path.read_text("utf-8").splitlines():
                try:
                    entry = _entry(json.loads(line))
                except (ValueError, KeyError, TypeError, AttributeError):
                    continue  # a line cut short by a kill: the entry before it stands
                self.entries[entry.path] = entry
        path.parent.mkdir(parents=True, exist_ok=True)
        self._file = path.open("a", encoding="utf-8")

    def status(self, rel: str, text: str, current: Callable[[str], str] | None = None) -> str:
        """ "finished", "redo" (never written) or "changed" (someone edited it since).

        `current(rel)`: the digest of another file the unit wrote, now (ABSENT if missing)."""
        entry = self.entries.get(rel)
        if entry is None or entry.state == "dropped":
            return "redo"
        states = [(digest(text), entry.before, entry.after)]
        for other, before, after in entry.others:
            states.append((current(other) if current else ABSENT, before, after))
        if all(now == after for now, _before, after in states):
            return "finished"
        if all(now == before for now, before, _after in states):
            return "redo"
        return "changed"

    def record(
        self,
        rel: str,
        state: str,
        before: str,
        after: str,
        others: tuple[tuple[str, str, str], ...] = (),
    ) -> None:
        entry = Entry(rel, state, before, after, tuple(others))
        self.entries[rel] = entry
        self._file.write(json.dumps(entry.to_json()) + "\n")
        self._file.flush()
        os.fsync(self._file.fileno())

    def close(self, *, remove: bool = False) -> None:
        self._file.close()
        if remove:
            self.path.unlink(missing_ok=True)


class WriteRefused(Exception):
    """A write that was not made; the message names the file and says why."""


def current_digest(path: Path) -> str:
    """The digest of the text in `path` as a batch reads it (a UTF-8 BOM left out), never
    following a symlink; ABSENT when there is no such file."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except FileNotFoundError:
        return ABSENT
    except OSError as exc:
        raise WriteRefused(f"{path}: cannot be read back ({exc.strerror}); not written") from None
    with os.fdopen(fd, "rb") as f:
        if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
            raise WriteRefused(f"{path}: not a regular file; not written")
        data = f.read()
    return digest(data.decode("utf-8", "surrogateescape").removeprefix("\ufeff"))


def write_checked(path: Path, root: Path, text: str, expected: str, shown: str) -> None:
    """Replace `path`'s content with `text` in one step, only if it is allowed and unchanged.

    Allowed: `workspace.confine.check_write` (a regular file inside the root, symlinks
    resolved, not a symlink). Unchanged: the file still hashes to `expected` (the digest of
    the text the edits were computed from; ABSENT: it must not exist yet), compared right
    before the replace. The new text goes to a fresh temporary file in the same folder
    (created exclusively, so a planted link there is never followed), flushed, then renamed
    over the file; a new file is linked into place, which fails if one appeared meanwhile.
    `shown` is how messages name the file. Raises WriteRefused and leaves the file as it was.
    """
    try:
        target = check_write(path, root)
    except ConfinementError as exc:
        raise WriteRefused(f"{shown}: {_reason(exc, path)}") from None
    changed = WriteRefused(
        f"{shown}: changed on disk while the model ran (it no longer has the text the edits "
        "were computed from); not written: run again"
    )
    if current_digest(target) != expected:
        raise changed
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".radix-ls-tmp",
                                    dir=target.parent)  # fmt: skip
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(text.encode("utf-8", "surrogatepass"))
            f.flush()
            os.fsync(f.fileno())
        if expected == ABSENT:
            os.chmod(tmp, 0o666 & ~_UMASK)
            _link_new(tmp, target, changed)
            return
        os.chmod(tmp, os.lstat(target).st_mode & 0o7777)
        if current_digest(target) != expected:  # the last look, right before the replace
            raise changed
        os.replace(tmp, target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def _reason(exc: ConfinementError, path: Path) -> str:
    """The confinement error's reason without the path it starts with (the caller names it)."""
    return str(exc).removeprefix(f"{path}: ")


def _link_new(tmp: Path, target: Path, changed: WriteRefused) -> None:
    """Put a new file in place without ever replacing one that appeared meanwhile."""
    try:
        os.link(tmp, target)  # atomic, and fails if the name exists by now
    except FileExistsError:
        raise changed from None
    except OSError:  # a file system without hard links: look once more, then rename
        if current_digest(target) != ABSENT:
            raise changed from None
        os.replace(tmp, target)


def _read_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


# Read once at import (os.umask can only be read by setting it, which must not race with
# threads creating files): new files get the permissions the user's umask gives.
_UMASK = _read_umask()
